import { asyncScheduler, map, Observable, timer, type SchedulerLike, type Subscription } from 'rxjs';
import type { JobState } from '../codecs/job-state.js';
import type { EndpointConfig } from '../endpoint/config.js';
import { createEndpoint } from '../endpoint/create-endpoint.js';
import type { Endpoint } from '../endpoint/endpoint.js';
import type { HttpRequest, HttpResponse, RouteName, Transport } from '../transport/transport.js';
import { isHeld, type Answer, type RouteReply } from '../emulator/answer.js';
import type { RoutedRequest } from '../emulator/simulator.js';
import type { BudgetBucket } from '../internal/request-budget.js';
import { createFakeTransport, type FakeHandler, type FakeTransport } from './fake-transport.js';
import { maxAtOnce } from './peaks.js';
import { json, throttled } from './responses.js';
import { simulatedRunPod } from './simulated-runpod.js';
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
 * RunPod's rate limits, enforced by the emulator's rate limiter inside the fake: a request over its
 * bucket's limit within the window gets a 429 with `Retry-After` (whole seconds until a slot frees
 * up) and is not acted on.
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

/** A simulator's answer as a response of the fake transport (header names in lower case). */
function responseOf(answer: Answer): HttpResponse {
  const headers = Object.fromEntries(Object.entries(answer.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  return json(answer.body, answer.status, headers);
}

/**
 * A fake RunPod endpoint for marble tests: a real client (`createEndpoint`) over a scripted,
 * logged transport, answered by the emulator's own routes and engine (`src/emulator`) on the
 * scheduler, with jobs that follow {@link JobTimeline}s. `/run` and `/runsync` create jobs;
 * `/status`, `/status-sync` (held until terminal or `wait`), `/stream` (held until a chunk, the
 * end or `wait`; drained on read), `/cancel`, `/retry`, `/purge-queue` and `/health` answer as the
 * emulator does. Add 429s with `throttle` or `rateLimits`, or script any route with `cold()` marbles.
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
  const timelines = new Map<string, JobTimeline>();
  const jobIds: string[] = [];
  let created = 0;
  /** The timeline of the job being created, and the id it falls back to. */
  let creating: { timeline: JobTimeline; fallbackId: (input: unknown) => string } | undefined;
  const throttles = (
    options.throttle === undefined ? [] : Array.isArray(options.throttle) ? options.throttle : [options.throttle]
  ).map((script: ThrottleScript) => ({ script, left: script.times ?? 1 }));

  const { engine, simulator } = simulatedRunPod(
    scheduler,
    options.rateLimits,
    (request) => {
      if (creating === undefined) throw new Error('fake endpoint: a job was created without a timeline');
      const id = creating.timeline.id ?? creating.fallbackId(request.input);
      if (timelines.has(id)) {
        throw new Error(`fake endpoint: job id "${id}" is already taken; give each timeline its own id`);
      }
      timelines.set(id, creating.timeline);
      jobIds.push(id);
      return id;
    },
    (id) => timelines.get(id) as JobTimeline,
  );

  /** The reply as the fake transport's answer, `latency` ms after the simulator decides it. */
  const answer = (reply: RouteReply): Observable<HttpResponse> =>
    isHeld(reply)
      ? new Observable<HttpResponse>((subscriber) => {
          let pending: Subscription | undefined;
          const cancel = reply.held((decided) => {
            pending = scheduler.schedule(() => {
              subscriber.next(responseOf(decided));
              subscriber.complete();
            }, latency);
          });
          return () => {
            cancel();
            pending?.unsubscribe();
          };
        })
      : timer(latency, scheduler).pipe(map(() => responseOf(reply)));

  const timelineFor = (index: number, request: HttpRequest): JobTimeline | undefined => {
    const source = options.jobs;
    if (source === undefined) return undefined;
    if (typeof source === 'function') return source(index, request);
    if (Array.isArray(source)) return source[index];
    return source as JobTimeline;
  };

  /** Creates the job of `timeline` through the simulator's routes (or directly, for existing jobs). */
  const creatingJob = <T>(timeline: JobTimeline, fallbackId: (input: unknown) => string, create: () => T): T => {
    creating = { timeline, fallbackId };
    try {
      return create();
    } finally {
      creating = undefined;
    }
  };

  const simulate = (request: HttpRequest, routed: RoutedRequest): Observable<HttpResponse> | undefined => {
    if (request.route !== 'run' && request.route !== 'runsync') return answer(simulator.reply(routed, request.body));
    const timeline = timelineFor(created, request);
    if (timeline === undefined) return undefined;
    created++;
    const index = created - 1;
    const name = options.jobId;
    const fallbackId = (input: unknown): string =>
      name !== undefined ? name(input, index) : `${request.route === 'run' ? 'job' : 'sync-job'}-${index + 1}`;
    return answer(creatingJob(timeline, fallbackId, () => simulator.reply(routed, request.body)));
  };

  const handler: FakeHandler = (request, count) => {
    const routing = simulator.route(request.method, `/v2${request.path}`);
    if (routing.kind !== 'route') return undefined;
    const limited = simulator.rateLimit(routing.request);
    if (limited !== undefined) return answer(limited);
    const script = throttles.find(({ script, left }) => left > 0 && (script.route ?? request.route) === request.route);
    if (script !== undefined) {
      script.left--;
      return answer(throttled(script.script.retryAfter));
    }
    return (
      options.handler?.(request, count) ??
      options.routes?.[request.route]?.(request, count) ??
      simulate(request, routing.request)
    );
  };

  const fake = createFakeTransport(handler, scheduler);
  for (const timeline of options.existingJobs ?? []) {
    if (timeline.id === undefined) throw new Error('fake endpoint: each of existingJobs needs an id');
    const id = timeline.id;
    creatingJob(
      timeline,
      () => id,
      () => engine.submit(endpointId, { input: null, executionTimeoutMs: Infinity, ttlMs: Infinity }, false),
    );
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
      const job = engine.store.get(id, endpointId);
      return job === undefined ? undefined : (engine.body(job) as JobState);
    },
    jobIds,
    maxJobsInFlight: () =>
      maxAtOnce([...engine.store.all()].map((job) => ({ start: job.createdAt, end: job.completedAt ?? Infinity }))),
  };
}
