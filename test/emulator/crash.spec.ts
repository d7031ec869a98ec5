import { WorkerCrash, type EmulatorHandler } from '../../src/emulator/index.js';
import { api, emulatorPool, waitFor } from './helpers.js';

const pool = emulatorPool();
afterEach(() => pool.closeAll());

describe('emulator: worker crashes', () => {
  it('mock_crash: the worker is replaced, the job is requeued once, then FAILED', async () => {
    const emu = await pool.start({ workers: 1 });
    const before = (await api(emu, 'GET', '/ep/health')).json;
    const res = await api(emu, 'POST', '/ep/runsync', { body: { input: { mock_crash: true } } });
    expect(res.json).toMatchObject({ status: 'FAILED', error: expect.stringMatching(/Worker exited unexpectedly/) });
    expect(emu.job(res.json.id)?.attempts).toBe(2);
    const health = (await api(emu, 'GET', '/ep/health')).json;
    expect(health.jobs).toMatchObject({ failed: 1, retried: 1, inProgress: 0, inQueue: 0 });
    expect(health.workers).toMatchObject({ idle: 1, running: 0 });
    expect(before.workers.idle).toBe(1);
    expect(emu.stats().workerCrashes).toBe(2);
    // The replacement worker takes new jobs under a new id.
    const next = await api(emu, 'POST', '/ep/runsync', { body: { input: {} } });
    expect(next.json.status).toBe('COMPLETED');
    expect(next.json.workerId).not.toBe(res.json.workerId);
  });

  it('a handler crash that does not repeat: requeued at the head and COMPLETED on a new worker', async () => {
    let calls = 0;
    const workerIds: string[] = [];
    const handler: EmulatorHandler = () => {
      calls += 1;
      if (calls === 1) throw new WorkerCrash('segfault');
      return 'recovered';
    };
    const emu = await pool.start({ handler, workers: 1 });
    const run = await api(emu, 'POST', '/ep/run', { body: { input: {} } });
    await waitFor(() => emu.job(run.json.id)?.status === 'COMPLETED');
    const st = (await api(emu, 'GET', `/ep/status/${run.json.id}`)).json;
    workerIds.push(st.workerId);
    expect(st).toMatchObject({ status: 'COMPLETED', output: 'recovered' });
    expect(emu.job(run.json.id)?.attempts).toBe(2);
    expect(emu.stats()).toMatchObject({ workerCrashes: 1, jobsRetried: 1, jobsCompleted: 1 });
  });
});
