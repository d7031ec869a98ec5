import { createManualClock } from '../../src/emulator/index.js';
import { api, emulatorPool, waitFor } from './helpers.js';

const pool = emulatorPool();
afterEach(() => pool.closeAll());

describe('emulator: ttl and retention on the manual clock', () => {
  it('keeps /run results 30 min after completion, then 404', async () => {
    const clock = createManualClock();
    const emu = await pool.start({ clock });
    const run = await api(emu, 'POST', '/ep/run', { body: { input: { mock_delay: 5 } } });
    await clock.advanceAsync(5000);
    expect(emu.job(run.json.id)?.status).toBe('COMPLETED');
    await clock.advanceAsync(30 * 60_000 - 1);
    expect((await api(emu, 'GET', `/ep/status/${run.json.id}`)).status).toBe(200);
    await clock.advanceAsync(1);
    const gone = await api(emu, 'GET', `/ep/status/${run.json.id}`);
    expect(gone.status).toBe(404);
    expect(gone.json).toEqual({ error: expect.any(String) });
    expect((await api(emu, 'POST', `/ep/retry/${run.json.id}`)).status).toBe(404);
    expect(emu.job(run.json.id)).toBeUndefined();
    expect(emu.stats().jobsExpired).toBe(1);
  });

  it('keeps /runsync results 60 s, then 404', async () => {
    const clock = createManualClock();
    const emu = await pool.start({ clock });
    const res = await api(emu, 'POST', '/ep/runsync', { body: { input: {} } });
    expect(res.json.status).toBe('COMPLETED');
    await clock.advanceAsync(59_999);
    expect((await api(emu, 'GET', `/ep/status/${res.json.id}`)).status).toBe(200);
    await clock.advanceAsync(1);
    expect((await api(emu, 'GET', `/ep/status/${res.json.id}`)).status).toBe(404);
  });

  it('honours retention overrides', async () => {
    const clock = createManualClock();
    const emu = await pool.start({ clock, retention: { runMs: 1000, runsyncMs: 10 } });
    const a = await api(emu, 'POST', '/ep/run', { body: { input: {} } });
    const b = await api(emu, 'POST', '/ep/runsync', { body: { input: {} } });
    await waitFor(() => emu.job(a.json.id)?.status === 'COMPLETED');
    await clock.advanceAsync(10);
    expect(emu.job(b.json.id)).toBeUndefined();
    expect(emu.job(a.json.id)).toBeDefined();
    await clock.advanceAsync(990);
    expect(emu.job(a.json.id)).toBeUndefined();
  });

  it('policy.ttl deletes a queued job, a running job (aborting it) and a finished one, counted from submission', async () => {
    const clock = createManualClock();
    let aborted = 0;
    const emu = await pool.start({
      clock,
      workers: 1,
      handler: async (job, ctx) => {
        ctx.signal.addEventListener('abort', () => (aborted += 1));
        await ctx.sleep((job.input as { ms: number }).ms);
        return 'ok';
      },
    });
    const running = await api(emu, 'POST', '/ep/run', { body: { input: { ms: 100_000 }, policy: { ttl: 20_000 } } });
    const queued = await api(emu, 'POST', '/ep/run', { body: { input: { ms: 1 }, policy: { ttl: 10_000 } } });
    await clock.advanceAsync(10_000);
    expect((await api(emu, 'GET', `/ep/status/${queued.json.id}`)).status).toBe(404);
    expect((await api(emu, 'GET', `/ep/status/${running.json.id}`)).json.status).toBe('IN_PROGRESS');
    await clock.advanceAsync(10_000);
    expect((await api(emu, 'GET', `/ep/status/${running.json.id}`)).status).toBe(404);
    expect(aborted).toBe(1);
    expect((await api(emu, 'GET', '/ep/health')).json.workers).toMatchObject({ idle: 1, running: 0 });

    // A finished job goes at its ttl even when retention would keep it longer.
    const finished = await api(emu, 'POST', '/ep/run', { body: { input: { ms: 1000 }, policy: { ttl: 30_000 } } });
    await waitFor(() => emu.job(finished.json.id)?.status === 'IN_PROGRESS');
    await clock.advanceAsync(1000);
    expect(emu.job(finished.json.id)?.status).toBe('COMPLETED');
    await clock.advanceAsync(28_999);
    expect((await api(emu, 'GET', `/ep/status/${finished.json.id}`)).status).toBe(200);
    await clock.advanceAsync(1);
    expect((await api(emu, 'GET', `/ep/status/${finished.json.id}`)).status).toBe(404);
    expect(emu.stats().jobsExpired).toBe(3);
  });

  it('a ttl expiry releases a held status-sync with 404', async () => {
    const clock = createManualClock();
    const emu = await pool.start({ clock });
    const run = await api(emu, 'POST', '/ep/run', { body: { input: { mock_delay: 100 }, policy: { ttl: 10_000 } } });
    const held = api(emu, 'GET', `/ep/status-sync/${run.json.id}?wait=90000`);
    await waitFor(() => emu.stats().longPollsOpen === 1);
    await clock.advanceAsync(10_000);
    expect((await held).status).toBe(404);
  });

  it('?ttl= on /status shortens retention (GUESS), never lengthens it', async () => {
    const clock = createManualClock();
    const emu = await pool.start({ clock });
    const run = await api(emu, 'POST', '/ep/run', { body: { input: { mock_delay: 1 } } });
    // Asked while running: applies after completion.
    expect((await api(emu, 'GET', `/ep/status/${run.json.id}?ttl=6000`)).json.status).toBe('IN_PROGRESS');
    await clock.advanceAsync(1000);
    await clock.advanceAsync(5999);
    expect(emu.job(run.json.id)).toBeDefined();
    await clock.advanceAsync(1);
    expect(emu.job(run.json.id)).toBeUndefined();

    const other = await api(emu, 'POST', '/ep/runsync', { body: { input: {} } });
    expect((await api(emu, 'GET', `/ep/status/${other.json.id}?ttl=600000`)).status).toBe(200);
    await clock.advanceAsync(60_000);
    expect(emu.job(other.json.id)).toBeUndefined();
    expect((await api(emu, 'GET', '/ep/status/x-u1?ttl=abc')).status).toBe(400);
  });
});
