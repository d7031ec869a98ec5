import type { SchedulerLike, Subscription } from 'rxjs';
import type { EmulatorClock } from '../emulator/clock.js';
import { MAX_DELAY_MS } from '../internal/max-delay.js';

/**
 * An rxjs scheduler (usually the `TestScheduler`) as the simulated RunPod's clock: `now()` is
 * `scheduler.now()`, a timer is a scheduled action, clearing it unsubscribes. A timer of infinite
 * delay (a job kept forever) is never scheduled, so that `flush()` does not run to it.
 */
export function schedulerClock(scheduler: SchedulerLike): EmulatorClock {
  return {
    now: () => scheduler.now(),
    setTimeout: (fn, ms) =>
      Number.isFinite(ms) ? scheduler.schedule(fn, Math.min(Math.max(0, ms), MAX_DELAY_MS)) : undefined,
    clearTimeout: (handle) => (handle as Subscription | undefined)?.unsubscribe(),
  };
}
