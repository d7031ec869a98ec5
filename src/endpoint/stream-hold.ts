import type * as t from 'io-ts';
import { defer, EMPTY, Observable, of, switchMap, type SchedulerLike } from 'rxjs';
import type { JobStatus } from '../codecs/job-status.js';
import type { StreamChunkCodec, StreamResponse } from '../codecs/responses.js';
import type { RunpodEvent } from './events.js';

/**
 * How long, and how much of, what an unsubscribed `stream(id)` had already drained from the server
 * waits for the next `stream(id)` of the same endpoint object.
 * @category config
 */
export interface StreamHoldPolicy {
  /**
   * How long held chunks wait, in ms, counted from the last chunk added; older ones are never
   * delivered (they are dropped at the next use of the hold, so no timer keeps a process alive).
   * @default 60000
   */
  readonly maxAge: number;
  /**
   * Most bytes (UTF-8 JSON of each chunk) held by one endpoint object, over all jobs. A job whose
   * held chunks alone pass it loses them; otherwise the jobs held longest lose theirs first.
   * @default 8388608 (8 MiB)
   */
  readonly maxBytes: number;
}

/** The defaults of {@link StreamHoldPolicy}. */
export const STREAM_HOLD_DEFAULTS: StreamHoldPolicy = Object.freeze({ maxAge: 60_000, maxBytes: 8 * 1024 * 1024 });

/** One chunk as the server sent it, before `codecs.chunk`. */
export type RawChunk = t.TypeOf<typeof StreamChunkCodec>;
type Answer = t.TypeOf<typeof StreamResponse>;

/** What one step of a stream brought: the job's status and how many chunks joined the queue. */
export interface StreamStep {
  readonly status: JobStatus;
  readonly count: number;
}

/** One `stream(id)` subscription's view of the job's chunks. */
export interface StreamSession {
  /**
   * The next step. The first waits for the job's turn (no other session of it open, none of their
   * reads in flight), then brings the chunks they left, without a request; the others, and the
   * first when nothing was left, read `/stream` once. Unsubscribing leaves the read in flight: its
   * answer is kept for the next step, or held by {@link StreamSession.close}.
   */
  next(): Observable<StreamStep>;
  /** Emits the queued chunks one at a time, each taken off the queue before it is emitted. */
  drain(): Observable<RawChunk>;
  /** Ends the session: queued chunks, and the chunks of the read in flight, are held for the next one. */
  close(): void;
}

/** The chunks held for the streams of one endpoint object. */
export interface StreamHold {
  /** Opens a session on job `id`; `read` sends one `GET /stream/{id}`. */
  open(id: string, read: () => Observable<Answer>): StreamSession;
}

/** A `/stream` read whose answer outlives the subscriber that sent it. */
interface Read {
  settled?: { readonly answer: Answer } | { readonly error: unknown };
  onSettled?: () => void;
}

/** The state of one job's streams on this endpoint object. */
interface Lane {
  /** Chunks drained from the server and not yet emitted, oldest first. */
  chunks: RawChunk[];
  /** The status the answer that brought the last of `chunks` carried. */
  status?: JobStatus;
  bytes: number;
  /** Scheduler time after which `chunks` are dropped. */
  expiresAt: number;
  /** Reads of ended sessions still in flight: their chunks join `chunks` when they answer. */
  pending: number;
  /** Whether a session is reading this job now. */
  active: boolean;
  /** Sessions waiting for their turn: no active session and no pending read. */
  waiters: (() => void)[];
}

const encoder = new TextEncoder();
const sizeOf = (chunks: readonly RawChunk[]): number =>
  chunks.reduce((total, chunk) => total + encoder.encode(JSON.stringify(chunk) ?? '').length, 0);

function startRead(read: () => Observable<Answer>): Read {
  const state: Read = {};
  const settle = (result: NonNullable<Read['settled']>) => {
    if (state.settled !== undefined) return;
    state.settled = result;
    const onSettled = state.onSettled;
    state.onSettled = undefined;
    onSettled?.();
  };
  read().subscribe({
    next: (answer) => settle({ answer }),
    error: (error: unknown) => settle({ error }),
  });
  return state;
}

/**
 * Creates the hold of one endpoint object. RunPod drains `/stream` on read, so chunks that reached
 * the client are gone from the server: when a subscriber leaves, the chunks it has not yet been
 * given, and those of its read still in flight (which completes detached), are held here for at
 * most `policy.maxAge` ms and `policy.maxBytes` bytes. The streams of one job take turns: the next
 * `stream(id)` starts when the previous one has ended and its reads have answered, gets what it
 * left first, in order, then reads on. (A subscriber that resubscribes from its `complete` or
 * `error` callback, as `repeat` and `retry` do, opens the next stream before the previous one has
 * finished tearing down: the turn is what keeps the order.) Dropped chunks are reported as
 * `stream-chunks-dropped`.
 */
export function createStreamHold(
  policy: StreamHoldPolicy,
  scheduler: SchedulerLike,
  emit: (event: RunpodEvent) => void,
): StreamHold {
  const lanes = new Map<string, Lane>();
  let totalBytes = 0;

  const laneOf = (id: string): Lane => {
    let lane = lanes.get(id);
    if (lane === undefined) {
      lane = { chunks: [], bytes: 0, expiresAt: Infinity, pending: 0, active: false, waiters: [] };
      lanes.set(id, lane);
    }
    return lane;
  };

  /** Forgets a lane with nothing in it; otherwise, when its turn is free, gives it to the first waiter. */
  const settleLane = (id: string, lane: Lane) => {
    if (lane.active || lane.pending > 0) return;
    const next = lane.waiters.shift();
    if (next !== undefined) next();
    else if (lane.chunks.length === 0 && lanes.get(id) === lane) lanes.delete(id);
  };

  const drop = (id: string, lane: Lane, reason: 'expired' | 'max-bytes') => {
    const chunks = lane.chunks.length;
    totalBytes -= lane.bytes;
    lane.chunks = [];
    lane.bytes = 0;
    if (chunks > 0) emit({ type: 'stream-chunks-dropped', jobId: id, chunks, reason });
  };

  /** Drops the chunks whose time is up. */
  const expire = () => {
    if (totalBytes === 0) return; // nothing held: skip the walk (thousands of streams may be open)
    const now = scheduler.now();
    for (const [id, lane] of lanes) {
      if (lane.chunks.length > 0 && now >= lane.expiresAt) {
        drop(id, lane, 'expired');
        settleLane(id, lane);
      }
    }
  };

  /** Holds `chunks` after the lane's, within the bounds of the policy. */
  const hold = (id: string, lane: Lane, chunks: readonly RawChunk[], status: JobStatus | undefined) => {
    if (status !== undefined) lane.status = status;
    if (chunks.length === 0) return;
    const bytes = sizeOf(chunks);
    lane.chunks.push(...chunks);
    lane.bytes += bytes;
    totalBytes += bytes;
    lane.expiresAt = scheduler.now() + policy.maxAge;
    if (lane.bytes > policy.maxBytes) drop(id, lane, 'max-bytes');
    // Map order is insertion order: the jobs held longest go first.
    for (const [oldId, old] of lanes) {
      if (totalBytes <= policy.maxBytes) break;
      if (old === lane) continue;
      drop(oldId, old, 'max-bytes');
      settleLane(oldId, old);
    }
  };

  /** Keeps an ended session's read: its chunks join the lane's when it answers (an error holds nothing). */
  const adopt = (id: string, lane: Lane, read: Read) => {
    lane.pending++;
    const absorb = () => {
      lane.pending--;
      const settled = read.settled!;
      if ('answer' in settled) hold(id, lane, settled.answer.stream ?? [], settled.answer.status);
      settleLane(id, lane);
    };
    if (read.settled !== undefined) absorb();
    else read.onSettled = absorb;
  };

  /**
   * Waits for the lane's turn, then makes the subscriber's session the active one and emits the
   * chunks held for it (taken off the lane) with their status.
   */
  const turn = (id: string): Observable<{ lane: Lane; chunks: RawChunk[]; status?: JobStatus }> =>
    new Observable((subscriber) => {
      expire();
      const lane = laneOf(id);
      const start = () => {
        lane.active = true;
        const taken = { lane, chunks: lane.chunks, status: lane.status };
        totalBytes -= lane.bytes;
        lane.chunks = [];
        lane.bytes = 0;
        subscriber.next(taken);
        subscriber.complete();
      };
      if (!lane.active && lane.pending === 0 && lane.waiters.length === 0) {
        start();
        return;
      }
      lane.waiters.push(start);
      return () => {
        const at = lane.waiters.indexOf(start);
        if (at !== -1) lane.waiters.splice(at, 1);
        settleLane(id, lane);
      };
    });

  return {
    open: (id, read) => {
      const queue: RawChunk[] = [];
      let status: JobStatus | undefined;
      let inFlight: Read | undefined;
      /** The lane, once this session's turn came. */
      let lane: Lane | undefined;
      let closed = false;

      // Subscribed through `next`, which starts nothing once the session is closed (rxjs's expand may
      // still subscribe a step after its subscriber left).
      const readStep = (): Observable<StreamStep> =>
        new Observable<StreamStep>((subscriber) => {
          const current = inFlight ?? (inFlight = startRead(read));
          const deliver = () => {
            inFlight = undefined;
            const settled = current.settled!;
            if ('error' in settled) {
              subscriber.error(settled.error);
              return;
            }
            const chunks = settled.answer.stream ?? [];
            queue.push(...chunks);
            status = settled.answer.status;
            subscriber.next({ status, count: chunks.length });
            subscriber.complete();
          };
          if (current.settled !== undefined) deliver();
          else current.onSettled = deliver;
          // Leaving does not abort the read: what it drains is kept (see close).
          return () => {
            if (current.onSettled === deliver) current.onSettled = undefined;
          };
        });

      return {
        next: () =>
          defer(() => {
            if (closed) return EMPTY;
            if (lane !== undefined) return readStep();
            return turn(id).pipe(
              switchMap((held) => {
                lane = held.lane;
                if (held.chunks.length === 0 || held.status === undefined) return readStep();
                queue.push(...held.chunks);
                status = held.status;
                return of({ status: held.status, count: held.chunks.length });
              }),
            );
          }),
        drain: () =>
          new Observable<RawChunk>((subscriber) => {
            while (queue.length > 0 && !subscriber.closed) subscriber.next(queue.shift()!);
            subscriber.complete();
          }),
        close: () => {
          if (closed) return;
          closed = true;
          if (lane === undefined) return;
          expire();
          hold(id, lane, queue.splice(0), status);
          if (inFlight !== undefined) adopt(id, lane, inFlight);
          inFlight = undefined;
          lane.active = false;
          settleLane(id, lane);
        },
      };
    },
  };
}
