import {
  exhaustMap,
  merge,
  switchMap,
  timer,
  type MonoTypeOperatorFunction,
  type Observable,
  type SchedulerLike,
} from 'rxjs';
import { isTerminal } from '../codecs/job-status.js';
import type { JobState } from '../codecs/job-state.js';
import { takeUntilTerminal } from '../internal/take-until-terminal.js';

/** What {@link followByWebhook} needs from the endpoint. */
export interface WebhookFollowDeps<O> {
  /** The terminal state of `id` once RunPod's webhook call for it arrives. */
  readonly completion: (id: string) => Observable<JobState<O>>;
  /** GET /status/{id}: the safety sweep. */
  readonly status: (id: string) => Observable<JobState<O>>;
  readonly scheduler: SchedulerLike;
  /** Gap between two safety-sweep reads of `/status`, in ms. */
  readonly sweepInterval: number;
}

/**
 * Follows the job whose first state the source emits by webhook: emits that state, then the
 * terminal state that RunPod's webhook call brings. Polling is only a safety sweep, one `/status`
 * every `sweepInterval` (RunPod calls a webhook at most three times, 10 s apart, so a call can be
 * lost): a job that ends between two sweeps costs no request at all. Completes after the first
 * terminal state (from the call or a sweep), which ends the sweep and the wait for the call.
 */
export function followByWebhook<O>(deps: WebhookFollowDeps<O>): MonoTypeOperatorFunction<JobState<O>> {
  return (source) =>
    source.pipe(
      switchMap((first) => {
        if (isTerminal(first)) return [first];
        // A sweep read still in flight when the next one is due is left to finish (exhaustMap).
        const sweep = timer(deps.sweepInterval, deps.sweepInterval, deps.scheduler).pipe(
          exhaustMap(() => deps.status(first.id)),
        );
        return merge([first], deps.completion(first.id), sweep);
      }),
      takeUntilTerminal(),
    );
}
