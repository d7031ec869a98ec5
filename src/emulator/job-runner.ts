import { generatorFailureText, handlerFailureText } from './failure-report.js';
import { isRecord, toJsonValue } from './json-value.js';
import type { TimerSet } from './timers.js';
import type { EmulatorHandler, EmulatorHandlerContext, EmulatorHandlerJob } from './types.js';
import { isWorkerCrash } from './worker-crash.js';

/** How the runner reports back; every call is skipped once `isCurrent()` is false. */
export interface RunCallbacks {
  /** False once the job was cancelled, timed out, expired or the emulator closed. */
  isCurrent(): boolean;
  /** A progress update (already a JSON copy). */
  progress(update: unknown): void;
  /** A streamed item (already a JSON copy). */
  chunk(item: unknown): void;
  /** The handler finished; `output` is a JSON copy or undefined. */
  complete(output: unknown, streamed: boolean): void;
  /** The handler threw, returned or streamed an `error`, or produced something that is not JSON. */
  fail(message: string): void;
  /** The handler threw a `WorkerCrash`. */
  crash(message: string): void;
}

/** What the runner needs to know about the worker that runs the attempt. */
export interface RunSettings {
  /** The worker's id (named in failure reports). */
  readonly workerId: string;
  /** Keep the list of a streaming handler's chunks as its output (`return_aggregate_stream`). */
  readonly returnAggregateStream: boolean;
}

/**
 * The `error` field of a returned or streamed object, as the worker SDK reads it: a dict with a
 * truthy `error` makes the job fail with that text. GUESS: a non-string error is JSON-encoded
 * (Python would print its `str()`).
 */
function errorField(value: unknown): string | undefined {
  if (!isRecord(value) || !value.error) return undefined;
  return typeof value.error === 'string' ? value.error : JSON.stringify(value.error);
}

/** Stops a generator whose results no longer matter; its own errors are ignored. */
function stop(iterator: AsyncIterator<unknown>): void {
  void Promise.resolve()
    .then(() => iterator.return?.())
    .catch(() => undefined);
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function'
  );
}

/**
 * Runs `handler` for one attempt of a job, asynchronously (never inside the
 * caller's stack). Results of an attempt that is no longer current are dropped.
 *
 * As RunPod's Python worker SDK (runpod-python `rp_job`) does:
 * - a value returned: the output; an object with a truthy `error` fails the job with that text
 *   (GUESS: the rest of the object is dropped, the cloud shows FAILED with `error` only); an empty
 *   object gives no `output`;
 * - a handler that throws: FAILED, `error` = the JSON-encoded report (`error_type`,
 *   `error_message`, `error_traceback`, `hostname`, `worker_id`, `runpod_version`);
 * - an async iterable: one chunk per item; a chunk that is an object with a truthy `error` fails
 *   the job (that chunk is not streamed); a throw fails it with `handler: <message> \ntraceback:
 *   …`; the aggregate output is the list of chunks only with `returnAggregateStream`, otherwise
 *   the job has no `output` (GUESS: the SDK posts `{output: []}` then, which the docs say the
 *   platform does not show: "only via /stream").
 */
export function executeHandler(
  handler: EmulatorHandler,
  job: EmulatorHandlerJob,
  signal: AbortSignal,
  timers: TimerSet,
  settings: RunSettings,
  cb: RunCallbacks,
): void {
  const context: EmulatorHandlerContext = {
    signal,
    progress(update) {
      const copy = toJsonValue(update);
      if (cb.isCurrent() && copy !== undefined) cb.progress(copy);
    },
    sleep: (ms) => timers.sleep(ms, signal),
  };

  const report = (err: unknown, text: (err: unknown) => string): void => {
    if (!cb.isCurrent()) return;
    if (isWorkerCrash(err)) cb.crash(err.message);
    else cb.fail(text(err));
  };

  const returned = (result: unknown): void => {
    const output = toJsonValue(result);
    const error = errorField(output);
    if (error !== undefined) cb.fail(error);
    else if (isRecord(output) && Object.keys(output).length === 0) cb.complete(undefined, false);
    else cb.complete(output, false);
  };

  const streamed = async (iterable: AsyncIterable<unknown>): Promise<void> => {
    const iterator = iterable[Symbol.asyncIterator]();
    const items: unknown[] = [];
    for (;;) {
      const step = await iterator.next();
      if (!cb.isCurrent()) {
        stop(iterator);
        return;
      }
      if (step.done) break;
      const item = toJsonValue(step.value) ?? null;
      const error = errorField(item);
      if (error !== undefined) {
        cb.fail(error);
        stop(iterator);
        return;
      }
      if (settings.returnAggregateStream) items.push(item);
      cb.chunk(item);
    }
    cb.complete(settings.returnAggregateStream ? items : undefined, true);
  };

  Promise.resolve()
    .then(() => handler(job, context))
    .then((result) => {
      if (!cb.isCurrent()) return;
      if (!isAsyncIterable(result)) {
        returned(result);
        return;
      }
      return streamed(result).catch((err: unknown) => report(err, generatorFailureText));
    })
    // The handler threw, or its result is not JSON.
    .catch((err: unknown) => report(err, (e) => handlerFailureText(e, settings.workerId)));
}
