// Conformance driver: drives the official runpod-sdk (ESM-only) against a base URL.
// Usage: node driver.mjs <baseUrl> <outFile>
// Writes one JSON document with every result to <outFile> (runpod-sdk prints to the
// console on its own, so stdout is not used for results).
import { writeFileSync } from 'node:fs';
import runpodSdk from 'runpod-sdk';

const [baseUrl, outFile] = process.argv.slice(2);
if (!baseUrl || !outFile) {
  process.stderr.write('usage: node driver.mjs <baseUrl> <outFile>\n');
  process.exit(2);
}

const sdk = runpodSdk('conformance-key', { baseUrl });
const results = {};

async function step(name, fn) {
  try {
    results[name] = { ok: true, value: await fn() };
  } catch (err) {
    results[name] = {
      ok: false,
      error: String(err && err.message ? err.message : err),
      status: err && err.response ? err.response.status : undefined,
      data: err && err.response ? err.response.data : undefined,
    };
  }
}

const ep = sdk.endpoint('conformance');
const single = sdk.endpoint('single-worker');

await step('runSyncFast', () => ep.runSync({ input: { mock_return: 'sdk-ok', mock_delay: 0.1 } }, 10000));
await step('runSyncViaStatusSync', () => ep.runSync({ input: { mock_return: 'late', mock_delay: 1.5 } }, 1000));
await step('runSyncFailed', () => ep.runSync({ input: { mock_error: true } }, 10000));
await step('streamList', async () => {
  const run = await ep.run({ input: { mock_return: ['a', 'b', 'c'], mock_delay: 0.1 } });
  const chunks = [];
  for await (const chunk of ep.stream(run.id)) chunks.push(chunk);
  const status = await ep.status(run.id);
  return { run, chunks, status };
});
await step('cancelRunning', async () => {
  const run = await ep.run({ input: { mock_delay: 60 } });
  await new Promise((r) => setTimeout(r, 100));
  const before = await ep.status(run.id);
  const cancel = await ep.cancel(run.id);
  const after = await ep.status(run.id);
  return { run, before, cancel, after };
});
await step('statusSync', async () => {
  const run = await ep.run({ input: { mock_return: 'ss', mock_delay: 0.3 } });
  return ep.statusSync(run.id, 5000);
});
await step('purgeQueue', async () => {
  const busy = await single.run({ input: { mock_delay: 60 } });
  for (let i = 0; i < 3; i++) await single.run({ input: {} });
  const healthBefore = await single.health();
  const purge = await single.purgeQueue();
  const healthAfter = await single.health();
  await single.cancel(busy.id);
  return { purge, healthBefore, healthAfter };
});
await step('health', () => ep.health());
await step('unknownStatus', () => ep.status('no-such-job-u1'));

writeFileSync(outFile, JSON.stringify(results));
process.exit(0);
