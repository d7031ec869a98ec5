import type { JobStatus } from '../codecs/job-status.js';
import type { JobRecord } from './job.js';

/** A state a script shows for its job: the status body without the id (`output`, `delayTime`…). */
export type ScriptedState = Readonly<Record<string, unknown>> & { readonly status: JobStatus };

/** One moment of a script: the chunks produced then (in order), and the state shown from then on. */
export interface ScriptMove {
  /** Chunk outputs for `/stream`. @default none */
  readonly chunks?: readonly unknown[] | undefined;
  /** The new state; a terminal status ends the job (done by the engine). @default unchanged */
  readonly state?: ScriptedState | undefined;
}

/** A script being played; the engine stops it when the job is cancelled or deleted. */
export interface ScriptRun {
  /** Stops the script (no more moves). */
  stop(): void;
  /** The state a cancel leaves the job in (status `CANCELLED`). */
  cancelled(): ScriptedState;
}

/**
 * Plays jobs from scripts instead of workers running a handler: the engine's seam for the test
 * kit's fake endpoint. The engine still does every transition (chunks, state changes, the end,
 * cancel, retention, long-poll wake-ups); the player only says when they happen.
 */
export interface JobPlayer {
  /**
   * Starts playing `job`: calls `move` at each moment of its script, on the engine's clock
   * (the moves at 0 synchronously, before `play` returns).
   */
  play(job: JobRecord, move: (step: ScriptMove) => void): ScriptRun;
  /** The `workers` part of `/health`, given the number of jobs running. */
  workers(running: number): Readonly<Record<string, number>>;
}
