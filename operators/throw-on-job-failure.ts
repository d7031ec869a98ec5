import { map, type MonoTypeOperatorFunction } from 'rxjs';
import type { JobState } from '../src/codecs/job-state.js';
import { jobEndedError } from '../src/errors.js';

/** The terminal statuses that are not success. @category operators */
export type FailureStatus = 'FAILED' | 'CANCELLED' | 'TIMED_OUT';

/**
 * Options of {@link throwOnJobFailure}. It reads no clock, so it takes no scheduler.
 * @category operators
 */
export interface ThrowOnJobFailureConfig {
  /**
   * Which terminal statuses become errors; the others pass through as data (e.g. `['FAILED',
   * 'TIMED_OUT']` to treat your own cancel as a normal end).
   * @default ['FAILED', 'CANCELLED', 'TIMED_OUT']
   */
  readonly statuses?: readonly FailureStatus[] | undefined;
}

/**
 * Mirrors job states, turning a FAILED, CANCELLED or TIMED_OUT state into its typed error.
 *
 * _Informal: `watch`, `submit` and `runSync` report a failed job as data; this makes it an error._
 *
 * The error is `JobFailedError`, `JobCancelledError` or `JobTimedOutError` (from `runpod-rx`),
 * each carrying the terminal state as `error.job` (so `error.job.error` is RunPod's failure text).
 * Other states, COMPLETED included, pass through unchanged; source errors pass through;
 * unsubscribing is forwarded.
 *
 * ```text
 * source:   -q--p--f|            (f FAILED, error "boom")
 * subs:     ^------!
 * throwOnJobFailure()
 * result:   -q--p--#             (# = JobFailedError, error.job = f)
 * ```
 *
 * ## Example
 * ```ts
 * import { createEndpoint, isJobFailedError } from 'runpod-rx';
 * import { throwOnJobFailure } from 'runpod-rx/operators';
 *
 * const endpoint = createEndpoint({ endpointId: 'abc123' });
 * endpoint
 *   .runSync({ input: { mock_error: 'boom' } })
 *   .pipe(throwOnJobFailure())
 *   .subscribe({ error: (e) => isJobFailedError(e) && console.log(e.job.error) });
 * // Output:
 * // boom
 * ```
 *
 * @param config which statuses count as failure.
 * @returns an operator that passes the other states through unchanged.
 * @see {@link selectOutput}, which also throws these errors when it meets a failed state.
 * @category operators
 * @since 0.1.0
 */
export function throwOnJobFailure<S extends JobState<unknown>>(
  config: ThrowOnJobFailureConfig = {},
): MonoTypeOperatorFunction<S> {
  const failures: ReadonlySet<string> = new Set(config.statuses ?? ['FAILED', 'CANCELLED', 'TIMED_OUT']);
  return (source) =>
    source.pipe(
      map((state: S) => {
        if (failures.has(state.status)) throw jobEndedError(state);
        return state;
      }),
    );
}
