import { firstValueFrom, lastValueFrom } from 'rxjs';
import { createEndpoint, isDecodeError, type EndpointConfig, type JobState, type RunpodEvent } from 'runpod-rx';
import { startEmulator, type Emulator, type EmulatorFaults, type EmulatorJobSnapshot } from 'runpod-rx/emulator';
import { retryOnThrottle } from 'runpod-rx/operators';
import { eventually, outcome } from '../reliability/helpers';

const KEY = 'ownership-key';

/** Owned jobs over loopback HTTP: whatever ends a subscription early, its job does not outlive it. */
describe('owned jobs against the emulator', () => {
  const emulators: Emulator[] = [];
  const figures: Record<string, unknown> = {};
  afterAll(() => {
    if (process.env.RELIABILITY_FIGURES) console.log(`ownership figures\n${JSON.stringify(figures, null, 2)}`);
    return Promise.all(emulators.map((emulator) => emulator.close()));
  });

  const start = async (faults?: EmulatorFaults): Promise<Emulator> => {
    const emulator = await startEmulator({ apiKey: KEY, seed: 7, workers: 2, ...(faults && { faults }) });
    emulators.push(emulator);
    return emulator;
  };
  const connect = (emulator: Emulator, endpointId: string, events: RunpodEvent[], config: EndpointConfig = {}) =>
    createEndpoint({
      apiKey: KEY,
      endpointId,
      baseUrl: emulator.baseUrl,
      env: {},
      onEvent: (event) => events.push(event),
      ...config,
    });
  const byStatus = (jobs: EmulatorJobSnapshot[]) =>
    jobs.reduce<Record<string, number>>(
      (counts, job) => ({ ...counts, [job.status]: (counts[job.status] ?? 0) + 1 }),
      {},
    );
  const settled = (emulator: Emulator, endpointId: string) => () =>
    emulator.jobs(endpointId).every((job) => ['COMPLETED', 'CANCELLED', 'FAILED', 'TIMED_OUT'].includes(job.status));

  it('submit wrapped in retryOnThrottle({ count: 20 }), status reads throttled 60 %: exactly 1 job per submission', async () => {
    const emulator = await start({ throttle: 0.6, routes: ['status', 'status-sync'] });
    const events: RunpodEvent[] = [];
    const ids = Array.from({ length: 8 }, (_, i) => `throttled-${i}`);
    const results = await Promise.all(
      ids.map((id) =>
        lastValueFrom(
          connect(emulator, id, events)
            .submit({ input: { mock_return: id, mock_delay: 0.3 } })
            .pipe(retryOnThrottle({ count: 20 })),
        ),
      ),
    );
    expect(results.map((job) => job.status)).toEqual(ids.map(() => 'COMPLETED'));
    const throttled = events.filter((e) => e.type === 'response' && e.status === 429).length;
    figures.retryOnThrottle = { submissions: 8, throttledReads: throttled, jobs: emulator.jobs().length };
    expect(throttled).toBeGreaterThan(8); // the reads were throttled, many times
    for (const id of ids) expect(byStatus(emulator.jobs(id))).toEqual({ COMPLETED: 1 });
    expect(events.filter((e) => e.type === 'job-created')).toHaveLength(8);
    expect(events.filter((e) => e.type === 'cancel-on-abandon')).toHaveLength(0);
  });

  it('the same with the client retries off: each failed attempt cancels its job, 1 COMPLETED per submission', async () => {
    const emulator = await start({ throttle: 0.6, routes: ['status', 'status-sync'] });
    const events: RunpodEvent[] = [];
    const ids = Array.from({ length: 6 }, (_, i) => `bare-${i}`);
    await Promise.all(
      ids.map((id) =>
        lastValueFrom(
          connect(emulator, id, events, { retry: false })
            .submit({ input: { mock_delay: 0.3 } })
            .pipe(retryOnThrottle({ count: 20 })),
        ),
      ),
    );
    await eventually(() => ids.every((id) => settled(emulator, id)()), 10_000, 'every job settled');
    let created = 0;
    for (const id of ids) {
      const counts = byStatus(emulator.jobs(id));
      created += emulator.jobs(id).length;
      expect(counts).toEqual({ COMPLETED: 1, ...(counts.CANCELLED && { CANCELLED: emulator.jobs(id).length - 1 }) });
    }
    figures.retriesOff = { submissions: ids.length, jobsCreated: created, completed: ids.length };
    expect(created).toBeGreaterThan(ids.length); // some attempts failed after their job existed
    expect(events.filter((e) => e.type === 'cancel-on-abandon')).toHaveLength(created - ids.length);
  });

  it('runSync of a 15 s job left 1 s into its /runsync wait: the job ends CANCELLED once the wait (runsyncWait) ends', async () => {
    const emulator = await start();
    const events: RunpodEvent[] = [];
    const endpoint = connect(emulator, 'sync-left', events, { runsyncWait: 2_000 });
    const subscription = endpoint.runSync({ input: { mock_delay: 15 } }).subscribe();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const [job] = emulator.jobs('sync-left');
    expect(job.status).toBe('IN_PROGRESS');
    subscription.unsubscribe();
    await eventually(() => emulator.job(job.id)?.status === 'CANCELLED', 8_000, 'the job was cancelled');
    const finished = emulator.job(job.id)!;
    figures.runSyncLeft = {
      ranMs: finished.completedAt! - finished.createdAt,
      jobLengthMs: 15_000,
      runsyncWait: 2_000,
    };
    expect(finished.completedAt! - finished.createdAt).toBeLessThan(15_000); // cut short, not run to its end
    expect(events.filter((e) => e.type === 'request').map((e) => e.type === 'request' && e.path)).toEqual([
      '/sync-left/runsync?wait=2000',
      `/sync-left/cancel/${job.id}`,
    ]);
    expect(events.filter((e) => e.type === 'job-created' || e.type === 'cancel-on-abandon')).toEqual([
      { type: 'job-created', route: 'runsync', jobId: job.id },
      { type: 'cancel-on-abandon', jobId: job.id },
    ]);
  });

  it('submit erroring after its job exists (a garbled status answer) cancels the job; the error names it', async () => {
    const emulator = await start({ malformed: 1, routes: ['status', 'status-sync'] });
    const events: RunpodEvent[] = [];
    const result = await outcome(connect(emulator, 'garbled', events).submit({ input: { mock_delay: 30 } }));
    expect(isDecodeError(result.error)).toBe(true);
    const [created] = result.values as JobState[];
    expect((result.error as { jobId?: string }).jobId).toBe(created.id);
    await eventually(() => emulator.job(created.id)?.status === 'CANCELLED', 5_000, 'the job was cancelled');
    expect(emulator.jobs('garbled')).toHaveLength(1);
  });

  it('with cancelOnAbandon: false the same error carries the job id and the job is left running', async () => {
    const emulator = await start({ malformed: 1, routes: ['status', 'status-sync'] });
    const events: RunpodEvent[] = [];
    const endpoint = connect(emulator, 'kept', events);
    const result = await outcome(endpoint.submit({ input: { mock_delay: 30 } }, { cancelOnAbandon: false }));
    expect(isDecodeError(result.error)).toBe(true);
    const jobId = (result.error as { jobId?: string }).jobId!;
    expect(events).toContainEqual({ type: 'job-created', route: 'run', jobId });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(['IN_QUEUE', 'IN_PROGRESS']).toContain(emulator.job(jobId)?.status);
    expect(events.filter((e) => e.type === 'request' && e.route === 'cancel')).toHaveLength(0);
    // The caller resumes or cancels by the id it was given.
    expect((await firstValueFrom(endpoint.cancel(jobId))).status).toBe('CANCELLED');
  });
});
