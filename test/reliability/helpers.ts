import { inspect } from 'node:util';
import v8 from 'node:v8';
import vm from 'node:vm';
import { asyncScheduler, Observable, type SchedulerAction, type SchedulerLike, type Subscription } from 'rxjs';
import type { HttpRequest, HttpResponse, Transport } from 'runpod-rx';

/**
 * The real `process`: jest gives each spec a copy whose event listeners never hear the real
 * process events (an unhandled rejection, for one). `vm.runInThisContext` evaluates in Node's
 * main context, where `process` is the real one.
 */
export const realProcess = vm.runInThisContext('process') as NodeJS.Process;

/** Counts unhandled rejections on the real process between `start()` and `stop()`. */
export function unhandledRejections(): { start(): void; stop(): unknown[] } {
  const seen: unknown[] = [];
  const listener = (reason: unknown) => seen.push(reason);
  return {
    start: () => realProcess.on('unhandledRejection', listener),
    stop: () => {
      realProcess.off('unhandledRejection', listener);
      return seen;
    },
  };
}

/** Everything a value can show of itself: inspection (hidden fields too), JSON, message, stack, `String()`. */
export function everyText(value: unknown): string {
  const parts = [inspect(value, { depth: 12, showHidden: true, getters: true })];
  try {
    parts.push(JSON.stringify(value) ?? '');
  } catch (error) {
    parts.push(String(error));
  }
  if (value instanceof Error) {
    parts.push(value.message, value.stack ?? '', String(value));
    const cause = (value as { cause?: unknown }).cause;
    if (cause !== undefined) parts.push(everyText(cause));
  }
  return parts.join('\n');
}

/** A garbage collection, from inside jest (which does not start node with --expose-gc). */
export const gc: () => void = (() => {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
})();

/** Heap in use after two full collections, in bytes. */
export function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Live handles by kind (`Timeout`, `TCPSocketWrap`, …), as Node reports them. */
export function resourceCounts(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of realProcess.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

/** Waits (real time) until `condition()` holds, or throws after `ms`. */
export async function eventually(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`still not true after ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** What a subscription produced: every value, then how it ended. */
export interface Outcome<T> {
  readonly values: T[];
  readonly error?: unknown;
  readonly completed: boolean;
}

/** Subscribes and resolves when the observable completes or errors (never rejects). */
export function outcome<T>(source: Observable<T>): Promise<Outcome<T>> {
  return new Promise((resolve) => {
    const values: T[] = [];
    source.subscribe({
      next: (value) => values.push(value),
      error: (error: unknown) => resolve({ values, error, completed: false }),
      complete: () => resolve({ values, completed: true }),
    });
  });
}

/**
 * A scripted transport that logs nothing (so that memory measurements see only the client) and
 * counts the exchanges that are open: subscribed to and neither answered, failed nor torn down.
 */
export function countingTransport(answer: (request: HttpRequest) => Observable<HttpResponse>): {
  readonly transport: Transport;
  readonly open: () => number;
  readonly sent: () => number;
} {
  let open = 0;
  let sent = 0;
  const transport: Transport = (request) =>
    new Observable<HttpResponse>((subscriber) => {
      sent += 1;
      open += 1;
      let closed = false;
      const close = () => {
        if (!closed) {
          closed = true;
          open -= 1;
        }
      };
      const subscription = answer(request).subscribe({
        next: (response) => subscriber.next(response),
        error: (error: unknown) => {
          close();
          subscriber.error(error);
        },
        complete: () => {
          close();
          subscriber.complete();
        },
      });
      return () => {
        close();
        subscription.unsubscribe();
      };
    });
  return { transport, open: () => open, sent: () => sent };
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` at once. */
export async function pool(count: number, concurrency: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const index = next++;
      await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
}

/**
 * The asyncScheduler, counting the actions scheduled through it that have neither run nor been
 * cancelled: every timer, deadline, backoff and poll delay of an endpoint goes through its
 * scheduler, so `live()` is exactly how many of its timers are pending.
 */
export function countingScheduler(): { readonly scheduler: SchedulerLike; live(): number; scheduled(): number } {
  let live = 0;
  let scheduled = 0;
  const scheduler: SchedulerLike = {
    now: () => asyncScheduler.now(),
    schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay?: number, state?: T): Subscription {
      live += 1;
      scheduled += 1;
      let pending = true;
      const settle = () => {
        if (pending) {
          pending = false;
          live -= 1;
        }
      };
      const subscription = asyncScheduler.schedule(
        function (this: SchedulerAction<T>, value?: T) {
          settle();
          work.call(this, value);
        },
        delay,
        state,
      );
      subscription.add(settle);
      return subscription;
    },
  };
  return { scheduler, live: () => live, scheduled: () => scheduled };
}
