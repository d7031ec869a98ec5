import type { JobState } from '../codecs/job-state.js';
import { isTerminal, type JobStatus } from '../codecs/job-status.js';
import { parseMarbles } from './marbles.js';

/** A job state without its id (the fake endpoint adds it). @category testing */
export type JobStep = Omit<JobState, 'id'> & { readonly status: JobStatus };

/** A state change of a scripted job, `at` ms after the job was created. @category testing */
export interface TimedStep {
  readonly at: number;
  readonly state: JobStep;
}

/** A chunk the scripted job produces for `/stream`, `at` ms after it was created. @category testing */
export interface TimedChunk {
  readonly at: number;
  /** The chunk's `output`. */
  readonly output: unknown;
}

/**
 * The script of one job in a fake endpoint: what `/status`, `/status-sync`, `/stream`, `/runsync`
 * and `/cancel` report at each moment after `/run` (or `/runsync`) created it. Build one with
 * {@link jobTimeline} or a ready-made helper ({@link completedJob}, {@link failedJob},
 * {@link streamingJob}, {@link endlessJob}).
 * @category testing
 */
export interface JobTimeline {
  /** The id `/run` answers; when absent the fake endpoint names jobs `job-1`, `job-2`, … */
  readonly id?: string | undefined;
  /** State changes in time order; the first is at 0. A job with no terminal step never ends. */
  readonly steps: readonly TimedStep[];
  /** Stream chunks in time order. */
  readonly chunks: readonly TimedChunk[];
}

/** Options of {@link jobTimeline}. @category testing */
export interface JobTimelineOptions {
  /** The job id. @default assigned by the fake endpoint: job-1, job-2, … */
  readonly id?: string | undefined;
  /** Marbles of the stream chunks, on the same clock as the states, e.g. `'100ms a 49ms b'`. @default no chunks */
  readonly chunks?: string | undefined;
  /** What each chunk character stands for (its `output`); a character without an entry is its own output. @default {} */
  readonly chunkValues?: Readonly<Record<string, unknown>> | undefined;
}

function toStep(value: JobStatus | JobStep): JobStep {
  return typeof value === 'string' ? { status: value } : value;
}

function check(timeline: JobTimeline): JobTimeline {
  if (timeline.steps.length === 0 || timeline.steps[0].at !== 0) {
    throw new Error('a job timeline starts with a state at 0 ms (e.g. "q" for IN_QUEUE)');
  }
  const terminalAt = timeline.steps.findIndex((step) => isTerminal(step.state.status));
  if (terminalAt !== -1 && terminalAt !== timeline.steps.length - 1) {
    throw new Error('a job timeline ends at its first terminal state: nothing may follow it');
  }
  return timeline;
}

/**
 * A job timeline written as marbles, the way you write a `cold()`: one character per state,
 * `Nms` to let time pass, frames in ms from the job's creation. The first state must be at 0.
 *
 * ```text
 * jobTimeline('q 99ms p 199ms c', { q: 'IN_QUEUE', p: 'IN_PROGRESS', c: { status: 'COMPLETED', output: 42 } })
 * states:   q---…---p---…---c       (IN_QUEUE at 0, IN_PROGRESS at 100, COMPLETED at 300)
 * ```
 *
 * @example
 * const job = jobTimeline('q 99ms p 199ms c', {
 *   q: 'IN_QUEUE',
 *   p: { status: 'IN_PROGRESS', output: { progress: 0.5 } },
 *   c: { status: 'COMPLETED', output: 'done', executionTime: 200 },
 * }, { id: 'j1', chunks: '150ms a 99ms b', chunkValues: { a: 'do', b: 'ne' } });
 * @param marbles the states over time; `|` is allowed (and ignored) after the last one.
 * @param values what each character stands for: a status, or a state without its id.
 * @param options the id and the stream chunks.
 * @returns a timeline for `createFakeEndpoint({ jobs })`.
 * @category testing
 */
export function jobTimeline(
  marbles: string,
  values: Readonly<Record<string, JobStatus | JobStep>>,
  options: JobTimelineOptions = {},
): JobTimeline {
  const steps = parseMarbles(marbles, 'jobTimeline').events.map(({ frame, key }) => {
    const value = values[key];
    if (value === undefined) throw new Error(`jobTimeline: no value for "${key}" in "${marbles}"`);
    return { at: frame, state: toStep(value) };
  });
  const chunkValues = options.chunkValues ?? {};
  const chunks =
    options.chunks === undefined
      ? []
      : parseMarbles(options.chunks, 'jobTimeline chunks').events.map(({ frame, key }) => ({
          at: frame,
          output: key in chunkValues ? chunkValues[key] : key,
        }));
  return check({ ...(options.id !== undefined && { id: options.id }), steps, chunks });
}

/** Options of {@link completedJob}. @category testing */
export interface CompletedJobOptions {
  /** @default assigned by the fake endpoint */
  readonly id?: string | undefined;
  /** The COMPLETED output; given as `undefined`, the job completes with no output. @default { ok: true } */
  readonly output?: unknown;
  /** Time in the queue, in ms. @default 100 */
  readonly queued?: number | undefined;
  /** Run time, in ms. @default 200 */
  readonly running?: number | undefined;
}

/**
 * IN_QUEUE → IN_PROGRESS → COMPLETED: queued for `queued` ms, running for `running` ms.
 *
 * ```text
 * completedJob({ queued: 100, running: 200, output: 42 })
 * states:   q 99ms p 199ms c         (c = COMPLETED, output 42, delayTime 100, executionTime 200)
 * ```
 *
 * @example
 * const fake = createFakeEndpoint({ scheduler: rx, jobs: completedJob({ id: 'j1', output: 42 }) });
 * expectObservable(fake.endpoint.runSync({ input: {} }).pipe(selectOutput())).toBe('301ms (o|)', { o: 42 });
 * @param options id, output and timing.
 * @returns a timeline for `createFakeEndpoint({ jobs })` or `existingJobs`.
 * @category testing
 */
export function completedJob(options: CompletedJobOptions = {}): JobTimeline {
  const queued = options.queued ?? 100;
  const running = options.running ?? 200;
  const output = 'output' in options ? options.output : { ok: true };
  return check({
    ...(options.id !== undefined && { id: options.id }),
    steps: [
      { at: 0, state: { status: 'IN_QUEUE' } },
      { at: queued, state: { status: 'IN_PROGRESS', delayTime: queued } },
      {
        at: queued + running,
        state: { status: 'COMPLETED', output, delayTime: queued, executionTime: running },
      },
    ],
    chunks: [],
  });
}

/** Options of {@link failedJob}. @category testing */
export interface FailedJobOptions {
  /** @default assigned by the fake endpoint */
  readonly id?: string | undefined;
  /** RunPod's failure text. @default 'handler raised an exception' */
  readonly error?: string | undefined;
  /** The terminal status. @default 'FAILED' */
  readonly status?: 'FAILED' | 'TIMED_OUT' | 'CANCELLED' | undefined;
  /** Time in the queue, in ms. @default 100 */
  readonly queued?: number | undefined;
  /** Run time before the failure, in ms; 0 fails straight from the queue. @default 200 */
  readonly running?: number | undefined;
}

/**
 * IN_QUEUE → IN_PROGRESS → FAILED (or TIMED_OUT / CANCELLED), with `error` on the final state.
 *
 * ```text
 * failedJob({ queued: 100, running: 200 })
 * states:   q 99ms p 199ms f         (f = FAILED, error 'handler raised an exception')
 * failedJob({ running: 0 })
 * states:   q 99ms f                 (straight from the queue)
 * ```
 *
 * @example
 * const fake = createFakeEndpoint({ scheduler: rx, jobs: failedJob({ id: 'j1', error: 'CUDA out of memory' }) });
 * expectObservable(fake.endpoint.runSync({ input: {} }).pipe(throwOnJobFailure()))
 *   .toBe('301ms #', undefined, new JobFailedError({ id: 'j1', status: 'FAILED', error: 'CUDA out of memory' }));
 * @param options id, failure text, final status and timing.
 * @returns a timeline for `createFakeEndpoint({ jobs })` or `existingJobs`.
 * @category testing
 */
export function failedJob(options: FailedJobOptions = {}): JobTimeline {
  const queued = options.queued ?? 100;
  const running = options.running ?? 200;
  const status = options.status ?? 'FAILED';
  const error = options.error ?? 'handler raised an exception';
  const steps: TimedStep[] = [{ at: 0, state: { status: 'IN_QUEUE' } }];
  if (running > 0) steps.push({ at: queued, state: { status: 'IN_PROGRESS', delayTime: queued } });
  steps.push({
    at: queued + running,
    state: { status, ...(status === 'FAILED' && { error }), delayTime: queued, executionTime: running },
  });
  return check({ ...(options.id !== undefined && { id: options.id }), steps, chunks: [] });
}

/** Options of {@link streamingJob}. @category testing */
export interface StreamingJobOptions {
  /** @default assigned by the fake endpoint */
  readonly id?: string | undefined;
  /** The outputs of the chunks, in order. */
  readonly chunks: readonly unknown[];
  /** Time in the queue, in ms. @default 100 */
  readonly queued?: number | undefined;
  /** Gap before each chunk, in ms. @default 100 */
  readonly every?: number | undefined;
  /**
   * How it ends, at the time of the last chunk: COMPLETED (output = the list of chunks, as a worker
   * with `return_aggregate_stream` reports it; without it RunPod shows no output) or a failure.
   * @default 'COMPLETED'
   */
  readonly end?: 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TIMED_OUT' | undefined;
  /** Failure text when `end` is FAILED. @default 'handler raised an exception' */
  readonly error?: string | undefined;
}

/**
 * A generator job: IN_QUEUE, then IN_PROGRESS producing one chunk every `every` ms, ending with
 * the last chunk (COMPLETED with the list of chunk outputs as `output`, unless `end` says otherwise).
 *
 * ```text
 * streamingJob({ chunks: ['a', 'b', 'c'], queued: 100, every: 100 })
 * states:   q 99ms p 299ms c         (COMPLETED at 400, output ['a', 'b', 'c'])
 * chunks:   200ms a 99ms b 99ms c    (at 200, 300, 400)
 * endpoint.stream(id) over it:  201ms a 99ms b 99ms c|
 * ```
 *
 * @example
 * const fake = createFakeEndpoint({ scheduler: rx, existingJobs: [streamingJob({ id: 'j1', chunks: ['a', 'b'] })] });
 * expectObservable(fake.endpoint.stream('j1')).toBe('201ms a 99ms b|', { a: { output: 'a' }, b: { output: 'b' } });
 * @param options id, chunk outputs, timing and how it ends.
 * @returns a timeline for `createFakeEndpoint({ jobs })` or `existingJobs`.
 * @category testing
 */
export function streamingJob(options: StreamingJobOptions): JobTimeline {
  const queued = options.queued ?? 100;
  const every = options.every ?? 100;
  const end = options.end ?? 'COMPLETED';
  const chunks = options.chunks.map((output, i) => ({ at: queued + (i + 1) * every, output }));
  const endAt = queued + Math.max(1, options.chunks.length) * every;
  const final: JobStep =
    end === 'COMPLETED'
      ? { status: end, output: [...options.chunks], delayTime: queued, executionTime: endAt - queued }
      : {
          status: end,
          ...(end === 'FAILED' && { error: options.error ?? 'handler raised an exception' }),
          delayTime: queued,
          executionTime: endAt - queued,
        };
  return check({
    ...(options.id !== undefined && { id: options.id }),
    steps: [
      { at: 0, state: { status: 'IN_QUEUE' } },
      { at: queued, state: { status: 'IN_PROGRESS', delayTime: queued } },
      { at: endAt, state: final },
    ],
    chunks,
  });
}

/** Options of {@link endlessJob}. @category testing */
export interface EndlessJobOptions {
  /** @default assigned by the fake endpoint */
  readonly id?: string | undefined;
  /** Time in the queue before it starts running (forever), in ms; `Infinity` keeps it queued. @default 100 */
  readonly queued?: number | undefined;
}

/**
 * A job that never ends: IN_QUEUE, then IN_PROGRESS forever. Only `/cancel` stops it (its state
 * becomes CANCELLED). Use it to test deadlines, unsubscribing and cancel-on-abandon.
 *
 * ```text
 * endlessJob({ queued: 100 })
 * states:   q 99ms p ------…          (never terminal)
 * ```
 *
 * @example
 * const fake = createFakeEndpoint({ scheduler: rx, jobs: endlessJob({ id: 'j1' }) });
 * expectObservable(fake.endpoint.submit({ input: {} }, { timeout: 5000 }))
 *   .toBe('-q 4998ms #', { q: { id: 'j1', status: 'IN_QUEUE' } }, new TimeoutError('job not finished within 5000 ms', 'j1'));
 * // and fake.expectOne('POST /ep/cancel/j1'): the deadline cancelled the job
 * @param options id and time in the queue.
 * @returns a timeline for `createFakeEndpoint({ jobs })` or `existingJobs`.
 * @category testing
 */
export function endlessJob(options: EndlessJobOptions = {}): JobTimeline {
  const queued = options.queued ?? 100;
  const steps: TimedStep[] = [{ at: 0, state: { status: 'IN_QUEUE' } }];
  if (Number.isFinite(queued)) steps.push({ at: queued, state: { status: 'IN_PROGRESS', delayTime: queued } });
  return check({ ...(options.id !== undefined && { id: options.id }), steps, chunks: [] });
}
