import { errorText, toJsonValue } from './json-value.js';
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
  /** The handler threw, or produced something that is not JSON. */
  fail(message: string): void;
  /** The handler threw a `WorkerCrash`. */
  crash(message: string): void;
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
 */
export function executeHandler(
  handler: EmulatorHandler,
  job: EmulatorHandlerJob,
  signal: AbortSignal,
  timers: TimerSet,
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

  const run = async (): Promise<void> => {
    const result: unknown = await Promise.resolve().then(() => handler(job, context));
    if (!cb.isCurrent()) return;
    if (!isAsyncIterable(result)) {
      cb.complete(toJsonValue(result), false);
      return;
    }
    const iterator = result[Symbol.asyncIterator]();
    const items: unknown[] = [];
    for (;;) {
      const step = await iterator.next();
      if (!cb.isCurrent()) {
        // Stop the generator; its own errors no longer matter.
        void Promise.resolve()
          .then(() => iterator.return?.())
          .catch(() => undefined);
        return;
      }
      if (step.done) break;
      const item = toJsonValue(step.value);
      items.push(item ?? null);
      cb.chunk(item ?? null);
    }
    cb.complete(items, true);
  };

  // GUESS: the Python worker SDK reports an exception as a JSON-encoded string
  // ({error_type, error_message, error_traceback, ...}); the emulator uses the plain message.
  run().catch((err: unknown) => {
    if (!cb.isCurrent()) return;
    if (isWorkerCrash(err)) cb.crash(errorText(err));
    else cb.fail(errorText(err));
  });
}
