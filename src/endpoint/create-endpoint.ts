import * as t from 'io-ts';
import { defer, distinctUntilChanged, filter, finalize, map, tap, type Observable } from 'rxjs';
import { decodeOrThrow } from '../codecs/decode.js';
import { encodeJobRequest } from '../codecs/job-request.js';
import { JobStateCodec, type JobState } from '../codecs/job-state.js';
import { isTerminal } from '../codecs/job-status.js';
import {
  EndpointHealthCodec,
  PurgeQueueResponseCodec,
  RunResponse,
  StreamResponse,
  type StreamChunk,
} from '../codecs/responses.js';
import { InvalidInputError, TimeoutError } from '../errors.js';
import { withDeadline } from '../internal/deadline.js';
import { fitsTimer, MAX_DELAY_MS } from '../internal/max-delay.js';
import { sameState } from '../internal/same-state.js';
import { takeUntilTerminal } from '../../operators/take-until-terminal.js';
import { resolveConfig, type EndpointConfig } from './config.js';
import type { CallOptions, Endpoint, OwnedJobOptions, StreamOptions, SubmitOptions } from './endpoint.js';
import { followJob, type FollowDeps } from './follow-job.js';
import { createSend } from './http.js';
import { checkJobId, withJobId } from './job-id.js';
import { createStreamHold } from './stream-hold.js';
import { streamJob } from './stream-job.js';

/** RunPod's accepted range for `/runsync?wait=`. */
const RUNSYNC_WAIT = { min: 1_000, max: 300_000 } as const;
/** How long before the deadline a runsync wait ends, so its answer (and the job id) arrives in time. */
const RUNSYNC_MARGIN_MS = 500;
/**
 * A positive number of ms that a timer can hold. `Infinity` is accepted where it means "no limit"
 * (`allowInfinity`, the overall deadline); anything beyond {@link MAX_DELAY_MS} otherwise is refused,
 * because a timer would fire it at once.
 */
function checkMs(name: string, value: number | undefined, allowInfinity = false): number | undefined {
  if (value === undefined) return undefined;
  if (!fitsTimer(value) && !(allowInfinity && value === Infinity)) {
    throw new InvalidInputError(`${name} must be a positive number of ms, at most ${MAX_DELAY_MS}`);
  }
  return value;
}

/**
 * Creates the client of one RunPod Serverless endpoint. Configuration comes from `config`, then
 * from the environment (`RUNPOD_API_KEY`/`RP_API_KEY`, `RUNPOD_ENDPOINT_ID`/`RP_ENDPOINT_ID`,
 * `RUNPOD_ENDPOINT_BASE_URL`).
 *
 * @throws {ConfigError} at once, for a missing or malformed key, endpoint id or base URL.
 * @example
 * import { createEndpoint } from 'runpod-rx';
 * const endpoint = createEndpoint({ apiKey: process.env.RUNPOD_API_KEY, endpointId: 'abc123' });
 * endpoint.runSync({ input: { prompt: 'a red fox' } }).subscribe((job) => console.log(job.status));
 * @category endpoint
 */
export function createEndpoint<I = unknown, O = unknown, C = unknown>(
  config: EndpointConfig<I, O, C> = {},
): Endpoint<I, O, C> {
  const resolved = resolveConfig(config);
  const { scheduler, codecs, emit } = resolved;
  const send = createSend(resolved);
  const streamHold = createStreamHold(resolved.streamHold, scheduler, emit);
  const outputCodec = codecs.output;
  const encodeInput = codecs.input ? (input: unknown) => codecs.input!.encode(input as I) : (input: unknown) => input;

  // The status body decodes with `output: unknown`; `withOutput` then narrows a COMPLETED output to O.
  const JobStateOfO = JobStateCodec as t.Decoder<unknown, unknown> as t.Decoder<unknown, JobState<O>>;
  const withOutput = (state: JobState<O>): JobState<O> =>
    outputCodec !== undefined && state.status === 'COMPLETED'
      ? { ...state, output: decodeOrThrow(outputCodec, state.output, undefined, 'JobState/output: ') }
      : state;

  const status = (id: string, timeout?: number): Observable<JobState<O>> =>
    send({
      route: 'status',
      method: 'GET',
      path: `/status/${id}`,
      codec: withJobId(JobStateOfO, id),
      jobId: id,
      timeout,
    }).pipe(map(withOutput));
  const statusSync = (id: string, wait: number): Observable<JobState<O>> =>
    send({
      route: 'status-sync',
      method: 'GET',
      path: `/status-sync/${id}`,
      wait,
      codec: withJobId(JobStateOfO, id),
      jobId: id,
    }).pipe(map(withOutput));
  /**
   * POST /run for a call that follows the job: the answer is read as a full status body, so a
   * server that answers with a terminal state at once has its output checked like any other.
   */
  const queueJob = (body: string): Observable<JobState<O>> =>
    send({ route: 'run', method: 'POST', path: '/run', body, codec: withJobId(JobStateOfO) }).pipe(map(withOutput));
  const followDeps: FollowDeps<O> = {
    status: (id) => status(id),
    statusSync,
    scheduler,
    polling: resolved.polling,
    longPollWait: resolved.longPollWait,
  };

  /** Emits each changed state and completes after the terminal one. */
  const untilTerminal = (states: Observable<JobState<O>>): Observable<JobState<O>> =>
    states.pipe(distinctUntilChanged<JobState<O>>(sameState), takeUntilTerminal());

  /**
   * Runs `body(track)` with an overall deadline. When the subscriber leaves, or the deadline
   * passes, before a terminal state, POSTs /cancel for the job it created, detached from the
   * subscriber so the cancel completes even though nobody listens. Any other error leaves the job
   * running: the caller knows its id from the first emission and may resume with `watch(id)`.
   */
  const ownedJob = (
    options: OwnedJobOptions | undefined,
    body: (deadlineAt: number, track: (state: JobState<O>) => void) => Observable<JobState<O>>,
  ): Observable<JobState<O>> =>
    defer(() => {
      const timeout = checkMs('timeout', options?.timeout, true) ?? Infinity;
      let last: JobState<O> | undefined;
      let deadlinePassed = false;
      let failed = false;
      const track = (state: JobState<O>) => {
        last = state;
      };
      return body(scheduler.now() + timeout, track).pipe(
        withDeadline(timeout, scheduler, () => {
          deadlinePassed = true;
          return new TimeoutError(`job not finished within ${timeout} ms`, last?.id);
        }),
        tap({ error: () => (failed = !deadlinePassed) }),
        finalize(() => {
          if (last === undefined || isTerminal(last) || failed || options?.cancelOnAbandon === false) return;
          emit({ type: 'cancel-on-abandon', jobId: last.id });
          cancel(last.id).subscribe({ error: () => undefined });
        }),
      );
    });

  const cancel = (id: string, options?: CallOptions): Observable<JobState<O>> =>
    defer(() =>
      send({
        route: 'cancel',
        method: 'POST',
        path: `/cancel/${checkJobId(id)}`,
        codec: withJobId(JobStateOfO, id),
        jobId: id,
        timeout: checkMs('timeout', options?.timeout),
      }),
    ).pipe(map(withOutput));

  const endpoint: Endpoint<I, O, C> = {
    endpointId: resolved.endpointId,
    baseUrl: resolved.baseUrl,

    run: (request, options) =>
      defer(() =>
        send({
          route: 'run',
          method: 'POST',
          path: '/run',
          body: encodeJobRequest(request, encodeInput, resolved.payloadLimits.run),
          codec: withJobId(RunResponse),
          timeout: checkMs('timeout', options?.timeout),
        }),
      ),

    runSync: (request, options) =>
      ownedJob(options, (deadlineAt, track) => {
        // The runsync answer must come back before the deadline, or the job id (needed to cancel
        // it) is never learnt; when RunPod's minimum wait does not fit, start with /run instead.
        const wait = Math.min(
          RUNSYNC_WAIT.max,
          resolved.longPollWait,
          deadlineAt - scheduler.now() - RUNSYNC_MARGIN_MS,
        );
        const useRunsync = wait >= RUNSYNC_WAIT.min;
        const body = encodeJobRequest(
          request,
          encodeInput,
          useRunsync ? resolved.payloadLimits.runsync : resolved.payloadLimits.run,
        );
        const first$ = useRunsync
          ? send({
              route: 'runsync',
              method: 'POST',
              path: '/runsync',
              wait,
              body,
              codec: withJobId(JobStateOfO),
            }).pipe(map(withOutput))
          : queueJob(body);
        return first$.pipe(
          followJob(followDeps, { deadlineAt }),
          tap(track),
          filter((state) => isTerminal(state)),
        );
      }),

    status: (id, options) => defer(() => status(checkJobId(id), checkMs('timeout', options?.timeout))),

    watch: (id, options) =>
      defer(() => {
        const jobId = checkJobId(id);
        const timeout = checkMs('timeout', options?.timeout, true) ?? Infinity;
        const pollInterval = checkMs('pollInterval', options?.pollInterval);
        const deadlineAt = scheduler.now() + timeout;
        return untilTerminal(status(jobId).pipe(followJob(followDeps, { deadlineAt, pollInterval }))).pipe(
          withDeadline(timeout, scheduler, () => new TimeoutError(`job not finished within ${timeout} ms`, jobId)),
        );
      }),

    stream: (id, options?: StreamOptions): Observable<StreamChunk<C>> =>
      defer(() => {
        const jobId = checkJobId(id);
        const timeout = checkMs('timeout', options?.timeout, true) ?? Infinity;
        return streamJob<C>(jobId, {
          open: (jobId) =>
            streamHold.open(jobId, () =>
              send({
                route: 'stream',
                method: 'GET',
                path: `/stream/${jobId}`,
                wait: resolved.streamWait,
                codec: withJobId(StreamResponse, jobId, true),
                jobId,
              }),
            ),
          status: (jobId) => status(jobId),
          chunk: codecs.chunk,
          scheduler,
          polling: resolved.polling,
          streamWait: resolved.streamWait,
        }).pipe(
          withDeadline(timeout, scheduler, () => new TimeoutError(`stream not finished within ${timeout} ms`, jobId)),
        );
      }),

    submit: (request, options?: SubmitOptions) =>
      ownedJob(options, (deadlineAt, track) => {
        const pollInterval = checkMs('pollInterval', options?.pollInterval);
        return untilTerminal(
          queueJob(encodeJobRequest(request, encodeInput, resolved.payloadLimits.run)).pipe(
            followJob(followDeps, { deadlineAt, pollInterval }),
          ),
        ).pipe(tap(track));
      }),

    cancel,

    retry: (id, options) =>
      defer(() =>
        send({
          route: 'retry',
          method: 'POST',
          path: `/retry/${checkJobId(id)}`,
          codec: withJobId(RunResponse, id),
          jobId: id,
          timeout: checkMs('timeout', options?.timeout),
        }),
      ),

    health: (options) =>
      defer(() =>
        send({
          route: 'health',
          method: 'GET',
          path: '/health',
          codec: EndpointHealthCodec,
          timeout: checkMs('timeout', options?.timeout),
        }),
      ),

    purgeQueue: (options) =>
      defer(() =>
        send({
          route: 'purge-queue',
          method: 'POST',
          path: '/purge-queue',
          codec: PurgeQueueResponseCodec,
          timeout: checkMs('timeout', options?.timeout),
        }),
      ),
  };
  return Object.freeze(endpoint);
}
