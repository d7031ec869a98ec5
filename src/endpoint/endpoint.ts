import type { Observable } from 'rxjs';
import type { JobRequest } from '../codecs/job-request.js';
import type { JobState } from '../codecs/job-state.js';
import type { EndpointHealth, PurgeQueueResponse, RunResponse, StreamChunk } from '../codecs/responses.js';
import type { WebhookCompletions } from './webhook-completions.js';

/**
 * Options of one-shot calls (`run`, `status`, `cancel`, `retry`, `health`, `purgeQueue`).
 * @category endpoint
 */
export interface CallOptions {
  /** Request timeout for this call, in ms, instead of the endpoint's `requestTimeout`. */
  readonly timeout?: number | undefined;
}

/**
 * Options of `watch`.
 * @category endpoint
 */
export interface WatchOptions {
  /** Overall deadline in ms; passing it errors with `TimeoutError` carrying the job id. */
  readonly timeout?: number | undefined;
  /** Poll `/status` every `pollInterval` ms instead of long-polling `/status-sync`. */
  readonly pollInterval?: number | undefined;
}

/**
 * Options of `stream`.
 * @category endpoint
 */
export interface StreamOptions {
  /** Overall deadline in ms; passing it errors with `TimeoutError` carrying the job id. */
  readonly timeout?: number | undefined;
}

/**
 * Options of the calls that own the job they create (`submit`, `runSync`).
 * @category endpoint
 */
export interface OwnedJobOptions {
  /** Overall deadline in ms; passing it errors with `TimeoutError` (and cancels the job). */
  readonly timeout?: number | undefined;
  /**
   * Cancel the job (POST /cancel, through the endpoint's cancel queue) when the subscription ends
   * before a terminal state: the subscriber leaves, the deadline passes or an error ends it. With
   * `false` the job is left running, and an error carries its id as `jobId` to resume with `watch`.
   * @default true
   */
  readonly cancelOnAbandon?: boolean | undefined;
  /**
   * Follow this job by webhook with this receiver instead of the endpoint's `webhooks`, or, with
   * `false`, by polling even when the endpoint has a receiver. Ignored when the request sets its
   * own `webhook` (the call then goes elsewhere, so the job is polled).
   */
  readonly webhooks?: WebhookCompletions | false | undefined;
}

/**
 * Options of `submit`.
 * @category endpoint
 */
export interface SubmitOptions extends OwnedJobOptions {
  /** Poll `/status` every `pollInterval` ms instead of long-polling `/status-sync`. */
  readonly pollInterval?: number | undefined;
}

/**
 * One RunPod Serverless endpoint. Every method returns a **cold** Observable: nothing is sent
 * before `subscribe`, each subscription sends its own requests, and unsubscribing aborts the
 * HTTP exchange in flight and stops every timer (a `stream` read excepted: it finishes detached,
 * see {@link Endpoint.stream}). Errors arrive on the error channel, never as a
 * throw from the method.
 *
 * `I` is the job input type, `O` the COMPLETED output type, `C` the stream chunk type.
 * @category endpoint
 */
export interface Endpoint<I = unknown, O = unknown, C = unknown> {
  /** The endpoint id. */
  readonly endpointId: string;
  /** The API root, e.g. `https://api.runpod.ai/v2`. */
  readonly baseUrl: string;

  /**
   * POST /run: queue a job. Emits `{ id, status }` once, then completes.
   * @example
   * endpoint.run({ input: { prompt: 'hi' } }).subscribe(({ id }) => console.log(id));
   */
  run(request: JobRequest<I>, options?: CallOptions): Observable<RunResponse>;

  /**
   * POST /runsync?wait=…, then long-poll until terminal. Emits the terminal state once (FAILED,
   * CANCELLED and TIMED_OUT are data, not errors), then completes. A job that ends within the
   * first wait (`runsyncWait`) costs one request. Owns the job: cancelled when abandoned unless
   * `cancelOnAbandon: false`, also when left during the first wait (once its answer brings the id).
   * @example
   * endpoint.runSync({ input }, { timeout: 60_000 }).pipe(throwOnJobFailure(), selectOutput())
   */
  runSync(request: JobRequest<I>, options?: OwnedJobOptions): Observable<JobState<O>>;

  /** GET /status/{id}: one snapshot, then complete. */
  status(id: string, options?: CallOptions): Observable<JobState<O>>;

  /**
   * Follow a job by id: the current state at once, then each *changed* state (status, output or
   * error), completing after the terminal one. Long-polls `/status-sync`, falling back to polling
   * `/status`. Never cancels the job: it does not own it.
   */
  watch(id: string, options?: WatchOptions): Observable<JobState<O>>;

  /**
   * Each streamed chunk `{ output, ...extra }` in order, completing when the job is terminal and
   * drained. If the job ended FAILED, CANCELLED or TIMED_OUT, errors with `JobFailedError`,
   * `JobCancelledError` or `JobTimedOutError` after the chunks produced before the end.
   * Unsubscribing loses nothing the server already drained: the chunks not yet emitted, and those
   * of the read in flight (which finishes detached), go first to the next `stream(id)` of this
   * endpoint object, within `streamHold`'s bounds. Streams of one job take turns. See docs/streaming.md.
   */
  stream(id: string, options?: StreamOptions): Observable<StreamChunk<C>>;

  /**
   * POST /run, then follow the job like `watch`: the first emission is the run response itself
   * (`IN_QUEUE`), then each changed state until the terminal one. Owns the job: cancelled when
   * abandoned unless `cancelOnAbandon: false`.
   */
  submit(request: JobRequest<I>, options?: SubmitOptions): Observable<JobState<O>>;

  /** POST /cancel/{id}: emits the job's state (normally CANCELLED). */
  cancel(id: string, options?: CallOptions): Observable<JobState<O>>;

  /** POST /retry/{id}: re-queue a FAILED or TIMED_OUT job under the same id. */
  retry(id: string, options?: CallOptions): Observable<RunResponse>;

  /** GET /health: job and worker counters. */
  health(options?: CallOptions): Observable<EndpointHealth>;

  /** POST /purge-queue: remove every queued job (running ones go on). */
  purgeQueue(options?: CallOptions): Observable<PurgeQueueResponse>;
}
