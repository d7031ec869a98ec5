import { createManualClock, type EmulatorHandler } from '../../src/emulator/index.js';
import { api, emulatorPool, UUID, waitFor } from './helpers.js';

const pool = emulatorPool();
afterEach(() => pool.closeAll());

describe('emulator: job lifecycle over HTTP', () => {
  it('run → IN_QUEUE with a <uuid>-<suffix> id, then COMPLETED with the mock output and timings', async () => {
    const clock = createManualClock(1_000_000);
    const emu = await pool.start({ clock, seed: 1 });
    const run = await api(emu, 'POST', '/ep1/run', { body: { input: { mock_return: 'done!', mock_delay: 2 } } });
    expect(run.status).toBe(200);
    expect(run.headers.get('content-type')).toBe('application/json');
    expect(run.json).toEqual({ id: expect.stringMatching(new RegExp(`^${UUID}-[ue]\\d+$`)), status: 'IN_QUEUE' });
    const id = run.json.id as string;

    const running = await api(emu, 'GET', `/ep1/status/${id}`);
    expect(running.status).toBe(200);
    expect(running.json).toMatchObject({ id, status: 'IN_PROGRESS', delayTime: 0 });
    expect(running.json.workerId).toMatch(/^[a-z0-9]{14}$/);
    expect(running.json).not.toHaveProperty('output');

    await clock.advanceAsync(2000);
    const done = await api(emu, 'POST', `/ep1/status/${id}`);
    expect(done.json).toEqual({
      id,
      status: 'COMPLETED',
      delayTime: 0,
      executionTime: 2000,
      workerId: running.json.workerId,
      output: 'done!',
    });
    expect(emu.job(id)).toMatchObject({ id, endpointId: 'ep1', status: 'COMPLETED', attempts: 1, sync: false });
    expect(emu.stats().jobsCompleted).toBe(1);
  });

  it('reports delayTime for a job that waited in the queue', async () => {
    const clock = createManualClock();
    const emu = await pool.start({ clock, workers: 1 });
    const first = await api(emu, 'POST', '/ep/run', { body: { input: { mock_delay: 5 } } });
    const second = await api(emu, 'POST', '/ep/run', { body: { input: { mock_return: 2, mock_delay: 1 } } });
    expect((await api(emu, 'GET', `/ep/status/${second.json.id}`)).json).toEqual({
      id: second.json.id,
      status: 'IN_QUEUE',
    });
    await clock.advanceAsync(6000);
    const s1 = await api(emu, 'GET', `/ep/status/${first.json.id}`);
    const s2 = await api(emu, 'GET', `/ep/status/${second.json.id}`);
    expect(s1.json).toMatchObject({ status: 'COMPLETED', delayTime: 0, executionTime: 5000 });
    expect(s2.json).toMatchObject({ status: 'COMPLETED', delayTime: 5000, executionTime: 1000, output: 2 });
  });

  it("FAILED with mock_error carries the worker SDK's JSON-encoded report and no output", async () => {
    const emu = await pool.start();
    const res = await api(emu, 'POST', '/ep/runsync', { body: { input: { mock_error: true } } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: 'FAILED', error: expect.any(String) });
    expect(JSON.parse(res.json.error)).toEqual({
      error_type: "<class 'Error'>",
      error_message: 'Mock error',
      error_traceback: expect.stringContaining('Mock error'),
      hostname: `emulator-${res.json.workerId}`,
      worker_id: res.json.workerId,
      runpod_version: 'runpod-rx-emulator',
    });
    expect(res.json.id).toMatch(new RegExp(`^sync-${UUID}-[ue]\\d+$`));
    expect(res.json).not.toHaveProperty('output');
  });

  it('a programmatic handler that throws gives FAILED with its message; non-JSON output fails too', async () => {
    const handler: EmulatorHandler = (job) => {
      const input = job.input as { kind: string };
      if (input.kind === 'throw') throw new Error('boom');
      if (input.kind === 'bigint') return { n: BigInt(1) };
      return { echoed: input };
    };
    const emu = await pool.start({ handler });
    const thrown = await api(emu, 'POST', '/ep/runsync', { body: { input: { kind: 'throw' } } });
    expect(thrown.json).toMatchObject({ status: 'FAILED' });
    expect(JSON.parse(thrown.json.error)).toMatchObject({ error_message: 'boom' });
    const bigint = await api(emu, 'POST', '/ep/runsync', { body: { input: { kind: 'bigint' } } });
    expect(bigint.json.status).toBe('FAILED');
    expect(bigint.json.error).toMatch(/JSON/);
    const ok = await api(emu, 'POST', '/ep/runsync', { body: { input: { kind: 'x' } } });
    expect(ok.json).toMatchObject({ status: 'COMPLETED', output: { echoed: { kind: 'x' } } });
  });

  it('cancels a queued job: it leaves the queue and never runs', async () => {
    const clock = createManualClock();
    const seen: string[] = [];
    const emu = await pool.start({
      clock,
      workers: 1,
      handler: async (job, ctx) => {
        seen.push(job.id);
        await ctx.sleep(10_000);
        return 'ok';
      },
    });
    const busy = await api(emu, 'POST', '/ep/run', { body: { input: {} } });
    const queued = await api(emu, 'POST', '/ep/run', { body: { input: {} } });
    const cancel = await api(emu, 'POST', `/ep/cancel/${queued.json.id}`);
    expect(cancel.status).toBe(200);
    expect(cancel.json).toEqual({ id: queued.json.id, status: 'CANCELLED' });
    expect((await api(emu, 'GET', '/ep/health')).json.jobs.inQueue).toBe(0);
    await clock.advanceAsync(20_000);
    expect(seen).toEqual([busy.json.id]);
    expect((await api(emu, 'GET', `/ep/status/${queued.json.id}`)).json.status).toBe('CANCELLED');
    expect(emu.stats().jobsCancelled).toBe(1);
  });

  it('cancels a running job: the handler signal is aborted and the worker is freed', async () => {
    let signal: AbortSignal | undefined;
    let reason: unknown;
    const emu = await pool.start({
      workers: 1,
      handler: (_job, ctx) =>
        new Promise((_resolve, reject) => {
          signal = ctx.signal;
          ctx.signal.addEventListener('abort', () => {
            reason = ctx.signal.reason;
            reject(ctx.signal.reason);
          });
        }),
    });
    const run = await api(emu, 'POST', '/ep/run', { body: { input: {} } });
    await waitFor(() => signal !== undefined, 5000, 'handler start');
    const cancel = await api(emu, 'POST', `/ep/cancel/${run.json.id}`, { body: {} });
    expect(cancel.json).toMatchObject({ id: run.json.id, status: 'CANCELLED' });
    expect(cancel.json.workerId).toEqual(expect.any(String));
    expect(signal?.aborted).toBe(true);
    expect((reason as Error).name).toBe('AbortError');
    const health = (await api(emu, 'GET', '/ep/health')).json;
    expect(health.workers).toMatchObject({ idle: 1, running: 0 });
    // Cancelling again: GUESS: current body, 200, unchanged.
    const again = await api(emu, 'POST', `/ep/cancel/${run.json.id}`);
    expect(again.status).toBe(200);
    expect(again.json.status).toBe('CANCELLED');
  });

  it('TIMED_OUT when the handler outlives policy.executionTimeout, with its signal aborted', async () => {
    const clock = createManualClock();
    let aborted = false;
    const emu = await pool.start({
      clock,
      handler: async (_job, ctx) => {
        ctx.signal.addEventListener('abort', () => (aborted = true));
        await ctx.sleep(60_000);
        return 'late';
      },
    });
    const run = await api(emu, 'POST', '/ep/run', { body: { input: {}, policy: { executionTimeout: 5000 } } });
    await clock.advanceAsync(4999);
    expect((await api(emu, 'GET', `/ep/status/${run.json.id}`)).json.status).toBe('IN_PROGRESS');
    await clock.advanceAsync(1);
    const st = await api(emu, 'GET', `/ep/status/${run.json.id}`);
    expect(st.json).toMatchObject({ status: 'TIMED_OUT', executionTime: 5000 });
    expect(aborted).toBe(true);
    expect(emu.stats().jobsTimedOut).toBe(1);
    await clock.advanceAsync(60_000);
    expect((await api(emu, 'GET', `/ep/status/${run.json.id}`)).json.status).toBe('TIMED_OUT');
  });

  it('retry requeues FAILED and TIMED_OUT jobs only, with the same id and cleared error', async () => {
    let calls = 0;
    const clock = createManualClock();
    const emu = await pool.start({
      clock,
      handler: async (job, ctx) => {
        calls += 1;
        const input = job.input as { mode: string };
        if (input.mode === 'fail-once' && calls === 1) throw new Error('first attempt fails');
        if (input.mode === 'slow') await ctx.sleep(10_000);
        return `attempt ${calls}`;
      },
    });
    const failed = await api(emu, 'POST', '/ep/runsync', { body: { input: { mode: 'fail-once' } } });
    expect(failed.json.status).toBe('FAILED');
    expect(JSON.parse(failed.json.error)).toMatchObject({ error_message: 'first attempt fails' });
    const retry = await api(emu, 'POST', `/ep/retry/${failed.json.id}`);
    expect(retry.status).toBe(200);
    expect(retry.json).toEqual({ id: failed.json.id, status: 'IN_QUEUE' });
    await waitFor(() => emu.job(failed.json.id)?.status === 'COMPLETED');
    const after = await api(emu, 'GET', `/ep/status/${failed.json.id}`);
    expect(after.json).toMatchObject({ id: failed.json.id, status: 'COMPLETED', output: 'attempt 2' });
    expect(after.json).not.toHaveProperty('error');
    expect(emu.job(failed.json.id)?.attempts).toBe(2);

    // COMPLETED → 400 (GUESS)
    const refused = await api(emu, 'POST', `/ep/retry/${failed.json.id}`);
    expect(refused.status).toBe(400);
    expect(refused.json.error).toMatch(/FAILED or TIMED_OUT/);

    // TIMED_OUT → retry allowed
    const slow = await api(emu, 'POST', '/ep/run', {
      body: { input: { mode: 'slow' }, policy: { executionTimeout: 5000 } },
    });
    await clock.advanceAsync(5000);
    expect(emu.job(slow.json.id)?.status).toBe('TIMED_OUT');
    expect((await api(emu, 'POST', `/ep/retry/${slow.json.id}`)).status).toBe(200);
    expect(emu.job(slow.json.id)?.status).toBe('IN_PROGRESS');

    expect((await api(emu, 'POST', '/ep/retry/nope-u1')).status).toBe(404);
    expect((await api(emu, 'GET', '/ep/health')).json.jobs.retried).toBe(2);
  });

  it('purge-queue removes queued jobs only; running jobs continue', async () => {
    const clock = createManualClock();
    const emu = await pool.start({ clock, workers: 1 });
    const running = await api(emu, 'POST', '/ep/run', { body: { input: { mock_delay: 1 } } });
    const q1 = await api(emu, 'POST', '/ep/run', { body: { input: {} } });
    const q2 = await api(emu, 'POST', '/ep/run', { body: { input: {} } });
    const purge = await api(emu, 'POST', '/ep/purge-queue', { body: {} });
    expect(purge.status).toBe(200);
    expect(purge.json).toEqual({ removed: 2, status: 'completed' });
    const empty = await api(emu, 'POST', '/ep/purge-queue');
    expect(empty.json).toEqual({ removed: 0, status: 'completed' });
    await clock.advanceAsync(1000);
    expect(emu.job(running.json.id)?.status).toBe('COMPLETED');
    expect(emu.job(q1.json.id)?.status).toBe('CANCELLED');
    expect(emu.job(q2.json.id)?.status).toBe('CANCELLED');
    expect(emu.stats().jobsPurged).toBe(2);
  });

  it('health counts jobs and workers per endpoint', async () => {
    const clock = createManualClock();
    const emu = await pool.start({ clock, workers: 2, endpoints: { big: { workers: 5 } } });
    expect((await api(emu, 'GET', '/fresh/health')).json).toEqual({
      jobs: { completed: 0, failed: 0, inProgress: 0, inQueue: 0, retried: 0 },
      workers: { idle: 2, running: 0, initializing: 0, ready: 2, throttled: 0, unhealthy: 0 },
    });
    expect((await api(emu, 'GET', '/big/health')).json.workers.idle).toBe(5);
    await api(emu, 'POST', '/ep/runsync', { body: { input: {} } });
    await api(emu, 'POST', '/ep/runsync', { body: { input: { mock_error: true } } });
    for (let i = 0; i < 3; i++) await api(emu, 'POST', '/ep/run', { body: { input: { mock_delay: 10 } } });
    expect((await api(emu, 'GET', '/ep/health')).json).toEqual({
      jobs: { completed: 1, failed: 1, inProgress: 2, inQueue: 1, retried: 0 },
      workers: { idle: 0, running: 2, initializing: 0, ready: 0, throttled: 0, unhealthy: 0 },
    });
    // Endpoints are independent.
    expect((await api(emu, 'GET', '/other/health')).json.jobs.completed).toBe(0);
  });

  it('progress updates appear as output while IN_PROGRESS (mock_progress)', async () => {
    const clock = createManualClock();
    const emu = await pool.start({ clock });
    const run = await api(emu, 'POST', '/ep/run', {
      body: { input: { mock_return: 'final', mock_progress: { updates: ['10%', '50%'], wait_time: 1 } } },
    });
    const id = run.json.id as string;
    expect((await api(emu, 'GET', `/ep/status/${id}`)).json).toMatchObject({ status: 'IN_PROGRESS', output: '10%' });
    await clock.advanceAsync(1000);
    expect((await api(emu, 'GET', `/ep/status/${id}`)).json).toMatchObject({ status: 'IN_PROGRESS', output: '50%' });
    await clock.advanceAsync(1000);
    expect((await api(emu, 'GET', `/ep/status/${id}`)).json).toMatchObject({ status: 'COMPLETED', output: 'final' });
  });

  it('unknown job id → 404 JSON; a job is only visible on its own endpoint', async () => {
    const emu = await pool.start();
    const res = await api(emu, 'GET', '/ep/status/does-not-exist-u1');
    expect(res.status).toBe(404);
    expect(res.json).toEqual({ error: expect.any(String) });
    const run = await api(emu, 'POST', '/ep/run', { body: { input: {} } });
    expect((await api(emu, 'GET', `/other/status/${run.json.id}`)).status).toBe(404);
    expect(emu.jobs('ep')).toHaveLength(1);
    expect(emu.jobs('other')).toHaveLength(0);
  });

  it('never emits RUNNING', async () => {
    const emu = await pool.start();
    const statuses = new Set<string>();
    const run = await api(emu, 'POST', '/ep/run', { body: { input: { mock_delay: 0.05 } } });
    for (let i = 0; i < 5; i++) statuses.add((await api(emu, 'GET', `/ep/status/${run.json.id}`)).json.status);
    const sync = await api(emu, 'GET', `/ep/status-sync/${run.json.id}?wait=5000`);
    statuses.add(sync.json.status);
    expect(statuses.has('RUNNING')).toBe(false);
    expect(sync.json.status).toBe('COMPLETED');
  });
});
