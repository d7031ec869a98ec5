import type { JobRecord } from './job.js';

/** Default cap of the bytes of inputs and outputs one emulator retains (256 MiB). */
export const DEFAULT_MAX_RETAINED_BYTES = 256 * 1024 * 1024;

const encoder = new TextEncoder();

/** UTF-8 bytes of a text. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** UTF-8 size of a text. */
export function utf8Bytes(text: string): number {
  return encoder.encode(text).length;
}

/** UTF-8 size of a value's JSON text; 0 when it has none (`undefined`, or not serialisable). */
export function jsonBytes(value: unknown): number {
  if (value === undefined) return 0;
  try {
    const text = JSON.stringify(value);
    return text === undefined ? 0 : utf8Bytes(text);
  } catch {
    return 0;
  }
}

/**
 * The bytes of job inputs and outputs an emulator holds, against a cap, and its finished
 * jobs in the order they finished (the first to forget when room is needed).
 */
export class RetainedBytes {
  private held = 0;
  /** Finished jobs in the order they finished, with the bytes each holds. */
  private readonly finished = new Map<JobRecord, number>();
  private heldByFinished = 0;

  /** @param cap most bytes held at once. */
  constructor(readonly cap: number) {}

  /** Bytes held now. */
  get bytes(): number {
    return this.held;
  }

  /** Whether `more` bytes can be held without passing the cap. */
  fits(more: number): boolean {
    return this.held + more <= this.cap;
  }

  /** Whether `more` bytes would fit once every finished job is forgotten. */
  fitsBesideLiveJobs(more: number): boolean {
    return this.held - this.heldByFinished + more <= this.cap;
  }

  /** Whether the cap is passed. */
  get over(): boolean {
    return this.held > this.cap;
  }

  /** Counts `delta` bytes more (negative: fewer). */
  add(delta: number): void {
    this.held += delta;
  }

  /**
   * Records that `job` reached a terminal state holding `bytes` (already counted with
   * {@link RetainedBytes.add}); it becomes the newest finished job. Its bytes must not change
   * until it is forgotten.
   */
  finishedJob(job: JobRecord, bytes: number): void {
    this.forget(job);
    this.finished.set(job, bytes);
    this.heldByFinished += bytes;
  }

  /** Forgets `job` as a finished job (retried or deleted). */
  forget(job: JobRecord): void {
    const bytes = this.finished.get(job);
    if (bytes === undefined) return;
    this.finished.delete(job);
    this.heldByFinished -= bytes;
  }

  /** The finished job that finished first, if any. */
  oldestFinished(): JobRecord | undefined {
    const next = this.finished.keys().next();
    return next.done ? undefined : next.value;
  }
}
