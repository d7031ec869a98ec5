import type { EmulatorClock } from './clock.js';

/** Handle of a timer registered in a {@link TimerSet}. */
export interface TimerHandle {
  /** @internal the clock's own handle. */
  inner: unknown;
  /** True once fired or cleared. */
  done: boolean;
}

/**
 * Tracks every timer the emulator schedules on its clock so that `close()` can
 * clear them all at once.
 */
export class TimerSet {
  private readonly live = new Set<TimerHandle>();

  /** @param clock the clock the timers run on. */
  constructor(private readonly clock: EmulatorClock) {}

  /** Schedules `fn` after `ms` on the clock. */
  set(fn: () => void, ms: number): TimerHandle {
    const handle: TimerHandle = { inner: undefined, done: false };
    handle.inner = this.clock.setTimeout(() => {
      if (handle.done) return;
      handle.done = true;
      this.live.delete(handle);
      fn();
    }, ms);
    this.live.add(handle);
    return handle;
  }

  /** Clears a timer; tolerates `undefined` and already fired timers. */
  clear(handle: TimerHandle | undefined): void {
    if (!handle || handle.done) return;
    handle.done = true;
    this.live.delete(handle);
    this.clock.clearTimeout(handle.inner);
  }

  /** Clears every live timer. */
  clearAll(): void {
    for (const handle of [...this.live]) this.clear(handle);
  }

  /** Number of live timers. */
  get size(): number {
    return this.live.size;
  }

  /**
   * A promise resolved after `ms` on the clock, rejected with the signal's reason
   * when `signal` aborts first.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortReason(signal));
        return;
      }
      const onAbort = (): void => {
        this.clear(handle);
        reject(abortReason(signal as AbortSignal));
      };
      const handle = this.set(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** The reason of an aborted signal, always an Error-like value. */
function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}
