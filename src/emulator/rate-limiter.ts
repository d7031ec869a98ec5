import { routeGroupOf, RUNPOD_RATE_LIMITS } from '../runpod-limits.js';
import type { EmulatorClock } from './clock.js';
import type { EmulatorRateLimits, EmulatorRoute } from './types.js';

/** Rate-limit groups: `status` covers status, status-sync and stream. */
export type RateGroup = 'run' | 'runsync' | 'status' | 'cancel' | 'purgeQueue' | 'retry' | 'health';

/**
 * RunPod's documented limits per 10 s window (the shared table of `src/runpod-limits.ts`).
 * GUESS: RunPod lists no limit for /retry and /health, so they have none here.
 */
export const DEFAULT_RATE_LIMITS: Readonly<Record<RateGroup, number>> = {
  run: RUNPOD_RATE_LIMITS.run,
  runsync: RUNPOD_RATE_LIMITS.runsync,
  status: RUNPOD_RATE_LIMITS.status,
  cancel: RUNPOD_RATE_LIMITS.cancel,
  purgeQueue: RUNPOD_RATE_LIMITS['purge-queue'],
  retry: RUNPOD_RATE_LIMITS.retry,
  health: RUNPOD_RATE_LIMITS.health,
};

/** Maps a route to its rate-limit group (the emulator's options spell `purge-queue` as `purgeQueue`). */
export function rateGroupOf(route: EmulatorRoute): RateGroup {
  const group = routeGroupOf(route);
  return group === 'purge-queue' ? 'purgeQueue' : group;
}

/** Outcome of {@link RateLimiter.take}. */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

interface Window {
  times: number[];
  head: number;
}

/**
 * Sliding-window log limiter per endpoint and route group: a request is allowed
 * when fewer than `limit` requests were allowed in the last `windowMs`.
 * GUESS: RunPod does not say whether its 10 s window slides or is fixed, nor that it
 * sends `Retry-After`; the emulator slides, and sends the seconds until the oldest
 * counted request leaves the window. Concurrency limits (200/400/20): `ConcurrencyLimiter`.
 */
export class RateLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly limits: Record<RateGroup, number>;
  private readonly windowMs: number;
  private lastSweep: number;

  /**
   * @param clock time source.
   * @param overrides per-group limits (RunPod's defaults otherwise).
   * @param scale multiplier applied to every limit (at least 1 request remains allowed).
   */
  constructor(
    private readonly clock: EmulatorClock,
    overrides: EmulatorRateLimits = {},
    scale = 1,
  ) {
    this.windowMs = overrides.windowMs ?? 10_000;
    this.lastSweep = clock.now();
    const pick = (group: RateGroup, value: number | undefined): number => {
      const base = value ?? DEFAULT_RATE_LIMITS[group];
      return Number.isFinite(base) ? Math.max(1, Math.floor(base * scale)) : base;
    };
    this.limits = {
      run: pick('run', overrides.run),
      runsync: pick('runsync', overrides.runsync),
      status: pick('status', overrides.status),
      cancel: pick('cancel', overrides.cancel),
      purgeQueue: pick('purgeQueue', overrides.purgeQueue),
      retry: pick('retry', overrides.retry),
      health: pick('health', overrides.health),
    };
  }

  /** Number of windows tracked now (empty windows are forgotten). */
  get size(): number {
    return this.windows.size;
  }

  /** Drops the windows whose requests all left the window: endpoint ids seen once cost nothing. */
  private forgetEmptyWindows(now: number, horizon: number): void {
    this.lastSweep = now;
    for (const [key, w] of this.windows) {
      if (w.times.length === 0 || w.times[w.times.length - 1] <= horizon) this.windows.delete(key);
    }
  }

  /** The effective limit of a group. */
  limitOf(group: RateGroup): number {
    return this.limits[group];
  }

  /** Counts one request of `endpointId`/`group` if allowed. */
  take(endpointId: string, group: RateGroup): RateDecision {
    const limit = this.limits[group];
    if (!Number.isFinite(limit)) return { allowed: true };
    const now = this.clock.now();
    const horizon = now - this.windowMs;
    if (now - this.lastSweep >= this.windowMs) this.forgetEmptyWindows(now, horizon);
    const key = `${endpointId}\u0000${group}`;
    let w = this.windows.get(key);
    if (!w) {
      w = { times: [], head: 0 };
      this.windows.set(key, w);
    }
    while (w.head < w.times.length && w.times[w.head] <= horizon) w.head++;
    if (w.head > 1024 && w.head * 2 > w.times.length) {
      w.times = w.times.slice(w.head);
      w.head = 0;
    }
    if (w.times.length - w.head >= limit) {
      const freesAt = w.times[w.head] + this.windowMs;
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((freesAt - now) / 1000)) };
    }
    w.times.push(now);
    return { allowed: true };
  }
}
