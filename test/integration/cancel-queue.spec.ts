import { firstValueFrom } from 'rxjs';
import { createEndpoint, RUNPOD_CONCURRENCY, type EndpointConfig, type RunpodEvent } from 'runpod-rx';
import { RUNPOD_RATE_LIMITS } from 'runpod-rx/operators';
import { startEmulator, type Emulator, type EmulatorOptions } from 'runpod-rx/emulator';
import { maxInWindow } from '../../src/testing/peaks';
import { eventually } from '../reliability/helpers';

const KEY = 'cancel-queue-key';
/** RunPod's 10 s window, scaled down for the test on both sides (emulator and client). */
const WINDOW = 400;
/** Event-loop noise tolerated in the measured send times, in ms. */
const NOISE_MS = 20;

/** The cancels of abandoned jobs, over loopback HTTP: kept within RunPod's limits, retried, reported. */
describe('cancels of abandoned jobs against the emulator', () => {
  const emulators: Emulator[] = [];
  const figures: Record<string, unknown> = {};
  afterAll(() => {
    if (process.env.RELIABILITY_FIGURES) console.log(`cancel figures\n${JSON.stringify(figures, null, 2)}`);
    return Promise.all(emulators.map((emulator) => emulator.close()));
  });

  const setUp = async (options: EmulatorOptions, config: EndpointConfig) => {
    const emulator = await startEmulator({ apiKey: KEY, seed: 11, ...options });
    emulators.push(emulator);
    const events: { at: number; event: RunpodEvent }[] = [];
    const endpoint = createEndpoint({
      apiKey: KEY,
      endpointId: 'abandon',
      baseUrl: emulator.baseUrl,
      env: {},
      onEvent: (event) => events.push({ at: Date.now(), event }),
      ...config,
    });
    return { emulator, endpoint, events: () => events.map(({ event }) => event), timed: events };
  };

  it('1,000 submits abandoned at once under RunPod limits (window scaled to 400 ms): 1,000 CANCELLED', async () => {
    const { emulator, endpoint, events, timed } = await setUp(
      { rateLimits: { windowMs: WINDOW }, workers: 2 },
      { cancelRateLimit: { window: WINDOW } },
    );
    // The first state is the /run answer: taking it and leaving abandons each job.
    const first = await Promise.all(
      Array.from({ length: 1000 }, () => firstValueFrom(endpoint.submit({ input: { mock_delay: 60 } }))),
    );
    expect(new Set(first.map((job) => job.id)).size).toBe(1000);
    // Every cancel lands, a 429 included (the server counts a request when it arrives, which on a
    // busy event loop can be well after the client sent it): it is tried again.
    const landed = () => events().filter((e) => e.type === 'response' && e.route === 'cancel' && e.status === 200);
    await eventually(() => landed().length === 1000, 40_000, '1,000 cancels answered 200');
    expect(emulator.jobs('abandon').filter((job) => job.status === 'CANCELLED')).toHaveLength(1000);
    expect(emulator.jobs('abandon')).toHaveLength(1000);
    expect(events().filter((e) => e.type === 'cancel-on-abandon')).toHaveLength(1000);
    expect(events().filter((e) => e.type === 'cancel-failed')).toHaveLength(0);

    // The client kept to RunPod's cancel limits: 100 per window, 20 at once. The send times are read
    // with Date.now() when each request event is emitted, on a loaded event loop; the window is
    // measured a little narrower (by NOISE_MS) so that this noise cannot count one send twice,
    // while a client that ignored the limit (200 or 1,000 in a window) still fails.
    const cancelSends = timed.filter(({ event }) => event.type === 'request' && event.route === 'cancel');
    expect(
      maxInWindow(
        cancelSends.map(({ at }) => at),
        WINDOW - NOISE_MS,
      ),
    ).toBeLessThanOrEqual(RUNPOD_RATE_LIMITS.cancel);
    let inFlight = 0;
    let mostInFlight = 0;
    for (const { event } of timed) {
      if (event.type === 'request' && event.route === 'cancel') mostInFlight = Math.max(mostInFlight, ++inFlight);
      if (event.type === 'response' && event.route === 'cancel') inFlight--;
    }
    figures.abandoned = {
      submits: 1000,
      cancelled: emulator.jobs('abandon').filter((job) => job.status === 'CANCELLED').length,
      cancelRequests: cancelSends.length,
      cancel429s: emulator.stats().rateLimited,
      mostPerWindow: maxInWindow(
        cancelSends.map(({ at }) => at),
        WINDOW,
      ),
      mostInFlight,
    };
    expect(mostInFlight).toBeLessThanOrEqual(RUNPOD_CONCURRENCY.cancel);
  }, 60_000);

  it('cancels that cannot land (every /cancel answered 500) give up after cancelPatience with cancel-failed events', async () => {
    const { emulator, endpoint, events } = await setUp(
      { faults: { serverError: 1, routes: ['cancel'] }, workers: 1 },
      { cancelPatience: 1_000, retry: { baseDelay: 100, maxDelay: 200 } },
    );
    const first = await Promise.all(
      Array.from({ length: 5 }, () => firstValueFrom(endpoint.submit({ input: { mock_delay: 30 } }))),
    );
    const ids = first.map((job) => job.id).sort();
    await eventually(() => events().filter((e) => e.type === 'cancel-failed').length === 5, 5_000, '5 cancel-failed');
    const failed = events().flatMap((e) => (e.type === 'cancel-failed' ? [e] : []));
    expect(failed.map((e) => e.jobId).sort()).toEqual(ids);
    for (const event of failed) expect(event.reason).toMatch(/^HttpError: .*500/);
    // Each was tried more than the 3 retries of a one-shot call, and none of the jobs was cancelled.
    const attempts = events().filter((e) => e.type === 'request' && e.route === 'cancel').length;
    figures.cannotLand = { abandoned: 5, cancelFailedEvents: failed.length, cancelAttempts: attempts };
    expect(attempts).toBeGreaterThan(5 * 4);
    expect(emulator.jobs('abandon').filter((job) => job.status === 'CANCELLED')).toHaveLength(0);
  }, 30_000);
});
