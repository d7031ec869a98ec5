/**
 * Leaks: 10,000 subscribe/unsubscribe cycles of every operation against a scripted transport that
 * logs nothing (100,000 cycles in all, 2,000 at each of five moments: request in flight, long-poll
 * in flight, waiting for a concurrency slot, waiting to retry after a 429 or for the next poll,
 * already complete), then 1,000 more over real loopback HTTP against the emulator. Afterwards: no
 * exchange left open, no timer pending on the endpoint's scheduler, no more timers, sockets or
 * process listeners than before, the emulator holds no long-poll, and the heap after a full GC has
 * not grown with the cycles. Set RELIABILITY_FIGURES=1 to print the figures.
 */
import { firstValueFrom, NEVER, of, type Observable, type Subscription } from 'rxjs';
import {
  createEndpoint,
  createFetchTransport,
  type Endpoint,
  type HttpRequest,
  type HttpResponse,
  type RouteName,
} from 'runpod-rx';
import { startEmulator, type Emulator } from 'runpod-rx/emulator';
import { countingScheduler, countingTransport, eventually, heapAfterGc, realProcess, resourceCounts } from './helpers';

const CYCLES_PER_OPERATION = 10_000; // 2,000 at each of the five moments
const WARM_UP = 1_000;
const HTTP_CYCLES_PER_OPERATION = 100;
/** Cancel slots over real HTTP: 10 cancels in flight, 90 waiting for a slot when unsubscribed. */
const CANCEL_SLOTS = 10;
/** Heap growth allowed per operation's 10,000 cycles, after GC: 60 bytes a cycle. */
const HEAP_SLACK = 600_000;
/** Subscriptions at once in the 'waiting for a slot' moment, for 2 slots per route group. */
const BURST = 4;

type Moment = 'request in flight' | 'long-poll in flight' | 'waiting for a slot' | 'waiting for a timer' | 'complete';
const MOMENTS: readonly Moment[] = [
  'request in flight',
  'long-poll in flight',
  'waiting for a slot',
  'waiting for a timer',
  'complete',
];
/** Reads left in flight by `stream` at the moments whose transport never answers (see below). */
const DETACHED_STREAM_READS: Partial<Record<Moment, number>> = {
  'request in flight': 1,
  'long-poll in flight': 1,
  'waiting for a slot': 1,
};

const OPERATIONS: readonly [string, (e: Endpoint) => Observable<unknown>][] = [
  ['run', (e) => e.run({ input: { n: 1 } })],
  ['runSync', (e) => e.runSync({ input: { n: 1 } })],
  ['status', (e) => e.status('j1')],
  ['watch', (e) => e.watch('j1')],
  ['stream', (e) => e.stream('j1')],
  ['submit', (e) => e.submit({ input: { n: 1 } })],
  ['cancel', (e) => e.cancel('j1')],
  ['retry', (e) => e.retry('j1')],
  ['health', (e) => e.health()],
  ['purgeQueue', (e) => e.purgeQueue()],
];
// While waiting for a timer, watch and submit wait for their next fixed-interval poll.
const POLLING: Readonly<Record<string, (e: Endpoint) => Observable<unknown>>> = {
  watch: (e) => e.watch('j1', { pollInterval: 1_000 }),
  submit: (e) => e.submit({ input: { n: 1 } }, { pollInterval: 1_000 }),
};

function json(body: unknown, status = 200, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}
const HEALTH = {
  jobs: { completed: 0, failed: 0, inProgress: 0, inQueue: 0, retried: 0 },
  workers: { idle: 1, running: 0 },
};
const DONE: Record<RouteName, HttpResponse> = {
  run: json({ id: 'j1', status: 'COMPLETED', output: 1 }),
  runsync: json({ id: 'sync-j1', status: 'COMPLETED', output: 1 }),
  status: json({ id: 'j1', status: 'COMPLETED', output: 1 }),
  'status-sync': json({ id: 'j1', status: 'COMPLETED', output: 1 }),
  stream: json({ id: 'j1', status: 'COMPLETED', stream: [] }),
  cancel: json({ id: 'j1', status: 'CANCELLED' }),
  retry: json({ id: 'j1', status: 'IN_QUEUE' }),
  health: json(HEALTH),
  'purge-queue': json({ removed: 0, status: 'completed' }),
};
/** The answer to `POST /cancel/{id}`: that job, CANCELLED (an answer naming another job is a DecodeError). */
const cancelled = (request: HttpRequest) => json({ id: request.path.split('/').pop(), status: 'CANCELLED' });
const QUEUED = json({ id: 'j1', status: 'IN_QUEUE' });
const RUNNING = json({ id: 'j1', status: 'IN_PROGRESS', output: { step: 1 } });
const THROTTLED = json({ error: 'slow down' }, 429, { 'retry-after': '1' });

/** How the scripted transport answers `operation` at each moment: at once, or never. */
function script(moment: Moment, operation: string): (request: HttpRequest) => Observable<HttpResponse> {
  return (request) => {
    const route = request.route;
    // The cancel an abandoned submit or runSync sends is answered (it is tested on its own below).
    if (route === 'cancel' && operation !== 'cancel' && moment !== 'request in flight') return of(cancelled(request));
    switch (moment) {
      case 'request in flight':
      case 'waiting for a slot':
        return NEVER;
      case 'long-poll in flight':
        // The first step answers; the long-poll (status-sync, stream) and one-shots stay in flight.
        if (route === 'run') return of(QUEUED);
        if (route === 'runsync') return of(json({ id: 'sync-j1', status: 'IN_PROGRESS' }));
        if (route === 'status') return of(RUNNING);
        return NEVER;
      case 'waiting for a timer':
        // Long-running states (the next poll, or the pause after a quick empty answer), and 429s
        // everywhere else (the wait before the retry).
        if (route === 'run') return of(QUEUED);
        if (route === 'runsync') return of(json({ id: 'sync-j1', status: 'IN_PROGRESS' }));
        if (route === 'status' || route === 'status-sync') return of(RUNNING);
        if (route === 'stream') return of(json({ id: 'j1', status: 'IN_PROGRESS', stream: [] }));
        return of(THROTTLED);
      case 'complete':
        return of(DONE[route]);
    }
  };
}

function listenerCounts(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of realProcess.eventNames()) counts[String(name)] = realProcess.listenerCount(name);
  return counts;
}

const figures: Record<string, unknown> = {};
afterAll(() => {
  if (process.env.RELIABILITY_FIGURES) console.log(`leak figures\n${JSON.stringify(figures, null, 2)}`);
});

describe('leaks: subscribe/unsubscribe cycles', () => {
  const noop = () => undefined;

  it.each(OPERATIONS)(
    '%s: 10,000 cycles leave no open exchange, timer or listener, and no heap growth',
    async (name, call) => {
      const clock = countingScheduler();
      const setups = MOMENTS.map((moment) => {
        const counting = countingTransport(script(moment, name));
        const endpoint = createEndpoint({
          apiKey: 'k',
          endpointId: 'ep',
          env: {},
          transport: counting.transport,
          scheduler: clock.scheduler,
          retry: { count: 3, baseDelay: 500, maxDelay: 5_000 },
          concurrency: { run: 2, runsync: 2, status: 2, cancel: 2 },
          // A creating request on the wire is not aborted when its owner leaves (it may have
          // created a job): it ends at its timeout plus its wait, kept short here. The abandoned jobs' cancels
          // are sent at once rather than 100 per 10 s.
          requestTimeout: 300,
          runsyncWait: 1_000,
          cancelRateLimit: false,
        });
        const make = moment === 'waiting for a timer' ? (POLLING[name] ?? call) : call;
        return { moment, counting, endpoint, make };
      });
      const cycle = (perMoment: number) => {
        for (const { moment, endpoint, make } of setups) {
          if (moment === 'waiting for a slot') {
            for (let i = 0; i < perMoment; i += BURST) {
              const burst: Subscription[] = [];
              for (let j = 0; j < BURST; j++) burst.push(make(endpoint).subscribe({ error: noop }));
              for (const subscription of burst) subscription.unsubscribe();
            }
          } else {
            for (let i = 0; i < perMoment; i++) make(endpoint).subscribe({ error: noop }).unsubscribe();
          }
        }
      };
      // A stream's read in flight when its subscriber leaves completes detached (the server drains
      // what it answers; the chunks are held for the next stream(id)), and later streams of the job
      // wait for it instead of adding reads: at most one per endpoint, with its timeout, however many
      // cycles (whether that read is still open when the cycles end depends on the Node version).
      const detached: Partial<Record<string, number>> = name === 'stream' ? DETACHED_STREAM_READS : {};
      const stillOpen = (moment: string) => detached[moment] ?? 0;
      const detachedTimers = Object.values(detached).reduce<number>((sum, n) => sum + (n ?? 0), 0);
      // The detached creating requests of runSync and submit end at their timeout.
      const detachedEnded = () =>
        eventually(
          () =>
            clock.live() <= detachedTimers &&
            setups.every(({ moment, counting }) => counting.open() <= stillOpen(moment)),
          10_000,
          'the detached creating requests to time out',
        );
      cycle(WARM_UP / MOMENTS.length);
      await new Promise((resolve) => setImmediate(resolve));
      await detachedEnded();
      const timersBefore = resourceCounts().Timeout ?? 0;
      const listenersBefore = listenerCounts();
      const heapBefore = heapAfterGc();
      const scheduledBefore = clock.scheduled();
      const sentBefore = setups.reduce((n, { counting }) => n + counting.sent(), 0);

      cycle(CYCLES_PER_OPERATION / MOMENTS.length);
      await new Promise((resolve) => setImmediate(resolve));
      await detachedEnded();

      const heapAfter = heapAfterGc();
      const open = Object.fromEntries(setups.map(({ moment, counting }) => [moment, counting.open()]));
      // Node's own timer count moves with jest's housekeeping too: it must come back, not stay up.
      await eventually(() => (resourceCounts().Timeout ?? 0) <= timersBefore, 3_000, 'no more timers than before');
      figures[name] = {
        cycles: CYCLES_PER_OPERATION,
        requestsSent: setups.reduce((n, { counting }) => n + counting.sent(), 0) - sentBefore,
        timersScheduled: clock.scheduled() - scheduledBefore,
        timersPendingAfter: clock.live(),
        nodeTimersBefore: timersBefore,
        nodeTimersAfter: resourceCounts().Timeout ?? 0,
        heapBefore,
        heapAfter,
        heapGrowth: heapAfter - heapBefore,
      };
      for (const moment of MOMENTS) expect(open[moment]).toBeLessThanOrEqual(stillOpen(moment));
      expect(clock.live()).toBeLessThanOrEqual(detachedTimers);
      expect(listenerCounts()).toEqual(listenersBefore);
      expect(heapAfter - heapBefore).toBeLessThan(HEAP_SLACK);
    },
    30_000,
  );
});

describe('leaks: the detached cancel of an abandoned owned job', () => {
  it('retries its 429s though nobody listens, then leaves nothing behind', async () => {
    const clock = countingScheduler();
    let jobs = 0;
    let cancels = 0;
    const attempts = new Map<string, number>();
    const counting = countingTransport((request) => {
      if (request.route === 'run') return of(json({ id: `job-${jobs++}`, status: 'IN_QUEUE' }));
      if (request.route === 'cancel') {
        cancels += 1;
        const attempt = (attempts.get(request.path) ?? 0) + 1;
        attempts.set(request.path, attempt);
        return of(attempt <= 2 ? THROTTLED : cancelled(request));
      }
      return NEVER;
    });
    const endpoint = createEndpoint({
      apiKey: 'k',
      endpointId: 'ep',
      env: {},
      transport: counting.transport,
      scheduler: clock.scheduler,
      retry: { count: 3, baseDelay: 1, maxDelay: 5, maxRetryAfter: 5 },
      cancelRateLimit: false,
    });
    const ABANDONED = 1_000;
    // Warm up (code, caches), then measure from a settled state.
    for (let i = 0; i < 200; i++) endpoint.submit({ input: i }).subscribe().unsubscribe();
    await eventually(() => clock.live() === 0 && counting.open() === 0, 10_000, 'the warm-up cancels to settle');
    attempts.clear();
    cancels = 0;
    const heapBefore = heapAfterGc();
    for (let i = 0; i < ABANDONED; i++) endpoint.submit({ input: i }).subscribe().unsubscribe();
    const startedAt = Date.now();
    await eventually(() => clock.live() === 0 && counting.open() === 0, 10_000, 'the cancels to settle');
    const settledMs = Date.now() - startedAt;
    const heapAfter = heapAfterGc();
    figures['detached cancels'] = {
      abandoned: ABANDONED,
      cancelRequests: cancels,
      settledMs,
      heapGrowth: heapAfter - heapBefore,
    };
    // Two 429s, then the answer, for every job.
    expect(attempts.size).toBe(ABANDONED);
    expect([...attempts.values()].every((n) => n === 3)).toBe(true);
    expect(heapAfter - heapBefore).toBeLessThan(HEAP_SLACK);
  });
});

describe('leaks over real loopback HTTP', () => {
  let jobs: Emulator; // answers at once: long-polls are held on long-running jobs
  let slow: Emulator; // holds every request 60 s (a latency fault): one-shots stay in flight
  beforeAll(async () => {
    // Finished jobs are forgotten at once, so that their timers do not blur the count.
    jobs = await startEmulator({ rateLimits: false, workers: 1, retention: { runMs: 0, runsyncMs: 0 } });
    slow = await startEmulator({ rateLimits: false, faults: { latency: { rate: 1, ms: 60_000 } } });
  });
  afterAll(async () => {
    await Promise.all([jobs.close(), slow.close()]);
  });

  it('1,000 cycles (100 per operation, all in flight when unsubscribed) leave no socket, timer, long-poll or running job', async () => {
    const endpointOn = (emulator: Emulator) =>
      createEndpoint({
        apiKey: 'k',
        endpointId: 'leaks',
        baseUrl: emulator.baseUrl,
        env: {},
        transport: createFetchTransport({ bodyTimeout: 5_000 }),
        // Few cancel slots, so that some cancels wait in the client's queue when unsubscribed.
        concurrency: { cancel: CANCEL_SLOTS },
      });
    const fast = endpointOn(jobs);
    const held = endpointOn(slow);
    // Long-running jobs to watch and stream (one worker: the first runs, the others stay queued).
    const ids: string[] = [];
    for (let i = 0; i < HTTP_CYCLES_PER_OPERATION; i++) {
      ids.push((await firstValueFrom(fast.run({ input: { mock_delay: 3_600 } }))).id);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    const resourcesBefore = resourceCounts();
    const listenersBefore = listenerCounts();
    const requests = (emulator: Emulator) =>
      Object.values(emulator.stats().requests).reduce((sum, count) => sum + count, 0);

    const plans: [
      string,
      Endpoint,
      Emulator,
      (e: Endpoint, i: number) => Observable<unknown>,
      'long-poll' | 'request',
    ][] = [
      ['watch', fast, jobs, (e, i) => e.watch(ids[i]), 'long-poll'],
      ['stream', fast, jobs, (e, i) => e.stream(ids[i]), 'long-poll'],
      ['submit', fast, jobs, (e) => e.submit({ input: { mock_delay: 3_600 } }), 'long-poll'],
      ['runSync', fast, jobs, (e) => e.runSync({ input: { mock_delay: 3_600 } }), 'long-poll'],
      ['run', held, slow, (e) => e.run({ input: 1 }), 'request'],
      ['status', held, slow, (e, i) => e.status(ids[i]), 'request'],
      ['cancel', held, slow, (e, i) => e.cancel(ids[i]), 'request'],
      ['retry', held, slow, (e, i) => e.retry(ids[i]), 'request'],
      ['health', held, slow, (e) => e.health(), 'request'],
      ['purgeQueue', held, slow, (e) => e.purgeQueue(), 'request'],
    ];
    const cycles: Record<string, number> = {};
    for (const [name, endpoint, emulator, make, kind] of plans) {
      const arrivedBefore = requests(emulator);
      const subscriptions: Subscription[] = [];
      for (let i = 0; i < HTTP_CYCLES_PER_OPERATION; i++) {
        subscriptions.push(make(endpoint, i).subscribe({ error: () => undefined }));
      }
      // Every subscription's request has reached the emulator and is being held there.
      if (kind === 'long-poll') {
        await eventually(
          () => jobs.stats().longPollsOpen === HTTP_CYCLES_PER_OPERATION,
          10_000,
          `${name}: long-polls held`,
        );
      } else {
        const expected = name === 'cancel' ? CANCEL_SLOTS : HTTP_CYCLES_PER_OPERATION;
        await eventually(() => requests(emulator) - arrivedBefore >= expected, 10_000, `${name}: requests arrived`);
      }
      for (const subscription of subscriptions) subscription.unsubscribe();
      cycles[name] = subscriptions.length;
      if (kind === 'long-poll')
        await eventually(() => jobs.stats().longPollsOpen === 0, 10_000, `${name}: long-polls released`);
    }

    // Abandoned submits and runSyncs were cancelled by the client (a cancelled job is forgotten at
    // once here); a runSync's once its /runsync wait (runsyncWait, 5 s) answered with the id.
    await eventually(
      () => jobs.stats().jobsCancelled === 2 * HTTP_CYCLES_PER_OPERATION,
      20_000,
      'abandoned submits and runSyncs cancelled',
    );
    const orphans = jobs.jobs().filter((job) => job.sync && job.status === 'IN_QUEUE').length;
    // Clean up the queue (the orphans, and the jobs that were watched) so that their timers go.
    await firstValueFrom(fast.purgeQueue());
    // Sockets back to where they were once the keep-alive pools let idle connections go.
    await eventually(
      () => (resourceCounts().TCPSocketWrap ?? 0) <= (resourcesBefore.TCPSocketWrap ?? 0),
      10_000,
      'sockets closed',
    );
    const resourcesAfter = resourceCounts();
    figures['real HTTP'] = {
      cycles,
      totalCycles: Object.values(cycles).reduce((a, b) => a + b, 0),
      abandonedSubmitsCancelled: jobs.stats().jobsCancelled,
      abandonedRunSyncJobsLeftQueued: orphans,
      longPollsPeak: jobs.stats().longPollsPeak,
      longPollsOpenAfter: jobs.stats().longPollsOpen,
      resourcesBefore,
      resourcesAfter,
    };
    expect(jobs.stats().longPollsOpen).toBe(0);
    expect(orphans).toBe(0);
    expect(resourcesAfter.TCPSocketWrap ?? 0).toBeLessThanOrEqual(resourcesBefore.TCPSocketWrap ?? 0);
    expect(resourcesAfter.Timeout ?? 0).toBeLessThanOrEqual(resourcesBefore.Timeout ?? 0);
    expect(listenerCounts()).toEqual(listenersBefore);
  }, 90_000);
});
