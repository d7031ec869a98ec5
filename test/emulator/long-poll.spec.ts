import { createManualClock, type EmulatorHandler } from '../../src/emulator/index.js';
import { api, emulatorPool, holdRequest, waitFor } from './helpers.js';

const pool = emulatorPool();
afterEach(() => pool.closeAll());

describe('emulator: long-polls (runsync, status-sync, stream)', () => {
  it('runsync returns the full status body when the job ends within wait', async () => {
    const clock = createManualClock();
    const emu = await pool.start({ clock });
    const pending = api(emu, 'POST', '/ep/runsync?wait=5000', {
      body: { input: { mock_return: 'fast', mock_delay: 1 } },
    });
    await waitFor(() => emu.stats().longPollsOpen === 1);
    await clock.advanceAsync(1000);
    const res = await pending;
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      id: expect.stringMatching(/^sync-.*-[ue]\d+$/),
      status: 'COMPLETED',
      delayTime: 0,
      executionTime: 1000,
      workerId: expect.any(String),
      output: 'fast',
    });
    expect(emu.stats().longPollsOpen).toBe(0);
  });

  it('runsync beyond wait returns {id, status} (IN_PROGRESS or IN_QUEUE), then status-sync releases at completion', async () => {
    const clock = createManualClock();
    const emu = await pool.start({ clock, workers: 1 });
    const first = api(emu, 'POST', '/ep/runsync?wait=2000', { body: { input: { mock_delay: 10 } } });
    await waitFor(() => emu.stats().longPollsOpen === 1);
    const second = api(emu, 'POST', '/ep/runsync?wait=2000', { body: { input: { mock_delay: 1 } } });
    await waitFor(() => emu.stats().longPollsOpen === 2);
    await clock.advanceAsync(2000);
    const r1 = await first;
    const r2 = await second;
    expect(r1.json).toEqual({ id: r1.json.id, status: 'IN_PROGRESS' });
    expect(r2.json).toEqual({ id: r2.json.id, status: 'IN_QUEUE' });

    const held = api(emu, 'GET', `/ep/status-sync/${r1.json.id}?wait=60000`);
    await waitFor(() => emu.stats().longPollsOpen === 1);
    await clock.advanceAsync(7999);
    expect(emu.stats().longPollsOpen).toBe(1);
    await clock.advanceAsync(1);
    const done = await held;
    expect(done.json).toMatchObject({
      id: r1.json.id,
      status: 'COMPLETED',
      output: 'Hello World!',
      executionTime: 10_000,
    });
  });

  it('runsync clamps wait to at least 1000 ms and defaults to 90 s', async () => {
    const clock = createManualClock();
    const emu = await pool.start({ clock });
    const small = api(emu, 'POST', '/ep/runsync?wait=1', { body: { input: { mock_delay: 100 } } });
    await waitFor(() => emu.stats().longPollsOpen === 1);
    await clock.advanceAsync(999);
    expect(emu.stats().longPollsOpen).toBe(1);
    await clock.advanceAsync(1);
    expect((await small).json.status).toBe('IN_PROGRESS');
    const dflt = api(emu, 'POST', '/ep/runsync', { body: { input: { mock_delay: 100 } } });
    await waitFor(() => emu.stats().longPollsOpen === 1);
    await clock.advanceAsync(89_999);
    expect(emu.stats().longPollsOpen).toBe(1);
    await clock.advanceAsync(1);
    expect((await dflt).json.status).toBe('IN_PROGRESS');
    expect((await api(emu, 'POST', '/ep/runsync?wait=abc', { body: { input: {} } })).status).toBe(400);
  });

  it('status-sync answers at once for a terminal job and after wait for a running one', async () => {
    const clock = createManualClock();
    const emu = await pool.start({ clock });
    const done = await api(emu, 'POST', '/ep/runsync', { body: { input: {} } });
    const now = await api(emu, 'POST', `/ep/status-sync/${done.json.id}?wait=90000`);
    expect(now.json).toMatchObject({ status: 'COMPLETED', output: 'Hello World!' });
    const slow = await api(emu, 'POST', '/ep/run', { body: { input: { mock_delay: 100 } } });
    const held = api(emu, 'GET', `/ep/status-sync/${slow.json.id}?wait=3000`);
    await waitFor(() => emu.stats().longPollsOpen === 1);
    await clock.advanceAsync(3000);
    expect((await held).json).toMatchObject({ id: slow.json.id, status: 'IN_PROGRESS' });
    expect((await api(emu, 'GET', '/ep/status-sync/unknown-u1?wait=1000')).status).toBe(404);
  });

  it('stream drains the buffer with a list mock_return, in order, ending with a terminal empty read', async () => {
    const clock = createManualClock();
    const emu = await pool.start({ clock });
    const run = await api(emu, 'POST', '/ep/run', { body: { input: { mock_return: ['a', 'b', 'c'], mock_delay: 1 } } });
    const id = run.json.id as string;
    const r1 = await api(emu, 'GET', `/ep/stream/${id}`);
    expect(r1.json).toEqual({ id, status: 'IN_PROGRESS', stream: [{ output: 'a' }] });
    // Nothing new: the read holds until the next chunk.
    const held = api(emu, 'GET', `/ep/stream/${id}?wait=10000`);
    await waitFor(() => emu.stats().longPollsOpen === 1);
    await clock.advanceAsync(1000);
    expect((await held).json).toEqual({ id, status: 'IN_PROGRESS', stream: [{ output: 'b' }] });
    await clock.advanceAsync(1000);
    const r3 = await api(emu, 'POST', `/ep/stream/${id}`);
    expect(r3.json).toEqual({ id, status: 'COMPLETED', stream: [{ output: 'c' }] });
    const r4 = await api(emu, 'GET', `/ep/stream/${id}`);
    expect(r4.json).toEqual({ id, status: 'COMPLETED', stream: [] });
    // Without returnAggregateStream, as on RunPod, the streamed job has no combined output.
    const status = await api(emu, 'GET', `/ep/status/${id}`);
    expect(status.json.status).toBe('COMPLETED');
    expect(status.json).not.toHaveProperty('output');
  });

  it('stream works with a programmatic async-iterable handler; aggregate output is the list when opted in', async () => {
    const clock = createManualClock();
    const handler: EmulatorHandler = async function* (_job, ctx) {
      for (let i = 1; i <= 3; i++) {
        await ctx.sleep(100);
        yield { token: i };
      }
    };
    const emu = await pool.start({ clock, handler, returnAggregateStream: true });
    const run = await api(emu, 'POST', '/ep/run', { body: { input: { prompt: 'x' } } });
    const id = run.json.id as string;
    await clock.advanceAsync(250);
    const r1 = await api(emu, 'GET', `/ep/stream/${id}?wait=0`);
    expect(r1.json).toEqual({
      id,
      status: 'IN_PROGRESS',
      stream: [{ output: { token: 1 } }, { output: { token: 2 } }],
    });
    await clock.advanceAsync(100);
    const r2 = await api(emu, 'GET', `/ep/stream/${id}`);
    expect(r2.json).toEqual({ id, status: 'COMPLETED', stream: [{ output: { token: 3 } }] });
    expect((await api(emu, 'GET', `/ep/status/${id}`)).json.output).toEqual([{ token: 1 }, { token: 2 }, { token: 3 }]);
  });

  it('stream without wait holds 3 s by default, then answers an empty stream', async () => {
    const clock = createManualClock();
    const emu = await pool.start({ clock });
    const run = await api(emu, 'POST', '/ep/run', { body: { input: { mock_delay: 60 } } });
    const held = api(emu, 'GET', `/ep/stream/${run.json.id}`);
    await waitFor(() => emu.stats().longPollsOpen === 1);
    await clock.advanceAsync(2999);
    expect(emu.stats().longPollsOpen).toBe(1);
    await clock.advanceAsync(1);
    expect((await held).json).toEqual({ id: run.json.id, status: 'IN_PROGRESS', stream: [] });
  });

  it('stream of a failed generator delivers earlier chunks, then FAILED with the error', async () => {
    const handler: EmulatorHandler = async function* () {
      yield 1;
      throw new Error('generator broke');
    };
    const emu = await pool.start({ handler });
    const run = await api(emu, 'POST', '/ep/run', { body: { input: {} } });
    await waitFor(() => emu.job(run.json.id)?.status === 'FAILED');
    const res = await api(emu, 'GET', `/ep/stream/${run.json.id}`);
    // The worker SDK's generator path reports a plain string: "handler: <message> \ntraceback: <stack>".
    expect(res.json).toEqual({
      id: run.json.id,
      status: 'FAILED',
      stream: [{ output: 1 }],
      error: expect.stringMatching(/^handler: generator broke \ntraceback: Error: generator broke\n/),
    });
  });

  it('cancel releases a held status-sync and stream', async () => {
    const clock = createManualClock();
    const emu = await pool.start({ clock });
    const run = await api(emu, 'POST', '/ep/run', { body: { input: { mock_delay: 100 } } });
    const sync = api(emu, 'GET', `/ep/status-sync/${run.json.id}?wait=90000`);
    const stream = api(emu, 'GET', `/ep/stream/${run.json.id}?wait=90000`);
    await waitFor(() => emu.stats().longPollsOpen === 2);
    await api(emu, 'POST', `/ep/cancel/${run.json.id}`);
    expect((await sync).json).toMatchObject({ status: 'CANCELLED' });
    expect((await stream).json).toEqual({ id: run.json.id, status: 'CANCELLED', stream: [] });
  });

  it('forgets held requests whose client went away (1,000 at once, nothing leaks)', async () => {
    const clock = createManualClock();
    // 1,000 held at once is over RunPod's 400 concurrent status-group requests: limits off.
    const emu = await pool.start({ clock, rateLimits: false, concurrencyLimits: false });
    const run = await api(emu, 'POST', '/ep/run', { body: { input: { mock_delay: 1000 } } });
    const held = Array.from({ length: 1000 }, (_, i) =>
      holdRequest(emu, `/ep/${i % 2 ? 'status-sync' : 'stream'}/${run.json.id}?wait=90000`),
    );
    await waitFor(() => emu.stats().longPollsOpen === 1000, 15_000, '1000 held long-polls');
    held.forEach((h) => h.abort());
    const outcomes = await Promise.all(held.map((h) => h.done));
    expect(outcomes.every((o) => o === 'aborted')).toBe(true);
    await waitFor(() => emu.stats().longPollsOpen === 0, 10_000, 'long-polls released');
    expect(emu.stats().longPollsPeak).toBe(1000);
    // Only the job's own timers remain (ttl + execution timeout + mock sleep).
    expect(clock.pending).toBe(3);
    expect((await api(emu, 'GET', '/ep/health')).status).toBe(200);
  });

  it('close() answers nothing more: held requests end, running handlers are aborted, timers cleared', async () => {
    const clock = createManualClock();
    let aborted = false;
    const handler: EmulatorHandler = async (_job, ctx) => {
      ctx.signal.addEventListener('abort', () => (aborted = true));
      await ctx.sleep(60_000);
      return 'never';
    };
    const emu = await pool.start({ clock, handler });
    const run = await api(emu, 'POST', '/ep/run', { body: { input: {} } });
    const held = holdRequest(emu, `/ep/status-sync/${run.json.id}?wait=90000`);
    await waitFor(() => emu.stats().longPollsOpen === 1);
    await emu.close();
    expect(typeof (await held.done)).toBe('string');
    expect(aborted).toBe(true);
    expect(emu.stats().longPollsOpen).toBe(0);
    expect(clock.pending).toBe(0);
    await emu.close();
  });
});
