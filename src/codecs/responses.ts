import * as t from 'io-ts';
import { JobStateOptionalFields } from './job-state.js';
import { JobStatus } from './job-status.js';
import { boundedArray, optional } from './lenient.js';

/**
 * What `/run` and `/retry` answer: the job id and its first status. Unknown extra fields are
 * kept, and the fields a job state may carry (`delayTime`, `error`, …) are checked when present:
 * `submit` emits this answer as its first job state, so it must be one.
 * @category codecs
 */
export const RunResponse = t.intersection(
  [t.type({ id: t.string, status: JobStatus }), JobStateOptionalFields],
  'RunResponse',
);
/** @category codecs */
export interface RunResponse {
  readonly id: string;
  readonly status: JobStatus;
}

/**
 * One element of a `/stream` answer: `{ output }` plus whatever else the worker added (kept).
 * @category codecs
 */
export const StreamChunkCodec = t.type({ output: t.unknown }, 'StreamChunk');

/**
 * A streamed chunk: `output` has the endpoint's chunk type `C`; extra fields the worker added
 * (e.g. `metrics`) are kept.
 * @category codecs
 */
export interface StreamChunk<C = unknown> {
  readonly output: C;
  readonly [extra: string]: unknown;
}

/**
 * What `/stream/{id}` answers: the chunks produced since the last read (drain on read) and the
 * job's status. A missing `stream` array is read as empty. Validation of `stream` stops after
 * 10 invalid items.
 * @category codecs
 */
export const StreamResponse = t.intersection(
  [t.type({ status: JobStatus }), t.partial({ id: t.string, stream: optional(boundedArray(StreamChunkCodec)) })],
  'StreamResponse',
);

const Count = t.number;

/**
 * The `/health` body. `jobs.*` and `workers.idle`/`workers.running` are required; other worker
 * counters are optional.
 * @category codecs
 */
export const EndpointHealthCodec = t.type(
  {
    jobs: t.type({ completed: Count, failed: Count, inProgress: Count, inQueue: Count, retried: Count }),
    workers: t.intersection([
      t.type({ idle: Count, running: Count }),
      t.partial({
        initializing: optional(Count),
        ready: optional(Count),
        throttled: optional(Count),
        unhealthy: optional(Count),
      }),
    ]),
  },
  'EndpointHealth',
);
/** @category codecs */
export type EndpointHealth = t.TypeOf<typeof EndpointHealthCodec>;

/**
 * The `/purge-queue` body: how many queued jobs were removed; `status` is `"completed"`.
 * @category codecs
 */
export const PurgeQueueResponseCodec = t.type({ removed: Count, status: t.string }, 'PurgeQueueResponse');
/** @category codecs */
export type PurgeQueueResponse = t.TypeOf<typeof PurgeQueueResponseCodec>;
