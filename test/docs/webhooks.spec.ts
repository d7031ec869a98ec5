import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { lastValueFrom } from 'rxjs';
import { createEndpoint, type JobState } from 'runpod-rx';
import { startEmulator, type Emulator } from 'runpod-rx/emulator';
import { createWebhookReceiver } from './webhook-receiver';

/** Resolves once `condition` holds, checking after each turn of the event loop (jest's timeout bounds it). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

const TOKEN = 'b3f1c2d4e5a6978812ab34cd56ef7890';

describe('docs/webhooks.md: receiving webhooks', () => {
  let emulator: Emulator;
  let receiver: ReturnType<typeof createWebhookReceiver>;
  let received: JobState[];
  let base: string;
  let arrived: () => void = () => undefined;

  beforeEach(async () => {
    received = [];
    emulator = await startEmulator({ apiKey: 'k' });
    receiver = createWebhookReceiver(TOKEN, (job) => {
      received.push(job);
      arrived();
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    await emulator.close();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  it('shows test/docs/webhook-receiver.ts, verbatim, as its example', () => {
    const page = readFileSync(join(__dirname, '../../docs/webhooks.md'), 'utf8');
    const marker = '<!-- This block is test/docs/webhook-receiver.ts, verbatim';
    const start = page.indexOf('```ts\n', page.indexOf(marker)) + '```ts\n'.length;
    expect(page.indexOf(marker)).toBeGreaterThan(-1);
    expect(page.slice(start, page.indexOf('```\n', start))).toBe(
      readFileSync(join(__dirname, 'webhook-receiver.ts'), 'utf8'),
    );
  });

  it("decodes the emulator's webhook POST of a finished job: the same body /status returns", async () => {
    const endpoint = createEndpoint({ apiKey: 'k', endpointId: 'ep', baseUrl: emulator.baseUrl });
    const delivered = new Promise<void>((resolve) => (arrived = resolve));
    const job = await lastValueFrom(
      endpoint.runSync({ input: { mock_return: 'hello' }, webhook: `${base}/runpod-webhook/${TOKEN}` }),
    );
    await delivered;
    expect(job.status).toBe('COMPLETED');
    expect(received).toEqual([expect.objectContaining({ id: job.id, status: 'COMPLETED', output: 'hello' })]);
    await until(() => emulator.stats().webhooks.delivered > 0); // the emulator counts once it read our 200
    expect(emulator.stats().webhooks).toMatchObject({ attempts: 1, delivered: 1, failed: 0, retrying: 0 });
  });

  it('a wrong token gets a 404 and nothing is decoded; the emulator, like RunPod, will try again', async () => {
    const endpoint = createEndpoint({ apiKey: 'k', endpointId: 'ep', baseUrl: emulator.baseUrl });
    await lastValueFrom(endpoint.runSync({ input: { mock_return: 'x' }, webhook: `${base}/runpod-webhook/guess` }));
    await until(() => emulator.stats().webhooks.retrying > 0);
    expect(emulator.stats().webhooks).toMatchObject({ attempts: 1, delivered: 0, retrying: 1 });
    expect(received).toEqual([]);
  });

  it('answers 400 to a body that is not a status body, and 404 to anything but the POST path', async () => {
    const post = (path: string, body: string, method = 'POST') =>
      fetch(`${base}${path}`, { method, body: method === 'POST' ? body : undefined }).then((r) => r.status);
    expect(await post(`/runpod-webhook/${TOKEN}`, 'not json')).toBe(400);
    expect(await post(`/runpod-webhook/${TOKEN}`, JSON.stringify({ id: 1, status: 'DONE' }))).toBe(400);
    expect(await post(`/runpod-webhook/${TOKEN}`, '', 'GET')).toBe(404);
    expect(await post(`/runpod-webhook/${TOKEN}x`, JSON.stringify({ id: 'j', status: 'COMPLETED' }))).toBe(404);
    expect(await post(`/runpod-webhook/${TOKEN}`, JSON.stringify({ id: 'j', status: 'COMPLETED', output: 1 }))).toBe(
      200,
    );
    expect(received).toEqual([{ id: 'j', status: 'COMPLETED', output: 1 }]);
  });
});
