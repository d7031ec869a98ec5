import { Observable, type MonoTypeOperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';
import { isThrottledError } from '../errors.js';
import { fullJitterDelay, type BackoffConfig } from './backoff.js';

/**
 * The defaults of every retry in runpod-rx: the client's built-in retries and `retryOnThrottle`.
 * 3 retries, full-jitter backoff from 500 ms doubling up to 10 s, `Retry-After` honoured up to 60 s.
 */
export const RETRY_DEFAULTS = Object.freeze({
  count: 3,
  baseDelay: 500,
  maxDelay: 10_000,
  maxRetryAfter: 60_000,
  random: Math.random,
});

/** Settings of {@link retryWithBackoff}. */
export interface RetryWithBackoffConfig extends BackoffConfig {
  /** Retries after the first attempt. */
  readonly count: number;
  /** Longest `Retry-After` honoured, in ms; longer requests are capped to it. */
  readonly maxRetryAfter: number;
  /** Whether an error is worth another attempt. */
  readonly shouldRetry: (error: unknown) => boolean;
  readonly scheduler: SchedulerLike;
  /** Told before each retry, with the 1-based retry number and the delay chosen. */
  readonly onRetry?: (error: unknown, retryNumber: number, delayMs: number) => void;
  /** Start counting retries (and the backoff) afresh after the source emits a value. Default false. */
  readonly resetOnSuccess?: boolean;
  /**
   * Time (scheduler clock) no retry wait may end after: when the chosen delay would, the error
   * passes through instead. Default none.
   */
  readonly deadlineAt?: number;
}

/**
 * The delay before retry number `retryNumber` (from 1) after `error`: the server's `Retry-After`
 * when a {@link ThrottledError} carries one, capped at `maxRetryAfter`; full-jitter exponential
 * backoff otherwise. A hint that comes to 0 (`Retry-After: 0`, a date already past, or a
 * `maxRetryAfter` of 0) still gets full jitter on the base delay, a draw in
 * `[0, min(baseDelay, maxDelay))`: a throttled herd told "now" must not come back all at once.
 */
export function retryDelay(
  error: unknown,
  retryNumber: number,
  config: BackoffConfig & { readonly maxRetryAfter: number },
): number {
  const hinted = isThrottledError(error) ? error.retryAfterMs : undefined;
  if (hinted === undefined || !(hinted >= 0)) return fullJitterDelay(retryNumber - 1, config);
  const capped = Math.min(hinted, config.maxRetryAfter);
  return capped > 0 ? capped : fullJitterDelay(0, config);
}

/** What changes from one call to the next; the rest of a {@link RetryWithBackoffConfig} can be built once. */
export interface RetryCall {
  /** Time (scheduler clock) no retry wait may end after. Default none. */
  readonly deadlineAt?: number | undefined;
  /** Told before each retry, with the 1-based retry number and the delay chosen. */
  readonly onRetry?: ((error: unknown, retryNumber: number, delayMs: number) => void) | undefined;
}

/**
 * The one retry loop of runpod-rx, used by the client's built-in retries and by the public
 * `retryOnThrottle` operator: subscribes to `attempt(n)` (n = retries so far, from 0) and, after an
 * error, again after {@link retryDelay}. Errors that `shouldRetry` rejects, the error after the
 * last retry (`count` may be `Infinity`) and an error whose retry would wait past `deadlineAt` pass
 * through unchanged. `policy` holds what every call of a route shares, so the client builds it once
 * per route; `call` holds the rest.
 *
 * Written as one Observable (no `defer`, no `retry` operator, no `timer`): every request the client
 * sends goes through it, so its cost is paid per request (see docs/performance.md).
 */
export function retrying<T>(
  attempt: (retries: number) => Observable<T>,
  policy: Omit<RetryWithBackoffConfig, 'deadlineAt' | 'onRetry'>,
  call: RetryCall = {},
): Observable<T> {
  return new Observable<T>((subscriber) => {
    let retries = 0;
    let inner: Subscription | undefined;
    let wait: Subscription | undefined;
    const start = (): void => {
      inner = attempt(retries).subscribe({
        next: (value) => {
          if (policy.resetOnSuccess === true) retries = 0;
          subscriber.next(value);
        },
        error: (error: unknown) => {
          if (retries >= policy.count || !policy.shouldRetry(error)) {
            subscriber.error(error);
            return;
          }
          const retryNumber = retries + 1;
          const delayMs = retryDelay(error, retryNumber, policy);
          if (call.deadlineAt !== undefined && policy.scheduler.now() + delayMs > call.deadlineAt) {
            subscriber.error(error);
            return;
          }
          call.onRetry?.(error, retryNumber, delayMs);
          retries = retryNumber;
          wait = policy.scheduler.schedule(start, delayMs);
        },
        complete: () => subscriber.complete(),
      });
    };
    start();
    return () => {
      inner?.unsubscribe();
      wait?.unsubscribe();
    };
  });
}

/** {@link retrying} as an operator, for a source that is the same on every attempt. */
export function retryWithBackoff<T>(config: RetryWithBackoffConfig): MonoTypeOperatorFunction<T> {
  return (source) => retrying(() => source, config, config);
}
