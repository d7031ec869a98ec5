/**
 * Local RunPod Serverless emulator: a real HTTP server on loopback that speaks
 * the `/v2/{endpointId}/…` queue API, for offline development, tests, demos and
 * benchmarks. See docs/emulator.md.
 *
 * @packageDocumentation
 */
import { createKeyCheck } from './auth.js';
import { realClock } from './clock.js';
import { ConcurrencyLimiter } from './concurrency-limiter.js';
import { CorsPolicy } from './cors.js';
import { Engine } from './engine.js';
import { FaultInjector } from './faults.js';
import { createHostCheck } from './host-check.js';
import { createAnswerWriter } from './http-io.js';
import { snapshotOf } from './job.js';
import { asyncJobId, createIdSource, syncJobId } from './ids.js';
import { LongPolls } from './long-poll.js';
import { mockWorker } from './mock-worker.js';
import { createPipeline } from './pipeline.js';
import { seededStream } from './prng.js';
import { RateLimiter } from './rate-limiter.js';
import { DEFAULT_MAX_QUEUED_JOBS } from './routes/submit.js';
import { DEFAULT_MAX_RETAINED_BYTES } from './retained-bytes.js';
import { RUNPOD_RETENTION } from '../runpod-rules.js';
import { listen } from './server.js';
import { Simulator } from './simulator.js';
import { StatsCollector } from './stats.js';
import { TimerSet } from './timers.js';
import type { Emulator, EmulatorOptions } from './types.js';
import { WebhookSender } from './webhooks.js';

export { createManualClock, realClock } from './clock.js';
export type { EmulatorClock, ManualClock } from './clock.js';
export { mockWorker, MOCK_DEFAULT_RETURN, MOCK_ERROR_TEXT } from './mock-worker.js';
export { WorkerCrash, isWorkerCrash } from './worker-crash.js';
export { RUNPOD_RATE_LIMITS, RUNPOD_RATE_WINDOW, RUNPOD_RETENTION } from '../runpod-rules.js';
export type { ConcurrencyGroup, RouteGroup } from '../runpod-rules.js';
export type { RouteName } from '../transport/transport.js';
export type { JobStatus } from '../codecs/job-status.js';
export { DEFAULT_MAX_RETAINED_BYTES } from './retained-bytes.js';
export { ENDPOINT_IDLE_MS } from './engine.js';
export type {
  Emulator,
  EmulatorConcurrencyLimits,
  EmulatorEndpointOptions,
  EmulatorFaultKind,
  EmulatorFaults,
  EmulatorHandler,
  EmulatorHandlerContext,
  EmulatorHandlerJob,
  EmulatorJobSnapshot,
  EmulatorOptions,
  EmulatorRateLimits,
  EmulatorRetention,
  EmulatorStats,
} from './types.js';

/** Default number of workers per endpoint. */
export const DEFAULT_WORKERS = 2;

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 1) throw new RangeError(`${name} must be a number >= 1`);
  return Math.floor(value);
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a number >= 0`);
  return value;
}

/**
 * Starts an emulator and resolves once it listens.
 *
 * @example
 * const emu = await startEmulator({ apiKey: 'test-key' });
 * const res = await fetch(`${emu.baseUrl}/my-endpoint/runsync`, {
 *   method: 'POST',
 *   headers: { authorization: 'Bearer test-key', 'content-type': 'application/json' },
 *   body: JSON.stringify({ input: { mock_return: 'hi' } }),
 * });
 * // → 200 {"id":"sync-…-e1","status":"COMPLETED","output":"hi",…}
 * await emu.close();
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const clock = options.clock ?? realClock;
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new RangeError('port must be an integer in [0, 65535]');
  if (options.apiKey !== undefined && options.apiKey.trim() === '') throw new RangeError('apiKey must not be blank');
  const workers = positiveInt('workers', options.workers, DEFAULT_WORKERS);
  for (const [id, ep] of Object.entries(options.endpoints ?? {})) {
    positiveInt(`endpoints.${id}.workers`, ep.workers, 1);
  }
  const scale = options.rateLimitScale ?? 1;
  if (!Number.isFinite(scale) || scale <= 0) throw new RangeError('rateLimitScale must be a positive number');
  const concurrency =
    options.concurrencyLimits === false ? undefined : new ConcurrencyLimiter(options.concurrencyLimits ?? {});
  const maxQueuedJobs =
    options.maxQueuedJobs === false
      ? Number.POSITIVE_INFINITY
      : positiveInt('maxQueuedJobs', options.maxQueuedJobs, DEFAULT_MAX_QUEUED_JOBS);
  const requestTimeoutMs = positiveInt('requestTimeoutMs', options.requestTimeoutMs, 30_000);
  const headersTimeoutMs = Math.min(positiveInt('maxHeaderMs', options.maxHeaderMs, 10_000), requestTimeoutMs);
  const maxRetainedBytes = positiveInt('maxRetainedBytes', options.maxRetainedBytes, DEFAULT_MAX_RETAINED_BYTES);
  const cors = new CorsPolicy(options.corsOrigins);

  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
  const seeded = options.seed !== undefined;
  const stats = new StatsCollector();
  const timers = new TimerSet(clock);
  const webhooks = new WebhookSender(timers, stats, options.allowRemoteWebhooks === true);
  const ids = createIdSource(seeded ? seededStream(seed, 1) : undefined);
  const engine = new Engine({
    clock,
    timers,
    stats,
    ids,
    newJobId: (_request, sync) => (sync ? syncJobId(ids) : asyncJobId(ids)),
    webhooks,
    defaultWorkers: workers,
    defaultHandler: options.handler ?? mockWorker,
    endpoints: options.endpoints ?? {},
    returnAggregateStream: options.returnAggregateStream === true,
    retention: {
      runMs: nonNegative('retention.runMs', options.retention?.runMs, RUNPOD_RETENTION.run),
      runsyncMs: nonNegative('retention.runsyncMs', options.retention?.runsyncMs, RUNPOD_RETENTION.runsync),
    },
    maxRetainedBytes,
  });
  const longPolls = new LongPolls(engine.store, timers, stats);
  let closed = false;
  const simulator = new Simulator({
    engine,
    longPolls,
    stats,
    rateLimiter: options.rateLimits === false ? undefined : new RateLimiter(clock, options.rateLimits ?? {}, scale),
    maxQueuedJobs,
  });
  const pipeline = createPipeline({
    simulator,
    stats,
    timers,
    write: createAnswerWriter((code) => stats.response(code)),
    keyCheck: createKeyCheck(options.apiKey),
    hostCheck: createHostCheck(host),
    cors,
    concurrency,
    faults: new FaultInjector(options.faults, seededStream(seed, 0)),
    isClosed: () => closed,
  });
  const server = await listen(pipeline, {
    host,
    port,
    headersTimeoutMs,
    requestTimeoutMs,
    onClientError: (code) => stats.response(code),
  });
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;

  return {
    baseUrl: `http://${urlHost}:${server.port}/v2`,
    port: server.port,
    close() {
      closing ??= (async () => {
        closed = true;
        longPolls.dropAll();
        stats.longPolls(0);
        engine.close();
        webhooks.close();
        timers.clearAll();
        await server.close();
        timers.clearAll();
      })();
      return closing;
    },
    stats: () => stats.snapshot(),
    jobs: (endpointId) => engine.snapshots(endpointId),
    job(id) {
      const found = engine.store.get(id);
      return found ? snapshotOf(found) : undefined;
    },
  };
}
