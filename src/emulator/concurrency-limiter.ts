import { routeGroupOf, RUNPOD_CONCURRENCY, type ConcurrencyGroup } from '../runpod-rules.js';
import type { EmulatorConcurrencyLimits } from './types.js';
import type { RouteName } from '../transport/transport.js';

/** Retry-After (s) of a 429 for too many requests in flight. GUESS: RunPod documents none. */
export const CONCURRENCY_RETRY_AFTER_S = 1;

function isConcurrencyGroup(group: string): group is ConcurrencyGroup {
  return Object.prototype.hasOwnProperty.call(RUNPOD_CONCURRENCY, group);
}

/**
 * Counts the requests in flight per endpoint and route group, against RunPod's concurrent-request
 * limits (run 200, runsync 400, status + status-sync + stream 400, cancel 20; the shared table of
 * `src/runpod-rules.ts`). Other routes are not limited. A request counts from its admission until
 * its answer is sent or its client goes away, so a held long-poll holds its place.
 * GUESS: RunPod does not say how it answers a request over these limits; the emulator says 429
 * with `Retry-After: 1`, as for its rate limits.
 */
export class ConcurrencyLimiter {
  private readonly inFlight = new Map<string, number>();
  private readonly limits: Readonly<Record<ConcurrencyGroup, number>>;

  /** @param overrides per-group limits (RunPod's otherwise); each at least 1. */
  constructor(overrides: EmulatorConcurrencyLimits = {}) {
    const pick = (group: ConcurrencyGroup): number => {
      const value = overrides[group] ?? RUNPOD_CONCURRENCY[group];
      if (!(value >= 1)) throw new RangeError(`concurrencyLimits.${group} must be a number >= 1`);
      return Math.floor(value);
    };
    this.limits = { run: pick('run'), runsync: pick('runsync'), status: pick('status'), cancel: pick('cancel') };
  }

  /** The limit of a group. */
  limitOf(group: ConcurrencyGroup): number {
    return this.limits[group];
  }

  /**
   * Admits one request of `route` on `endpointId`: a function that frees its place (idempotent),
   * or `undefined` when its group is full. Routes without a limit are always admitted.
   */
  enter(endpointId: string, route: RouteName): (() => void) | undefined {
    const group = routeGroupOf(route);
    if (!isConcurrencyGroup(group)) return () => undefined;
    const key = `${endpointId}\u0000${group}`;
    const count = this.inFlight.get(key) ?? 0;
    if (count >= this.limits[group]) return undefined;
    this.inFlight.set(key, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.inFlight.get(key) ?? 1) - 1;
      if (left > 0) this.inFlight.set(key, left);
      else this.inFlight.delete(key);
    };
  }
}
