import type { EmulatorHandler, EmulatorOptions } from '../src/emulator/index';

export type ClientKey = 'runpod-rx' | 'runpod-sdk' | 'poller-1s';
export const ALL_CLIENTS: readonly ClientKey[] = ['runpod-rx', 'runpod-sdk', 'poller-1s'];
const RX_ONLY: readonly ClientKey[] = ['runpod-rx'];

/** One benchmark scenario: the emulator it runs against and the task each client child gets. */
export interface Scenario {
  readonly key: string;
  readonly name: string;
  readonly workload: 'runAndWait' | 'stream' | 'watch' | 'fanOut';
  readonly clients: readonly ClientKey[];
  readonly jobs: number;
  readonly emulator: EmulatorOptions;
  readonly task: Record<string, unknown>;
  /** Jobs created before the client starts (the client only watches them). */
  readonly prepare?: (baseUrl: string, apiKey: string, endpointId: string) => Promise<Record<string, unknown>>;
  /** The least wall time the emulator's rate limits allow, for scenario (d). */
  readonly floorMs?: number;
}

/** `count` values spread evenly from `min` to `max`. */
const spread = (count: number, min: number, max: number) =>
  Array.from({ length: count }, (_, i) => min + ((max - min) * i) / Math.max(1, count - 1));

/** Streams `chunks` chunks `gapMs` apart, each stamped with the time it was produced. */
const timestampedChunks: EmulatorHandler = async function* (job, { sleep }) {
  const { chunks, gapMs } = job.input as { chunks: number; gapMs: number };
  for (let i = 0; i < chunks; i++) {
    if (i > 0) await sleep(gapMs);
    yield { i, t: Date.now() };
  }
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

/** Rate-limit floor of `jobs` requests at `limit` per sliding `windowMs`, plus the last job's time. */
const floor = (jobs: number, limit: number, windowMs: number, tailMs: number) =>
  (Math.ceil(jobs / limit) - 1) * windowMs + tailMs;

export function SCENARIOS(quick: boolean): Scenario[] {
  const runAndWait = quick ? { jobs: 100, concurrency: 50, maxDelay: 1 } : { jobs: 500, concurrency: 100, maxDelay: 2 };
  const stream = quick ? { jobs: 10, chunks: 100 } : { jobs: 20, chunks: 200 };
  const watched = quick ? 1_000 : 10_000;
  // The completion-latency target is stated for 1,000 jobs watched at once.
  const watchedForLatency = quick ? 200 : 1_000;
  // RunPod's limits on every route; quick mode shrinks the window to 1 s and the limits to a tenth.
  const fan = quick ? { jobs: 500, scale: 0.1, windowMs: 1_000 } : { jobs: 5_000, scale: 1, windowMs: 10_000 };
  const runsyncLimit = Math.floor(2_000 * fan.scale);

  return [
    {
      key: 'a',
      name: 'a-run-and-wait',
      workload: 'runAndWait',
      clients: ALL_CLIENTS,
      jobs: runAndWait.jobs,
      emulator: { endpoints: { bench: { workers: runAndWait.concurrency } } },
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
      clients: ALL_CLIENTS,
      jobs: stream.jobs,
      // Rate limits off: 4,000 chunks in about a second would exceed RunPod's 2,000 status-group
      // requests per 10 s for any client that reads each chunk promptly.
      emulator: {
        rateLimits: false,
        concurrencyLimits: false,
        endpoints: { bench: { workers: stream.jobs, handler: timestampedChunks } },
      },
      task: {
        concurrency: stream.jobs,
        inputs: Array.from({ length: stream.jobs }, () => ({ chunks: stream.chunks, gapMs: 5 })),
      },
    },
    ...[
      { key: 'c', name: 'c-watch', count: watched, clients: ALL_CLIENTS, slots: undefined },
      { key: 'c1k', name: 'c-watch-1k', count: watchedForLatency, clients: ALL_CLIENTS, slots: undefined },
      // The same with runpod-rx allowed as many concurrent long-polls as jobs (RunPod allows 400).
      {
        key: 'c1k',
        name: 'c-watch-1k-all-slots',
        count: watchedForLatency,
        clients: RX_ONLY,
        slots: watchedForLatency,
      },
    ].map(({ key, name, count, clients, slots }): Scenario => ({
      key,
      name,
      workload: 'watch',
      clients,
      jobs: count,
      // Rate and concurrency limits off: this scenario measures the cost of following many jobs,
      // not throttling (the SDK and the 1 s poller keep no concurrency limit of their own).
      emulator: { rateLimits: false, concurrencyLimits: false, endpoints: { bench: { workers: count } } },
      task: slots === undefined ? {} : { endpointConfig: { concurrency: { status: slots } } },
      prepare: async (baseUrl, apiKey, endpointId) => ({
        ids: await queueJobs(
          baseUrl,
          apiKey,
          endpointId,
          spread(count, quick ? 2 : 4, quick ? 3 : 9).map((delay) => ({ mock_return: 'ok', mock_delay: delay })),
        ),
      }),
    })),
    {
      key: 'd',
      name: 'd-fan-out',
      workload: 'fanOut',
      clients: ALL_CLIENTS,
      jobs: fan.jobs,
      emulator: {
        rateLimits: { windowMs: fan.windowMs },
        rateLimitScale: fan.scale,
        endpoints: { bench: { workers: 100 } },
      },
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
