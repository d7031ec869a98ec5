import { Observable, type MonoTypeOperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';
import { MinHeap } from './min-heap.js';

interface Deadline {
  readonly at: number;
  readonly fire: () => void;
  live: boolean;
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
  const heap = new MinHeap<Deadline>((a, b) => a.at < b.at);
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

  return {
    within:
      <T>(ms: number, makeError: () => Error): MonoTypeOperatorFunction<T> =>
      (source) =>
        ms === Infinity
          ? source
          : new Observable<T>((subscriber) => {
              const deadline: Deadline = {
                at: scheduler.now() + ms,
                fire: () => subscriber.error(makeError()),
                live: true,
              };
              heap.push(deadline);
              live++;
              const subscription = source.subscribe(subscriber);
              settle();
              return () => {
                subscription.unsubscribe();
                if (!deadline.live) return;
                deadline.live = false;
                live--;
                if (heap.size > 1024 && heap.size > 2 * live) heap.retain((d) => d.live);
                if (live === 0 || heap.peek() === deadline) settle();
              };
            }),
    pending: () => live,
  };
}
