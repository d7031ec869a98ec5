import * as t from 'io-ts';
import {
  AsyncSubject,
  catchError,
  defer,
  distinctUntilChanged,
  filter,
  map,
  of,
  switchMap,
  takeWhile,
  tap,
  type Observable,
} from 'rxjs';
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
import { InvalidInputError, isRunpodError, TimeoutError } from '../errors.js';
import { createDeadlineBoard } from '../internal/deadline-board.js';
import { withDeadline } from '../internal/deadline.js';
import { fitsTimer, MAX_DELAY_MS } from '../internal/max-delay.js';
import { sameState } from '../internal/same-state.js';
import { RUNPOD_RATE_WINDOW } from '../runpod-limits.js';
import { resolveConfig, RUNSYNC_WAIT, type EndpointConfig, type RateLimit } from './config.js';
import type { CallOptions, Endpoint, OwnedJobOptions, StreamOptions, SubmitOptions } from './endpoint.js';
import { createFollower } from './follower.js';
import { createSend, describeError, HAND_OVER_MS } from './http.js';
import { checkJobId, withJobId } from './job-id.js';
import { pollJob } from './poll-job.js';
import { createStreamHold } from './stream-hold.js';
import { streamJob } from './stream-job.js';

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
 * How long a follower's long-poll holds while other jobs wait: the pool's hand-over time
 * ({@link HAND_OVER_MS}, a fifth of RunPod's window) scaled to the status window, and never so
 * short that the slots would turn over faster than the status rate allows (RunPod's numbers:
 * 400 slots × 2 s = 2,000 requests per 10 s, both give 2 s).
 */
function contendedHold(slots: number, rate: RateLimit | false): number {
  if (rate === false) return HAND_OVER_MS;
  const scaled = (HAND_OVER_MS * rate.window) / RUNPOD_RATE_WINDOW;
  return slots === Infinity ? scaled : Math.max(scaled, (slots * rate.window) / rate.limit);
}

/** `error`, carrying `jobId` when it is a runpod-rx error that names no job yet. */
function carryingJobId(error: unknown, jobId: string | undefined): unknown {
  if (jobId !== undefined && isRunpodError(error) && error.jobId === undefined) error.jobId = jobId;
  return error;
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

  /**
   * GET /status/{id}. With `deadlineAt` (a follow phase's read), transient failures are retried
   * until that time rather than `retry.count` times.
   */
  const status = (id: string, timeout?: number, deadlineAt?: number): Observable<JobState<O>> =>
    send({
      route: 'status',
      method: 'GET',
      path: `/status/${id}`,
      codec: withJobId(JobStateOfO, id),
      jobId: id,
      timeout,
      ...(deadlineAt !== undefined && { deadlineAt, untilDeadline: true }),
    }).pipe(map(withOutput));
  /** GET /status-sync/{id}?wait=…, a follow phase's read: retried until `deadlineAt`. */
  const statusSync = (id: string, wait: number, deadlineAt: number): Observable<JobState<O>> =>
    send({
      route: 'status-sync',
      method: 'GET',
      path: `/status-sync/${id}`,
      wait,
      codec: withJobId(JobStateOfO, id),
      jobId: id,
      deadlineAt,
      untilDeadline: true,
    }).pipe(map(withOutput));
  const statusSlots = resolved.concurrency === false ? Infinity : resolved.concurrency.status;
  /** Every job this endpoint object follows, in one registry, its status requests sent by one loop. */
  const follower = createFollower<O>({
    status: (id, deadlineAt) => status(id, undefined, deadlineAt),
    statusSync,
    scheduler,
    polling: resolved.polling,
    longPollWait: resolved.longPollWait,
    slots: statusSlots,
    contendedWait: contendedHold(statusSlots, resolved.statusRateLimit),
  });
  /** The deadlines of `watch`, `submit` and `runSync`, on one timer. */
  const deadlines = createDeadlineBoard(scheduler);
  /**
   * The changed states of the job `first` names, from `first` on, until the terminal one:
   * fixed-interval `/status` polls with `pollInterval`, the follower otherwise.
   */
  const followFrom = (first: JobState<O>, deadlineAt: number, pollInterval?: number): Observable<JobState<O>> =>
    pollInterval === undefined
      ? follower.follow(first.id, first, deadlineAt)
      : untilTerminal(of(first).pipe(pollJob((id) => status(id, undefined, deadlineAt), pollInterval, scheduler)));

  /** Reports the id a creating answer brings, as soon as it arrives. */
  const reportCreated = <S extends { readonly id: string }>(route: 'run' | 'runsync' | 'retry') =>
    tap<S>((answer) => emit({ type: 'job-created', route, jobId: answer.id }));

  /**
   * POST /run for a call that follows the job: the answer is read as a full status body, so a
   * server that answers with a terminal state at once has its output checked like any other.
   */
  const queueJob = (body: string, deadlineAt: number, onWire: (onWire: boolean) => void): Observable<JobState<O>> =>
    send({ route: 'run', method: 'POST', path: '/run', body, codec: withJobId(JobStateOfO), deadlineAt, onWire }).pipe(
      reportCreated('run'),
      map(withOutput),
    );

  /** Emits each changed state and completes after the terminal one. */
  const untilTerminal = (states: Observable<JobState<O>>): Observable<JobState<O>> =>
    states.pipe(
      distinctUntilChanged<JobState<O>>(sameState),
      takeWhile((state) => !isTerminal(state), true),
    );

  /**
   * The cancel of an abandoned job, detached from any subscriber: it waits its turn behind the
   * endpoint's cancel limits (slots and rate window), is retried on 429s and transient failures
   * until `cancelPatience` runs out, and reports giving up with a `cancel-failed` event.
   */
  const cancelAbandoned = (jobId: string): void => {
    emit({ type: 'cancel-on-abandon', jobId });
    defer(() =>
      send({
        route: 'cancel',
        method: 'POST',
        path: `/cancel/${checkJobId(jobId)}`,
        codec: withJobId(JobStateOfO, jobId),
        jobId,
        deadlineAt: scheduler.now() + resolved.cancelPatience,
        untilDeadline: true,
      }),
    ).subscribe({ error: (error: unknown) => emit({ type: 'cancel-failed', jobId, reason: describeError(error) }) });
  };

  /**
   * A job owned by its subscription. `create` sends the creating request, telling `onWire` when an
   * attempt is on the wire; `follow` turns the creating answer into the job's states. Whenever the
   * subscription ends before a terminal state (unsubscribe, the deadline, an error), the job the
   * creating answer named is cancelled, unless `cancelOnAbandon: false`; an error carries the job
   * id when known. A creating request that is on the wire when the subscriber leaves is not
   * aborted (the server may have created the job already): it completes detached, and its job is
   * cancelled as soon as the answer brings the id. One not on the wire (waiting for a slot, or
   * for a retry after a 429) is dropped: it created nothing.
   */
  const ownedJob = (
    options: OwnedJobOptions | undefined,
    create: (deadlineAt: number, onWire: (onWire: boolean) => void) => Observable<JobState<O>>,
    follow: (created: Observable<JobState<O>>, deadlineAt: number) => Observable<JobState<O>>,
  ): Observable<JobState<O>> =>
    defer(() => {
      const timeout = checkMs('timeout', options?.timeout, true) ?? Infinity;
      const deadlineAt = scheduler.now() + timeout;
      const created = new AsyncSubject<JobState<O>>();
      let left = false;
      let wire = false;
      const drop = () => {
        creation.unsubscribe();
        created.complete();
      };
      const creation = defer(() =>
        create(deadlineAt, (onWire) => {
          wire = onWire;
          if (left && !onWire) drop();
        }),
      ).subscribe(created);
      let last: JobState<O> | undefined;
      const abandon = () => {
        left = true;
        if (!wire) drop();
        if (options?.cancelOnAbandon === false || (last !== undefined && isTerminal(last))) return;
        created.subscribe({
          next: (answer) => {
            if (!isTerminal(answer)) cancelAbandoned(answer.id);
          },
          error: () => undefined, // no job was created: nothing to cancel
        });
      };
      return follow(created, deadlineAt).pipe(
        deadlines.within(timeout, () => new TimeoutError(`job not finished within ${timeout} ms`, last?.id)),
        tap({
          next: (state) => {
            last = state;
          },
          error: abandon,
          unsubscribe: abandon,
        }),
        catchError((error: unknown) => {
          throw carryingJobId(error, last?.id);
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
      ).pipe(reportCreated('run')),

    runSync: (request, options) =>
      ownedJob(
        options,
        (deadlineAt, onWire) => {
          // The runsync answer should come back before the deadline, so the caller gets the job id;
          // when RunPod's minimum wait does not fit, start with /run instead.
          const wait = Math.min(
            resolved.runsyncWait,
            resolved.longPollWait,
            deadlineAt - scheduler.now() - RUNSYNC_MARGIN_MS,
          );
          if (wait < RUNSYNC_WAIT.min)
            return queueJob(encodeJobRequest(request, encodeInput, resolved.payloadLimits.run), deadlineAt, onWire);
          const body = encodeJobRequest(request, encodeInput, resolved.payloadLimits.runsync);
          return send({
            route: 'runsync',
            method: 'POST',
            path: '/runsync',
            wait,
            body,
            codec: withJobId(JobStateOfO),
            deadlineAt,
            onWire,
          }).pipe(reportCreated('runsync'), map(withOutput));
        },
        (created, deadlineAt) => created.pipe(switchMap((first) => followFrom(first, deadlineAt))),
      ).pipe(filter((state) => isTerminal(state))),

    status: (id, options) => defer(() => status(checkJobId(id), checkMs('timeout', options?.timeout))),

    watch: (id, options) =>
      defer(() => {
        const jobId = checkJobId(id);
        const timeout = checkMs('timeout', options?.timeout, true) ?? Infinity;
        const pollInterval = checkMs('pollInterval', options?.pollInterval);
        const deadlineAt = scheduler.now() + timeout;
        const states =
          pollInterval === undefined
            ? follower.follow(jobId, undefined, deadlineAt)
            : untilTerminal(
                status(jobId, undefined, deadlineAt).pipe(
                  switchMap((first) => followFrom(first, deadlineAt, pollInterval)),
                ),
              );
        return states.pipe(
          deadlines.within(timeout, () => new TimeoutError(`job not finished within ${timeout} ms`, jobId)),
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
      defer(() => {
        const pollInterval = checkMs('pollInterval', options?.pollInterval);
        return ownedJob(
          options,
          (deadlineAt, onWire) =>
            queueJob(encodeJobRequest(request, encodeInput, resolved.payloadLimits.run), deadlineAt, onWire),
          (created, deadlineAt) => created.pipe(switchMap((first) => followFrom(first, deadlineAt, pollInterval))),
        );
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
      ).pipe(reportCreated('retry')),

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
