import type { JobStatus } from '../codecs/job-status.js';
import type { OptionalFields } from '../optional-fields.js';
import type { ConcurrencyGroup, RouteGroup } from '../runpod-rules.js';
import type { RouteName } from '../transport/transport.js';
import type { EmulatorClock } from './clock.js';

/** The job as a handler sees it. */
export interface EmulatorHandlerJob {
  /** Job id (`<uuid>-u1` or `sync-<uuid>-u1`; the suffix varies: `-e1`, `-e2`, …). */
  readonly id: string;
  /** The request's `input`, as sent. */
  readonly input: unknown;
  /** Endpoint the job was submitted to. */
  readonly endpointId: string;
}

/** What a handler gets besides the job. */
export interface EmulatorHandlerContext {
  /** Aborted when the job is cancelled, times out, expires, or the emulator closes. */
  readonly signal: AbortSignal;
  /**
   * Publishes a progress update: while IN_PROGRESS, `/status` shows it as `output`.
   * Throws a `TypeError` when the value is not JSON-serialisable.
   */
  progress(update: unknown): void;
  /** Sleeps on the emulator clock; rejects with the abort reason when `signal` aborts. */
  sleep(ms: number): Promise<void>;
}

/**
 * A job handler (the worker code), run as RunPod's Python worker SDK runs one. Return a value
 * (the job's `output`; an object with a truthy `error` fails the job with that text), a promise
 * of one, or an async iterable: each item becomes a `{ output: item }` chunk on `/stream`, and
 * the job's aggregate `output` is the list of items only where `returnAggregateStream` is set
 * (otherwise the job has no `output`). Throwing makes the job FAILED with the worker SDK's
 * JSON-encoded report (`error_type`, `error_message`, `error_traceback`, …) as its `error`;
 * throwing a `WorkerCrash` simulates a dying worker.
 */
export type EmulatorHandler = (
  job: EmulatorHandlerJob,
  context: EmulatorHandlerContext,
) => unknown | Promise<unknown> | AsyncIterable<unknown>;

/** Per-endpoint overrides. */
export interface EmulatorEndpointOptions {
  /** Number of workers for this endpoint (default: `EmulatorOptions.workers`). */
  workers?: number | undefined;
  /** Handler for this endpoint (default: `EmulatorOptions.handler`). */
  handler?: EmulatorHandler | undefined;
  /** Overrides `EmulatorOptions.returnAggregateStream` for this endpoint. */
  returnAggregateStream?: boolean | undefined;
}

/**
 * Requests allowed per endpoint and route group ({@link RouteGroup}) per window; a group not given
 * keeps RunPod's limit (`RUNPOD_RATE_LIMITS` of `src/runpod-rules.ts`): run 1000, runsync 2000,
 * status 2000 (shared by `/status`, `/status-sync` and `/stream`), cancel 100, `'purge-queue'` 2,
 * retry and health unlimited (RunPod lists no limit).
 */
export interface EmulatorRateLimits extends OptionalFields<Readonly<Record<RouteGroup, number>>> {
  /** Window length in ms; default RunPod's 10,000. */
  windowMs?: number | undefined;
}

/**
 * Requests in flight at once per endpoint and route group ({@link ConcurrencyGroup}); a group not
 * given keeps RunPod's limit (`RUNPOD_CONCURRENCY` of `src/runpod-rules.ts`): run 200, runsync 400
 * (held until the job ends or its wait runs out), status 400 (shared by `/status`, `/status-sync`
 * and `/stream`), cancel 20. Beyond them: 429.
 */
export type EmulatorConcurrencyLimits = OptionalFields<Readonly<Record<ConcurrencyGroup, number>>>;

/** Kinds of injected faults. */
export type EmulatorFaultKind = 'throttle' | 'serverError' | 'reset' | 'malformed' | 'truncated' | 'latency';

/**
 * Fault injection. Each rate is a probability in [0, 1] drawn per request from a
 * seeded PRNG. A fault (other than latency) replaces the request entirely: the
 * request is not executed, so no job is created, cancelled or retried.
 */
export interface EmulatorFaults {
  /** 429 with `Retry-After: 1`. */
  throttle?: number | undefined;
  /** 500 JSON error. */
  serverError?: number | undefined;
  /** Socket destroyed without an answer. */
  reset?: number | undefined;
  /** 200 with a non-JSON body. */
  malformed?: number | undefined;
  /** 200 whose `Content-Length` exceeds the bytes sent, then the socket ends. */
  truncated?: number | undefined;
  /** Extra delay (on the emulator clock) before the request is handled normally. */
  latency?: { rate: number; ms: number } | undefined;
  /** Restrict faults to these routes (default: all API routes). */
  routes?: RouteName[] | undefined;
}

/** Retention of finished jobs (after which `/status` answers 404). */
export interface EmulatorRetention {
  /** Jobs created by `/run`; default 30 min. */
  runMs?: number | undefined;
  /** Jobs created by `/runsync`; default 60 s. */
  runsyncMs?: number | undefined;
}

/** Options of {@link startEmulator}. All optional. */
export interface EmulatorOptions {
  /** TCP port; default 0 (any free port). */
  port?: number | undefined;
  /**
   * Bind address; default `127.0.0.1`. A non-loopback address is used only when given. Requests
   * must name the bound address or a loopback one in `Host` (DNS-rebinding protection); a
   * wildcard bind (`0.0.0.0`, `::`) accepts any `Host`.
   */
  host?: string | undefined;
  /** When set, requests must carry this key; when unset any non-empty key passes. */
  apiKey?: string | undefined;
  /** Workers per endpoint; default 2. */
  workers?: number | undefined;
  /** Default handler; default the RunPod mock worker. */
  handler?: EmulatorHandler | undefined;
  /** Per-endpoint overrides; any other endpoint id works with the defaults. */
  endpoints?: Record<string, EmulatorEndpointOptions> | undefined;
  /** `false` disables rate limiting; numbers override RunPod's defaults. */
  rateLimits?: false | EmulatorRateLimits | undefined;
  /** Multiplies every rate limit (e.g. 0.01 for tests); default 1. */
  rateLimitScale?: number | undefined;
  /**
   * `false` disables the concurrent-request limits; numbers override RunPod's (run 200, runsync
   * 400, status group 400, cancel 20). A request over its group's limit gets 429 `Retry-After: 1`.
   */
  concurrencyLimits?: false | EmulatorConcurrencyLimits | undefined;
  /**
   * Most jobs waiting in an endpoint's queue; beyond it `/run` and `/runsync` answer 429
   * `Retry-After: 1` and create no job. `false` disables the check. Default 50,000 (GUESS: the
   * queue capacity RunPod documents for batch jobs; see docs/conformance.md).
   */
  maxQueuedJobs?: number | false | undefined;
  /** Fault injection; default none. */
  faults?: EmulatorFaults | undefined;
  /** Seed for fault draws and ids; default random. */
  seed?: number | undefined;
  /** Time source; default {@link realClock}. */
  clock?: EmulatorClock | undefined;
  /** Retention overrides. */
  retention?: EmulatorRetention | undefined;
  /** `server.headersTimeout` in ms (slowloris protection); default 10,000. */
  maxHeaderMs?: number | undefined;
  /** `server.requestTimeout` in ms (whole request must arrive in time); default 30,000. */
  requestTimeoutMs?: number | undefined;
  /**
   * Most bytes of job inputs and outputs (their JSON size) held at once; default 256 MiB. Past
   * it the oldest finished jobs are forgotten early (404 thereafter); a `/run` or `/runsync`
   * whose input does not fit beside the live jobs' inputs is refused with 429 (queue full).
   */
  maxRetainedBytes?: number | undefined;
  /** Allow webhooks to non-loopback URLs; default false. */
  allowRemoteWebhooks?: boolean | undefined;
  /**
   * Origins allowed by CORS, e.g. `https://app.example`; `'*'` allows any. Loopback origins
   * (`http://localhost:*`, `http://127.0.0.1:*`, `http://[::1]:*`, and their https forms) are
   * always allowed. A request or preflight naming any other origin is refused with 403.
   */
  corsOrigins?: readonly string[] | undefined;
  /**
   * Keep the list of a streaming job's chunks as its final `output`, as RunPod's worker SDK does
   * with `return_aggregate_stream`; per endpoint in {@link EmulatorEndpointOptions}. Default false.
   */
  returnAggregateStream?: boolean | undefined;
}

/** A job as seen by {@link Emulator.jobs}. */
export interface EmulatorJobSnapshot {
  /** Job id. */
  id: string;
  /** Endpoint id. */
  endpointId: string;
  /** Current status. */
  status: JobStatus;
  /** Submission time (clock ms). */
  createdAt: number;
  /** When the current attempt started (clock ms). */
  startedAt?: number | undefined;
  /** When it reached a terminal state (clock ms). */
  completedAt?: number | undefined;
  /** Number of times a worker picked it up. */
  attempts: number;
  /** True for `/runsync` jobs. */
  sync: boolean;
}

/** Counters of one emulator instance. */
export interface EmulatorStats {
  /** Requests per route (the {@link RouteName}s, plus `preflight` and `unknown`). */
  requests: Record<string, number>;
  /** Responses per HTTP status code. */
  responses: Record<string, number>;
  /** Injected faults per kind. */
  faults: Record<EmulatorFaultKind, number>;
  /** Requests refused by the rate limiter (not counting injected throttles). */
  rateLimited: number;
  /** Requests refused for too many requests in flight (concurrency limits). */
  concurrencyLimited: number;
  /**
   * `/run` and `/runsync` requests refused with 429 because the queue was full: the endpoint
   * already held `maxQueuedJobs` queued jobs, or the new input would pass `maxRetainedBytes`.
   */
  queueFull: number;
  /** Jobs created by `/run` and `/runsync`. */
  jobsCreated: number;
  /** Jobs that ended COMPLETED. */
  jobsCompleted: number;
  /** Jobs that ended FAILED. */
  jobsFailed: number;
  /** Jobs that ended TIMED_OUT. */
  jobsTimedOut: number;
  /** Jobs that ended CANCELLED. */
  jobsCancelled: number;
  /** Jobs put back in the queue by `/retry` or after a worker crash. */
  jobsRetried: number;
  /** Jobs removed by `/purge-queue`. */
  jobsPurged: number;
  /** Jobs deleted by ttl or retention expiry. */
  jobsExpired: number;
  /** Finished jobs forgotten before their retention ended, to stay under `maxRetainedBytes`. */
  jobsEvicted: number;
  /** Bytes of job inputs and outputs held now (JSON size), at most `maxRetainedBytes`. */
  retainedBytes: number;
  /** Endpoints known now (an endpoint idle for 10 min with no live job is forgotten). */
  endpoints: number;
  /** Worker crashes (each replaced by a new worker). */
  workerCrashes: number;
  /**
   * Webhook deliveries: attempts made, deliveries answered 200, deliveries given up
   * after 3 attempts, URLs refused (not loopback), deliveries waiting for a retry.
   */
  webhooks: { attempts: number; delivered: number; failed: number; refused: number; retrying: number };
  /** Long-poll requests currently held (runsync, status-sync, stream). */
  longPollsOpen: number;
  /** Highest value `longPollsOpen` reached. */
  longPollsPeak: number;
}

/** A running emulator. */
export interface Emulator {
  /** Base URL to give clients, e.g. `http://127.0.0.1:8787/v2`. */
  readonly baseUrl: string;
  /** Port the server listens on. */
  readonly port: number;
  /** Stops workers, timers, held long-polls and sockets; resolves when closed. */
  close(): Promise<void>;
  /** A copy of the counters. */
  stats(): EmulatorStats;
  /** Snapshots of the known (not expired) jobs, optionally of one endpoint. */
  jobs(endpointId?: string): EmulatorJobSnapshot[];
  /** Snapshot of one job, or `undefined` when unknown or expired. */
  job(id: string): EmulatorJobSnapshot | undefined;
}
