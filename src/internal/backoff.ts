/** Exponential backoff settings shared by every retrying or polling loop. */
export interface BackoffConfig {
  /** Delay cap for attempt 0, in ms. */
  readonly baseDelay: number;
  /** Upper bound of any computed delay, in ms. */
  readonly maxDelay: number;
  /** Uniform random number in [0, 1); injected so tests are exact. */
  readonly random: () => number;
}

/**
 * "Full jitter" backoff: a uniform draw in [0, min(maxDelay, baseDelay · 2^attempt)).
 * `attempt` counts from 0.
 */
export function fullJitterDelay(attempt: number, { baseDelay, maxDelay, random }: BackoffConfig): number {
  const ceiling = Math.min(maxDelay, baseDelay * 2 ** Math.min(attempt, 52));
  return Math.floor(random() * ceiling);
}
