import type { JobRecord } from './job.js';

/** All live jobs, by id, with change notification. */
export class JobStore {
  private readonly jobs = new Map<string, JobRecord>();

  /** Adds a job. */
  add(job: JobRecord): void {
    this.jobs.set(job.id, job);
  }

  /** The job with `id` (optionally only if it belongs to `endpointId`). */
  get(id: string, endpointId?: string): JobRecord | undefined {
    const job = this.jobs.get(id);
    if (!job || (endpointId !== undefined && job.endpointId !== endpointId)) return undefined;
    return job;
  }

  /** Removes a job from the store (listeners are notified by the caller). */
  remove(job: JobRecord): void {
    if (this.jobs.get(job.id) === job) this.jobs.delete(job.id);
  }

  /** Every live job, in creation order. */
  all(): IterableIterator<JobRecord> {
    return this.jobs.values();
  }

  /** Number of live jobs. */
  get size(): number {
    return this.jobs.size;
  }

  /** Registers `listener` for changes of `job`; returns the unsubscribe function. */
  subscribe(job: JobRecord, listener: () => void): () => void {
    job.listeners.add(listener);
    return () => {
      job.listeners.delete(listener);
    };
  }

  /** Calls every listener of `job`. */
  notify(job: JobRecord): void {
    for (const listener of [...job.listeners]) listener();
  }
}
