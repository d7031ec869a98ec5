import { asyncScheduler, defer, switchMap, type Observable, type SchedulerLike } from 'rxjs';
import { ConfigError } from '../errors.js';
import { delayOption, wholeNumberOption } from './option-checks.js';
import { createRateWindow, defaultMargin, type RateWindow } from './rate-window.js';
import { routeGroupOf, RUNPOD_RATE_LIMITS, RUNPOD_RATE_WINDOW, type RouteGroup } from '../runpod-rules.js';
import type { RouteName, Transport } from '../transport/transport.js';
import type { OptionalFields } from '../optional-fields.js';

/**
 * The rate-limit buckets of a RunPod endpoint (see `RouteGroup`): `status` is shared by
 * `/status`, `/status-sync` and `/stream`; every other route has its own.
 * @category operators
 */
export type BudgetBucket = RouteGroup;

export { RUNPOD_RATE_LIMITS, RUNPOD_RATE_WINDOW };

/**
 * The bucket a route draws from: `budgetBucketOf('stream')` is `'status'`.
 * @category operators
 */
export const budgetBucketOf: (route: RouteName) => BudgetBucket = routeGroupOf;

/**
 * Options of {@link createRequestBudget}.
 * @category operators
 */
export interface RequestBudgetConfig {
  /** Length of the rate window, in ms. @default 10000 */
  readonly window?: number | undefined;
  /**
   * Requests allowed per window, per bucket; buckets not given keep RunPod's numbers. `Infinity`
   * means unlimited. Leave room for other clients of the same endpoint by giving less.
   * @default RUNPOD_RATE_LIMITS (run 1000, runsync 2000, status/status-sync/stream 2000 shared, cancel 100, purge-queue 2)
   */
  readonly limits?: OptionalFields<Readonly<Record<BudgetBucket, number>>> | undefined;
  /**
   * How much longer than `window` a spent token stays spent, in ms. A server counts requests when
   * they arrive, which is a little after the token was spent; without a margin, a request that
   * took longer to arrive than the one that replaces it would put two into one server window.
   * @default 2 % of the window (200 ms for RunPod's 10 s)
   */
  readonly margin?: number | undefined;
  /** Clock of the window. @default asyncScheduler */
  readonly scheduler?: SchedulerLike | undefined;
}

/**
 * A shared request budget: one token bucket per RunPod rate bucket. Share one object between
 * every pipeline that talks to the same endpoint.
 * @category operators
 */
export interface RequestBudget {
  /** The window, in ms. */
  readonly window: number;
  /** Requests allowed per window for a route's bucket. */
  limitOf(route: RouteName): number;
  /**
   * Waits for a token of the route's bucket: emits the grant time (scheduler clock) once, then
   * completes. Waiters are served first come, first served. Unsubscribing before the grant gives
   * up the place in the queue; a granted token is spent, whatever follows.
   */
  acquire(route: RouteName): Observable<number>;
  /** Tokens of the route's bucket spent within the window that ends now. */
  used(route: RouteName): number;
  /** Subscribers waiting for a token of the route's bucket. */
  waiting(route: RouteName): number;
  /**
   * Wraps a transport so that every request (retries and polls included) first takes a token of
   * its route: `createEndpoint({ transport: budget.wrap(createFetchTransport()) })`. The wait
   * counts towards the request timeout.
   */
  wrap(transport: Transport): Transport;
}

/**
 * Creates a {@link RequestBudget}: per RunPod bucket, a token bucket of `limit` tokens in which
 * every spent token comes back exactly `window` ms after it was spent.
 *
 * _Informal: a sliding-window limiter; no `window`-long stretch of time ever sees more than
 * `limit` grants._ (A bucket refilled at a steady rate would allow up to twice the limit in some
 * windows, which is what sets off 429s.)
 *
 * ```text
 * createRequestBudget({ limits: { cancel: 2 }, window: 10 }); acquire('cancel') five times at 0
 * asks:     (abcde)|
 * grants:   (ab) 6ms (cd) 6ms (e|)   (grant times 0, 0, 10, 10, 20)
 * ```
 *
 * ## Example
 * ```ts
 * import { createEndpoint, createFetchTransport } from 'runpod-rx';
 * import { createRequestBudget, fanOut } from 'runpod-rx/operators';
 *
 * const budget = createRequestBudget({ limits: { run: 800 } }); // leave 20 % to other clients
 * const endpoint = createEndpoint({ endpointId: 'abc123', transport: budget.wrap(createFetchTransport()) });
 * // every request of this endpoint, from any pipeline, now stays inside RunPod's windows
 * ```
 *
 * @param config window, limits per bucket, scheduler.
 * @returns a budget to pass to {@link fanOut} or to wrap a transport with.
 * @throws {ConfigError} at once, for a window or a limit that is not a positive number.
 * @category operators
 * @since 0.1.0
 */
export function createRequestBudget(config: RequestBudgetConfig = {}): RequestBudget {
  const owner = 'createRequestBudget';
  const window = delayOption(owner, 'window', config.window ?? RUNPOD_RATE_WINDOW);
  const scheduler = config.scheduler ?? asyncScheduler;
  const margin = delayOption(owner, 'margin', config.margin ?? defaultMargin(window), { allowZero: true });
  /** How long a spent token stays spent. */
  const hold = window + margin;
  const limits: Record<string, number> = { ...RUNPOD_RATE_LIMITS };
  for (const [name, limit] of Object.entries(config.limits ?? {})) {
    if (!(name in RUNPOD_RATE_LIMITS)) throw new ConfigError(`${owner}: unknown bucket "${name}"`);
    if (limit === undefined) continue;
    limits[name] = wholeNumberOption(owner, `limits.${name}`, limit, 1, true);
  }

  const buckets = new Map<BudgetBucket, RateWindow>();
  const bucketFor = (route: RouteName): RateWindow => {
    const name = routeGroupOf(route);
    if (name === undefined) throw new ConfigError(`${owner}: unknown route "${String(route)}"`);
    let bucket = buckets.get(name);
    if (bucket === undefined) {
      bucket = createRateWindow(limits[name], hold, scheduler);
      buckets.set(name, bucket);
    }
    return bucket;
  };
  const acquire = (route: RouteName): Observable<number> => defer(() => bucketFor(route).acquire());

  return {
    window,
    limitOf: (route) => bucketFor(route).limit,
    acquire,
    used: (route) => bucketFor(route).used(),
    waiting: (route) => bucketFor(route).waiting(),
    wrap: (transport) => (request) => acquire(request.route).pipe(switchMap(() => transport(request))),
  };
}
