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
   * The next step: first the chunks held for this job by earlier subscriptions (no request; after
   * their reads in flight have answered), then one `/stream` read. Unsubscribing leaves the read
   * in flight: its answer is kept for the next step, or held by {@link StreamSession.close}.
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

/** What is held for one job. */
interface Held {
  chunks: RawChunk[];
  status?: JobStatus;
  bytes: number;
  /** Reads of closed sessions still in flight: their chunks join `chunks` when they answer. */
  pending: number;
  /** Sessions waiting for `pending` to reach 0 before taking the chunks. */
  waiters: (() => void)[];
  /** Scheduler time after which `chunks` are dropped. */
  expiresAt: number;
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
 * most `policy.maxAge` ms and `policy.maxBytes` bytes. The next `stream(id)` of the job gets them
 * first, in order, before reading on. Dropped chunks are reported as `stream-chunks-dropped`.
 */
export function createStreamHold(
  policy: StreamHoldPolicy,
  scheduler: SchedulerLike,
  emit: (event: RunpodEvent) => void,
): StreamHold {
  const held = new Map<string, Held>();
  let totalBytes = 0;

  const entryOf = (id: string): Held => {
    let entry = held.get(id);
    if (entry === undefined) {
      entry = { chunks: [], bytes: 0, pending: 0, waiters: [], expiresAt: Infinity };
      held.set(id, entry);
    }
    return entry;
  };

  const forgetIfEmpty = (id: string, entry: Held) => {
    if (entry.chunks.length === 0 && entry.pending === 0 && entry.waiters.length === 0 && held.get(id) === entry) {
      held.delete(id);
    }
  };

  const drop = (id: string, entry: Held, reason: 'expired' | 'max-bytes') => {
    const chunks = entry.chunks.length;
    totalBytes -= entry.bytes;
    entry.chunks = [];
    entry.bytes = 0;
    forgetIfEmpty(id, entry);
    if (chunks > 0) emit({ type: 'stream-chunks-dropped', jobId: id, chunks, reason });
  };

  /** Drops the chunks whose time is up. */
  const expire = () => {
    const now = scheduler.now();
    for (const [id, entry] of held) if (entry.chunks.length > 0 && now >= entry.expiresAt) drop(id, entry, 'expired');
  };

  const add = (id: string, chunks: readonly RawChunk[], status: JobStatus | undefined) => {
    expire();
    const entry = entryOf(id);
    if (status !== undefined) entry.status = status;
    if (chunks.length === 0) return;
    const bytes = sizeOf(chunks);
    entry.chunks.push(...chunks);
    entry.bytes += bytes;
    totalBytes += bytes;
    entry.expiresAt = scheduler.now() + policy.maxAge;
    if (entry.bytes > policy.maxBytes) drop(id, entry, 'max-bytes');
    // Map order is insertion order: the jobs held longest go first.
    for (const [oldId, old] of held) {
      if (totalBytes <= policy.maxBytes) break;
      drop(oldId, old, 'max-bytes');
    }
  };

  /** Holds a closed session's read: its chunks join the job's when it answers (an error holds nothing). */
  const adopt = (id: string, read: Read) => {
    const entry = entryOf(id);
    entry.pending++;
    const absorb = () => {
      entry.pending--;
      const settled = read.settled!;
      if ('answer' in settled) add(id, settled.answer.stream ?? [], settled.answer.status);
      if (entry.pending === 0) for (const wake of entry.waiters.splice(0)) wake();
      forgetIfEmpty(id, entry);
    };
    if (read.settled !== undefined) absorb();
    else read.onSettled = absorb;
  };

  /** Emits what is held for `id` once no held read is in flight (removing it), or `undefined`. */
  const take = (id: string): Observable<Pick<Held, 'chunks' | 'status'> | undefined> =>
    new Observable((subscriber) => {
      const deliver = () => {
        expire();
        const entry = held.get(id);
        if (entry !== undefined && entry.pending === 0) {
          held.delete(id);
          totalBytes -= entry.bytes;
          for (const wake of entry.waiters.splice(0)) wake();
        }
        subscriber.next(entry);
        subscriber.complete();
      };
      const entry = held.get(id);
      if (entry === undefined || entry.pending === 0) {
        deliver();
        return;
      }
      entry.waiters.push(deliver);
      return () => {
        const at = entry.waiters.indexOf(deliver);
        if (at !== -1) entry.waiters.splice(at, 1);
        forgetIfEmpty(id, entry);
      };
    });

  return {
    open: (id, read) => {
      const queue: RawChunk[] = [];
      let status: JobStatus | undefined;
      let inFlight: Read | undefined;
      let started = false;
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
            if (started) return readStep();
            started = true;
            return take(id).pipe(
              switchMap((entry) => {
                if (entry === undefined || entry.chunks.length === 0 || entry.status === undefined) return readStep();
                queue.push(...entry.chunks);
                status = entry.status;
                return of({ status: entry.status, count: entry.chunks.length });
              }),
            );
          }),
        drain: () =>
          new Observable<RawChunk>((subscriber) => {
            while (queue.length > 0 && !subscriber.closed) subscriber.next(queue.shift()!);
            subscriber.complete();
          }),
        close: () => {
          closed = true;
          const read = inFlight;
          inFlight = undefined;
          if (queue.length > 0) add(id, queue.splice(0), status);
          if (read !== undefined) adopt(id, read);
        },
      };
    },
  };
}
