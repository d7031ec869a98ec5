import { RUNPOD_CONCURRENCY } from '../../src/runpod-rules.js';
import { ConcurrencyLimiter } from '../../src/emulator/concurrency-limiter.js';
import { createManualClock, startEmulator } from '../../src/emulator/index.js';
import { api, emulatorPool, holdRequest, waitFor } from './helpers.js';

const pool = emulatorPool();
afterEach(() => pool.closeAll());

describe('emulator: concurrent-request limits', () => {
  it("defaults to RunPod's numbers, from the shared table", () => {
    const limiter = new ConcurrencyLimiter();
    expect({
      run: limiter.limitOf('run'),
      runsync: limiter.limitOf('runsync'),
      status: limiter.limitOf('status'),
      cancel: limiter.limitOf('cancel'),
    }).toEqual({ ...RUNPOD_CONCURRENCY });
    expect(RUNPOD_CONCURRENCY).toEqual({ run: 200, runsync: 400, status: 400, cancel: 20 });
  });

  it('counts a place per request until its answer, per endpoint and group; unlimited routes pass', () => {
    const limiter = new ConcurrencyLimiter({ status: 2 });
    const a = limiter.enter('ep', 'status-sync');
    const b = limiter.enter('ep', 'stream');
    expect(a).toBeDefined();
    expect(b).toBeDefined();
    expect(limiter.enter('ep', 'status')).toBeUndefined();
    expect(limiter.enter('other', 'status')).toBeDefined();
    expect(limiter.enter('ep', 'run')).toBeDefined();
    for (let i = 0; i < 1000; i++) expect(limiter.enter('ep', 'health')).toBeDefined();
    a!();
    a!(); // idempotent: frees one place only
    expect(limiter.enter('ep', 'status')).toBeDefined();
    expect(limiter.enter('ep', 'status')).toBeUndefined();
  });

  it('answers 429 Retry-After: 1 to the 401st held status-group request, and admits again once one ends', async () => {
    const clock = createManualClock();
    const emu = await pool.start({ clock, rateLimits: false });
    const run = await api(emu, 'POST', '/ep/run', { body: { input: { mock_delay: 1000 } } });
    const id = run.json.id as string;
    const held = Array.from({ length: 400 }, (_, i) =>
      holdRequest(emu, `/ep/${i % 2 ? 'status-sync' : 'stream'}/${id}?wait=90000`),
    );
    await waitFor(() => emu.stats().longPollsOpen === 400, 15_000, '400 held long-polls');
    const refused = await api(emu, 'GET', `/ep/status/${id}`);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.json).toEqual({ error: expect.stringMatching(/too many concurrent/) });
    expect(emu.stats().concurrencyLimited).toBe(1);
    // Another endpoint and another group are not affected.
    expect((await api(emu, 'GET', '/other/health')).status).toBe(200);
    expect((await api(emu, 'POST', '/ep/run', { body: { input: {} } })).status).toBe(200);
    // A client that goes away frees its place.
    held[0].abort();
    await held[0].done;
    await waitFor(() => emu.stats().longPollsOpen === 399, 5000, 'one long-poll dropped');
    let admitted = await api(emu, 'GET', `/ep/status/${id}`);
    for (let i = 0; admitted.status === 429 && i < 50; i++) {
      await new Promise((r) => setTimeout(r, 10));
      admitted = await api(emu, 'GET', `/ep/status/${id}`);
    }
    expect(admitted.status).toBe(200);
    held.forEach((h) => h.abort());
    await Promise.all(held.map((h) => h.done));
  });

  it('limits cancel to 20 in flight by default; concurrencyLimits: false lifts it', async () => {
    // A latency fault holds every cancel in flight until the clock moves.
    const faults = { latency: { rate: 1, ms: 60_000 }, routes: ['cancel' as const] };
    const clock = createManualClock();
    const limited = await pool.start({ clock, rateLimits: false, faults });
    const first = Array.from({ length: 20 }, () => api(limited, 'POST', '/ep/cancel/nope-u1'));
    await waitFor(() => (limited.stats().requests.cancel ?? 0) === 20);
    const over = await api(limited, 'POST', '/ep/cancel/nope-e1');
    expect(over.status).toBe(429);
    expect(limited.stats().concurrencyLimited).toBe(1);
    await clock.advanceAsync(60_000);
    expect((await Promise.all(first)).map((r) => r.status)).toEqual(Array(20).fill(404));

    const clock2 = createManualClock();
    const free = await pool.start({ clock: clock2, rateLimits: false, faults, concurrencyLimits: false });
    const many = Array.from({ length: 30 }, () => api(free, 'POST', '/ep/cancel/nope-u1'));
    await waitFor(() => (free.stats().requests.cancel ?? 0) === 30);
    await clock2.advanceAsync(60_000);
    expect((await Promise.all(many)).map((r) => r.status)).toEqual(Array(30).fill(404));
    expect(free.stats().concurrencyLimited).toBe(0);
  });

  it('per-group numbers override the defaults, for runsync too', async () => {
    const clock = createManualClock();
    const emu = await pool.start({ clock, rateLimits: false, concurrencyLimits: { runsync: 2 } });
    const held = [0, 1].map(() => api(emu, 'POST', '/ep/runsync?wait=60000', { body: { input: { mock_delay: 10 } } }));
    await waitFor(() => emu.stats().longPollsOpen === 2);
    const third = await api(emu, 'POST', '/ep/runsync', { body: { input: {} } });
    expect(third.status).toBe(429);
    expect(emu.stats().jobsCreated).toBe(2);
    await clock.advanceAsync(10_000);
    expect((await Promise.all(held)).map((r) => r.json.status)).toEqual(['COMPLETED', 'COMPLETED']);
  });

  it('refuses a limit under 1', async () => {
    await expect(startEmulator({ concurrencyLimits: { cancel: 0 } })).rejects.toThrow(RangeError);
    await expect(startEmulator({ maxQueuedJobs: 0 })).rejects.toThrow(RangeError);
  });
});

describe('emulator: full queue', () => {
  it('answers 429 to /run and /runsync once maxQueuedJobs are queued, and creates no job', async () => {
    const clock = createManualClock();
    const emu = await pool.start({ clock, workers: 1, maxQueuedJobs: 3 });
    for (let i = 0; i < 4; i++) {
      expect((await api(emu, 'POST', '/ep/run', { body: { input: { mock_delay: 60 } } })).status).toBe(200);
    }
    expect((await api(emu, 'GET', '/ep/health')).json.jobs).toMatchObject({ inProgress: 1, inQueue: 3 });
    const run = await api(emu, 'POST', '/ep/run', { body: { input: {} } });
    expect(run.status).toBe(429);
    expect(run.headers.get('retry-after')).toBe('1');
    expect(run.json).toEqual({ error: expect.stringMatching(/queue full/) });
    expect((await api(emu, 'POST', '/ep/runsync', { body: { input: {} } })).status).toBe(429);
    expect(emu.stats()).toMatchObject({ jobsCreated: 4, queueFull: 2 });
    // Another endpoint has its own queue; a purged queue takes jobs again.
    expect((await api(emu, 'POST', '/other/run', { body: { input: {} } })).status).toBe(200);
    expect((await api(emu, 'POST', '/ep/purge-queue')).json).toEqual({ removed: 3, status: 'completed' });
    expect((await api(emu, 'POST', '/ep/run', { body: { input: {} } })).status).toBe(200);
  });

  it('maxQueuedJobs: false queues without limit', async () => {
    const clock = createManualClock();
    const emu = await pool.start({ clock, workers: 1, maxQueuedJobs: false });
    for (let i = 0; i < 60; i++) {
      expect((await api(emu, 'POST', '/ep/run', { body: { input: { mock_delay: 60 } } })).status).toBe(200);
    }
    expect((await api(emu, 'GET', '/ep/health')).json.jobs.inQueue).toBe(59);
    expect(emu.stats().queueFull).toBe(0);
  });
});
