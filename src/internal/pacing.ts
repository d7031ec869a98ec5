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
