import { createManualClock, type EmulatorFaults } from '../../src/emulator/index.js';
import { api, emulatorPool, rawRequest, waitFor } from './helpers.js';

const pool = emulatorPool();
afterEach(() => pool.closeAll());

const run = (emu: Parameters<typeof rawRequest>[0]) =>
  rawRequest(emu, 'POST', '/ep/run', { authorization: 'k', 'content-type': 'application/json' }, '{"input":{}}');

describe('emulator: fault injection', () => {
  it('throttle → 429 with Retry-After, no job created', async () => {
    const emu = await pool.start({ seed: 7, faults: { throttle: 1 } });
    const res = await run(emu);
    expect(res.status).toBe(429);
    expect(res.headers?.['retry-after']).toBe('1');
    expect(JSON.parse(res.text ?? '')).toEqual({ error: expect.any(String) });
    expect(emu.stats().faults.throttle).toBe(1);
    expect(emu.stats().rateLimited).toBe(0);
    expect(emu.jobs()).toHaveLength(0);
  });

  it('serverError → 500 JSON, no job created', async () => {
    const emu = await pool.start({ seed: 7, faults: { serverError: 1 } });
    const res = await run(emu);
    expect(res.status).toBe(500);
    expect(JSON.parse(res.text ?? '')).toEqual({ error: expect.any(String) });
    expect(emu.stats().faults.serverError).toBe(1);
    expect(emu.jobs()).toHaveLength(0);
  });

  it('reset → the connection is dropped without an answer, before any job exists', async () => {
    const emu = await pool.start({ seed: 7, faults: { reset: 1 } });
    const res = await run(emu);
    expect(res.status).toBeUndefined();
    expect(res.error).toBeDefined();
    await expect(api(emu, 'POST', '/ep/run', { body: { input: {} } })).rejects.toThrow();
    expect(emu.stats().faults.reset).toBe(2);
    expect(emu.jobs()).toHaveLength(0);
  });

  it('malformed → 200 with a body that is not JSON, no job created', async () => {
    const emu = await pool.start({ seed: 7, faults: { malformed: 1 } });
    const res = await api(emu, 'POST', '/ep/run', { body: { input: {} } });
    expect(res.status).toBe(200);
    expect(res.json).toBeUndefined();
    expect(() => JSON.parse(res.text)).toThrow();
    expect(emu.stats().faults.malformed).toBe(1);
    expect(emu.jobs()).toHaveLength(0);
  });

  it('truncated → 200 whose Content-Length exceeds the bytes sent, then the socket ends', async () => {
    const emu = await pool.start({ seed: 7, faults: { truncated: 1 } });
    const res = await run(emu);
    expect(res.status).toBe(200);
    expect(Number(res.headers?.['content-length'])).toBeGreaterThan(Buffer.byteLength(res.text ?? ''));
    expect(res.error).toBeDefined();
    expect(emu.stats().faults.truncated).toBe(1);
    expect(emu.jobs()).toHaveLength(0);
  });

  it('latency delays the request on the emulator clock, then handles it normally', async () => {
    const clock = createManualClock();
    const emu = await pool.start({ seed: 7, clock, faults: { latency: { rate: 1, ms: 5000 } } });
    let settled = false;
    const pending = api(emu, 'POST', '/ep/run', { body: { input: {} } }).then((r) => {
      settled = true;
      return r;
    });
    await waitFor(() => emu.stats().faults.latency === 1);
    await clock.advanceAsync(4999);
    expect(settled).toBe(false);
    expect(emu.jobs()).toHaveLength(0);
    await clock.advanceAsync(1);
    const res = await pending;
    expect(res.status).toBe(200);
    expect(emu.jobs()).toHaveLength(1);
  });

  it('faults can be limited to some routes and never change job state', async () => {
    const emu = await pool.start({ seed: 3, faults: { serverError: 1, routes: ['status'] } });
    const sync = await api(emu, 'POST', '/ep/runsync', { body: { input: {} } });
    expect(sync.json.status).toBe('COMPLETED');
    expect((await api(emu, 'GET', `/ep/status/${sync.json.id}`)).status).toBe(500);
    expect((await api(emu, 'GET', `/ep/status-sync/${sync.json.id}`)).status).toBe(200);
    expect(emu.job(sync.json.id)?.status).toBe('COMPLETED');
  });

  it('a seed reproduces the same fault sequence (and ids)', async () => {
    const faults: EmulatorFaults = { throttle: 0.2, serverError: 0.2, malformed: 0.2 };
    const outcomes = async (): Promise<string[]> => {
      const emu = await pool.start({ seed: 42, faults, rateLimits: false });
      const out: string[] = [];
      for (let i = 0; i < 40; i++) {
        const res = await api(emu, 'POST', '/ep/run', { body: { input: {} } });
        out.push(`${res.status}:${res.json?.id ?? '-'}`);
      }
      const { faults: counted } = emu.stats();
      out.push(JSON.stringify(counted));
      return out;
    };
    const a = await outcomes();
    const b = await outcomes();
    expect(a).toEqual(b);
    const kinds = new Set(a.slice(0, 40).map((o) => o.split(':')[0]));
    expect([...kinds].sort()).toEqual(['200', '429', '500']);
  });

  it('rejects rates outside [0, 1]', async () => {
    await expect(pool.start({ faults: { reset: 2 } })).rejects.toThrow(RangeError);
  });
});
