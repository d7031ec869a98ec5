import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createManualClock } from '../../src/emulator/index.js';
import { isLoopbackHost } from '../../src/emulator/webhooks.js';
import { api, emulatorPool, waitFor } from './helpers.js';
import { closeServers } from '../helpers/loopback-server';

const pool = emulatorPool();
const receivers: Server[] = [];
afterEach(async () => {
  await pool.closeAll();
  await closeServers(receivers);
});

/** A loopback webhook receiver answering with the given codes in turn (then 200). */
async function receiver(codes: number[]): Promise<{ url: string; bodies: unknown[] }> {
  const bodies: unknown[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString('utf8')));
    req.on('end', () => {
      bodies.push(JSON.parse(text));
      res.statusCode = codes.shift() ?? 200;
      res.end('ok');
    });
  });
  receivers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}/hook`, bodies };
}

describe('emulator: webhooks', () => {
  it('POSTs the terminal status body to the webhook once when it answers 200', async () => {
    const hook = await receiver([]);
    const emu = await pool.start();
    const res = await api(emu, 'POST', '/ep/runsync', { body: { input: { mock_return: 'x' }, webhook: hook.url } });
    await waitFor(() => emu.stats().webhooks.delivered === 1);
    expect(hook.bodies).toEqual([res.json]);
    expect(res.json).toMatchObject({ status: 'COMPLETED', output: 'x' });
    expect(emu.stats().webhooks).toEqual({ attempts: 1, delivered: 1, failed: 0, refused: 0, retrying: 0 });
  });

  it('retries twice more, 10 s apart on the clock, when the answer is not 200', async () => {
    const clock = createManualClock();
    const hook = await receiver([500, 204]);
    const emu = await pool.start({ clock });
    const res = await api(emu, 'POST', '/ep/runsync', { body: { input: { mock_error: true }, webhook: hook.url } });
    expect(res.json.status).toBe('FAILED');
    await waitFor(() => emu.stats().webhooks.retrying === 1);
    expect(hook.bodies).toHaveLength(1);
    await clock.advanceAsync(9999);
    expect(hook.bodies).toHaveLength(1);
    await clock.advanceAsync(1);
    await waitFor(() => hook.bodies.length === 2 && emu.stats().webhooks.retrying === 1);
    await clock.advanceAsync(10_000);
    await waitFor(() => emu.stats().webhooks.delivered === 1);
    expect(hook.bodies).toEqual([res.json, res.json, res.json]);
    expect(emu.stats().webhooks).toMatchObject({ attempts: 3, delivered: 1, failed: 0 });
  });

  it('gives up after 3 attempts', async () => {
    const clock = createManualClock();
    const hook = await receiver([500, 500, 500, 500]);
    const emu = await pool.start({ clock });
    await api(emu, 'POST', '/ep/runsync', { body: { input: {}, webhook: hook.url } });
    for (let i = 0; i < 2; i++) {
      await waitFor(() => emu.stats().webhooks.retrying === 1);
      await clock.advanceAsync(10_000);
    }
    await waitFor(() => emu.stats().webhooks.failed === 1);
    await clock.advanceAsync(60_000);
    expect(hook.bodies).toHaveLength(3);
    expect(emu.stats().webhooks).toMatchObject({ attempts: 3, delivered: 0, failed: 1 });
  });

  it('a webhook that cannot be reached counts as a failed attempt', async () => {
    const clock = createManualClock();
    const hook = await receiver([]);
    const deadUrl = hook.url;
    await closeServers(receivers);
    const emu = await pool.start({ clock });
    await api(emu, 'POST', '/ep/runsync', { body: { input: {}, webhook: deadUrl } });
    await waitFor(() => emu.stats().webhooks.retrying === 1);
    expect(emu.stats().webhooks.attempts).toBe(1);
  });

  it('refuses non-loopback webhook URLs unless allowRemoteWebhooks', async () => {
    const emu = await pool.start();
    const res = await api(emu, 'POST', '/ep/runsync', { body: { input: {}, webhook: 'http://example.com/hook' } });
    expect(res.json.status).toBe('COMPLETED');
    expect(emu.stats().webhooks).toMatchObject({ attempts: 0, refused: 1 });
    expect(isLoopbackHost('localhost')).toBe(true);
    expect(isLoopbackHost('127.9.9.9')).toBe(true);
    expect(isLoopbackHost('[::1]')).toBe(true);
    expect(isLoopbackHost('10.0.0.1')).toBe(false);
    expect(isLoopbackHost('example.com')).toBe(false);
    expect(isLoopbackHost('127.0.0.1.nip.io')).toBe(false);
  });
});
