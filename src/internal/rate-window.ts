import { Observable, type SchedulerLike, type Subscription } from 'rxjs';
import { createSpentTokens } from './spent-tokens.js';

/**
 * A sliding-window limiter of one rate bucket: at most `limit` grants in any `hold`-long stretch
 * of time; every spent token comes back exactly `hold` ms after it was spent. Waiters are served
 * first come, first served.
 */
export interface RateWindow {
  /** Tokens allowed per window (`Infinity`: unlimited). */
  readonly limit: number;
  /**
   * Waits for a token: emits the grant time (scheduler clock) once, then completes. Unsubscribing
   * before the grant gives up the place in the queue; a granted token is spent, whatever follows.
   */
  acquire(): Observable<number>;
  /** Tokens spent within the window that ends at `now` (the scheduler's clock by default). */
  used(now?: number): number;
  /** When the oldest token spent by `now` comes back, or `undefined` when none is out. */
  nextReturn(now?: number): number | undefined;
  /** Subscribers waiting for a token. */
  waiting(): number;
}

/**
 * How much longer than its window a spent token stays spent by default: 2 %. A server counts
 * requests when they arrive, a little after the token was spent; without a margin, a request that
 * took longer to arrive than the one that replaces it would put two into one server window.
 */
export function defaultMargin(window: number): number {
  return Math.round(window * 0.02);
}

interface Ticket {
  state: 'waiting' | 'granted' | 'abandoned';
  readonly grant: (at: number) => void;
}

/**
 * Creates a {@link RateWindow}. Used by the client's cancel queue and by the operators' request
 * budget, one per rate bucket.
 */
export function createRateWindow(limit: number, hold: number, scheduler: SchedulerLike): RateWindow {
  const grants = createSpentTokens(hold);
  let queue: Ticket[] = [];
  let queueHead = 0;
  let waiting = 0;
  let pumping = false;
  let timer: Subscription | undefined;
  let timerDue: number | undefined;

  const stopTimer = (): void => {
    timer?.unsubscribe();
    timer = undefined;
    timerDue = undefined;
  };

  /** Grants tokens to waiters while there are some, then sleeps until the oldest grant expires. */
  const pump = (): void => {
    if (pumping) return; // a grant re-entered: the loop below picks the newcomer up
    pumping = true;
    try {
      while (queueHead < queue.length) {
        const ticket = queue[queueHead];
        if (ticket.state !== 'waiting') {
          queueHead++;
          continue;
        }
        const now = scheduler.now();
        if (limit !== Infinity) {
          if (grants.count(now) >= limit) {
            const due = grants.nextReturn(now)!;
            if (timerDue !== due) {
              stopTimer();
              timerDue = due;
              timer = scheduler.schedule(() => {
                timer = undefined;
                timerDue = undefined;
                pump();
              }, due - now);
            }
            return;
          }
          grants.spend(now);
        }
        queueHead++;
        waiting--;
        ticket.state = 'granted';
        ticket.grant(now);
      }
      queue = [];
      queueHead = 0;
      stopTimer();
    } finally {
      pumping = false;
    }
  };

  return {
    limit,
    acquire: () =>
      new Observable<number>((subscriber) => {
        const ticket: Ticket = {
          state: 'waiting',
          grant: (at) => {
            subscriber.next(at);
            subscriber.complete();
          },
        };
        queue.push(ticket);
        waiting++;
        pump();
        return () => {
          if (ticket.state !== 'waiting') return;
          ticket.state = 'abandoned';
          waiting--;
          if (waiting === 0) {
            stopTimer();
            queue = [];
            queueHead = 0;
          }
        };
      }),
    used: (now = scheduler.now()) => grants.count(now),
    nextReturn: (now = scheduler.now()) => grants.nextReturn(now),
    waiting: () => waiting,
  };
}
