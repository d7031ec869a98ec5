import { Observable, type SchedulerLike, type Subscription } from 'rxjs';

/** How a piece of work asks for a slot. */
export interface SlotRequest<T> {
  /**
   * The work, subscribed once a slot is free. `contended` is true when others were waiting at
   * that moment, so a long-poll can choose a short wait and hand the slot on sooner.
   */
  readonly work: (contended: boolean) => Observable<T>;
  /**
   * Whether the work may be stopped and queued again when others wait (only for reads that can
   * be repeated at no cost, such as long-polls): the subscriber sees a later answer, nothing else.
   */
  readonly preemptible: boolean;
}

/** A concurrency limit shared by every request of one route group. */
export interface SlotPool {
  /** Cold: queues on subscribe (FIFO), frees the slot on complete, error or unsubscribe. */
  run<T>(request: SlotRequest<T>): Observable<T>;
}

interface Ticket {
  readonly request: SlotRequest<unknown>;
  readonly start: (contended: boolean) => Subscription;
  startedAt: number;
  contendedStart: boolean;
  inner?: Subscription;
}

/**
 * At most `max` requests run at once; the others wait in FIFO order. While requests wait, every
 * `handOverAfter` ms the pool stops preemptible requests that started uncontended and have held
 * their slot that long (one per waiter) and queues them again, so a long-poll of 90 s cannot keep
 * the queue waiting: under contention, slots turn over every `handOverAfter` ms.
 */
export function createSlotPool(max: number, handOverAfter: number, scheduler: SchedulerLike): SlotPool {
  const running = new Set<Ticket>();
  const waiting: Ticket[] = [];
  let sweep: Subscription | undefined;

  const startNext = () => {
    while (running.size < max && waiting.length > 0) {
      const ticket = waiting.shift()!;
      running.add(ticket);
      ticket.startedAt = scheduler.now();
      ticket.contendedStart = waiting.length > 0;
      ticket.inner = ticket.start(ticket.contendedStart);
    }
    if (waiting.length === 0) {
      sweep?.unsubscribe();
      sweep = undefined;
    } else {
      sweep ??= scheduler.schedule(handOver, handOverAfter);
    }
  };

  function handOver(): void {
    sweep = undefined;
    const now = scheduler.now();
    const due = [...running].filter(
      (t) => t.request.preemptible && !t.contendedStart && now - t.startedAt >= handOverAfter,
    );
    for (const ticket of due.slice(0, waiting.length)) {
      running.delete(ticket);
      ticket.inner?.unsubscribe();
      waiting.push(ticket);
    }
    startNext();
  }

  return {
    run: <T>(request: SlotRequest<T>) =>
      new Observable<T>((subscriber) => {
        const ticket: Ticket = {
          request: request as SlotRequest<unknown>,
          startedAt: 0,
          contendedStart: false,
          start: (contended) =>
            request.work(contended).subscribe({
              next: (value) => subscriber.next(value),
              error: (error: unknown) => {
                release();
                subscriber.error(error);
              },
              complete: () => {
                release();
                subscriber.complete();
              },
            }),
        };
        const release = () => {
          if (running.delete(ticket)) startNext();
        };
        waiting.push(ticket);
        startNext();
        return () => {
          ticket.inner?.unsubscribe();
          const queued = waiting.indexOf(ticket);
          if (queued !== -1) waiting.splice(queued, 1);
          release();
          if (waiting.length === 0) startNext();
        };
      }),
  };
}
