import type { Answer, RouteReply } from './answer.js';
import type { JobRecord } from './job.js';
import type { JobStore } from './job-store.js';
import type { StatsCollector } from './stats.js';
import type { TimerHandle, TimerSet } from './timers.js';

/**
 * Holds answers (runsync, status-sync, stream) until their job reaches the wanted state, is
 * deleted, or the wait runs out. A hold cancelled by its caller (the client went away) is
 * forgotten at once: its listener and timer are removed, nothing is answered.
 */
export class LongPolls {
  /** The cancel function of each hold in progress. */
  private readonly held = new Set<() => void>();

  /**
   * @param store job store (change notifications).
   * @param timers clock-driven timers for the waits.
   * @param stats counters (`longPollsOpen`).
   */
  constructor(
    private readonly store: JobStore,
    private readonly timers: TimerSet,
    private readonly stats: StatsCollector,
  ) {}

  /** Number of answers held now. */
  get open(): number {
    return this.held.size;
  }

  /**
   * The answer `respond()` once `ready(job)` holds, the job is deleted, or `waitMs` passes:
   * given now when that is already the case, otherwise held.
   */
  hold(job: JobRecord, waitMs: number, ready: (job: JobRecord) => boolean, respond: () => Answer): RouteReply {
    if (job.deleted || ready(job) || waitMs <= 0) return respond();
    return {
      held: (deliver) => {
        let timer: TimerHandle | undefined;
        let unsubscribe: () => void = () => undefined;
        const cancel = (): boolean => {
          if (!this.held.delete(cancel)) return false;
          unsubscribe();
          this.timers.clear(timer);
          this.stats.longPolls(this.held.size);
          return true;
        };
        const release = (): void => {
          if (cancel()) deliver(respond());
        };
        this.held.add(cancel);
        this.stats.longPolls(this.held.size);
        unsubscribe = this.store.subscribe(job, () => {
          if (job.deleted || ready(job)) release();
        });
        timer = this.timers.set(release, waitMs);
        return () => {
          cancel();
        };
      },
    };
  }

  /** Forgets every held answer (their connections are closed by the server). */
  dropAll(): void {
    for (const cancel of [...this.held]) cancel();
  }
}
