import type * as t from 'io-ts';
import {
  catchError,
  defer,
  EMPTY,
  expand,
  finalize,
  map,
  mergeMap,
  Observable,
  of,
  switchMap,
  timer,
  type SchedulerLike,
} from 'rxjs';
import { decodeOrThrow } from '../codecs/decode.js';
import { isTerminal } from '../codecs/job-status.js';
import type { JobState } from '../codecs/job-state.js';
import type { StreamChunk } from '../codecs/responses.js';
import { isNotFoundError, jobEndedError } from '../errors.js';
import { createGrowingDelay, QUICK_ANSWER_MS } from '../internal/pacing.js';
import type { PollingPolicy } from './config.js';
import type { RawChunk, StreamSession } from './stream-hold.js';

/** What {@link streamJob} needs from the endpoint. */
export interface StreamDeps<C> {
  /** Opens this subscription's session on the job: reads `/stream/{id}`, keeps what it drained. */
  readonly open: (id: string) => StreamSession;
  /** GET /status/{id}, to learn why a job ended. */
  readonly status: (id: string) => Observable<JobState<unknown>>;
  readonly chunk?: t.Decoder<unknown, C>;
  readonly scheduler: SchedulerLike;
  readonly polling: PollingPolicy;
  readonly streamWait: number;
}

/**
 * Drains `/stream/{id}` until the job is terminal and a read comes back empty, emitting each chunk
 * in order. Reads follow one another at once while chunks flow; an empty, quick answer backs off.
 * If the job ended other than COMPLETED, every chunk produced before the end is emitted, then
 * `/status` is read once for the failure text and the typed job error is thrown. Chunks come
 * through a {@link StreamSession}: those an earlier subscription left are emitted first, and when
 * this one ends, the chunks not yet emitted and those of the read in flight are left for the next.
 */
export function streamJob<C>(id: string, deps: StreamDeps<C>): Observable<StreamChunk<C>> {
  const { scheduler, polling } = deps;

  const decodeChunk = (raw: RawChunk, index: number): StreamChunk<C> =>
    deps.chunk === undefined
      ? (raw as StreamChunk<C>)
      : { ...raw, output: decodeOrThrow(deps.chunk, raw.output, undefined, `stream[${index}].output/`) };

  const failure = (status: JobState['status']): Observable<never> =>
    deps.status(id).pipe(
      catchError((error: unknown) => {
        if (isNotFoundError(error)) return of<JobState<unknown>>({ id, status });
        throw error;
      }),
      map((job) => {
        throw jobEndedError(isTerminal(job) ? job : { ...job, status });
      }),
    );

  return defer(() => {
    const session = deps.open(id);
    const idle = createGrowingDelay(polling);
    const read = () => {
      const startedAt = scheduler.now();
      return session.next().pipe(map((step) => ({ ...step, quick: scheduler.now() - startedAt < QUICK_ANSWER_MS })));
    };

    return read().pipe(
      expand(({ status, count, quick }) => {
        if (isTerminal(status) && count === 0) return EMPTY;
        if (count > 0 || !quick) {
          idle.reset();
          return read();
        }
        return timer(Math.min(idle.next(), deps.streamWait), scheduler).pipe(switchMap(read));
      }),
      mergeMap(({ status, count }) => {
        const failed = isTerminal(status) && count === 0 && status !== 'COMPLETED';
        return failed ? failure(status) : session.drain().pipe(map(decodeChunk));
      }),
      finalize(() => session.close()),
    );
  });
}
