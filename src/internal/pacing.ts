import { defer, switchMap, timer, type Observable, type SchedulerLike } from 'rxjs';

/**
 * A long-poll answered faster than this with nothing new means the server does not hold
 * requests: the loop must pace itself instead of asking again at once.
 */
export const QUICK_ANSWER_MS = 1000;

/** The growth of a {@link GrowingDelay}, in ms (an endpoint's `PollingPolicy` is one). */
export interface GrowingDelayPolicy {
  /** The first delay, and the one after a reset. */
  readonly initialInterval: number;
  /** The longest delay. */
  readonly maxInterval: number;
  /** What each call multiplies the delay by; 1 keeps it fixed. @default 1.5 */
  readonly factor?: number | undefined;
}

/** The factor of the endpoint's own polling loops. */
const DEFAULT_GROWTH = 1.5;

/** A delay that starts at `initialInterval` and grows by `factor` per call up to `maxInterval`. */
export interface GrowingDelay {
  /** The delay to wait now; the next call returns a longer one. */
  next(): number;
  /** Starts again from `initialInterval` (something changed). */
  reset(): void;
}

/**
 * The backoff of every polling loop that finds nothing new: the endpoint's `/status` polls and
 * idle `/stream` reads (×1.5), and the `pollUntilTerminal` operator (its `backoff` factor).
 */
export function createGrowingDelay(policy: GrowingDelayPolicy): GrowingDelay {
  const factor = policy.factor ?? DEFAULT_GROWTH;
  let current = policy.initialInterval;
  return {
    next: () => {
      const delay = current;
      current = Math.min(policy.maxInterval, current * factor);
      return delay;
    },
    reset: () => {
      current = policy.initialInterval;
    },
  };
}

/**
 * Fewest ms between the starts of two requests that follow one job: at most ten a second, however
 * quickly a server answers and however often its answer changes.
 */
export const MIN_REQUEST_GAP_MS = 100;

/** Spaces the requests of one loop at least {@link MIN_REQUEST_GAP_MS} apart. */
export interface RequestPacer {
  /** `request()`, sent at once, or deferred until {@link MIN_REQUEST_GAP_MS} after the previous start. */
  pace<T>(request: () => Observable<T>): Observable<T>;
}

/** A {@link RequestPacer} on `scheduler`'s clock; the first request is never deferred. */
export function createRequestPacer(scheduler: SchedulerLike): RequestPacer {
  let lastStart: number | undefined;
  return {
    pace: <T>(request: () => Observable<T>): Observable<T> =>
      defer(() => {
        const start = () => {
          lastStart = scheduler.now();
          return request();
        };
        const wait = lastStart === undefined ? 0 : lastStart + MIN_REQUEST_GAP_MS - scheduler.now();
        return wait > 0 ? timer(wait, scheduler).pipe(switchMap(start)) : start();
      }),
  };
}
