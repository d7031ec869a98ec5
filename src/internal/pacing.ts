import { defer, switchMap, timer, type Observable, type SchedulerLike } from 'rxjs';
import type { PollingPolicy } from '../endpoint/config.js';

/**
 * A long-poll answered faster than this with nothing new means the server does not hold
 * requests: the loop must pace itself instead of asking again at once.
 */
export const QUICK_ANSWER_MS = 1000;

/** A delay that starts at `initialInterval` and grows ×1.5 per call up to `maxInterval`. */
export interface GrowingDelay {
  /** The delay to wait now; the next call returns a longer one. */
  next(): number;
  /** Starts again from `initialInterval` (something changed). */
  reset(): void;
}

/** The backoff of every polling loop that finds nothing new: `/status` polls and idle `/stream` reads. */
export function createGrowingDelay(polling: PollingPolicy): GrowingDelay {
  let current = polling.initialInterval;
  return {
    next: () => {
      const delay = current;
      current = Math.min(polling.maxInterval, current * 1.5);
      return delay;
    },
    reset: () => {
      current = polling.initialInterval;
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
