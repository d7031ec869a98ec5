import type { EmulatorHandler, EmulatorOptions } from '../src/emulator/index';
import { mulberry32 } from '../src/emulator/prng';
import { fifoFloor, rateFloor, type LatencyFloor } from './floor';

/**
 * The clients: `runpod-rx` with its default transport (cross-fetch), `runpod-rx-node` with
 * `createNodeHttpTransport()` from `runpod-rx/node`, `runpod-rx-budget` with every request charged
 * to a `createRequestBudget` of RunPod's limits, the official `runpod-sdk` (in the watch scenarios
 * also `runpod-sdk-pool`: its long-polls from a pool of 400 that waits out a 429, what a user writes
 * with it to keep every job within RunPod's limits), and a 1 s poller.
 */
export type ClientKey =
  'runpod-rx' | 'runpod-rx-node' | 'runpod-rx-budget' | 'runpod-sdk' | 'runpod-sdk-pool' | 'poller-1s';
const PEERS: readonly ClientKey[] = ['runpod-sdk', 'poller-1s'];
/** The peers of the watch scenarios: runpod-sdk written to keep every job runs there too. */
const WATCH_PEERS: readonly ClientKey[] = [...PEERS, 'runpod-sdk-pool'];

/** One benchmark scenario: the emulator it runs against and the task each client child gets. */
export interface Scenario {
  readonly key: string;
  readonly name: string;
  readonly workload: 'runAndWait' | 'stream' | 'watch' | 'fanOut' | 'webhook';
  readonly clients: readonly ClientKey[];
  readonly jobs: number;
  /**
   * The emulator's options. `started` resolves when the client has subscribed to everything:
   * gated handlers wait for it, so that no job ends before the client follows it.
   */
  readonly emulator: (started: Promise<void>) => EmulatorOptions;
  readonly task: Record<string, unknown>;
  /** Jobs created before the client starts (the client only watches them, in a shuffled order). */
  readonly prepare?: (baseUrl: string, apiKey: string, endpointId: string) => Promise<Record<string, unknown>>;
  /** The least wall time the emulator's rate limits allow, for the fan-out. */
  readonly floorMs?: number;
  /** The completion-latency floor the status group's rate limit sets (W1). */
  readonly latencyFloor?: LatencyFloor;
  /** Run the client with `--expose-gc` and report its live heap per job this long after it started. */
  readonly heapAtMs?: number;
}

/** RunPod's status group: 2,000 requests per 10 s, 400 at once, shared by status, status-sync, stream. */
const STATUS_RATE = 200;
const STATUS_WINDOW = 10_000;
const STATUS_CONCURRENCY = 400;
/** Seed of every random draw of the bench: durations, orders, dropped webhook calls. */
const SEED = 14;

/** `count` values spread evenly from `min` to `max`. */
const spread = (count: number, min: number, max: number) =>
  Array.from({ length: count }, (_, i) => min + ((max - min) * i) / Math.max(1, count - 1));

/** A seeded Fisher-Yates shuffle (a copy). */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const random = mulberry32(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Streams `chunks` chunks `gapMs` apart, each stamped with the time it was produced. */
const timestampedChunks: EmulatorHandler = async function* (job, { sleep }) {
  const { chunks, gapMs } = job.input as { chunks: number; gapMs: number };
  for (let i = 0; i < chunks; i++) {
    if (i > 0) await sleep(gapMs);
    yield { i, t: Date.now() };
  }
};

/** Waits for the client to start, then sleeps `input.ms` and returns `'ok'`. */
const gatedSleep =
  (started: Promise<void>): EmulatorHandler =>
  async (job, { sleep }) => {
    await started;
    await sleep((job.input as { ms: number }).ms);
    return 'ok';
  };

/** Queues `inputs` with plain POST /run calls, 200 at a time; returns their ids in order. */
async function queueJobs(baseUrl: string, apiKey: string, endpointId: string, inputs: unknown[]): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < inputs.length; start += 200) {
    const batch = await Promise.all(
      inputs.slice(start, start + 200).map(async (input) => {
        const response = await fetch(`${baseUrl}/${endpointId}/run`, {
          method: 'POST',
          headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ input }),
        });
        if (response.status !== 200) throw new Error(`queueing failed: HTTP ${response.status}`);
        return ((await response.json()) as { id: string }).id;
      }),
    );
    ids.push(...batch);
  }
  return ids;
}

/**
 * Queues one job per duration (in this order: the queue is FIFO) and hands the client the ids
 * shuffled, or `inOrder`: in creation order, the order in which `submit` or a resume after a crash
 * (watching persisted ids) registers them.
 */
const queueThenWatch =
  (durationsMs: readonly number[], inOrder = false) =>
  async (baseUrl: string, apiKey: string, endpointId: string): Promise<Record<string, unknown>> => {
    const ids = await queueJobs(
      baseUrl,
      apiKey,
      endpointId,
      durationsMs.map((ms) => ({ ms })),
    );
    return { ids: inOrder ? ids : shuffled(ids, SEED + 1) };
  };

/** Rate-limit floor of `jobs` requests at `limit` per sliding `windowMs`, plus the last job's time. */
const floor = (jobs: number, limit: number, windowMs: number, tailMs: number) =>
  (Math.ceil(jobs / limit) - 1) * windowMs + tailMs;

export function SCENARIOS(quick: boolean): Scenario[] {
  const runAndWait = quick ? { jobs: 100, concurrency: 50, maxDelay: 1 } : { jobs: 500, concurrency: 100, maxDelay: 2 };
  const stream = quick ? { jobs: 10, chunks: 100 } : { jobs: 20, chunks: 200 };
  // RunPod's limits on every route; quick mode shrinks the window to 1 s and the limits to a tenth.
  const fan = quick ? { jobs: 500, scale: 0.1, windowMs: 1_000 } : { jobs: 5_000, scale: 1, windowMs: 10_000 };
  const runsyncLimit = Math.floor(2_000 * fan.scale);
  const w2 = quick ? 1_000 : 10_000;
  const w1 = quick ? { jobs: 1_000, spreadMs: 20_000 } : { jobs: 10_000, spreadMs: 60_000 };
  const webhook = quick ? 500 : 2_000;
  const cost = quick ? { jobs: 10_000, bigJobs: 20_000 } : { jobs: 10_000, bigJobs: 100_000 };

  const random = mulberry32(SEED);
  // W2: jobs of 0.6-1.8 s in a FIFO queue served by 200 workers.
  const w2Durations = Array.from({ length: w2 }, () => 600 + Math.round(random() * 1_200));
  // RunPod's limits on (status group 2,000 per 10 s); /run is unlimited only so that the jobs can
  // be queued before the client starts.
  const w2Emulator = (started: Promise<void>): EmulatorOptions => ({
    rateLimits: { run: Infinity },
    endpoints: { bench: { workers: 200, handler: gatedSleep(started) } },
  });
  // Watched in creation order, the client can follow the queue; shuffled, it can only guess.
  const w2Floor = (inOrder: boolean) =>
    fifoFloor(
      w2Durations,
      200,
      STATUS_RATE,
      STATUS_CONCURRENCY,
      STATUS_WINDOW,
      inOrder ? undefined : mulberry32(SEED + 5),
    );
  // W1: every job in progress at once, completions spread evenly over the spread, in random order.
  const w1Durations = shuffled(
    spread(w1.jobs, 0, w1.spreadMs).map((ms) => Math.round(ms)),
    SEED + 2,
  );
  // Cost only: every job in progress, none ends before the heap is measured.
  const costDurations = (jobs: number, fromMs: number) => shuffled(spread(jobs, fromMs, fromMs + 5_000), SEED + 3);

  return [
    {
      key: 'a',
      name: 'a-run-and-wait',
      workload: 'runAndWait',
      clients: ['runpod-rx', 'runpod-rx-node', ...PEERS],
      jobs: runAndWait.jobs,
      emulator: () => ({ endpoints: { bench: { workers: runAndWait.concurrency } } }),
      task: {
        concurrency: runAndWait.concurrency,
        inputs: spread(runAndWait.jobs, 0.05, runAndWait.maxDelay).map((delay) => ({
          mock_return: 'ok',
          mock_delay: delay,
        })),
      },
    },
    {
      key: 'b',
      name: 'b-stream',
      workload: 'stream',
      clients: ['runpod-rx', 'runpod-rx-node', ...PEERS],
      jobs: stream.jobs,
      // Rate limits off: 4,000 chunks in about a second would exceed RunPod's 2,000 status-group
      // requests per 10 s for any client that reads each chunk promptly.
      emulator: () => ({
        rateLimits: false,
        concurrencyLimits: false,
        endpoints: { bench: { workers: stream.jobs, handler: timestampedChunks } },
      }),
      task: {
        concurrency: stream.jobs,
        inputs: Array.from({ length: stream.jobs }, () => ({ chunks: stream.chunks, gapMs: 5 })),
      },
    },
    {
      key: 'w2',
      name: 'w2-watch',
      workload: 'watch',
      clients: ['runpod-rx', 'runpod-rx-budget', ...WATCH_PEERS],
      jobs: w2,
      emulator: w2Emulator,
      task: {},
      prepare: queueThenWatch(w2Durations),
      latencyFloor: w2Floor(false),
    },
    {
      key: 'w2o',
      name: 'w2-watch-in-order',
      workload: 'watch',
      clients: ['runpod-rx', ...WATCH_PEERS],
      jobs: w2,
      // W2 watched in creation order (the queue's order): what `submit` or a resume registers.
      emulator: w2Emulator,
      task: {},
      prepare: queueThenWatch(w2Durations, true),
      latencyFloor: w2Floor(true),
    },
    {
      key: 'w1',
      name: 'w1-watch',
      workload: 'watch',
      clients: ['runpod-rx', 'runpod-rx-budget', ...WATCH_PEERS],
      jobs: w1.jobs,
      emulator: (started) => ({
        rateLimits: { run: Infinity },
        endpoints: { bench: { workers: w1.jobs, handler: gatedSleep(started) } },
      }),
      task: {},
      prepare: queueThenWatch(w1Durations),
      // Without first reads: the floor for any client (a first visit that is a long-poll).
      latencyFloor: rateFloor(w1Durations, STATUS_RATE, STATUS_CONCURRENCY),
    },
    {
      key: 'wh',
      name: 'webhook',
      workload: 'webhook',
      clients: ['runpod-rx'],
      jobs: webhook,
      // RunPod's limits on every route: the client submits within /run's 1,000 per 10 s.
      emulator: (started) => ({ endpoints: { bench: { workers: 200, handler: gatedSleep(started) } } }),
      task: {
        concurrency: 100,
        inputs: w2Durations.slice(0, webhook).map((ms) => ({ ms })),
        budget: { scale: 1, windowMs: 10_000 },
        dropRate: 0.1,
        seed: SEED + 4,
        // RunPod calls three times, 10 s apart: after 45 s without a call, a job is looked up.
        sweepAfterMs: 45_000,
      },
    },
    {
      key: 'c',
      name: 'c-cost-only-10k',
      workload: 'watch',
      clients: ['runpod-rx', 'runpod-rx-node', ...PEERS],
      jobs: cost.jobs,
      // Rate limits off: this scenario measures the cost of following many jobs, not throttling.
      emulator: (started) => ({
        rateLimits: false,
        concurrencyLimits: false,
        endpoints: { bench: { workers: cost.jobs, handler: gatedSleep(started) } },
      }),
      task: {},
      prepare: queueThenWatch(costDurations(cost.jobs, 4_000)),
      heapAtMs: 3_000,
    },
    {
      key: 'c100k',
      name: `c-cost-only-${cost.bigJobs / 1000}k`,
      workload: 'watch',
      clients: ['runpod-rx'],
      jobs: cost.bigJobs,
      emulator: (started) => ({
        rateLimits: false,
        concurrencyLimits: false,
        endpoints: { bench: { workers: cost.bigJobs, handler: gatedSleep(started) } },
      }),
      task: {},
      prepare: queueThenWatch(costDurations(cost.bigJobs, 12_000)),
      heapAtMs: 8_000,
    },
    {
      key: 'd',
      name: 'd-fan-out',
      workload: 'fanOut',
      clients: ['runpod-rx', ...PEERS],
      jobs: fan.jobs,
      emulator: () => ({
        rateLimits: { windowMs: fan.windowMs },
        rateLimitScale: fan.scale,
        endpoints: { bench: { workers: 100 } },
      }),
      task: {
        concurrency: 100,
        inputs: Array.from({ length: fan.jobs }, () => ({ mock_return: 'ok' })),
        budget: { scale: fan.scale, windowMs: fan.windowMs },
      },
      // runpod-rx uses /runsync (2,000 per 10 s); the floor is the same reference for every client.
      floorMs: floor(fan.jobs, runsyncLimit, fan.windowMs, 50),
    },
  ];
}
