import {
  EMPTY,
  expand,
  switchMap,
  timer,
  type MonoTypeOperatorFunction,
  type Observable,
  type SchedulerLike,
} from 'rxjs';
import { isTerminal } from '../codecs/job-status.js';
import type { JobState } from '../codecs/job-state.js';

/**
 * Follows the job whose first state the source emits by polling `/status` every `interval` ms:
 * emits that state, then every state fetched after it until a terminal one (included), one
 * request in flight at a time. This is the `pollInterval` option of `watch` and `submit`; without
 * it a job is followed by the endpoint's follower (`./follower.ts`), which long-polls.
 */
export function pollJob<O>(
  status: (id: string) => Observable<JobState<O>>,
  interval: number,
  scheduler: SchedulerLike,
): MonoTypeOperatorFunction<JobState<O>> {
  return (source) =>
    source.pipe(
      expand((state) =>
        isTerminal(state) ? EMPTY : timer(interval, scheduler).pipe(switchMap(() => status(state.id))),
      ),
    );
}
