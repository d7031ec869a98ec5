import { asyncScheduler, map, Observable, timer, type SchedulerLike, type Subscription } from 'rxjs';
import type { JobState } from '../codecs/job-state.js';
import { isTerminal } from '../codecs/job-status.js';
import type { EndpointConfig } from '../endpoint/config.js';
import { createEndpoint } from '../endpoint/create-endpoint.js';
import type { Endpoint } from '../endpoint/endpoint.js';
import type { HttpRequest, HttpResponse, RouteName, Transport } from '../transport/transport.js';
import {
  budgetBucketOf,
  RUNPOD_RATE_LIMITS,
  RUNPOD_RATE_WINDOW,
  type BudgetBucket,
} from '../internal/request-budget.js';
import { longPollHold, type LongPollRoute } from '../runpod-rules.js';
import { createFakeTransport, type FakeHandler, type FakeTransport } from './fake-transport.js';
import { maxAtOnce } from './peaks.js';
import { json, throttled } from './responses.js';
import type { JobTimeline } from './timelines.js';
import type { OptionalFields } from '../optional-fields.js';

/**
 * Answers the first `times` requests of a route (or of any route) with a 429.
 * @category testing
 */
export interface ThrottleScript {
  /** The route throttled. @default every route */
  readonly route?: RouteName | undefined;
  /** How many requests get a 429 before the others go through. @default 1 */
  readonly times?: number | undefined;
  /** The `Retry-After` header: seconds (`2`) or an HTTP date. @default no header */
  readonly retryAfter?: string | number | undefined;
}

/**
 * RunPod's rate limits, enforced by the fake: a request over its bucket's limit within the window
 * gets a 429 with `Retry-After` (whole seconds until a slot frees up) and is not acted on.
 * @category testing
 */
export interface FakeRateLimits {
  /** @default 10000 */
  readonly window?: number | undefined;
  /** Requests per window per bucket; buckets not given keep RunPod's numbers. @default RUNPOD_RATE_LIMITS */
  readonly limits?: OptionalFields<Readonly<Record<BudgetBucket, number>>> | undefined;
}

/**
 * Options of {@link createFakeEndpoint}. Every answer is decided, in this order, by: the rate
 * limits, the throttle scripts, `handler`, `routes`, then the simulated jobs; a request none of
 * them answers fails with an error naming it.
 * @category testing
 */
export interface FakeEndpointOptions<I = unknown, O = unknown, C = unknown> {
  /** Virtual clock: pass the `TestScheduler`. @default asyncScheduler */
  readonly scheduler?: SchedulerLike | undefined;
  /**
   * The jobs `/run` and `/runsync` create: one timeline for every job, a list (the n-th job gets
   * the n-th), or a function of the job's index (from 0) and the request.
   * @default none: /run and /runsync must be scripted by `handler` or `routes`
   */
  readonly jobs?:
    JobTimeline | readonly JobTimeline[] | ((index: number, request: HttpRequest) => JobTimeline) | undefined;
  /**
   * Names each job `/run` or `/runsync` creates whose timeline has no id, from the request's
   * `input` and the job's index (from 0, in creation order). Derive it from the input (e.g.
   * `(input) => \`job-${(input as { n: number }).n}\``) so that ids follow your source's order
   * whatever order the requests arrive in (concurrency, retries after a 429).
   * @default `job-1`, `job-2`, … (`sync-job-n` for /runsync), in creation order
   */
  readonly jobId?: ((input: unknown, index: number) => string) | undefined;
  /** Jobs that already exist when the fake is created (each needs an id): for `watch` and `stream` tests. @default none */
  readonly existingJobs?: readonly JobTimeline[] | undefined;
  /** Scripts a route's answers, typically `cold()` marbles of responses. @default none */
  readonly routes?: OptionalFields<Readonly<Record<RouteName, FakeHandler>>> | undefined;
  /** Scripts any answer; return `undefined` to leave the request to `routes` and the jobs. @default none */
  readonly handler?: FakeHandler | undefined;
  /** 429s to send first. @default none */
  readonly throttle?: ThrottleScript | readonly ThrottleScript[] | undefined;
  /** Enforce RunPod's rate limits (`true` for RunPod's numbers). @default false */
  readonly rateLimits?: boolean | FakeRateLimits | undefined;
  /** Time each simulated answer takes, in ms, once the server has decided it. @default 1 */
  readonly latency?: number | undefined;
  /** @default 'ep' */
  readonly endpointId?: string | undefined;
  /**
   * Wraps the fake transport before the endpoint uses it, as you would wrap the real one (e.g.
   * `budget.wrap`); the log still records what reaches the fake.
   * @default none
   */
  readonly intercept?: ((transport: Transport) => Transport) | undefined;
  /**
   * Passed to `createEndpoint` (transport, scheduler and endpoint id are the fake's). The fake fixes
   * the jitter of the built-in retries at `random: () => 0.5` so that backoff delays are exact.
   * @default { apiKey: 'test-key', retry: { random: () => 0.5 } }
   */
  readonly config?: Omit<EndpointConfig<I, O, C>, 'transport' | 'scheduler' | 'endpointId'> | undefined;
}

/**
 * A fake RunPod endpoint: a real `Endpoint` over a {@link FakeTransport}, with the request log,
 * `match`, `expectOne`, `expectNone` and `verify` of the fake transport.
 * @category testing
 */
export interface FakeEndpoint<I = unknown, O = unknown, C = unknown> extends FakeTransport {
  /** The client under test: `createEndpoint(...)` wired to the fake. */
  readonly endpoint: Endpoint<I, O, C>;
  /** The simulated state of a job now (scheduler clock), or `undefined` if no such job exists. */
  stateOf(id: string): JobState | undefined;
  /** Ids of the simulated jobs, in creation order. */
  readonly jobIds: readonly string[];
  /**
   * The most simulated jobs in flight at one moment (scheduler clock): created and not yet in a
   * terminal state (COMPLETED, FAILED, CANCELLED, TIMED_OUT). A job still running counts until now.
   *
   * @example
   * flush();
   * expect(fake.maxJobsInFlight()).toBe(3); // fanOut's concurrency: 3 held
   */
  maxJobsInFlight(): number;
}

interface SimJob {
  readonly id: string;
  readonly createdAt: number;
  readonly timeline: JobTimeline;
  cancelledAt?: number;
  /** Chunks already handed out by /stream. */
  drained: number;
  /** Woken when the job is cancelled, so long-polls answer at once. */
  readonly listeners: Set<() => void>;
}

function naturalStep(job: SimJob, t: number): JobTimeline['steps'][number] {
  const { steps } = job.timeline;
  let current = steps[0];
  for (const step of steps) {
    if (job.createdAt + step.at <= t) current = step;
    else break;
  }
  return current;
}

function stateAt(job: SimJob, t: number): JobState {
  if (job.cancelledAt !== undefined && t >= job.cancelledAt) {
    const before = naturalStep(job, job.cancelledAt).state;
    if (!isTerminal(before.status)) {
      return {
        id: job.id,
        status: 'CANCELLED',
        ...(before.delayTime !== undefined && { delayTime: before.delayTime }),
      };
    }
  }
  return { ...naturalStep(job, t).state, id: job.id } as JobState;
}

/** Chunks produced by `t` and not yet drained (none after a cancel). */
function readyChunks(job: SimJob, t: number): JobTimeline['chunks'] {
  const until = job.cancelledAt === undefined ? t : Math.min(t, job.cancelledAt - 1);
  const chunks = job.timeline.chunks;
  let end = job.drained;
  while (end < chunks.length && job.createdAt + chunks[end].at <= until) end++;
  return chunks.slice(job.drained, end);
}

/** When the job reached a terminal state (its timeline's or a cancel), or Infinity. */
function endOf(job: SimJob): number {
  const last = job.timeline.steps[job.timeline.steps.length - 1];
  const natural = isTerminal(last.state.status) ? job.createdAt + last.at : Infinity;
  return job.cancelledAt !== undefined && job.cancelledAt < natural ? job.cancelledAt : natural;
}

/** The next moment after `t` at which the job's state or chunks change, or Infinity. */
function nextEventAfter(job: SimJob, t: number): number {
  let next = Infinity;
  for (const { at } of job.timeline.steps) {
    if (job.createdAt + at > t) {
      next = job.createdAt + at;
      break;
    }
  }
  for (const { at } of job.timeline.chunks) {
    if (job.createdAt + at > t) {
      next = Math.min(next, job.createdAt + at);
      break;
    }
  }
  return job.cancelledAt !== undefined && job.cancelledAt > t ? Math.min(next, job.cancelledAt) : next;
}

function jobIdOf(path: string): string {
  const bare = path.split('?')[0];
  return decodeURIComponent(bare.slice(bare.lastIndexOf('/') + 1));
}

function inputOf(request: HttpRequest): unknown {
  try {
    return (JSON.parse(request.body ?? '{}') as { input?: unknown }).input;
  } catch {
    return undefined;
  }
}

/** The hold of a long-poll: its `?wait=` brought into RunPod's range, or RunPod's default. */
function waitOf(request: HttpRequest, route: LongPollRoute): number {
  const query = request.path.includes('?') ? request.path.slice(request.path.indexOf('?') + 1) : '';
  const raw = new URLSearchParams(query).get('wait');
  const wait = raw === null ? NaN : Number(raw);
  return longPollHold(route, Number.isFinite(wait) && wait >= 0 ? wait : undefined);
}

/**
 * A fake RunPod endpoint for marble tests: a real client (`createEndpoint`) over a scripted,
 * logged transport, with jobs simulated in virtual time from {@link JobTimeline}s. `/run` and
 * `/runsync` create jobs; `/status`, `/status-sync` (held until terminal or `wait`), `/stream`
 * (held until a chunk, the end or `wait`; drained on read), `/cancel` and `/health` answer from
 * them. Add 429s with `throttle` or `rateLimits`, or script any route with `cold()` marbles.
 *
 * ```text
 * jobs: completedJob({ id: 'j1', queued: 100, running: 200 })      (latency 1 ms)
 * endpoint.submit({ input })
 * result:   -q 299ms (c|)           POST /run at 0, GET /status-sync/j1?wait=90000 at 1 → held to 300
 * ```
 *
 * @example
 * rx.run(({ expectObservable, flush }) => {
 *   const fake = createFakeEndpoint({ scheduler: rx, jobs: completedJob({ id: 'j1', output: 42 }) });
 *   expectObservable(fake.endpoint.submit({ input: {} }).pipe(selectOutput())).toBe('301ms (o|)', { o: 42 });
 *   flush();
 *   fake.expectOne('POST /ep/run');
 *   fake.verify();
 * });
 * @param options jobs, scripts, throttling, latency, client config.
 * @returns the endpoint and the fake transport's log and assertions.
 * @category testing
 */
export function createFakeEndpoint<I = unknown, O = unknown, C = unknown>(
  options: FakeEndpointOptions<I, O, C> = {},
): FakeEndpoint<I, O, C> {
  const scheduler = options.scheduler ?? asyncScheduler;
  const latency = options.latency ?? 1;
  const endpointId = options.endpointId ?? 'ep';
  const jobs = new Map<string, SimJob>();
  const jobIds: string[] = [];
  let created = 0;
  const throttles = (
    options.throttle === undefined ? [] : Array.isArray(options.throttle) ? options.throttle : [options.throttle]
  ).map((script: ThrottleScript) => ({ script, left: script.times ?? 1 }));

  const rate =
    options.rateLimits === undefined || options.rateLimits === false
      ? undefined
      : {
          window: (options.rateLimits === true ? undefined : options.rateLimits.window) ?? RUNPOD_RATE_WINDOW,
          limits: {
            ...RUNPOD_RATE_LIMITS,
            // a bucket given as undefined keeps RunPod's number
            ...Object.fromEntries(
              Object.entries(options.rateLimits === true ? {} : (options.rateLimits.limits ?? {})).filter(
                ([, limit]) => limit !== undefined,
              ),
            ),
          } as Record<BudgetBucket, number>,
          seen: new Map<BudgetBucket, number[]>(),
        };

  const answer = (response: HttpResponse): Observable<HttpResponse> =>
    timer(latency, scheduler).pipe(map(() => response));
  const notFound = () => answer(json({ error: 'job not found' }, 404));

  const addJob = (timeline: JobTimeline, fallbackId: string): SimJob => {
    const id = timeline.id ?? fallbackId;
    if (jobs.has(id)) throw new Error(`fake endpoint: job id "${id}" is already taken; give each timeline its own id`);
    const job: SimJob = { id, createdAt: scheduler.now(), timeline, drained: 0, listeners: new Set() };
    jobs.set(id, job);
    jobIds.push(id);
    return job;
  };

  const timelineFor = (index: number, request: HttpRequest): JobTimeline | undefined => {
    const source = options.jobs;
    if (source === undefined) return undefined;
    if (typeof source === 'function') return source(index, request);
    if (Array.isArray(source)) return source[index];
    return source as JobTimeline;
  };

  /**
   * Holds a request until `ready(t)` or `wait` ms, re-checking at each event of the job and when
   * it is cancelled; then answers `respond(t)` after the latency.
   */
  const hold = (
    job: SimJob,
    wait: number,
    ready: (t: number) => boolean,
    respond: (t: number) => HttpResponse,
  ): Observable<HttpResponse> =>
    new Observable<HttpResponse>((subscriber) => {
      const deadline = scheduler.now() + wait;
      let pending: Subscription | undefined;
      let done = false;
      const check = (): void => {
        if (done) return;
        const t = scheduler.now();
        pending?.unsubscribe();
        if (ready(t) || t >= deadline) {
          done = true;
          job.listeners.delete(check);
          const response = respond(t);
          pending = scheduler.schedule(() => {
            subscriber.next(response);
            subscriber.complete();
          }, latency);
          return;
        }
        pending = scheduler.schedule(check, Math.min(nextEventAfter(job, t), deadline) - t);
      };
      job.listeners.add(check);
      check();
      return () => {
        done = true;
        job.listeners.delete(check);
        pending?.unsubscribe();
      };
    });

  const simulate = (request: HttpRequest): Observable<HttpResponse> | undefined => {
    const now = scheduler.now();
    switch (request.route) {
      case 'run':
      case 'runsync': {
        const timeline = timelineFor(created, request);
        if (timeline === undefined) return undefined;
        created++;
        const job = addJob(
          timeline,
          options.jobId !== undefined
            ? options.jobId(inputOf(request), created - 1)
            : request.route === 'run'
              ? `job-${created}`
              : `sync-job-${created}`,
        );
        if (request.route === 'run') return answer(json({ id: job.id, status: stateAt(job, now).status }));
        return hold(
          job,
          waitOf(request, 'runsync'),
          (t) => isTerminal(stateAt(job, t).status),
          (t) => json(stateAt(job, t)),
        );
      }
      case 'status': {
        const job = jobs.get(jobIdOf(request.path));
        return job === undefined ? notFound() : answer(json(stateAt(job, now)));
      }
      case 'status-sync': {
        const job = jobs.get(jobIdOf(request.path));
        if (job === undefined) return notFound();
        return hold(
          job,
          waitOf(request, 'status-sync'),
          (t) => isTerminal(stateAt(job, t).status),
          (t) => json(stateAt(job, t)),
        );
      }
      case 'stream': {
        const job = jobs.get(jobIdOf(request.path));
        if (job === undefined) return notFound();
        return hold(
          job,
          waitOf(request, 'stream'),
          (t) => readyChunks(job, t).length > 0 || isTerminal(stateAt(job, t).status),
          (t) => {
            const chunks = readyChunks(job, t);
            job.drained += chunks.length;
            const { status } = stateAt(job, t);
            return json({ id: job.id, status, stream: chunks.map(({ output }) => ({ output })) });
          },
        );
      }
      case 'cancel': {
        const job = jobs.get(jobIdOf(request.path));
        if (job === undefined) return notFound();
        if (!isTerminal(stateAt(job, now).status) && job.cancelledAt === undefined) {
          job.cancelledAt = now;
          for (const listener of [...job.listeners]) listener();
        }
        return answer(json(stateAt(job, now)));
      }
      case 'health': {
        const counts = { completed: 0, failed: 0, inProgress: 0, inQueue: 0, retried: 0 };
        for (const job of jobs.values()) {
          const { status } = stateAt(job, now);
          if (status === 'COMPLETED') counts.completed++;
          else if (status === 'FAILED' || status === 'TIMED_OUT') counts.failed++;
          else if (status === 'IN_PROGRESS') counts.inProgress++;
          else if (status === 'IN_QUEUE') counts.inQueue++;
        }
        return answer(
          json({ jobs: counts, workers: { idle: counts.inProgress > 0 ? 0 : 1, running: counts.inProgress } }),
        );
      }
      default:
        return undefined;
    }
  };

  const overRateLimit = (request: HttpRequest): HttpResponse | undefined => {
    if (rate === undefined) return undefined;
    const bucket = budgetBucketOf(request.route);
    const limit = rate.limits[bucket];
    if (limit === Infinity) return undefined;
    const now = scheduler.now();
    const seen = (rate.seen.get(bucket) ?? []).filter((at) => at + rate.window > now);
    rate.seen.set(bucket, seen);
    if (seen.length >= limit) return throttled(Math.max(1, Math.ceil((seen[0] + rate.window - now) / 1000)));
    seen.push(now);
    return undefined;
  };

  const handler: FakeHandler = (request, count) => {
    const limited = overRateLimit(request);
    if (limited !== undefined) return answer(limited);
    const script = throttles.find(({ script, left }) => left > 0 && (script.route ?? request.route) === request.route);
    if (script !== undefined) {
      script.left--;
      return answer(throttled(script.script.retryAfter));
    }
    return options.handler?.(request, count) ?? options.routes?.[request.route]?.(request, count) ?? simulate(request);
  };

  const fake = createFakeTransport(handler, scheduler);
  for (const timeline of options.existingJobs ?? []) {
    if (timeline.id === undefined) throw new Error('fake endpoint: each of existingJobs needs an id');
    addJob(timeline, timeline.id);
  }

  const config = options.config ?? {};
  const endpoint = createEndpoint<I, O, C>({
    apiKey: 'test-key',
    ...config,
    retry: config.retry === false ? false : { ...config.retry, random: config.retry?.random ?? (() => 0.5) },
    endpointId,
    scheduler,
    transport: options.intercept ? options.intercept(fake.transport) : fake.transport,
  });

  return {
    ...fake,
    endpoint,
    stateOf: (id) => {
      const job = jobs.get(id);
      return job === undefined ? undefined : stateAt(job, scheduler.now());
    },
    jobIds,
    maxJobsInFlight: () => maxAtOnce([...jobs.values()].map((job) => ({ start: job.createdAt, end: endOf(job) }))),
  };
}
