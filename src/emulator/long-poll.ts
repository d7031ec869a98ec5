import type { ServerResponse } from 'node:http';
import type { JobRecord } from './job.js';
import type { JobStore } from './job-store.js';
import type { StatsCollector } from './stats.js';
import type { TimerHandle, TimerSet } from './timers.js';

/** One held request. */
interface Held {
  release(): void;
  drop(): void;
}

/**
 * Holds requests (runsync, status-sync, stream) until their job reaches the
 * wanted state, is deleted, or the wait runs out. A client that disconnects is
 * forgotten at once: its listener and timer are removed, nothing is answered.
 */
export class LongPolls {
  private readonly held = new Set<Held>();

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

  /** Number of requests held now. */
  get open(): number {
    return this.held.size;
  }

  /**
   * Answers via `respond` once `ready(job)` holds, the job is deleted, or
   * `waitMs` passes — immediately when that is already the case.
   */
  hold(
    res: ServerResponse,
    job: JobRecord,
    waitMs: number,
    ready: (job: JobRecord) => boolean,
    respond: () => void,
  ): void {
    if (job.deleted || ready(job) || waitMs <= 0) {
      respond();
      return;
    }
    let timer: TimerHandle | undefined;
    let unsubscribe: () => void = () => undefined;
    const cleanup = (): void => {
      if (!this.held.delete(entry)) return;
      unsubscribe();
      this.timers.clear(timer);
      res.off('close', onClose);
      this.stats.longPolls(this.held.size);
    };
    const entry: Held = {
      release: () => {
        cleanup();
        respond();
      },
      drop: cleanup,
    };
    const onClose = (): void => entry.drop();
    this.held.add(entry);
    this.stats.longPolls(this.held.size);
    unsubscribe = this.store.subscribe(job, () => {
      if (job.deleted || ready(job)) entry.release();
    });
    timer = this.timers.set(() => entry.release(), waitMs);
    res.on('close', onClose);
  }

  /** Forgets every held request (their sockets are closed by the server). */
  dropAll(): void {
    for (const entry of [...this.held]) entry.drop();
  }
}
