import { asyncScheduler, type MonoTypeOperatorFunction, type SchedulerLike } from 'rxjs';
import { isThrottledError } from '../src/errors.js';
import { delayOption, wholeNumberOption } from '../src/internal/option-checks.js';
import { RETRY_DEFAULTS, retryWithBackoff } from '../src/internal/retry-with-backoff.js';

/**
 * Options of {@link retryOnThrottle}.
 * @category operators
 */
export interface RetryOnThrottleConfig {
  /** Retries after the first attempt; the error after the last one passes through. @default 3 */
  readonly count?: number | undefined;
  /** Backoff ceiling of the first retry, in ms, when the server sent no `Retry-After`; doubles each retry. @default 500 */
  readonly baseDelay?: number | undefined;
  /** Upper bound of a backoff delay, in ms. @default 10000 */
  readonly maxDelay?: number | undefined;
  /** Longest `Retry-After` honoured, in ms; a longer one is shortened to this. @default 60000 */
  readonly maxRetryAfter?: number | undefined;
  /** Source of jitter, uniform in [0, 1): the backoff delay is `floor(random() · ceiling)`. @default Math.random */
  readonly random?: (() => number) | undefined;
  /**
   * Widens what is retried: an error is retried when it is a `ThrottledError` **or** this returns
   * true (e.g. `isNetworkError`). Such errors always use the backoff, never a `Retry-After`.
   * @default () => false (only ThrottledError)
   */
  readonly retryOn?: ((error: unknown) => boolean) | undefined;
  /** Count retries afresh once the source emits a value (for long-lived sources). @default false */
  readonly resetOnSuccess?: boolean | undefined;
  /** Told before each retry: the error, the 1-based retry number and the delay chosen. @default none */
  readonly onRetry?: ((error: unknown, retryNumber: number, delayMs: number) => void) | undefined;
  /** Clock of the delays. @default asyncScheduler */
  readonly scheduler?: SchedulerLike | undefined;
}

/**
 * Retries a source that failed with a 429 (`ThrottledError`), waiting what the server asked for.
 *
 * _Informal: `retry`, but only for throttling, and patient the way RunPod wants._
 *
 * On a `ThrottledError` the source is resubscribed after its `retryAfterMs` (the client parses the
 * `Retry-After` header, seconds or HTTP date, into it), capped at `maxRetryAfter`; without one,
 * after full-jitter exponential backoff: a uniform draw in `[0, min(maxDelay, baseDelay · 2^n))`
 * for retry `n + 1`. After `count` retries the last error passes through; any other error passes
 * through at once. It is the same retry loop the client uses for its built-in retries.
 *
 * Put it around something that is safe to repeat (one request, a read): resubscribing re-runs
 * the whole source.
 *
 * ```text
 * source:   --#                   (# = ThrottledError, retryAfterMs 5)
 * subs:     ^-!
 *           -------^-!            (each resubscription 5 ms after a 429)
 *           --------------^-!
 * retryOnThrottle({ count: 2 })
 * result:   ----------------#     (at 16 ms the third 429 passes through)
 * ```
 *
 * ## Example
 * ```ts
 * import { createEndpoint } from 'runpod-rx';
 * import { retryOnThrottle } from 'runpod-rx/operators';
 *
 * const endpoint = createEndpoint({ endpointId: 'abc123' });
 * endpoint
 *   .health()
 *   .pipe(retryOnThrottle({ count: 5, maxRetryAfter: 30_000 }))
 *   .subscribe((health) => console.log(health.workers.idle));
 * // Output (after any 429s were waited out):
 * // 1
 * ```
 *
 * @param config counts, delays, jitter source, what else to retry, scheduler.
 * @returns an operator that mirrors the source, resubscribing after throttling.
 * @see {@link fanOut} to avoid the 429s in the first place.
 * @throws {ConfigError} when created, for a count that is not a whole number ≥ 0, or a delay a timer cannot hold.
 * @category operators
 * @since 0.1.0
 */
export function retryOnThrottle<T>(config: RetryOnThrottleConfig = {}): MonoTypeOperatorFunction<T> {
  const retryOn = config.retryOn;
  const owner = 'retryOnThrottle';
  const delay = (name: 'baseDelay' | 'maxDelay' | 'maxRetryAfter') =>
    delayOption(owner, name, config[name] ?? RETRY_DEFAULTS[name], { allowZero: true });
  return retryWithBackoff<T>({
    count: wholeNumberOption(owner, 'count', config.count ?? RETRY_DEFAULTS.count, 0),
    baseDelay: delay('baseDelay'),
    maxDelay: delay('maxDelay'),
    maxRetryAfter: delay('maxRetryAfter'),
    random: config.random ?? RETRY_DEFAULTS.random,
    resetOnSuccess: config.resetOnSuccess ?? false,
    scheduler: config.scheduler ?? asyncScheduler,
    shouldRetry: retryOn === undefined ? isThrottledError : (error) => isThrottledError(error) || retryOn(error),
    ...(config.onRetry !== undefined && { onRetry: config.onRetry }),
  });
}
