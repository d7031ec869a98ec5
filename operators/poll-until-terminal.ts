import {
  asyncScheduler,
  defer,
  EMPTY,
  expand,
  filter,
  mergeMap,
  of,
  type Observable,
  switchMap,
  take,
  throwIfEmpty,
  timer,
  type OperatorFunction,
  type SchedulerLike,
} from 'rxjs';
import type { JobState } from '../src/codecs/job-state.js';
import { isTerminal, type JobStatus } from '../src/codecs/job-status.js';
import { InvalidInputError, TimeoutError } from '../src/errors.js';
import { withDeadline } from '../src/internal/deadline.js';
import { createGrowingDelay } from '../src/internal/pacing.js';
import { delayOption, numberOption } from '../src/internal/option-checks.js';
import { sameState } from '../src/internal/same-state.js';

/** A job known by id and, optionally, its latest status (e.g. the answer of `run`). @category operators */
export type JobRef = string | { readonly id: string; readonly status: JobStatus };

/**
 * Options of {@link pollUntilTerminal}.
 * @category operators
 */
export interface PollUntilTerminalConfig {
  /** Gap between the end of one status request and the start of the next, in ms. @default 1000 */
  readonly interval?: number | undefined;
  /** Factor the gap grows by after each poll that brought nothing new; 1 keeps it fixed. A change resets it. @default 1 */
  readonly backoff?: number | undefined;
  /** Largest gap when `backoff` > 1, in ms. @default 30000 */
  readonly maxInterval?: number | undefined;
  /** Overall deadline per job, in ms from when the job reached the operator; then `TimeoutError` with the job id. @default Infinity */
  readonly timeout?: number | undefined;
  /** Clock of the gaps and the deadline. @default asyncScheduler */
  readonly scheduler?: SchedulerLike | undefined;
}

/**
 * Polls your own status source for each job until it is terminal, one request in flight at a time.
 *
 * _Informal: `expand` + `timer` + `fetchState`, stopping at COMPLETED / FAILED / CANCELLED /
 * TIMED_OUT, with a deadline._
 *
 * For each job the source emits (a job id, or `{ id, status }` such as the answer of `run`), emits
 * the known state first (a bare id is fetched at once), then calls `fetchState(id)` `interval` ms
 * after each answer, emitting each *changed* state (status, output or error; never the same state
 * twice) and completing the job after the terminal one, which it emits. With `backoff` > 1 the gap
 * grows while nothing changes, up to `maxInterval`, and resets on a change.
 *
 * Errors of `fetchState` end the result (wrap `fetchState` with `retryOnThrottle` to ride out
 * 429s). The `timeout` errors with `TimeoutError` carrying the job id. Jobs from the source are
 * polled independently (merged); unsubscribing stops every timer and aborts the request in flight.
 *
 * ```text
 * source:        q|                   (q = { id: 'j1', status: 'IN_QUEUE' })
 * fetchState #1: 10ms -p|             (subscribed at 10: '10ms ^!')
 * fetchState #2: 21ms -c|             (subscribed at 21: '21ms ^!'; c COMPLETED)
 * pollUntilTerminal(fetchState, { interval: 10 })
 * result:        q 10ms p 10ms (c|)   (q at 0, p at 11, c at 22)
 * ```
 *
 * ## Example
 * ```ts
 * import { createEndpoint } from 'runpod-rx';
 * import { pollUntilTerminal, retryOnThrottle } from 'runpod-rx/operators';
 *
 * const endpoint = createEndpoint({ endpointId: 'abc123' });
 * endpoint
 *   .run({ input: { prompt: 'hi' } })
 *   .pipe(
 *     pollUntilTerminal((id) => endpoint.status(id).pipe(retryOnThrottle()), {
 *       interval: 2000,
 *       timeout: 120_000,
 *     }),
 *   )
 *   .subscribe((state) => console.log(state.status));
 * // Output:
 * // IN_QUEUE
 * // IN_PROGRESS
 * // COMPLETED
 * ```
 *
 * @param fetchState one status read of a job (a cold Observable; its first value is used).
 * @param config interval, backoff, deadline, scheduler.
 * @returns an operator from jobs to their successive states.
 * @see {@link takeUntilTerminal} when your source already pushes states.
 * @throws {ConfigError} when created, for an interval, maxInterval or timeout a timer cannot hold, or a backoff below 1.
 * @category operators
 * @since 0.1.0
 */
export function pollUntilTerminal<S extends JobState<unknown> = JobState>(
  fetchState: (id: string) => Observable<S>,
  config: PollUntilTerminalConfig = {},
): OperatorFunction<JobRef, S> {
  const owner = 'pollUntilTerminal';
  const interval = delayOption(owner, 'interval', config.interval ?? 1000);
  const factor = numberOption(owner, 'backoff', config.backoff ?? 1, 1);
  const maxInterval = delayOption(owner, 'maxInterval', config.maxInterval ?? 30_000);
  const timeout = delayOption(owner, 'timeout', config.timeout ?? Infinity, { allowInfinity: true });
  const scheduler = config.scheduler ?? asyncScheduler;

  const follow = (job: JobRef): Observable<S> =>
    defer(() => {
      const id = typeof job === 'string' ? job : job.id;
      // The endpoint's own backoff: the gap grows while nothing changes and starts again on a change.
      const backoff = createGrowingDelay({ initialInterval: interval, maxInterval, factor });
      let gap = interval;
      let previous: S | undefined;

      /** Emits only states that differ from the last one emitted; takes the gap before the next read. */
      const changed = (state: S): boolean => {
        const isNew = previous === undefined || !sameState(state, previous);
        if (isNew) backoff.reset();
        gap = backoff.next();
        previous = state;
        return isNew;
      };
      // Only the first value of each read counts: one request, one state.
      const fetchOne = (): Observable<S> =>
        fetchState(id).pipe(
          take(1),
          throwIfEmpty(() => new InvalidInputError(`pollUntilTerminal: fetchState('${id}') completed without a state`)),
        );

      const first$ = typeof job === 'string' ? fetchOne() : of(job as S);
      return first$.pipe(
        expand((state) => (isTerminal(state.status) ? EMPTY : timer(gap, scheduler).pipe(switchMap(fetchOne)))),
        filter(changed),
        withDeadline(timeout, scheduler, () => new TimeoutError(`job ${id} not terminal within ${timeout} ms`, id)),
      );
    });

  return (source) => source.pipe(mergeMap(follow));
}
