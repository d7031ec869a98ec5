import { retry, timer, type MonoTypeOperatorFunction, type Observable, type SchedulerLike } from 'rxjs';
import { isThrottledError } from '../errors.js';
import { fullJitterDelay, type BackoffConfig } from './backoff.js';

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
}

/**
 * The one retry loop of runpod-rx: resubscribes to the source after a delay that is the server's
 * `Retry-After` when a {@link ThrottledError} carries one (capped), and full-jitter exponential
 * backoff otherwise. Errors that `shouldRetry` rejects, and the error after the last retry, pass through.
 */
export function retryWithBackoff<T>(config: RetryWithBackoffConfig): MonoTypeOperatorFunction<T> {
  return retry<T>({
    count: config.count,
    delay: (error: unknown, retryNumber: number): Observable<number> => {
      if (!config.shouldRetry(error)) throw error;
      const hinted = isThrottledError(error) ? error.retryAfterMs : undefined;
      const delayMs =
        hinted !== undefined ? Math.min(hinted, config.maxRetryAfter) : fullJitterDelay(retryNumber - 1, config);
      config.onRetry?.(error, retryNumber, delayMs);
      return timer(delayMs, config.scheduler);
    },
  });
}
