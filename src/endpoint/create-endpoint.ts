import * as t from 'io-ts';
import {
  AsyncSubject,
  catchError,
  defer,
  distinctUntilChanged,
  filter,
  identity,
  map,
  Observable,
  of,
  switchMap,
  tap,
  type MonoTypeOperatorFunction,
} from 'rxjs';
import { decodeOrThrow } from '../codecs/decode.js';
import { encodeJobRequest, type JobRequest } from '../codecs/job-request.js';
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
import { takeUntilTerminal } from '../internal/take-until-terminal.js';
import { LONG_POLL_WAITS, RUNPOD_RATE_WINDOW } from '../runpod-rules.js';
import { resolveConfig, type EndpointConfig, type RateLimit } from './config.js';
import type { CallOptions, Endpoint, OwnedJobOptions, StreamOptions, SubmitOptions } from './endpoint.js';
import { followByWebhook } from './follow-by-webhook.js';
import { createFollower } from './follower.js';
import { createRateWindows, createSend, describeError, HAND_OVER_MS, type CallSpec } from './http.js';
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
  const rates = createRateWindows(resolved);
  const send = createSend(resolved, rates);
  const streamHold = createStreamHold(resolved.streamHold, scheduler, emit);
  const outputCodec = codecs.output;
  const encodeInput = codecs.input ? (input: unknown) => codecs.input!.encode(input as I) : (input: unknown) => input;

  // The status body decodes with `output: unknown`; `withOutput` then narrows a COMPLETED output to O.
  const JobStateOfO = JobStateCodec as t.Decoder<unknown, unknown> as t.Decoder<unknown, JobState<O>>;
  /** Errors of COMPLETED states whose output failed `codecs.output`: their job has ended, so is not cancelled. */
  const undecodableCompletions = new WeakSet<object>();
  const withOutput = (state: JobState<O>): JobState<O> => {
    if (outputCodec === undefined || state.status !== 'COMPLETED') return state;
    try {
      return { ...state, output: decodeOrThrow(outputCodec, state.output, undefined, 'JobState/output: ') };
    } catch (error) {
      if (typeof error === 'object' && error !== null) undecodableCompletions.add(error);
      throw error;
    }
  };
  /** `withOutput` on each state; without an output codec, nothing: no operator per request. */
  const outputs: MonoTypeOperatorFunction<JobState<O>> = outputCodec === undefined ? identity : map(withOutput);

  /**
   * A one-shot call: `call` builds the request when subscribed (so bad input errors on subscribe,
   * never at the call), then the caller's `timeout` is checked and the request sent once.
   */
  const oneShot = <A>(options: CallOptions | undefined, call: () => CallSpec<A>): Observable<A> =>
    defer(() => {
      const spec = call();
      return send({ ...spec, timeout: checkMs('timeout', options?.timeout) });
    });

  /** The request of `/{route}/{id}` about one job; its answer must name that job. */
  const jobCall = <A extends { readonly id: string }>(
    route: 'status' | 'cancel' | 'retry',
    method: 'GET' | 'POST',
    id: string,
    codec: t.Decoder<unknown, A>,
  ): CallSpec<A> => ({ route, method, path: `/${route}/${id}`, codec: withJobId(codec, id), jobId: id });

  /**
   * GET /status/{id}. With `deadlineAt` (a follow phase's read), transient failures are retried
   * until that time rather than `retry.count` times.
   */
  const status = (id: string, timeout?: number, deadlineAt?: number): Observable<JobState<O>> =>
    send({
      ...jobCall('status', 'GET', id, JobStateOfO),
      timeout,
      ...(deadlineAt !== undefined && { deadlineAt, untilDeadline: true }),
    }).pipe(outputs);
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
    }).pipe(outputs);
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
    rate: rates.status ?? false,
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
      outputs,
    );

  /**
   * How an owned job is followed after its creating answer: by webhook when a receiver applies
   * (the call's `webhooks`, else the endpoint's; not when the request names its own `webhook`),
   * with the receiver's URL added to the request; otherwise by long-polling.
   */
  const followPlan = (
    request: JobRequest<I>,
    options: OwnedJobOptions | undefined,
    pollInterval?: number,
  ): {
    readonly request: JobRequest<I>;
    readonly follow: (deadlineAt: number) => MonoTypeOperatorFunction<JobState<O>>;
  } => {
    const receiver = options?.webhooks === false ? undefined : (options?.webhooks ?? resolved.webhooks);
    if (receiver === undefined || request.webhook !== undefined) {
      return {
        request,
        follow: (deadlineAt) => switchMap((first) => followFrom(first, deadlineAt, pollInterval)),
      };
    }
    return {
      request: { ...request, webhook: receiver.url },
      follow: (deadlineAt) => (created) =>
        untilTerminal(
          created.pipe(
            followByWebhook<O>({
              completion: (id) => receiver.completion(id).pipe(map((state) => withOutput(state as JobState<O>))),
              status: (id) => status(id, undefined, deadlineAt),
              scheduler,
              sweepInterval: resolved.webhookSweepInterval,
            }),
          ),
        ),
    };
  };

  /** Emits each changed state and completes after the terminal one. */
  const untilTerminal = (states: Observable<JobState<O>>): Observable<JobState<O>> =>
    states.pipe(distinctUntilChanged<JobState<O>>(sameState), takeUntilTerminal());

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
      const abandon = (error?: unknown) => {
        left = true;
        if (!wire) drop();
        if (options?.cancelOnAbandon === false || (last !== undefined && isTerminal(last))) return;
        if (typeof error === 'object' && error !== null && undecodableCompletions.has(error)) return;
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
    oneShot(options, () => jobCall('cancel', 'POST', checkJobId(id), JobStateOfO)).pipe(outputs);

  const endpoint: Endpoint<I, O, C> = {
    endpointId: resolved.endpointId,
    baseUrl: resolved.baseUrl,

    run: (request, options) =>
      oneShot(options, () => ({
        route: 'run',
        method: 'POST',
        path: '/run',
        body: encodeJobRequest(request, encodeInput, resolved.payloadLimits.run),
        codec: withJobId(RunResponse),
      })).pipe(reportCreated('run')),

    runSync: (request, options) =>
      defer(() => {
        const plan = followPlan(request, options);
        return ownedJob(
          options,
          (deadlineAt, onWire) => {
            // The runsync answer should come back before the deadline, so the caller gets the job id;
            // when RunPod's minimum wait does not fit, start with /run instead.
            const wait = Math.min(
              resolved.runsyncWait,
              resolved.longPollWait,
              deadlineAt - scheduler.now() - RUNSYNC_MARGIN_MS,
            );
            if (wait < LONG_POLL_WAITS.runsync.min)
              return queueJob(
                encodeJobRequest(plan.request, encodeInput, resolved.payloadLimits.run),
                deadlineAt,
                onWire,
              );
            const body = encodeJobRequest(plan.request, encodeInput, resolved.payloadLimits.runsync);
            return send({
              route: 'runsync',
              method: 'POST',
              path: '/runsync',
              wait,
              body,
              codec: withJobId(JobStateOfO),
              deadlineAt,
              onWire,
            }).pipe(reportCreated('runsync'), outputs);
          },
          (created, deadlineAt) => created.pipe(plan.follow(deadlineAt)),
        ).pipe(filter((state) => isTerminal(state)));
      }),

    status: (id, options) =>
      oneShot(options, () => jobCall('status', 'GET', checkJobId(id), JobStateOfO)).pipe(outputs),

    // One Observable per watch, not `defer`: an operator that keeps its source (`catchError` does,
    // to resubscribe) keeps this one alive per watched job, and `defer` adds a closure and its context.
    watch: (id, options) =>
      new Observable<JobState<O>>((subscriber) => {
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
        return states
          .pipe(deadlines.within(timeout, () => new TimeoutError(`job not finished within ${timeout} ms`, jobId)))
          .subscribe(subscriber);
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
        const plan = followPlan(request, options, checkMs('pollInterval', options?.pollInterval));
        return ownedJob(
          options,
          (deadlineAt, onWire) =>
            queueJob(encodeJobRequest(plan.request, encodeInput, resolved.payloadLimits.run), deadlineAt, onWire),
          (created, deadlineAt) => created.pipe(plan.follow(deadlineAt)),
        );
      }),

    cancel,

    retry: (id, options) =>
      oneShot(options, () => jobCall('retry', 'POST', checkJobId(id), RunResponse)).pipe(reportCreated('retry')),

    health: (options) =>
      oneShot(options, () => ({ route: 'health', method: 'GET', path: '/health', codec: EndpointHealthCodec })),

    purgeQueue: (options) =>
      oneShot(options, () => ({
        route: 'purge-queue',
        method: 'POST',
        path: '/purge-queue',
        codec: PurgeQueueResponseCodec,
      })),
  };
  return Object.freeze(endpoint);
}
