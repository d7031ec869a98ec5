import { MAX_DELAY_MS } from '../internal/max-delay.js';

/**
 * Time source of the emulator. Everything time-based (queue delays, mock sleeps,
 * long-poll waits, execution timeouts, ttl, retention, webhook retries, rate-limit
 * windows) reads this clock, so tests can drive it with {@link createManualClock}.
 */
export interface EmulatorClock {
  /** Current time in milliseconds (epoch or any monotonic origin). */
  now(): number;
  /** Schedules `fn` after `ms` milliseconds; returns an opaque handle. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels a handle returned by {@link EmulatorClock.setTimeout}. */
  clearTimeout(handle: unknown): void;
}

/** The default clock: `Date.now()` and Node timers. */
export const realClock: EmulatorClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, Math.min(Math.max(0, ms), MAX_DELAY_MS)),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** A clock that only moves when told to; for deterministic tests. */
export interface ManualClock extends EmulatorClock {
  /**
   * Moves time forward by `ms`, firing every timer that falls due, in due order
   * (timers scheduled while advancing fire too when due within the window).
   * Synchronous: promise continuations of fired timers run after it returns.
   */
  advance(ms: number): void;
  /**
   * Like {@link ManualClock.advance} but yields to the event loop after each fired
   * timer, so async code woken by a timer can schedule its next timer before time
   * moves on (e.g. a handler that sleeps several times).
   */
  advanceAsync(ms: number): Promise<void>;
  /** Number of timers currently scheduled. */
  readonly pending: number;
}

interface ManualTimer {
  readonly due: number;
  readonly seq: number;
  readonly fn: () => void;
}

/**
 * Creates a {@link ManualClock} starting at `startMs` (default 0).
 *
 * @example
 * const clock = createManualClock();
 * const emu = await startEmulator({ clock });
 * clock.advance(30 * 60_000); // results of /run jobs expire
 */
export function createManualClock(startMs = 0): ManualClock {
  let now = startMs;
  let seq = 0;
  const timers = new Set<ManualTimer>();

  const nextDue = (limit: number): ManualTimer | undefined => {
    let best: ManualTimer | undefined;
    for (const t of timers) {
      if (t.due > limit) continue;
      if (!best || t.due < best.due || (t.due === best.due && t.seq < best.seq)) best = t;
    }
    return best;
  };

  const fireOne = (limit: number): boolean => {
    const t = nextDue(limit);
    if (!t) return false;
    timers.delete(t);
    if (t.due > now) now = t.due;
    t.fn();
    return true;
  };

  return {
    now: () => now,
    setTimeout(fn, ms) {
      const t: ManualTimer = { due: now + Math.max(0, ms), seq: seq++, fn };
      timers.add(t);
      return t;
    },
    clearTimeout(handle) {
      timers.delete(handle as ManualTimer);
    },
    advance(ms) {
      const target = now + Math.max(0, ms);
      while (fireOne(target)) {
        /* keep firing */
      }
      now = target;
    },
    async advanceAsync(ms) {
      const target = now + Math.max(0, ms);
      await flushEventLoop();
      while (fireOne(target)) {
        await flushEventLoop();
      }
      now = target;
      await flushEventLoop();
    },
    get pending() {
      return timers.size;
    },
  };
}

/** Lets pending promise continuations and immediate callbacks run. */
async function flushEventLoop(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
