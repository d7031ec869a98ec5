import { RUNPOD_RATE_LIMITS, RUNPOD_RATE_WINDOW, type RouteGroup } from '../runpod-rules.js';
import type { EmulatorClock } from './clock.js';
import type { EmulatorRateLimits } from './types.js';

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
  private readonly limits: Readonly<Record<RouteGroup, number>>;
  private readonly windowMs: number;
  private lastSweep: number;

  /**
   * @param clock time source.
   * @param overrides per-group limits and window (RunPod's, from `src/runpod-rules.ts`, otherwise).
   *   GUESS: RunPod lists no limit for /retry and /health, so they have none here.
   * @param scale multiplier applied to every limit (at least 1 request remains allowed).
   */
  constructor(
    private readonly clock: EmulatorClock,
    overrides: EmulatorRateLimits = {},
    scale = 1,
  ) {
    this.windowMs = overrides.windowMs ?? RUNPOD_RATE_WINDOW;
    this.lastSweep = clock.now();
    const limits = {} as Record<RouteGroup, number>;
    for (const group of Object.keys(RUNPOD_RATE_LIMITS) as RouteGroup[]) {
      const base = overrides[group] ?? RUNPOD_RATE_LIMITS[group];
      limits[group] = Number.isFinite(base) ? Math.max(1, Math.floor(base * scale)) : base;
    }
    this.limits = limits;
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
  limitOf(group: RouteGroup): number {
    return this.limits[group];
  }

  /** Counts one request of `endpointId`/`group` if allowed. */
  take(endpointId: string, group: RouteGroup): RateDecision {
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
