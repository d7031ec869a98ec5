import { asyncScheduler, Observable, switchMap, type SchedulerLike, type Subscription } from 'rxjs';
import { ConfigError } from '../src/errors.js';
import { delayOption, wholeNumberOption } from '../src/internal/option-checks.js';
import { routeGroupOf, RUNPOD_RATE_LIMITS, RUNPOD_RATE_WINDOW, type RouteGroup } from '../src/runpod-limits.js';
import type { RouteName, Transport } from '../src/transport/transport.js';
import type { OptionalFields } from '../src/optional-fields.js';

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

interface Ticket {
  state: 'waiting' | 'granted' | 'abandoned';
  readonly grant: (at: number) => void;
}

interface Bucket {
  readonly limit: number;
  /** Grant times still inside the window from `head` on, oldest first. */
  grants: number[];
  head: number;
  queue: Ticket[];
  queueHead: number;
  waiting: number;
  pumping: boolean;
  timer?: Subscription;
  timerDue?: number;
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
  const margin = delayOption(owner, 'margin', config.margin ?? Math.round(window * 0.02), { allowZero: true });
  /** How long a spent token stays spent. */
  const hold = window + margin;
  const limits: Record<string, number> = { ...RUNPOD_RATE_LIMITS };
  for (const [name, limit] of Object.entries(config.limits ?? {})) {
    if (!(name in RUNPOD_RATE_LIMITS)) throw new ConfigError(`${owner}: unknown bucket "${name}"`);
    if (limit === undefined) continue;
    limits[name] = wholeNumberOption(owner, `limits.${name}`, limit, 1, true);
  }

  const buckets = new Map<BudgetBucket, Bucket>();
  const bucketFor = (route: RouteName): Bucket => {
    const name = routeGroupOf(route);
    if (name === undefined) throw new ConfigError(`${owner}: unknown route "${String(route)}"`);
    let bucket = buckets.get(name);
    if (bucket === undefined) {
      bucket = { limit: limits[name], grants: [], head: 0, queue: [], queueHead: 0, waiting: 0, pumping: false };
      buckets.set(name, bucket);
    }
    return bucket;
  };

  /** Forgets grants that left the window. */
  const expire = (bucket: Bucket, now: number): void => {
    while (bucket.head < bucket.grants.length && bucket.grants[bucket.head] + hold <= now) bucket.head++;
    if (bucket.head > 1024 && bucket.head * 2 > bucket.grants.length) {
      bucket.grants = bucket.grants.slice(bucket.head);
      bucket.head = 0;
    }
  };

  const stopTimer = (bucket: Bucket): void => {
    bucket.timer?.unsubscribe();
    bucket.timer = undefined;
    bucket.timerDue = undefined;
  };

  /** Grants tokens to waiters while there are some, then sleeps until the oldest grant expires. */
  const pump = (bucket: Bucket): void => {
    if (bucket.pumping) return; // a grant re-entered: the loop below picks the newcomer up
    bucket.pumping = true;
    try {
      while (bucket.queueHead < bucket.queue.length) {
        const ticket = bucket.queue[bucket.queueHead];
        if (ticket.state !== 'waiting') {
          bucket.queueHead++;
          continue;
        }
        const now = scheduler.now();
        if (bucket.limit !== Infinity) {
          expire(bucket, now);
          if (bucket.grants.length - bucket.head >= bucket.limit) {
            const due = bucket.grants[bucket.head] + hold;
            if (bucket.timerDue !== due) {
              stopTimer(bucket);
              bucket.timerDue = due;
              bucket.timer = scheduler.schedule(() => {
                bucket.timer = undefined;
                bucket.timerDue = undefined;
                pump(bucket);
              }, due - now);
            }
            return;
          }
          bucket.grants.push(now);
        }
        bucket.queueHead++;
        bucket.waiting--;
        ticket.state = 'granted';
        ticket.grant(now);
      }
      bucket.queue = [];
      bucket.queueHead = 0;
      stopTimer(bucket);
    } finally {
      bucket.pumping = false;
    }
  };

  const acquire = (route: RouteName): Observable<number> =>
    new Observable<number>((subscriber) => {
      const bucket = bucketFor(route);
      const ticket: Ticket = {
        state: 'waiting',
        grant: (at) => {
          subscriber.next(at);
          subscriber.complete();
        },
      };
      bucket.queue.push(ticket);
      bucket.waiting++;
      pump(bucket);
      return () => {
        if (ticket.state !== 'waiting') return;
        ticket.state = 'abandoned';
        bucket.waiting--;
        if (bucket.waiting === 0) stopTimer(bucket);
      };
    });

  return {
    window,
    limitOf: (route) => bucketFor(route).limit,
    acquire,
    used(route) {
      const bucket = bucketFor(route);
      expire(bucket, scheduler.now());
      return bucket.grants.length - bucket.head;
    },
    waiting: (route) => bucketFor(route).waiting,
    wrap: (transport) => (request) => acquire(request.route).pipe(switchMap(() => transport(request))),
  };
}
