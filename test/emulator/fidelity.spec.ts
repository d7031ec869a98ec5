/**
 * The emulator answers like RunPod's real workers (issue 13): the mock worker's order and
 * defaults, the worker SDK's failure reports and aggregate output, varied id suffixes, policy
 * minimums; and the runpod-rx client reading those answers, over loopback HTTP.
 */
import { firstValueFrom, lastValueFrom } from 'rxjs';
import { createEndpoint, isJobFailedError } from 'runpod-rx';
import { createManualClock, type EmulatorHandler } from '../../src/emulator/index.js';
import { api, emulatorPool, UUID, waitFor } from './helpers.js';

const pool = emulatorPool();
afterEach(() => pool.closeAll());

describe('emulator fidelity: the mock worker', () => {
  it('raises mock_error before its delay: {mock_error, mock_delay: 5} fails at once', async () => {
    const clock = createManualClock();
    const emu = await pool.start({ clock });
    const run = await api(emu, 'POST', '/ep/run', { body: { input: { mock_error: true, mock_delay: 5 } } });
    await waitFor(() => emu.job(run.json.id)?.status === 'FAILED');
    const status = (await api(emu, 'GET', `/ep/status/${run.json.id}`)).json;
    expect(status).toMatchObject({ status: 'FAILED', executionTime: 0 });
    expect(JSON.parse(status.error)).toMatchObject({ error_message: 'Mock error', worker_id: status.workerId });
    expect(clock.now()).toBe(0);
  });

  it('crashes before its delay: {mock_crash, mock_delay: 5} ends FAILED without the clock moving', async () => {
    const clock = createManualClock();
    const emu = await pool.start({ clock, workers: 1 });
    const run = await api(emu, 'POST', '/ep/run', {
      body: { input: { mock_crash: true, mock_error: true, mock_delay: 5 } },
    });
    await waitFor(() => emu.job(run.json.id)?.status === 'FAILED');
    const status = (await api(emu, 'GET', `/ep/status/${run.json.id}`)).json;
    // The crash wins over the error (checked first), so the platform's text, not a report.
    expect(status.error).toMatch(/Worker exited unexpectedly/);
    expect(emu.stats().workerCrashes).toBe(2);
    expect(clock.now()).toBe(0);
  });

  it('sends progress after the delay, wait_time seconds apart, then returns', async () => {
    const clock = createManualClock();
    const emu = await pool.start({ clock });
    const run = await api(emu, 'POST', '/ep/run', {
      body: { input: { mock_return: 'done', mock_delay: 2, mock_progress: { updates: ['a', 'b'], wait_time: 1 } } },
    });
    const id = run.json.id as string;
    const at = async () => (await api(emu, 'GET', `/ep/status/${id}`)).json;
    const started = await at();
    expect(started.status).toBe('IN_PROGRESS');
    expect(started).not.toHaveProperty('output');
    await clock.advanceAsync(2000);
    expect(await at()).toMatchObject({ status: 'IN_PROGRESS', output: 'a' });
    await clock.advanceAsync(1000);
    expect(await at()).toMatchObject({ status: 'IN_PROGRESS', output: 'b' });
    await clock.advanceAsync(1000);
    expect(await at()).toMatchObject({ status: 'COMPLETED', output: 'done', executionTime: 4000 });
  });

  it('wait_time defaults to 0: the updates pass at once after the delay', async () => {
    const clock = createManualClock();
    const emu = await pool.start({ clock });
    const run = await api(emu, 'POST', '/ep/run', {
      body: { input: { mock_delay: 1, mock_progress: { updates: [1, 2, 3] } } },
    });
    expect((await api(emu, 'GET', `/ep/status/${run.json.id}`)).json.status).toBe('IN_PROGRESS');
    await clock.advanceAsync(1000);
    await waitFor(() => emu.job(run.json.id)?.status === 'COMPLETED');
    const done = (await api(emu, 'GET', `/ep/status/${run.json.id}`)).json;
    expect(done).toMatchObject({ status: 'COMPLETED', output: 'Hello World!', executionTime: 1000 });
  });

  it('mock_refresh returns {mock_return}, as the worker SDK strips refresh_worker', async () => {
    const emu = await pool.start();
    const res = await api(emu, 'POST', '/ep/runsync', { body: { input: { mock_return: 7, mock_refresh: true } } });
    expect(res.json).toMatchObject({ status: 'COMPLETED', output: { mock_return: 7 } });
  });

  it('a list mock_return with mock_error fails at once with the generator text, streaming nothing', async () => {
    const emu = await pool.start();
    const res = await api(emu, 'POST', '/ep/runsync', {
      body: { input: { mock_return: ['a', 'b'], mock_delay: 5, mock_error: 'list broke' } },
    });
    expect(res.json.status).toBe('FAILED');
    expect(res.json.error).toMatch(/^handler: list broke \ntraceback: Error: list broke/);
    expect((await api(emu, 'GET', `/ep/stream/${res.json.id}`)).json.stream).toEqual([]);
  });
});

describe('emulator fidelity: aggregate output (return_aggregate_stream)', () => {
  const list = { mock_return: ['x', 'y'] };

  it('a streamed job has no output by default; the chunks stay readable on /stream', async () => {
    const emu = await pool.start();
    const res = await api(emu, 'POST', '/ep/runsync', { body: { input: list } });
    expect(res.json.status).toBe('COMPLETED');
    expect(res.json).not.toHaveProperty('output');
    const stream = await api(emu, 'GET', `/ep/stream/${res.json.id}`);
    expect(stream.json.stream).toEqual([{ output: 'x' }, { output: 'y' }]);
  });

  it('returnAggregateStream keeps the list, globally or per endpoint (the endpoint wins)', async () => {
    const emu = await pool.start({
      returnAggregateStream: true,
      endpoints: { plain: { returnAggregateStream: false }, agg: { returnAggregateStream: true } },
    });
    const onGlobal = await api(emu, 'POST', '/any/runsync', { body: { input: list } });
    expect(onGlobal.json).toMatchObject({ status: 'COMPLETED', output: ['x', 'y'] });
    const plain = await api(emu, 'POST', '/plain/runsync', { body: { input: list } });
    expect(plain.json).not.toHaveProperty('output');
    const other = await pool.start({ endpoints: { agg: { returnAggregateStream: true } } });
    expect((await api(other, 'POST', '/agg/runsync', { body: { input: list } })).json.output).toEqual(['x', 'y']);
    expect((await api(other, 'POST', '/ep/runsync', { body: { input: list } })).json).not.toHaveProperty('output');
  });

  it("reads errors the worker SDK's way: a returned or streamed {error} fails the job, {} has no output", async () => {
    const handler: EmulatorHandler = async function (job) {
      const kind = (job.input as { kind: string }).kind;
      if (kind === 'returned') return { error: 'bad input', partial: 1 };
      if (kind === 'empty') return {};
      return (async function* () {
        yield 'first';
        yield { error: 'mid-stream failure' };
        yield 'never';
      })();
    };
    const emu = await pool.start({ handler, returnAggregateStream: true });
    const returned = await api(emu, 'POST', '/ep/runsync', { body: { input: { kind: 'returned' } } });
    expect(returned.json).toMatchObject({ status: 'FAILED', error: 'bad input' });
    expect(returned.json).not.toHaveProperty('output');
    const empty = await api(emu, 'POST', '/ep/runsync', { body: { input: { kind: 'empty' } } });
    expect(empty.json.status).toBe('COMPLETED');
    expect(empty.json).not.toHaveProperty('output');
    const streamed = await api(emu, 'POST', '/ep/runsync', { body: { input: { kind: 'stream' } } });
    expect(streamed.json).toMatchObject({ status: 'FAILED', error: 'mid-stream failure' });
    expect((await api(emu, 'GET', `/ep/stream/${streamed.json.id}`)).json.stream).toEqual([{ output: 'first' }]);
  });
});

describe('emulator fidelity: ids and policies', () => {
  it('job ids end in -u1, -e1 or -e2, reproducibly for a seed', async () => {
    const idsOf = async (seed: number) => {
      const emu = await pool.start({ seed, rateLimits: false });
      const ids: string[] = [];
      for (let i = 0; i < 24; i++) {
        const path = i % 2 ? '/ep/run' : '/ep/runsync';
        ids.push((await api(emu, 'POST', path, { body: { input: {} } })).json.id);
      }
      return ids;
    };
    const ids = await idsOf(42);
    for (const id of ids) expect(id).toMatch(new RegExp(`^(sync-)?${UUID}-(u1|e1|e2)$`));
    const suffixes = new Set(ids.map((id) => id.slice(id.lastIndexOf('-') + 1)));
    expect(suffixes.has('u1')).toBe(true);
    expect([...suffixes].some((s) => s.startsWith('e'))).toBe(true);
    expect(await idsOf(42)).toEqual(ids);
  });

  it.each([
    ['executionTimeout 4,999 ms', 400, { executionTimeout: 4_999 }],
    ['executionTimeout 5,000 ms', 200, { executionTimeout: 5_000 }],
    ['ttl 9,999 ms', 400, { ttl: 9_999 }],
    ['ttl 10,000 ms', 200, { ttl: 10_000 }],
    ['executionTimeout 7 days + 1 ms', 400, { executionTimeout: 7 * 86_400_000 + 1 }],
    ['ttl 7 days', 200, { ttl: 7 * 86_400_000 }],
  ])("answers RunPod's policy range: %s → %i", async (_what, code, policy) => {
    const emu = await pool.start();
    const res = await api(emu, 'POST', '/ep/run', { body: { input: {}, policy } });
    expect(res.status).toBe(code);
    if (code === 400) expect(res.json.error).toMatch(/^policy\.\w+ must be a number of milliseconds from \d+ to \d+$/);
    expect(emu.stats().jobsCreated).toBe(code === 200 ? 1 : 0);
  });
});

describe('runpod-rx reading the real shapes from the emulator', () => {
  it("stream of a failed job: JobFailedError with the report's details, job.error as received", async () => {
    const emu = await pool.start();
    const endpoint = createEndpoint({ apiKey: 'k', endpointId: 'ep', baseUrl: emu.baseUrl, env: {} });
    const { id } = await firstValueFrom(endpoint.run({ input: { mock_error: 'model not loaded' } }));
    const error = await lastValueFrom(endpoint.stream(id)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isJobFailedError(error)).toBe(true);
    if (!isJobFailedError(error)) return;
    expect(error.details).toMatchObject({
      type: "<class 'Error'>",
      message: 'model not loaded',
      traceback: expect.stringContaining('model not loaded'),
      workerId: expect.stringMatching(/^[a-z0-9]{14}$/),
      runpodVersion: 'runpod-rx-emulator',
    });
    expect(JSON.parse(error.job.error as string)).toMatchObject({ error_message: 'model not loaded' });
    expect(error.message).toMatch(/ended FAILED: model not loaded$/);
  });
});
