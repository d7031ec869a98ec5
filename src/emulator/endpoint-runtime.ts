import type { IdSource } from './ids.js';
import type { JobRecord, WorkerSlot } from './job.js';
import type { EmulatorHandler } from './types.js';

/** Cumulative per-endpoint counters reported by `/health`. */
export interface EndpointCounters {
  completed: number;
  failed: number;
  retried: number;
}

/** `/health` body. */
export interface HealthBody {
  jobs: { completed: number; failed: number; inProgress: number; inQueue: number; retried: number };
  /** The emulator's workers: idle, running, initializing, ready, throttled, unhealthy. */
  workers: Readonly<Record<string, number>>;
}

/**
 * One endpoint: its FIFO queue, its fixed pool of workers and its counters.
 * Jobs are handed to idle workers through `start` (owned by the engine).
 */
export class EndpointRuntime {
  /** Queued jobs in FIFO order (a Set gives O(1) removal for cancel/purge). */
  private queue = new Set<JobRecord>();
  /** The worker slots. */
  readonly workers: WorkerSlot[];
  /** Cumulative counters. */
  readonly counters: EndpointCounters = { completed: 0, failed: 0, retried: 0 };
  /** Jobs of this endpoint not yet deleted (queued, running or finished). */
  liveJobs = 0;
  /** Clock time of the latest use (request or job event). */
  lastUsedAt = 0;

  /**
   * @param id endpoint id.
   * @param handler the handler its workers run.
   * @param workerCount number of workers (at least 1).
   * @param ids id source for worker ids.
   * @param start hands a job to an idle worker.
   */
  constructor(
    readonly id: string,
    readonly handler: EmulatorHandler,
    workerCount: number,
    private readonly ids: IdSource,
    private readonly start: (job: JobRecord, worker: WorkerSlot) => void,
  ) {
    const n = Math.max(1, Math.floor(workerCount));
    this.workers = Array.from({ length: n }, () => ({ id: ids.workerId() }));
  }

  /**
   * Appends a job to the queue (or puts it first) and dispatches at once.
   * GUESS: workers are always warm (no cold start), so a job that finds an idle
   * worker starts with delayTime 0.
   */
  enqueue(job: JobRecord, first = false): void {
    if (first) this.queue = new Set([job, ...this.queue]);
    else this.queue.add(job);
    this.pump();
  }

  /** Removes a queued job; false when it was not queued. */
  dequeue(job: JobRecord): boolean {
    return this.queue.delete(job);
  }

  /** Empties the queue and returns the removed jobs. */
  purge(): JobRecord[] {
    const removed = [...this.queue];
    this.queue.clear();
    return removed;
  }

  /** Number of queued jobs. */
  get queued(): number {
    return this.queue.size;
  }

  /** Number of busy workers. */
  get running(): number {
    return this.workers.reduce((n, w) => n + (w.job ? 1 : 0), 0);
  }

  /** Frees a worker; a crashed worker is replaced by a fresh one (new id). */
  release(worker: WorkerSlot, crashed: boolean): void {
    worker.job = undefined;
    if (crashed) worker.id = this.ids.workerId();
  }

  /** Gives queued jobs to idle workers, in FIFO order. */
  pump(): void {
    for (const worker of this.workers) {
      if (worker.job) continue;
      const next = this.queue.values().next();
      if (next.done) return;
      this.queue.delete(next.value);
      this.start(next.value, worker);
    }
  }

  /** The `/health` body. */
  health(): HealthBody {
    const running = this.running;
    const idle = this.workers.length - running;
    return {
      jobs: {
        completed: this.counters.completed,
        failed: this.counters.failed,
        inProgress: running,
        inQueue: this.queue.size,
        retried: this.counters.retried,
      },
      // GUESS: `ready` = idle workers able to take a job; no cold starts, throttling or unhealthy workers are emulated.
      workers: { idle, running, initializing: 0, ready: idle, throttled: 0, unhealthy: 0 },
    };
  }
}
