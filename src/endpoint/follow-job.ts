import {
  catchError,
  defer,
  EMPTY,
  expand,
  map,
  of,
  switchMap,
  timer,
  type MonoTypeOperatorFunction,
  type Observable,
  type SchedulerLike,
} from 'rxjs';
import { isTerminal } from '../codecs/job-status.js';
import type { JobState } from '../codecs/job-state.js';
import { isHttpError, isNotFoundError } from '../errors.js';
import { createGrowingDelay, createRequestPacer, QUICK_ANSWER_MS } from '../internal/pacing.js';
import { sameState } from '../internal/same-state.js';
import type { PollingPolicy } from './config.js';

/** What {@link followJob} needs from the endpoint. */
export interface FollowDeps<O> {
  /** GET /status/{id}. */
  readonly status: (id: string) => Observable<JobState<O>>;
  /** GET /status-sync/{id}?wait=ms. */
  readonly statusSync: (id: string, waitMs: number) => Observable<JobState<O>>;
  readonly scheduler: SchedulerLike;
  readonly polling: PollingPolicy;
  readonly longPollWait: number;
}

/** How {@link followJob} waits. */
export interface FollowOptions {
  /** Absolute time (scheduler clock) at which the caller gives up; bounds each long-poll's wait. */
  readonly deadlineAt: number;
  /** Poll /status at this fixed interval instead of long-polling. */
  readonly pollInterval?: number;
}

/**
 * Follows the job whose first state the source emits: emits that state, then every state fetched
 * after it until a terminal one (included), one request in flight at a time. Long-polls start at
 * least `MIN_REQUEST_GAP_MS` (100 ms) apart, so a server answering at once with a new state each time
 * draws at most ten a second, every change still emitted. Long-polls
 * `/status-sync` with the remaining deadline as `wait`; when that route is not served (405, or a
 * 404 while `/status` knows the job) it falls back, for this subscription, to polling `/status`
 * with a growing interval that resets whenever the state changes.
 */
export function followJob<O>(deps: FollowDeps<O>, options: FollowOptions): MonoTypeOperatorFunction<JobState<O>> {
  const { scheduler, polling } = deps;
  return (source) =>
    defer(() => {
      let longPolling = options.pollInterval === undefined;
      const backoff = createGrowingDelay(polling);
      const pacer = createRequestPacer(scheduler);
      let previous: JobState<O> | undefined;

      /** The fixed `pollInterval`, or the growing backoff, which starts afresh when the state changed. */
      const nextPollDelay = (changed: boolean): number => {
        if (options.pollInterval !== undefined) return options.pollInterval;
        if (changed) backoff.reset();
        return backoff.next();
      };

      const poll = (id: string, delay: number): Observable<JobState<O>> =>
        timer(delay, scheduler).pipe(switchMap(() => deps.status(id)));

      const longPoll = (id: string): Observable<JobState<O>> =>
        // The pacer holds a server whose answers come at once and change each time to ten requests a second.
        pacer.pace(() => {
          const startedAt = scheduler.now();
          const wait = Math.max(1, Math.min(deps.longPollWait, options.deadlineAt - startedAt));
          return deps.statusSync(id, wait).pipe(
            // A server that answers at once with nothing new would make this a hot loop: back off.
            switchMap((state) =>
              !isTerminal(state) &&
              previous !== undefined &&
              sameState(state, previous) &&
              scheduler.now() - startedAt < Math.min(wait, QUICK_ANSWER_MS)
                ? timer(nextPollDelay(false), scheduler).pipe(map(() => state))
                : of(state),
            ),
            catchError((error: unknown) => {
              const unsupported = isHttpError(error) && (error.status === 405 || error.status === 501);
              if (!unsupported && !isNotFoundError(error)) throw error;
              // 404 is ambiguous (route missing or job unknown): /status decides; its own 404 propagates.
              longPolling = false;
              return deps.status(id);
            }),
          );
        });

      const next = (state: JobState<O>): Observable<JobState<O>> => {
        if (isTerminal(state)) return EMPTY;
        const changed = previous === undefined || !sameState(state, previous);
        previous = state;
        return longPolling ? longPoll(state.id) : poll(state.id, nextPollDelay(changed));
      };

      return source.pipe(expand(next));
    });
}
