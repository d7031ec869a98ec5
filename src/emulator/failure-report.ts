import { errorText } from './json-value.js';

/**
 * The failure report of RunPod's Python worker SDK (runpod-python `rp_job.run_job`): when a
 * handler raises, the job's `error` is this object, JSON-encoded.
 */
export interface WorkerFailureReport {
  /** Python's `str(type(err))`, e.g. `<class 'Exception'>`. */
  error_type: string;
  /** `str(err)`. */
  error_message: string;
  /** `traceback.format_exc()`. */
  error_traceback: string;
  /** The worker's `RUNPOD_POD_HOSTNAME`. */
  hostname: string;
  /** The worker's `RUNPOD_POD_ID`. */
  worker_id: string;
  /** The worker SDK's version. */
  runpod_version: string;
}

/** What the emulator reports as `runpod_version`. GUESS: any string; no client is known to read it. */
export const EMULATOR_WORKER_VERSION = 'runpod-rx-emulator';

/** The class name of a thrown value, as Python would print its type. */
function pythonType(err: unknown): string {
  const name = err instanceof Error ? err.name || 'Error' : typeof err;
  return `<class '${name}'>`;
}

/** The stack of a thrown value (empty when it has none). */
function traceback(err: unknown): string {
  return err instanceof Error && typeof err.stack === 'string' ? err.stack : '';
}

/**
 * The `error` of a job whose (non-streaming) handler threw: the worker SDK's JSON-encoded report.
 * GUESS: `error_type` names the JavaScript class (`<class 'Error'>`), `error_traceback` is the
 * JavaScript stack, `hostname` is `emulator-<workerId>`.
 */
export function handlerFailureText(err: unknown, workerId: string): string {
  const report: WorkerFailureReport = {
    error_type: pythonType(err),
    error_message: errorText(err),
    error_traceback: traceback(err),
    hostname: `emulator-${workerId}`,
    worker_id: workerId,
    runpod_version: EMULATOR_WORKER_VERSION,
  };
  return JSON.stringify(report);
}

/**
 * The `error` of a job whose streaming handler threw: the worker SDK's generator path reports a
 * plain string, `handler: <message> \ntraceback: <traceback>` (runpod-python
 * `rp_job.run_job_generator`).
 */
export function generatorFailureText(err: unknown): string {
  return `handler: ${errorText(err)} \ntraceback: ${traceback(err)}`;
}
