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
 * The ceiling of attempt `attempt` (from 0): min(maxDelay, baseDelay · 2^attempt). The exponent is
 * clamped so that a huge attempt number never overflows to `Infinity`.
 */
export function backoffCeiling(attempt: number, { baseDelay, maxDelay }: Omit<BackoffConfig, 'random'>): number {
  return Math.min(maxDelay, baseDelay * 2 ** Math.min(Math.max(attempt, 0), 52));
}

/**
 * "Full jitter" backoff: a uniform draw in [0, min(maxDelay, baseDelay · 2^attempt)), in whole ms.
 * `attempt` counts from 0. A `random` that strays outside [0, 1) is clamped into it, so the delay
 * never leaves its bounds.
 */
export function fullJitterDelay(attempt: number, config: BackoffConfig): number {
  const ceiling = backoffCeiling(attempt, config);
  const draw = Math.min(Math.max(config.random(), 0), 1);
  return Math.min(Math.floor(draw * ceiling), Math.max(0, Math.ceil(ceiling) - 1));
}
