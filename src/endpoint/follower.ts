import {
  catchError,
  Observable,
  type SchedulerLike,
  type Subscriber,
  type Subscription,
  type Unsubscribable,
} from 'rxjs';
import { isTerminal } from '../codecs/job-status.js';
import type { JobState } from '../codecs/job-state.js';
import { isHttpError, isNotFoundError } from '../errors.js';
import { MinHeap } from '../internal/min-heap.js';
import { createGrowingDelay, MIN_REQUEST_GAP_MS, QUICK_ANSWER_MS, type GrowingDelay } from '../internal/pacing.js';
import { sameState } from '../internal/same-state.js';
import type { PollingPolicy } from './config.js';
import type { RateWindow } from '../internal/rate-window.js';

/** What {@link createFollower} needs from the endpoint. */
export interface FollowerDeps<O> {
  /** GET /status/{id}, its transient failures retried until `deadlineAt`. */
  readonly status: (id: string, deadlineAt: number) => Observable<JobState<O>>;
  /** GET /status-sync/{id}?wait=ms, its transient failures retried until `deadlineAt`. */
  readonly statusSync: (id: string, waitMs: number, deadlineAt: number) => Observable<JobState<O>>;
  readonly scheduler: SchedulerLike;
  readonly polling: PollingPolicy;
  readonly longPollWait: number;
  /** Requests the follower keeps in flight at most: the status group's slots (`Infinity`: no limit). */
  readonly slots: number;
  /** The shortest hold of a long-poll while other jobs wait for a request, in ms. */
  readonly contendedWait: number;
  /**
   * The status group's rate window, which every status-group request of the endpoint spends
   * (`status`, `stream`, retries and the follower's own), or `false`: the follower starts requests
   * only while it has free tokens, and sizes holds to spend them evenly.
   */
  readonly rate: RateWindow | false;
}

/** One endpoint object's registry of followed jobs. */
export interface Follower<O> {
  /**
   * Cold: follows job `id` until its terminal state. Emits `first` (a creating call's answer) or,
   * without it, the job's current state (from `/status`, or at once when the job is followed
   * already), then every changed state fetched after it (a new status or a new progress output),
   * the terminal one included, then completes.
   * Subscribers of one job share its requests; the last one to leave aborts the request in flight.
   * A new subscription's request starts once the code that subscribed has run (a scheduled action
   * of no delay), so that a loop's subscriptions are decided together and their tokens spent when
   * their requests go out.
   * `deadlineAt` bounds the long-poll waits and the retries (the latest of the subscribers' counts).
   */
  follow(id: string, first: JobState<O> | undefined, deadlineAt: number): Observable<JobState<O>>;
  /** Jobs followed now. */
  followed(): number;
  /** Requests in flight now. */
  inFlight(): number;
}

/** One pick in this many goes to the job that has waited longest, whatever its state: no job starves. */
const SWEEP_EVERY = 10;

/**
 * The queue's head is a job that ends within this many `contendedWait`s of a long-poll: a job's
 * first long-poll (sent instead of its first read while the jobs come in the queue's order and the
 * budget cannot pay for both) holds no longer, since a longer hold would only keep a slot from the
 * jobs behind.
 */
const HEAD_TURNS = 4;

interface Entry<O> {
  readonly id: string;
  /** Registration order: the queue's head is the lowest one still `IN_QUEUE`. */
  readonly seq: number;
  /** Last state fetched; `undefined` until the first. */
  state: JobState<O> | undefined;
  /**
   * The subscribers (most jobs have one: arrays cost less than a Map). Replaced, never grown in
   * place: an array literal has its exact length, while the first `push` reserves 17 slots (about
   * 130 bytes more per followed job).
   */
  subscribers: readonly Subscriber<JobState<O>>[];
  /** Each subscriber's `deadlineAt` while there are two or more; with one, it is `deadlineAt`. */
  deadlines: readonly number[] | undefined;
  /** The latest of the subscribers' `deadlineAt`. */
  deadlineAt: number;
  /** Waiting for a request; `stamp` tells its current place in the queues from stale ones. */
  ready: boolean;
  stamp: number;
  request: Subscription | undefined;
  /** The request in flight is a long-poll. */
  longPollInFlight: boolean;
  /** A pacing, backoff or poll-interval wait before the next request. */
  pause: Subscription | undefined;
  /** When a long hold started while no other job waited (a hand-over may cut it short). */
  holdingSince: number | undefined;
  longPolling: boolean;
  lastLongPoll: number | undefined;
  backoff: GrowingDelay | undefined;
}

interface Place<O> {
  readonly entry: Entry<O>;
  readonly stamp: number;
}

/**
 * Creates the follower of one endpoint object: one registry of followed jobs, and one loop that
 * sends their status requests, at most `slots` at a time and, with a `rate`, only while a token of
 * the status window is free. When a request can start, the loop picks, in order: an `IN_PROGRESS`
 * job while long-polls hold less than half the slots, a job with no state yet (its first state),
 * an `IN_PROGRESS` job, the job registered first among those still queued (the queue's head when
 * jobs are registered in creation order, as `submit` does); one pick in {@link SWEEP_EVERY} goes to
 * the job waiting longest.
 *
 * A job's first request is a `/status` read while the free tokens pay for a first read of every
 * job waiting for one and one more request for every followed job. Beyond that (the budget is
 * short), once a job was seen queued, and while at least half the recent long-polls for jobs not
 * seen running saw their job end within {@link HEAD_TURNS} `contendedWait`s (the jobs come in the
 * queue's order), new entries take their turn with the queued jobs by registration order, after
 * the jobs found running (ahead of every queued one in that order), and their first request is a
 * long-poll held that long, whose answer is their first state.
 *
 * Long-polls hold `longPollWait` (or until the deadline) while no other job waits. While others
 * wait, a long-poll still holds to the end of its job when the rate could not pay for more: the
 * slots cover every running job and the free tokens are no more than the followed jobs, each of
 * which needs one more request at least. Otherwise it holds long enough for each waiting job to
 * get a turn within about `contendedWait`, and for the spare tokens (the free ones less those the
 * first reads still due will take) to last until the oldest spent one comes back. A long hold is
 * cut (its job queued again) once others wait, a token is free and it has lasted `contendedWait`.
 * A job's long-polls start at least {@link MIN_REQUEST_GAP_MS} apart, a quick unchanged answer
 * backs off, and a 405 (or a 404 that `/status` contradicts) switches that job to polling
 * `/status` with a growing interval.
 */
export function createFollower<O>(deps: FollowerDeps<O>): Follower<O> {
  const { scheduler } = deps;
  const entries = new Map<string, Entry<O>>();
  let seq = 0;
  let stamps = 0;
  let ready = 0;
  let inFlight = 0;
  /** Long-polls in flight. */
  let longPolls = 0;
  /** Jobs waiting for their first read. */
  let unread = 0;
  /** Jobs in a pause before their next request: they will want a slot soon. */
  let paused = 0;
  /** Jobs whose long-poll holds longer than `contendedWait`, oldest first: a hand-over may cut them. */
  const holding = new Set<Entry<O>>();
  /** Jobs whose last state is `IN_PROGRESS`. */
  let runningJobs = 0;
  let handOver: Subscription | undefined;
  /** A pump due when the oldest spent token comes back, while jobs wait for a token. */
  let refill: Subscription | undefined;
  let picks = 0;
  /**
   * Recent long-polls sent while the budget was short for jobs not seen running (guesses at the
   * queue's head), and those that saw their job end within the head's hold: halved each time
   * `slots` more have answered, so that the share follows the workload.
   */
  let guesses = 0;
  let guessesEnded = 0;
  /** A job was seen `IN_QUEUE`: there is a queue, whose order the follower may guess. */
  let queueSeen = false;
  const headHold = HEAD_TURNS * deps.contendedWait;
  const byStamp = (a: Place<O>, b: Place<O>) => a.stamp < b.stamp;
  const fresh = new MinHeap<Place<O>>(byStamp);
  const running = new MinHeap<Place<O>>(byStamp);
  const queued = new MinHeap<Place<O>>((a, b) => a.entry.seq < b.entry.seq);
  const rotation = new MinHeap<Place<O>>(byStamp);
  const live = (place: Place<O>) => place.entry.ready && place.entry.stamp === place.stamp;

  /**
   * Tokens of the status window neither spent nor promised to a request waiting for one
   * (`Infinity` without a rate).
   */
  const freeTokens = (now: number): number => {
    if (deps.rate === false) return Infinity;
    return deps.rate.limit - deps.rate.used(now) - deps.rate.waiting();
  };

  /**
   * When a token comes back, for a pump due then while none is free: the oldest spent one's
   * return, at least 1 ms on (a token may be out of reach only because requests wait for it).
   */
  const nextReturn = (now: number): number =>
    Math.max(now + 1, (deps.rate === false ? undefined : deps.rate.nextReturn(now)) ?? now + 1);

  /**
   * Holds may end without news only while the budget can pay for the requests that follow: when
   * the slots can cover every running job and the free tokens are no more than the followed jobs
   * (each needs one more request at least, the one that sees its end), every long-poll is held to
   * the end of its job, so that no token goes to an answer that brings nothing.
   */
  const mustHold = (now: number): boolean => runningJobs <= deps.slots && freeTokens(now) <= entries.size;

  /**
   * A first read (the job's state at once, by `/status`) is worth its token while the free tokens
   * pay for it and for one more request for every followed job (the one that sees its end).
   * Beyond that, the job's first request is a long-poll, which may be the only one it needs.
   */
  const affordsFirstRead = (now: number): boolean => freeTokens(now) >= unread + entries.size;

  /**
   * The jobs come in the queue's order: at least half the recent guesses (long-polls for the jobs
   * registered first among those not seen running, while the budget is short) saw their job end
   * within the head's hold, and so were the queue's head. Once a job was seen queued and until a
   * guess answers, the follower assumes so (as when `submit` registers its jobs).
   */
  const inQueueOrder = (): boolean => queueSeen && guessesEnded * 2 >= guesses;

  /** Counts the answer of a guess. */
  const countGuess = (ended: boolean): void => {
    guesses++;
    if (ended) guessesEnded++;
    if (guesses >= 2 * deps.slots) {
      guesses /= 2;
      guessesEnded /= 2;
    }
  };

  /** Free tokens less those the first reads still due will take (they go at once). */
  const spareTokens = (now: number): number => freeTokens(now) - unread;

  /**
   * The hold that spends the spare tokens evenly until the oldest spent one comes back, with every
   * slot busy: `slots × (time until that return) / spare tokens`. Right after a burst (the first
   * reads) this is longer than `contendedWait`; once the window turns over steadily, about that.
   */
  const budgetHold = (now: number): number => {
    const back = deps.rate === false ? undefined : deps.rate.nextReturn(now);
    if (back === undefined) return 0;
    return (deps.slots * (back - now)) / spareTokens(now);
  };

  const makeReady = (entry: Entry<O>): void => {
    entry.ready = true;
    ready++;
    const place = { entry, stamp: ++stamps };
    entry.stamp = place.stamp;
    const status = entry.state?.status;
    (status === undefined ? fresh : status === 'IN_PROGRESS' ? running : queued).push(place);
    rotation.push(place);
    compact();
  };

  /** Drops stale places once they outnumber live ones, and every place once nothing is followed. */
  const compact = (): void => {
    if (entries.size === 0) {
      for (const heap of [fresh, running, queued, rotation]) if (heap.size > 0) heap.retain(() => false);
    } else if (rotation.size > 1024 && rotation.size > 4 * ready) {
      for (const heap of [fresh, running, queued, rotation]) heap.retain(live);
    }
  };

  const unready = (entry: Entry<O>): void => {
    if (!entry.ready) return;
    entry.ready = false;
    ready--;
  };

  /** The live place on top of `heap`, stale ones dropped. */
  const top = (heap: MinHeap<Place<O>>): Place<O> | undefined => {
    let place = heap.peek();
    while (place !== undefined && !live(place)) {
      heap.pop();
      place = heap.peek();
    }
    return place;
  };

  const take = (heap: MinHeap<Place<O>>): Entry<O> | undefined =>
    top(heap) === undefined ? undefined : heap.pop()!.entry;

  /** The job registered first among the new entries and the queued ones. */
  const takeEarliest = (): Entry<O> | undefined => {
    const unknown = top(fresh);
    const waiting = top(queued);
    if (unknown === undefined || (waiting !== undefined && waiting.entry.seq < unknown.entry.seq)) return take(queued);
    return take(fresh);
  };

  const pick = (now: number): Entry<O> | undefined => {
    picks++;
    if (picks % SWEEP_EVERY === 0) {
      const swept = take(rotation);
      if (swept !== undefined) return swept;
    }
    // A job found running ends soonest: its long-poll may go first, as long as the others keep
    // half the slots.
    if (longPolls + 1 <= deps.slots / 2) {
      const found = take(running);
      if (found !== undefined) return found;
    }
    // While the budget is short and the jobs come in the queue's order, a new entry's first request
    // is a long-poll, which may hold its slot a while: it takes its turn with the queued jobs, the
    // queue's head first, after the jobs found running (ahead of every queued one in that order).
    if (!affordsFirstRead(now) && inQueueOrder()) return take(running) ?? takeEarliest() ?? take(rotation);
    return take(fresh) ?? take(running) ?? take(queued) ?? take(rotation);
  };

  /** Marks the request of `entry` ended. */
  const ended = (entry: Entry<O>): void => {
    entry.request = undefined;
    holding.delete(entry);
    inFlight--;
    if (entry.longPollInFlight) longPolls--;
    entry.longPollInFlight = false;
  };

  const abort = (entry: Entry<O>): void => {
    holding.delete(entry);
    if (entry.request === undefined) return;
    const request = entry.request;
    ended(entry);
    request.unsubscribe();
  };

  /**
   * Jobs wait while every slot is taken: long holds that started before anyone waited and have
   * lasted `contendedWait` are stopped (one per waiting job) and their jobs queued again; a
   * long-poll can be sent again later at no cost.
   */
  const handOverNow = (): void => {
    handOver = undefined;
    const now = scheduler.now();
    const hold = mustHold(now);
    if (!hold && freeTokens(now) <= 0) {
      // No token to give the slot to: look again when the oldest comes back.
      handOver = scheduler.schedule(handOverNow, nextReturn(now) - now);
      return;
    }
    let due = hold ? 0 : Math.min(ready, freeTokens(now));
    for (const entry of [...holding]) {
      if (due <= 0) break;
      if (now - entry.holdingSince! < deps.contendedWait) continue;
      abort(entry);
      makeReady(entry);
      due--;
    }
    pump();
  };

  let pumping = false;
  /** The pump that new subscriptions ask for (see `pumpSoon`); any pump that runs first replaces it. */
  let soon: Subscription | undefined;
  /** Starts requests while slots are free and jobs wait. */
  const pump = (): void => {
    if (pumping) return;
    pumping = true;
    soon?.unsubscribe();
    soon = undefined;
    // One reading of the clock for the loop and for what it leaves to wake it: read twice, a token
    // could come back between the two, the loop stop for want of it and the wake-up see it free
    // (a timer can fire a millisecond before `Date.now()` shows its due time): then nothing runs.
    const now = scheduler.now();
    try {
      while (inFlight < deps.slots && ready > 0 && freeTokens(now) > 0) {
        const entry = pick(now);
        if (entry === undefined) break;
        unready(entry);
        start(entry, now);
      }
    } finally {
      pumping = false;
    }
    if (ready > 0 && holding.size > 0) {
      handOver ??= scheduler.schedule(handOverNow, deps.contendedWait);
    } else {
      handOver?.unsubscribe();
      handOver = undefined;
    }
    if (ready > 0 && inFlight < deps.slots && freeTokens(now) <= 0) {
      refill ??= scheduler.schedule(
        () => {
          refill = undefined;
          pump();
        },
        nextReturn(now) - now,
      );
    } else {
      refill?.unsubscribe();
      refill = undefined;
    }
  };

  /**
   * Pumps once the code that subscribes has run to its end (a scheduled action of no delay): a
   * program that subscribes to 10,000 watches in one loop would otherwise have its first requests
   * granted their tokens at the first subscription and sent only after the last one. The server
   * counts a request when it arrives, so the tokens would come back to the follower up to that
   * loop's length (about 250 ms at 10,000) before the server's window lets the request they pay for in.
   */
  const pumpSoon = (): void => {
    soon ??= scheduler.schedule(() => {
      soon = undefined;
      pump();
    });
  };

  const pauseThen = (entry: Entry<O>, ms: number): void => {
    if (ms <= 0) {
      makeReady(entry);
      return;
    }
    paused++;
    entry.pause = scheduler.schedule(() => {
      entry.pause = undefined;
      paused--;
      makeReady(entry);
      pump();
    }, ms);
  };

  /** Sets the last state fetched, keeping the count of running jobs. */
  const setState = (entry: Entry<O>, state: JobState<O> | undefined): void => {
    if (entry.state?.status === 'IN_PROGRESS') runningJobs--;
    entry.state = state;
    if (state?.status === 'IN_PROGRESS') runningJobs++;
    if (state?.status === 'IN_QUEUE') queueSeen = true;
  };

  const remove = (entry: Entry<O>): void => {
    if (entry.ready && entry.state === undefined) unread--;
    if (entries.get(entry.id) === entry) {
      entries.delete(entry.id);
      if (entry.state?.status === 'IN_PROGRESS') runningJobs--;
    }
    unready(entry);
    compact();
    if (entry.pause !== undefined) {
      entry.pause.unsubscribe();
      entry.pause = undefined;
      paused--;
    }
    abort(entry);
  };

  const longPoll = (entry: Entry<O>, wait: number): Observable<JobState<O>> =>
    deps.statusSync(entry.id, wait, entry.deadlineAt).pipe(
      catchError((error: unknown) => {
        const unsupported = isHttpError(error) && (error.status === 405 || error.status === 501);
        if (!unsupported && !isNotFoundError(error)) throw error;
        // 404 is ambiguous (route missing or job unknown): /status decides; its own 404 propagates.
        entry.longPolling = false;
        return deps.status(entry.id, entry.deadlineAt);
      }),
    );

  /** The longest a long-poll for `entry` may hold from `now`: `longPollWait`, or until its deadline. */
  const longestHold = (entry: Entry<O>, now: number): number =>
    Math.max(1, Math.min(deps.longPollWait, entry.deadlineAt - now));

  /**
   * The hold of a long-poll for a job whose state is known. Others wait (or soon will) for a slot
   * this request could free: it holds only long enough for each of them to get a turn within about
   * `contendedWait`, never shorter than that. A hold sized for others runs its course; a long one
   * (nobody waits, no token to spare, or none free) is cut by a hand-over once a token is free and
   * others wait.
   */
  const holdOf = (entry: Entry<O>, now: number): number => {
    const wait = longestHold(entry, now);
    const waiting = ready + paused;
    if (waiting > deps.slots - inFlight - 1 && !mustHold(now) && spareTokens(now) > 0) {
      const share = (deps.contendedWait * deps.slots) / waiting;
      return Math.min(wait, Math.max(deps.contendedWait, share, budgetHold(now)));
    }
    if (wait > deps.contendedWait) {
      entry.holdingSince = now;
      holding.add(entry);
    }
    return wait;
  };

  /** Starts the next request of `entry`, at `startedAt` (the pump's one clock reading). */
  const start = (entry: Entry<O>, startedAt: number): void => {
    const firstRequest = entry.state === undefined;
    const short = !affordsFirstRead(startedAt);
    // While the budget is short, a long-poll for a job not seen running is a guess at the queue's
    // head; in the queue's order, a new entry's first request is one too, held as long as the head's.
    const guess = short && entry.longPolling && entry.state?.status !== 'IN_PROGRESS';
    const firstLongPoll = guess && firstRequest && inQueueOrder();
    if (firstRequest) unread--;
    let wait = 0;
    if (firstLongPoll) wait = Math.max(1, Math.min(headHold, longestHold(entry, startedAt)));
    else if (!firstRequest && entry.longPolling) wait = holdOf(entry, startedAt);
    let request: Observable<JobState<O>>;
    if (wait === 0) {
      request = deps.status(entry.id, entry.deadlineAt);
    } else {
      entry.lastLongPoll = startedAt;
      entry.longPollInFlight = true;
      longPolls++;
      request = longPoll(entry, wait);
    }
    let settled = false;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      ended(entry);
      return true;
    };
    inFlight++;
    const subscription = request.subscribe({
      next: (state) => {
        if (!settle()) return;
        if (guess && wait > 0) countGuess(isTerminal(state) && scheduler.now() - startedAt <= headHold);
        answer(entry, state, startedAt, wait);
      },
      error: (error: unknown) => {
        if (!settle()) return;
        remove(entry);
        for (const subscriber of [...entry.subscribers]) subscriber.error(error);
        pump();
      },
      complete: () => undefined,
    });
    if (!settled) entry.request = subscription;
  };

  const answer = (entry: Entry<O>, state: JobState<O>, startedAt: number, wait: number): void => {
    const previous = entry.state;
    setState(entry, state);
    const terminal = isTerminal(state);
    const changed = previous === undefined || !sameState(state, previous);
    if (terminal) remove(entry);
    if (changed || terminal) {
      for (const subscriber of [...entry.subscribers]) {
        subscriber.next(state);
        if (terminal) subscriber.complete();
      }
    }
    if (!terminal && entries.get(entry.id) === entry) {
      const backoff = (entry.backoff ??= createGrowingDelay(deps.polling));
      if (!entry.longPolling) {
        if (changed) backoff.reset();
        pauseThen(entry, backoff.next());
      } else if (
        previous !== undefined &&
        !changed &&
        scheduler.now() - startedAt < Math.min(wait, QUICK_ANSWER_MS) &&
        wait > 0
      ) {
        // A server that answers at once with nothing new would make this a hot loop: back off.
        pauseThen(entry, backoff.next());
      } else {
        // At most ten long-polls a second per job, however quickly the answers change.
        const gap = entry.lastLongPoll === undefined ? 0 : entry.lastLongPoll + MIN_REQUEST_GAP_MS - scheduler.now();
        pauseThen(entry, gap);
      }
    }
    pump();
  };

  /** `subscriber` leaves `entry`: the last one to leave ends the job's following. */
  const leave = (entry: Entry<O>, subscriber: Subscriber<JobState<O>>): void => {
    const index = entry.subscribers.indexOf(subscriber);
    if (index === -1) return;
    entry.subscribers = entry.subscribers.filter((_, i) => i !== index);
    if (entry.subscribers.length === 0) {
      remove(entry);
      pump();
      return;
    }
    const deadlines = entry.deadlines!.filter((_, i) => i !== index);
    entry.deadlines = deadlines.length > 1 ? deadlines : undefined;
    entry.deadlineAt = Math.max(...deadlines);
  };

  /**
   * A subscription's teardown: an object rather than a closure, so that no closure context of
   * `follow` stays alive per followed job (about 130 bytes each).
   */
  class Leave implements Unsubscribable {
    constructor(
      private readonly entry: Entry<O>,
      private readonly subscriber: Subscriber<JobState<O>>,
    ) {}

    unsubscribe(): void {
      leave(this.entry, this.subscriber);
    }
  }

  const follow = (id: string, first: JobState<O> | undefined, deadlineAt: number): Observable<JobState<O>> =>
    new Observable<JobState<O>>((subscriber) => {
      let entry = entries.get(id);
      const known = first ?? entry?.state;
      if (known !== undefined) {
        subscriber.next(known);
        if (subscriber.closed) return; // it took what it wanted: nothing to follow
        if (isTerminal(known)) {
          subscriber.complete();
          return;
        }
      }
      if (entry === undefined) {
        entry = {
          id,
          seq: seq++,
          state: undefined,
          subscribers: [subscriber],
          deadlines: undefined,
          deadlineAt,
          ready: false,
          stamp: 0,
          request: undefined,
          longPollInFlight: false,
          pause: undefined,
          holdingSince: undefined,
          longPolling: true,
          lastLongPoll: undefined,
          backoff: undefined,
        };
        entries.set(id, entry);
        setState(entry, known);
        if (known === undefined) unread++;
        makeReady(entry);
      } else {
        entry.subscribers = [...entry.subscribers, subscriber];
        entry.deadlines = [...(entry.deadlines ?? [entry.deadlineAt]), deadlineAt];
        entry.deadlineAt = Math.max(entry.deadlineAt, deadlineAt);
      }
      pumpSoon();
      return new Leave(entry, subscriber);
    });

  return { follow, followed: () => entries.size, inFlight: () => inFlight };
}
