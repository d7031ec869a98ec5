import type { IncomingMessage } from 'node:http';
import { firstValueFrom, VirtualTimeScheduler } from 'rxjs';
import { isConfigError, type JobState } from 'runpod-rx';
import { startEmulator, type Emulator } from 'runpod-rx/emulator';
import { createWebhookReceiver } from 'runpod-rx/webhooks';
import { webhookMounts } from '../helpers/webhook-mounts';

const TOKEN = 'abcdefghijklmnop0123456789';

const hooks = webhookMounts();
let emulators: Emulator[] = [];
afterEach(async () => {
  await hooks.close();
  await Promise.all(emulators.map((emulator) => emulator.close()));
  emulators = [];
});

/** A receiver mounted at `/hooks/<token>` of a loopback server. */
const mounted = (options: { holdMs?: number; scheduler?: VirtualTimeScheduler; maxBodyBytes?: number } = {}) =>
  hooks.mount({ token: TOKEN, ...options });

async function post(url: string, body: string, method = 'POST'): Promise<{ status: number; json: unknown }> {
  const response = await fetch(url, { method, body: method === 'GET' ? undefined : body });
  return { status: response.status, json: await response.json() };
}

const completed: JobState = { id: 'job-1-e1', status: 'COMPLETED', output: { images: 1 }, executionTime: 12 };

describe('createWebhookReceiver', () => {
  it('hands a call to the completion waiting for its job, and completes it', async () => {
    const { receiver } = await mounted();
    const seen: JobState[] = [];
    let done = false;
    receiver.completion('job-1-e1').subscribe({ next: (state) => seen.push(state), complete: () => (done = true) });
    const reply = await post(receiver.url, JSON.stringify(completed));
    expect(reply).toEqual({ status: 200, json: {} });
    expect(seen).toEqual([completed]);
    expect(done).toBe(true);
  });

  it('holds a call that arrives before anybody waits, for holdMs on its scheduler', async () => {
    const scheduler = new VirtualTimeScheduler();
    const { receiver } = await mounted({ scheduler, holdMs: 1_000 });
    await post(receiver.url, JSON.stringify(completed));
    await post(receiver.url, JSON.stringify({ ...completed, id: 'job-2-e1' }));
    expect(await firstValueFrom(receiver.completion('job-1-e1'))).toEqual(completed);
    scheduler.flush(); // past the hold: job-2's call is forgotten
    let seen = 0;
    const waiting = receiver.completion('job-2-e1').subscribe(() => seen++);
    expect(seen).toBe(0);
    waiting.unsubscribe();
  });

  it('ignores a call with a non-terminal state, and answers 200 so RunPod does not retry it', async () => {
    const { receiver } = await mounted();
    let seen = 0;
    const waiting = receiver.completion('job-1-e1').subscribe(() => seen++);
    expect((await post(receiver.url, JSON.stringify({ id: 'job-1-e1', status: 'IN_PROGRESS' }))).status).toBe(200);
    expect(seen).toBe(0);
    waiting.unsubscribe();
  });

  it.each([
    ['a wrong token', (url: string) => url.replace(TOKEN, TOKEN.replace('a', 'b')), 'POST', '{}', 404],
    ['no token', (url: string) => url.slice(0, url.lastIndexOf('/')), 'POST', '{}', 404],
    ['a GET', (url: string) => url, 'GET', '', 405],
    ['a body that is not JSON', (url: string) => url, 'POST', '{"id":', 400],
    ['a body that is not a job state', (url: string) => url, 'POST', '{"id":"x","status":"DONE"}', 400],
  ])('refuses %s', async (_case, target, method, body, status) => {
    const { receiver } = await mounted();
    let seen = 0;
    const waiting = receiver.completion('x').subscribe(() => seen++);
    expect((await post(target(receiver.url), body, method)).status).toBe(status);
    expect(seen).toBe(0);
    waiting.unsubscribe();
  });

  it('answers 413 to a body over maxBodyBytes and keeps serving', async () => {
    const { receiver } = await mounted({ maxBodyBytes: 1_000 });
    const big = JSON.stringify({ ...completed, output: 'x'.repeat(5_000) });
    expect((await post(receiver.url, big)).status).toBe(413);
    expect((await post(receiver.url, JSON.stringify(completed))).status).toBe(200);
  });

  it('uses a body that a framework already parsed (Express with express.json())', async () => {
    const receiver = hooks.receiver({ publicUrl: 'http://127.0.0.1/hooks', token: TOKEN });
    const origin = await hooks.serve((req, res) => {
      (req as IncomingMessage & { body?: unknown }).body = completed; // as express.json() leaves it
      req.resume();
      receiver.handle(req, res);
    });
    const arrived = firstValueFrom(receiver.completion('job-1-e1'));
    expect((await post(`${origin}/mounted/elsewhere/${TOKEN}`, 'ignored')).status).toBe(200);
    expect(await arrived).toEqual(completed);
  });

  it('receives the emulator’s webhook call for a job, with its output', async () => {
    const { receiver } = await mounted();
    const emulator = await startEmulator({ apiKey: 'k' });
    emulators.push(emulator);
    const response = await fetch(`${emulator.baseUrl}/ep/run`, {
      method: 'POST',
      headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
      body: JSON.stringify({ input: { mock_return: 'done', mock_delay: 0.05 }, webhook: receiver.url }),
    });
    const { id } = (await response.json()) as { id: string };
    const state = await firstValueFrom(receiver.completion(id));
    expect(state).toMatchObject({ id, status: 'COMPLETED', output: 'done' });
  });

  it.each([
    ['a relative publicUrl', { publicUrl: '/hooks' }],
    ['a publicUrl with credentials', { publicUrl: 'https://u:p@example.com/hooks' }],
    ['a short token', { publicUrl: 'https://example.com/hooks', token: 'short' }],
    ['a token with a slash', { publicUrl: 'https://example.com/hooks', token: 'abcdefghijklmnop/q' }],
    ['a zero body limit', { publicUrl: 'https://example.com/hooks', maxBodyBytes: 0 }],
  ])('refuses %s with a ConfigError', (_case, config) => {
    expect(() => createWebhookReceiver(config)).toThrow(expect.objectContaining({ name: 'ConfigError' }));
    try {
      createWebhookReceiver(config);
    } catch (error) {
      expect(isConfigError(error)).toBe(true);
    }
  });

  it('makes a random 32-character token when none is given', () => {
    const a = createWebhookReceiver({ publicUrl: 'https://example.com/hooks/' });
    const b = createWebhookReceiver({ publicUrl: 'https://example.com/hooks/' });
    expect(a.url).toMatch(/^https:\/\/example\.com\/hooks\/[0-9a-f]{32}$/);
    expect(a.url).not.toBe(b.url);
  });
});
