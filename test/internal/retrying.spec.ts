/**
 * `retrying`, the one retry loop behind the client's built-in retries and `retryOnThrottle`:
 * attempt numbers, which errors pass through, the deadline, and what unsubscribing leaves behind.
 */
import { throwError } from 'rxjs';
import { retrying } from '../../src/internal/retry-with-backoff';
import { createTestScheduler } from '../helpers/test-scheduler';

const transient = new Error('transient');
const fatal = new Error('fatal');

function policyOn(scheduler: ReturnType<typeof createTestScheduler>, count = 3) {
  return {
    count,
    baseDelay: 100,
    maxDelay: 1_000,
    maxRetryAfter: 60_000,
    // full jitter at 0.5: 50, 100, 200 ms
    random: () => 0.5,
    scheduler,
    shouldRetry: (error: unknown) => error === transient,
  };
}

describe('retrying', () => {
  it('passes each attempt its number and waits the backoff between them', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      const attempts: number[] = [];
      const source = retrying((n) => {
        attempts.push(n);
        return n < 2 ? cold('-#', undefined, transient) : cold('-a|');
      }, policyOn(rx));
      // 1 ms, 50 ms wait, 1 ms, 100 ms wait, then a at 1 ms
      expectObservable(source).toBe('153ms a|');
      rx.flush();
      expect(attempts).toEqual([0, 1, 2]);
    });
  });

  it('lets through an error shouldRetry rejects, and the error after the last retry', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      expectObservable(retrying(() => cold('-#', undefined, fatal), policyOn(rx))).toBe('-#', undefined, fatal);
      expectObservable(retrying(() => cold('-#', undefined, transient), policyOn(rx, 1))).toBe(
        '52ms #',
        undefined,
        transient,
      );
    });
  });

  it('lets the error through when the wait would end after deadlineAt, and tells onRetry of the others', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      const told: Array<[number, number]> = [];
      const source = retrying(() => cold('-#', undefined, transient), policyOn(rx, Infinity), {
        deadlineAt: 100,
        onRetry: (_error, retryNumber, delayMs) => told.push([retryNumber, delayMs]),
      });
      // 1 + 50 + 1 = 52; 52 + 100 > 100: the second retry would end past the deadline
      expectObservable(source).toBe('52ms #', undefined, transient);
      rx.flush();
      expect(told).toEqual([[1, 50]]);
    });
  });

  it('starts counting afresh after a value with resetOnSuccess', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      const attempts: number[] = [];
      const source = retrying(
        (n) => {
          attempts.push(n);
          return attempts.length < 4 ? cold('-a#', undefined, transient) : cold('-#', undefined, transient);
        },
        { ...policyOn(rx, 1), resetOnSuccess: true },
      );
      // one retry allowed, yet three happen: each value gives the count back
      expectObservable(source).toBe('-a 50ms -a 50ms -a 50ms -#', undefined, transient);
      rx.flush();
      expect(attempts).toEqual([0, 1, 1, 1]);
    });
  });

  it('leaves no retry scheduled when unsubscribed after an attempt that failed at once', () => {
    const rx = createTestScheduler();
    let attempts = 0;
    const subscription = retrying(() => {
      attempts++;
      return throwError(() => transient);
    }, policyOn(rx)).subscribe({ error: () => undefined });
    subscription.unsubscribe();
    rx.flush();
    expect(attempts).toBe(1);
  });

  it('cancels the wait when unsubscribed during it', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      let attempts = 0;
      const source = retrying(() => {
        attempts++;
        return cold('-#', undefined, transient);
      }, policyOn(rx));
      expectObservable(source, '^ 20ms !').toBe('-');
      rx.flush();
      expect(attempts).toBe(1);
    });
  });
});
