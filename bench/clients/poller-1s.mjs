// What runpod-python does: POST /run, then GET /status (or /stream) every second until the job
// is terminal. Written with the platform fetch, no retries (urllib3's are inert on https).
import { pool, runClient, sleep, TERMINAL } from './harness.mjs';

const call = async (task, method, path) => {
  const response = await fetch(`${task.baseUrl}/${task.endpointId}${path}`, {
    method,
    headers: { authorization: `Bearer ${task.apiKey}`, 'content-type': 'application/json' },
    body: method === 'POST' ? JSON.stringify(task.body ?? {}) : undefined,
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${text.slice(0, 100)}`);
  return JSON.parse(text);
};
const submit = (task, input) => call({ ...task, body: { input } }, 'POST', '/run');

async function waitFor(task, id, record) {
  for (;;) {
    await sleep(1000);
    const state = await call(task, 'GET', `/status/${id}`);
    if (TERMINAL.has(state.status)) return record.done(id, state.status);
  }
}

const WORKLOADS = {
  runAndWait: (task, record) =>
    pool(task.inputs, task.concurrency, async (input) => {
      try {
        const { id } = await submit(task, input);
        await waitFor(task, id, record);
      } catch (error) {
        record.error(error);
      }
    }),
  stream: (task, record) =>
    pool(task.inputs, task.concurrency, async (input) => {
      try {
        const { id } = await submit(task, input);
        for (;;) {
          await sleep(1000);
          const answer = await call(task, 'GET', `/stream/${id}`);
          for (const chunk of answer.stream ?? []) record.chunk(chunk.output.t);
          if (TERMINAL.has(answer.status) && (answer.stream ?? []).length === 0) break;
        }
        record.done(id, 'COMPLETED');
      } catch (error) {
        record.error(error);
      }
    }),
  watch: (task, record) =>
    Promise.all(task.ids.map((id) => waitFor(task, id, record).catch((error) => record.error(error)))),
  fanOut: (task, record) => WORKLOADS.runAndWait(task, record),
};

runClient((task, record) => WORKLOADS[task.workload](task, record));
