import type * as t from 'io-ts';
import { defer, Observable, switchMap } from 'rxjs';
import { decodeOrThrow } from '../codecs/decode.js';
import {
  DecodeError,
  HttpError,
  isDecodeError,
  isHttpError,
  isNetworkError,
  isThrottledError,
  isTimeoutError,
  NetworkError,
  NotFoundError,
  ThrottledError,
  TimeoutError,
  truncate,
  UnauthorizedError,
  type RequestInfo,
} from '../errors.js';
import { MAX_DELAY_MS } from '../internal/max-delay.js';
import { parseRetryAfter } from '../internal/retry-after.js';
import { retrying, type RetryWithBackoffConfig } from '../internal/retry-with-backoff.js';
import { createRateWindow, defaultMargin, type RateWindow } from '../internal/rate-window.js';
import { createSlotPool, type SlotPool } from '../internal/slot-pool.js';
import type { HttpRequest, HttpResponse, RouteName } from '../transport/transport.js';
import { routeGroupOf, type ConcurrencyGroup, type RouteGroup } from '../runpod-rules.js';
import type { RateLimit, ResolvedConfig } from './config.js';

/** One call to the RunPod API, before it becomes an {@link HttpRequest}. */
export interface CallSpec<A> {
  readonly route: RouteName;
  readonly method: 'GET' | 'POST';
  /** Path below `/{endpointId}`, e.g. `/status/j1`. */
  readonly path: string;
  /** Server-side hold for long-polls, in ms; sent as `?wait=` and added to the request timeout. */
  readonly wait?: number;
  readonly body?: string;
  readonly codec: t.Decoder<unknown, A>;
  /** The job concerned, for errors. */
  readonly jobId?: string;
  /** Overrides the endpoint's request timeout for this call. */
  readonly timeout?: number;
  /** Time (scheduler clock) no retry wait may end after: the error passes through instead. */
  readonly deadlineAt?: number;
  /**
   * Retry the route's transient failures without a count limit, until `deadlineAt` (the follow
   * phase's reads, the cancels of abandoned jobs). Otherwise `retry.count` bounds the retries.
   */
  readonly untilDeadline?: boolean;
  /**
   * Told `true` when an attempt goes on the wire and `false` when it ends (answered, failed or
   * torn down): whether the server may be acting on this call right now.
   */
  readonly onWire?: (onWire: boolean) => void;
}

/** Which failures each route retries: see the retry table in docs/errors-and-retries.md. */
const RETRYABLE: Record<'read' | 'cancel' | 'create', (error: unknown) => boolean> = {
  // Idempotent GETs: anything transient.
  read: (e) => isThrottledError(e) || (isHttpError(e) && e.status >= 500) || isNetworkError(e) || isTimeoutError(e),
  // Cancelling twice is harmless, so an answer that never came or came garbled is asked again.
  cancel: (e) =>
    isThrottledError(e) ||
    (isHttpError(e) && e.status >= 500) ||
    isNetworkError(e) ||
    isTimeoutError(e) ||
    isDecodeError(e),
  // Creating: only when the server provably did not act, so a job is never created twice.
  create: (e) => isThrottledError(e) || (isNetworkError(e) && e.refused),
};

const ROUTE_CLASS: Record<RouteName, keyof typeof RETRYABLE> = {
  status: 'read',
  'status-sync': 'read',
  stream: 'read',
  health: 'read',
  cancel: 'cancel',
  run: 'create',
  runsync: 'create',
  retry: 'create',
  'purge-queue': 'create',
};

/** The retry settings one route shares between all its calls. */
type RetryPolicyOfRoute = Omit<RetryWithBackoffConfig, 'deadlineAt' | 'onRetry'>;

/** Long-polls: reads that can be stopped and sent again later at no cost. */
const PREEMPTIBLE: ReadonlySet<RouteName> = new Set<RouteName>(['status-sync', 'stream']);

/** Under contention a long-poll holds its slot at most this long (2,000 slots·s ≈ RunPod's 2,000 requests / 10 s). */
export const HAND_OVER_MS = 2_000;

/** `name: message` of an error, for events (never a body or a header). */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function errorText(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null) {
      const { error, message } = parsed as { error?: unknown; message?: unknown };
      if (typeof error === 'string') return truncate(error);
      if (typeof message === 'string') return truncate(message);
    }
  } catch {
    // not JSON: show the raw start of it
  }
  return truncate(body);
}

function parseJson(response: HttpResponse, request: RequestInfo): unknown {
  try {
    return JSON.parse(response.body);
  } catch (error) {
    const shown = truncate(JSON.stringify(response.body), 80);
    const type = response.headers['content-type'] ?? 'no content type';
    throw new DecodeError([`response body is not JSON (${type}): ${shown}`], request, error);
  }
}

/** Sends calls through the endpoint's transport with timeouts, typed errors, retries and events. */
export type Send = <A>(spec: CallSpec<A>) => Observable<A>;

/**
 * Everything `send` reads from the resolved config: codecs are the endpoint's business, and the
 * rate limits come to it as {@link RateWindows}, which the follower reads too.
 */
export type SendConfig = Omit<
  ResolvedConfig<unknown, unknown, unknown>,
  'codecs' | 'cancelRateLimit' | 'statusRateLimit'
>;

/** The rate windows of one endpoint's request path, by route group: one ledger per RunPod budget. */
export type RateWindows = Readonly<Partial<Record<RouteGroup, RateWindow>>>;

/**
 * The endpoint's rate windows: RunPod allows 100 cancels and 2,000 status-group requests per 10 s,
 * past that only 429s. Each token stays spent its window plus the margin for requests in transit.
 */
export function createRateWindows(
  config: Pick<ResolvedConfig<unknown, unknown, unknown>, 'cancelRateLimit' | 'statusRateLimit' | 'scheduler'>,
): RateWindows {
  const windowOf = (limit: RateLimit | false): RateWindow | undefined =>
    limit === false
      ? undefined
      : createRateWindow(limit.limit, limit.window + defaultMargin(limit.window), config.scheduler);
  return { cancel: windowOf(config.cancelRateLimit), status: windowOf(config.statusRateLimit) };
}

/**
 * Builds the {@link Send} function of one endpoint, whose requests spend the tokens of `rates`
 * (shared with the endpoint's follower, which sizes its requests from the same ledger).
 */
export function createSend(config: SendConfig, rates: RateWindows): Send {
  const { scheduler, emit, retry } = config;
  const headersWithBody = {
    authorization: config.authorization,
    accept: 'application/json',
    'content-type': 'application/json',
  };
  const headersWithoutBody = { authorization: config.authorization, accept: 'application/json' };

  function toResult<A>(response: HttpResponse, spec: CallSpec<A>, info: RequestInfo): A {
    const { status } = response;
    if (status >= 200 && status < 300) return decodeOrThrow(spec.codec, parseJson(response, info), info);
    if (status === 401 || status === 403) throw new UnauthorizedError(info, status);
    if (status === 404) throw new NotFoundError(info, spec.jobId);
    if (status === 429)
      throw new ThrottledError(info, parseRetryAfter(response.headers['retry-after'], scheduler.now()));
    throw new HttpError(info, status, errorText(response.body));
  }

  const pools = new Map<string, SlotPool>();
  const poolOf = (route: RouteName): SlotPool | undefined => {
    const group = routeGroupOf(route);
    if (config.concurrency === false || !(group in config.concurrency)) return undefined;
    let pool = pools.get(group);
    if (pool === undefined) {
      pool = createSlotPool(config.concurrency[group as ConcurrencyGroup], HAND_OVER_MS, scheduler);
      pools.set(group, pool);
    }
    return pool;
  };

  // Built once per route, not per request: what each route retries, with the endpoint's policy.
  const policyOf = (route: RouteName, count: number): RetryPolicyOfRoute | undefined =>
    retry === false || count === 0
      ? undefined
      : { ...retry, count, scheduler, shouldRetry: RETRYABLE[ROUTE_CLASS[route]] };
  const routes = Object.keys(ROUTE_CLASS) as RouteName[];
  const retryPolicies = {
    counted: Object.fromEntries(routes.map((route) => [route, policyOf(route, retry === false ? 0 : retry.count)])),
    untilDeadline: Object.fromEntries(routes.map((route) => [route, policyOf(route, Infinity)])),
  } as Record<'counted' | 'untilDeadline', Record<RouteName, RetryPolicyOfRoute | undefined>>;

  return <A>(spec: CallSpec<A>): Observable<A> => {
    const pool = poolOf(spec.route);
    const rate = rates[routeGroupOf(spec.route)];
    const base = `/${config.endpointId}${spec.path}`;
    const headers = spec.body === undefined ? headersWithoutBody : headersWithBody;

    /**
     * One HTTP exchange: the first response ends it, a timeout aborts it. A long-poll started
     * while others wait for a slot holds only briefly. Written as one Observable rather than a
     * chain of operators because thousands of these may be alive at once (see docs/performance.md).
     */
    const exchange = (attempt: number, contended: boolean): Observable<A> =>
      new Observable<A>((subscriber) => {
        const wait = spec.wait === undefined ? undefined : contended ? Math.min(spec.wait, HAND_OVER_MS) : spec.wait;
        const path = wait === undefined ? base : `${base}?wait=${Math.ceil(wait)}`;
        const info: RequestInfo = { method: spec.method, path };
        const limit = Math.min(MAX_DELAY_MS, (spec.timeout ?? config.requestTimeout) + (wait ?? 0));
        const request: HttpRequest = {
          method: spec.method,
          url: config.baseUrl + path,
          path,
          route: spec.route,
          headers,
          ...(spec.body !== undefined && { body: spec.body }),
        };
        const startedAt = scheduler.now();
        emit({ type: 'request', route: spec.route, method: spec.method, path, attempt });
        spec.onWire?.(true);
        const expiry = scheduler.schedule(
          () =>
            subscriber.error(
              new TimeoutError(`no answer within ${limit} ms (${spec.method} ${path})`, spec.jobId, 'request'),
            ),
          limit,
        );
        const response = config.transport(request).subscribe({
          next: (answer) => {
            expiry.unsubscribe();
            emit({
              type: 'response',
              route: spec.route,
              method: spec.method,
              path,
              status: answer.status,
              elapsedMs: scheduler.now() - startedAt,
            });
            let result: A;
            try {
              result = toResult(answer, spec, info);
            } catch (error) {
              subscriber.error(error);
              return;
            }
            subscriber.next(result);
            subscriber.complete();
          },
          error: (error: unknown) => subscriber.error(error),
          // A transport that answers synchronously completes before the teardown can stop it:
          // after an answer, no error (and no stack trace) to build.
          complete: () => {
            if (!subscriber.closed)
              subscriber.error(new NetworkError('the transport ended without a response', false, info));
          },
        });
        return () => {
          expiry.unsubscribe();
          response.unsubscribe();
          spec.onWire?.(false);
        };
      });

    /** The exchange once the route's rate window (if any) grants a token: sent right after the grant. */
    const allowed = (attempt: number, contended: boolean): Observable<A> =>
      rate === undefined
        ? exchange(attempt, contended)
        : rate.acquire().pipe(switchMap(() => exchange(attempt, contended)));

    /** Attempt `number` (from 0) of the call: a slot of the route's pool first, if it has one. */
    const attempt = (number: number): Observable<A> =>
      pool === undefined
        ? allowed(number, false)
        : pool.run({ work: (contended) => allowed(number, contended), preemptible: PREEMPTIBLE.has(spec.route) });

    const policy =
      spec.untilDeadline === true ? retryPolicies.untilDeadline[spec.route] : retryPolicies.counted[spec.route];
    if (policy === undefined) return defer(() => attempt(0));
    return retrying(attempt, policy, {
      deadlineAt: spec.deadlineAt,
      onRetry: (error, retryNumber, delayMs) =>
        emit({
          type: 'retry',
          route: spec.route,
          path: base,
          retry: retryNumber,
          delayMs,
          reason: describeError(error),
        }),
    });
  };
}
