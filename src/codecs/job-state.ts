import * as t from 'io-ts';
import { JobStatus } from './job-status.js';
import { ErrorText, optional } from './lenient.js';

/**
 * io-ts codec of a status body, as `/status`, `/status-sync`, `/runsync`, `/cancel` and webhooks
 * return it. `output` is left `unknown` here; an endpoint's `codecs.output` decodes it separately.
 * Unknown extra fields are kept.
 * @category codecs
 */
export const JobStateCodec = t.intersection(
  [
    t.type({ id: t.string, status: JobStatus }),
    t.partial({
      delayTime: optional(t.number),
      executionTime: optional(t.number),
      output: t.unknown,
      error: optional(ErrorText),
      workerId: optional(t.string),
      retries: optional(t.number),
    }),
  ],
  'JobState',
);

/**
 * The optional fields of a job state, checked wherever they appear: also in the `/run` and
 * `/retry` answers, which `submit` and `runSync` hand out as job states.
 */
export const JobStateOptionalFields = JobStateCodec.types[1];

/** Fields every job state may carry besides `status` and `output`. @category codecs */
export interface JobFields {
  /** The job id, `<uuid>-<suffix>` for /run and `sync-<uuid>-<suffix>` for /runsync (suffix `u1`, `e1`, …). */
  readonly id: string;
  /** Milliseconds spent queued before a worker took the job. */
  readonly delayTime?: number | undefined;
  /** Milliseconds of handler run time. */
  readonly executionTime?: number | undefined;
  /** The failure text of a FAILED job. */
  readonly error?: string | undefined;
  /** The worker that ran the job. */
  readonly workerId?: string | undefined;
  /** How many times the job was retried, where RunPod reports it. */
  readonly retries?: number | undefined;
}

/**
 * The `output` of a COMPLETED state: present and of type `O` when the endpoint has an output
 * codec (its decoder ran, so the field is there), optional while `O` is `unknown` (no codec).
 * @category codecs
 */
export type CompletedOutput<O> = unknown extends O ? { readonly output?: O } : { readonly output: O };

/**
 * One snapshot of a job. Discriminated by `status`: a COMPLETED state's `output` has the
 * endpoint's output type `O` (required when an output codec gives `O`); in other states `output`
 * is the latest progress update, if any.
 *
 * @example
 * if (state.status === 'COMPLETED') use(state.output); // typed O, not O | undefined
 * @category codecs
 */
export type JobState<O = unknown> =
  | (JobFields & { readonly status: 'COMPLETED' } & CompletedOutput<O>)
  | (JobFields & { readonly status: Exclude<JobStatus, 'COMPLETED'>; readonly output?: unknown });
