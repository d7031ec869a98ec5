import {
  Observable,
  type MonoTypeOperatorFunction,
  type SchedulerLike,
  type Subscriber,
  type Subscription,
  type Unsubscribable,
} from 'rxjs';
import { MinHeap } from './min-heap.js';

/**
 * One subscription's deadline: the heap's item and the subscription's teardown in one object, so
 * that a pending deadline keeps no closures (and their contexts) alive: with 100,000 jobs
 * followed under a timeout, about 250 bytes each.
 */
class Deadline<T> implements Unsubscribable {
  live = true;

  constructor(
    readonly at: number,
    private readonly subscriber: Subscriber<T>,
    private readonly makeError: () => Error,
    private readonly cancelled: (deadline: Deadline<T>) => void,
  ) {}

  fire(): void {
    this.subscriber.error(this.makeError());
  }

  unsubscribe(): void {
    if (!this.live) return;
    this.live = false;
    this.cancelled(this);
  }
}

/**
 * The deadlines of one endpoint object on ONE scheduler timer, armed for the earliest: with
 * 100,000 jobs followed, one timer instead of 100,000.
 */
export interface DeadlineBoard {
  /**
   * Like `withDeadline`: errors with `makeError()` if the source has not completed `ms` after
   * subscription; `Infinity` means no deadline.
   */
  within<T>(ms: number, makeError: () => Error): MonoTypeOperatorFunction<T>;
  /** Deadlines still pending. */
  pending(): number;
}

/** Creates a {@link DeadlineBoard} on `scheduler`'s clock. */
export function createDeadlineBoard(scheduler: SchedulerLike): DeadlineBoard {
  const heap = new MinHeap<Deadline<unknown>>((a, b) => a.at < b.at);
  let live = 0;
  let timer: Subscription | undefined;
  let timerAt: number | undefined;

  /** Drops cancelled deadlines from the top, fires those due, and arms the timer for the next. */
  const settle = (): void => {
    for (;;) {
      const top = heap.peek();
      if (top === undefined || live === 0) break;
      if (!top.live) {
        heap.pop();
        continue;
      }
      if (top.at > scheduler.now()) break;
      heap.pop();
      top.live = false;
      live--;
      top.fire();
    }
    if (live === 0 && heap.size > 0) heap.retain(() => false);
    const next = heap.peek()?.at;
    if (next === timerAt) return;
    timer?.unsubscribe();
    timer = undefined;
    timerAt = next;
    if (next !== undefined) {
      timer = scheduler.schedule(() => {
        timer = undefined;
        timerAt = undefined;
        settle();
      }, next - scheduler.now());
    }
  };

  /** A deadline whose subscription ended first. */
  const cancelled = (deadline: Deadline<unknown>): void => {
    live--;
    if (heap.size > 1024 && heap.size > 2 * live) heap.retain((d) => d.live);
    if (live === 0 || heap.peek() === deadline) settle();
  };

  return {
    within:
      <T>(ms: number, makeError: () => Error): MonoTypeOperatorFunction<T> =>
      (source) =>
        ms === Infinity
          ? source
          : new Observable<T>((subscriber) => {
              const deadline = new Deadline<T>(scheduler.now() + ms, subscriber, makeError, cancelled);
              heap.push(deadline as Deadline<unknown>);
              live++;
              // The source's teardown goes to `subscriber` itself; the deadline's goes after it.
              source.subscribe(subscriber);
              settle();
              return deadline;
            }),
    pending: () => live,
  };
}
