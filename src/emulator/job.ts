import type { ScriptedState, ScriptRun } from './job-player.js';
import type { TimerHandle } from './timers.js';
import type { JobStatus } from '../codecs/job-status.js';
import type { EmulatorJobSnapshot } from './types.js';

/** A worker slot of an endpoint. */
export interface WorkerSlot {
  /** Current worker id (changes when the worker crashes and is replaced). */
  id: string;
  /** The job it runs, if busy. */
  job?: JobRecord;
}

/** The current execution of a job (one per attempt). */
export interface JobRun {
  /** Aborted on cancel, timeout, expiry and close. */
  readonly controller: AbortController;
  /** The worker running it. */
  readonly worker: WorkerSlot;
}

/** Everything the emulator knows about one job. */
export interface JobRecord {
  readonly id: string;
  readonly endpointId: string;
  readonly sync: boolean;
  /**
   * The request's `input` as UTF-8 JSON, kept outside the JS heap while the job may still run
   * (dropped once COMPLETED or CANCELLED: only FAILED and TIMED_OUT jobs can be retried).
   */
  inputJson?: Uint8Array;
  /** Bytes of output this job holds (JSON size of its terminal `output`). */
  outputBytes: number;
  readonly webhook?: string;
  /** `policy.executionTimeout` (ms). */
  readonly executionTimeoutMs: number;
  /** `policy.ttl` (ms from submission). */
  readonly ttlMs: number;
  status: JobStatus;
  /** The status `/run` answers: IN_QUEUE, or a scripted job's first state. */
  acceptedStatus: JobStatus;
  readonly createdAt: number;
  /** When the job (re-)entered the queue. */
  queuedAt: number;
  startedAt?: number;
  completedAt?: number;
  attempts: number;
  /** Crashes of the current submission (reset by `/retry`). */
  crashes: number;
  workerId?: string;
  /** Terminal output (COMPLETED). */
  output?: unknown;
  /** Latest progress update (shown while IN_PROGRESS). */
  progress?: unknown;
  /** FAILED error text. */
  error?: string;
  /** Chunks not yet read by `/stream`. */
  streamBuffer: Array<{ output: unknown }>;
  /** Number of chunks the current attempt produced. */
  chunksProduced: number;
  /** Retention after completion requested by `/status?ttl=` (ms); shortens the default. */
  retentionOverrideMs?: number;
  /** When a terminal job will be deleted (clock ms). */
  expiresAt?: number;
  run?: JobRun;
  /** The script playing this job, when a `JobPlayer` runs the endpoint's jobs. */
  script?: ScriptRun;
  /** The state a scripted job shows (its status body without the id). */
  shown?: ScriptedState;
  timers: { ttl?: TimerHandle; retention?: TimerHandle; execution?: TimerHandle };
  /** Called on every change (status, progress, chunk, deletion). */
  readonly listeners: Set<() => void>;
  deleted: boolean;
}

/** The JSON body RunPod returns for a job (status, status-sync, runsync, cancel, webhook). */
export interface StatusBody {
  id: string;
  status: JobStatus;
  delayTime?: number;
  executionTime?: number;
  workerId?: string;
  output?: unknown;
  error?: string;
}

/**
 * Builds the status body of a job at time `now`.
 * GUESS: delayTime counts from the latest (re-)queueing (a retried job starts
 * again from the retry), executionTime runs while IN_PROGRESS, workerId appears
 * once started; TIMED_OUT and CANCELLED bodies carry no `error` and no `output`.
 */
export function statusBody(job: JobRecord, now: number): StatusBody {
  const body: StatusBody = { id: job.id, status: job.status };
  if (job.startedAt !== undefined) {
    body.delayTime = Math.max(0, Math.round(job.startedAt - job.queuedAt));
    body.executionTime = Math.max(0, Math.round((job.completedAt ?? now) - job.startedAt));
    if (job.workerId !== undefined) body.workerId = job.workerId;
  }
  if (job.status === 'IN_PROGRESS' && job.progress !== undefined) body.output = job.progress;
  if (job.status === 'COMPLETED' && job.output !== undefined) body.output = job.output;
  if (job.status === 'FAILED' && job.error !== undefined) body.error = job.error;
  return body;
}

/** The public snapshot of a job. */
export function snapshotOf(job: JobRecord): EmulatorJobSnapshot {
  const snap: EmulatorJobSnapshot = {
    id: job.id,
    endpointId: job.endpointId,
    status: job.status,
    createdAt: job.createdAt,
    attempts: job.attempts,
    sync: job.sync,
  };
  if (job.startedAt !== undefined) snap.startedAt = job.startedAt;
  if (job.completedAt !== undefined) snap.completedAt = job.completedAt;
  return snap;
}
