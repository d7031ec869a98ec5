import { takeWhile, type MonoTypeOperatorFunction } from 'rxjs';
import { isTerminal, type JobStatus } from '../codecs/job-status.js';

/**
 * Options of {@link takeUntilTerminal}. It reads no clock, so it takes no scheduler.
 * @category operators
 */
export interface TakeUntilTerminalConfig {
  /** Emit the terminal state itself before completing. @default true */
  readonly inclusive?: boolean | undefined;
}

/**
 * Mirrors job states and completes right after the first terminal one (COMPLETED, FAILED,
 * CANCELLED or TIMED_OUT), which it emits.
 *
 * _Informal: `takeWhile(state => !isTerminal(state), true)` with the job vocabulary._
 *
 * A FAILED, CANCELLED or TIMED_OUT state is data here, not an error: add
 * {@link throwOnJobFailure} to make it one. Errors of the source pass through; unsubscribing
 * from the result unsubscribes from the source; completing early unsubscribes from the source,
 * so a polling source stops polling.
 *
 * ```text
 * source:   -q--p--c--p--|       (q IN_QUEUE, p IN_PROGRESS, c COMPLETED)
 * subs:     ^------!
 * takeUntilTerminal()
 * result:   -q--p--(c|)
 * ```
 *
 * ## Example
 * ```ts
 * import { interval, map } from 'rxjs';
 * import { takeUntilTerminal } from 'runpod-rx/operators';
 *
 * const statuses = ['IN_QUEUE', 'IN_PROGRESS', 'COMPLETED', 'IN_PROGRESS'] as const;
 * interval(100)
 *   .pipe(
 *     map((i) => ({ id: 'j1', status: statuses[i] })),
 *     takeUntilTerminal(),
 *   )
 *   .subscribe({ next: (s) => console.log(s.status), complete: () => console.log('done') });
 * // Output:
 * // IN_QUEUE
 * // IN_PROGRESS
 * // COMPLETED
 * // done
 * ```
 *
 * @param config `inclusive: false` drops the terminal state and only completes.
 * @returns an operator over anything with a `status` (job states, stream reads).
 * @see {@link pollUntilTerminal} to produce such states from your own status source.
 * @category operators
 * @since 0.1.0
 */
export function takeUntilTerminal<S extends { readonly status: JobStatus }>(
  config: TakeUntilTerminalConfig = {},
): MonoTypeOperatorFunction<S> {
  const inclusive = config.inclusive ?? true;
  return (source) => source.pipe(takeWhile((state: S) => !isTerminal(state.status), inclusive));
}
