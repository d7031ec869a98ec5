import { isRecord } from './json-value.js';
import type { EmulatorHandler, EmulatorHandlerContext } from './types.js';
import { WorkerCrash } from './worker-crash.js';

/** Default `mock_return` of RunPod's mock worker. */
export const MOCK_DEFAULT_RETURN = 'Hello World!';

/** Error text of `mock_error: true`. */
export const MOCK_ERROR_TEXT = 'Mock error';

/** Seconds → ms; anything that is not a finite non-negative number counts as 0. */
function seconds(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value * 1000 : 0;
}

/** Plays `mock_progress: { updates: [...], wait_time }`: each update, then `wait_time` seconds (default 0). */
async function playProgress(spec: unknown, ctx: EmulatorHandlerContext): Promise<void> {
  if (!isRecord(spec) || !Array.isArray(spec.updates)) return;
  const waitMs = seconds(spec.wait_time);
  for (const update of spec.updates) {
    ctx.progress(update);
    if (waitMs > 0) await ctx.sleep(waitMs);
  }
}

/**
 * Throws what `mock_crash` / `mock_error` ask for, crash first, as RunPod's mock worker checks
 * them (before its delay).
 */
function failIfAsked(input: Record<string, unknown>): void {
  if (input.mock_crash) throw new WorkerCrash('Mock crash: the worker process exited');
  if (input.mock_error) {
    // GUESS (an extension): RunPod's mock worker always raises "Mock error"; a non-empty string
    // mock_error is used as the text here, so that tests can tell failures apart.
    throw new Error(typeof input.mock_error === 'string' && input.mock_error ? input.mock_error : MOCK_ERROR_TEXT);
  }
}

/**
 * A list `mock_return` streams one chunk per item. GUESS (a kept difference): RunPod's generator
 * mock worker sleeps `mock_delay` before every item and ignores `mock_progress`; here the first
 * chunk comes at once and the items are `mock_delay` apart, and `mock_progress` is ignored too.
 */
async function* streamList(
  items: unknown[],
  delayMs: number,
  input: Record<string, unknown>,
  ctx: EmulatorHandlerContext,
): AsyncGenerator<unknown> {
  failIfAsked(input);
  for (let i = 0; i < items.length; i++) {
    if (i > 0 && delayMs > 0) await ctx.sleep(delayMs);
    yield items[i];
  }
}

/**
 * RunPod's mock worker (runpod-workers/mock-worker), on the emulator clock, in its order:
 * 1. `mock_crash`: the worker dies (a `WorkerCrash`), at once;
 * 2. `mock_error`: raises "Mock error" at once, so the job is FAILED with the worker SDK's
 *    JSON-encoded report;
 * 3. `mock_delay` seconds (default 0);
 * 4. `mock_progress: { updates, wait_time }`: each update, then `wait_time` seconds (default 0);
 * 5. returns `mock_return` (default "Hello World!"); with `mock_refresh` the output is
 *    `{ mock_return }`, as the worker SDK strips `refresh_worker` from the returned dict.
 *
 * A list `mock_return` streams instead, one chunk per item, `mock_delay` seconds apart (see
 * `streamList`); the job's aggregate output is the list only where the endpoint sets
 * `returnAggregateStream`.
 */
export const mockWorker: EmulatorHandler = (job, ctx) => {
  const input = isRecord(job.input) ? job.input : {};
  const ret = 'mock_return' in input ? input.mock_return : MOCK_DEFAULT_RETURN;
  const delayMs = seconds(input.mock_delay);
  if (Array.isArray(ret)) return streamList(ret, delayMs, input, ctx);
  return (async () => {
    failIfAsked(input);
    if (delayMs > 0) await ctx.sleep(delayMs);
    await playProgress(input.mock_progress, ctx);
    // GUESS: the worker replacement that refresh_worker asks for is not emulated, only the output.
    return input.mock_refresh ? { mock_return: ret } : ret;
  })();
};
