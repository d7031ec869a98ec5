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

/** Plays `mock_progress: { updates: [...], wait_time }`. */
async function playProgress(spec: unknown, ctx: EmulatorHandlerContext): Promise<void> {
  if (!isRecord(spec) || !Array.isArray(spec.updates)) return;
  // GUESS: wait_time is in seconds (like mock_delay) and defaults to 1 s between updates.
  const waitMs = spec.wait_time === undefined ? 1000 : seconds(spec.wait_time);
  for (const update of spec.updates) {
    ctx.progress(update);
    if (waitMs > 0) await ctx.sleep(waitMs);
  }
}

/** Throws what `mock_crash` / `mock_error` ask for. */
function failIfAsked(input: Record<string, unknown>): void {
  if (input.mock_crash) throw new WorkerCrash('Mock crash: the worker process exited');
  if (input.mock_error) {
    // GUESS: a string mock_error is used as the error text; `true` gives "Mock error".
    throw new Error(typeof input.mock_error === 'string' && input.mock_error ? input.mock_error : MOCK_ERROR_TEXT);
  }
}

async function* streamList(
  items: unknown[],
  delayMs: number,
  input: Record<string, unknown>,
  ctx: EmulatorHandlerContext,
): AsyncGenerator<unknown> {
  await playProgress(input.mock_progress, ctx);
  if (input.mock_crash || input.mock_error) {
    if (delayMs > 0) await ctx.sleep(delayMs);
    failIfAsked(input);
  }
  for (let i = 0; i < items.length; i++) {
    if (i > 0 && delayMs > 0) await ctx.sleep(delayMs);
    yield items[i];
  }
}

/**
 * RunPod's mock worker (runpod-workers/mock-worker), on the emulator clock:
 * - `mock_return` (default "Hello World!") is the output; a list streams one chunk
 *   per item, `mock_delay` seconds apart, and the aggregate output is the list;
 * - `mock_delay` seconds to wait before returning output, raising an error or crashing;
 * - `mock_error`: FAILED with "Mock error";
 * - `mock_crash`: the worker dies (a `WorkerCrash`);
 * - `mock_progress: { updates, wait_time }`: progress updates first, `wait_time` s apart.
 * Order: progress, delay, crash, error, return.
 */
export const mockWorker: EmulatorHandler = (job, ctx) => {
  const input = isRecord(job.input) ? job.input : {};
  const ret = 'mock_return' in input ? input.mock_return : MOCK_DEFAULT_RETURN;
  const delayMs = seconds(input.mock_delay);
  if (Array.isArray(ret)) return streamList(ret, delayMs, input, ctx);
  return (async () => {
    await playProgress(input.mock_progress, ctx);
    if (delayMs > 0) await ctx.sleep(delayMs);
    failIfAsked(input);
    return ret;
  })();
};
