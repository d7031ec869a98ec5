import { defer, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { ConfigError, HttpError, isNetworkError, NetworkError, ThrottledError } from 'runpod-rx';
import { retryOnThrottle } from 'runpod-rx/operators';
import { createFakeEndpoint, json, throttled as throttledResponse } from 'runpod-rx/testing';
import { createTestScheduler } from '../helpers/test-scheduler';

const info = { method: 'GET', path: '/ep/health' };
/** A 429 as the client reports it: `Retry-After` already parsed into ms (undefined when absent). */
const throttled = (retryAfterMs?: number) => new ThrottledError(info, retryAfterMs);
/** Subscribes to `attempts[0]`, then `attempts[1]`, … one per (re)subscription. */
const inTurn = <T>(attempts: Observable<T>[]) => {
  let n = 0;
  return defer(() => attempts[Math.min(n++, attempts.length - 1)]);
};

describe('retryOnThrottle', () => {
  let rx: TestScheduler;
  beforeEach(() => {
    rx = createTestScheduler();
  });

  it('waits Retry-After (5 ms) before each resubscription, and lets the error through after count retries', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('--#', undefined, throttled(5));
      expectObservable(source.pipe(retryOnThrottle({ count: 2, scheduler: rx }))).toBe(
        '16ms #',
        undefined,
        throttled(5),
      );
      expectSubscriptions(source.subscriptions).toBe(['^-!', '-------^-!', '--------------^-!']);
    });
  });

  it('honours Retry-After given in seconds ("2" → 2000 ms), then mirrors the successful attempt', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const first = cold('-#', undefined, throttled(2000));
      const second = cold('-a-b|');
      expectObservable(inTurn([first, second]).pipe(retryOnThrottle({ scheduler: rx }))).toBe('- 2000ms -a-b|');
      expectSubscriptions(first.subscriptions).toBe('^!');
      expectSubscriptions(second.subscriptions).toBe('- 2000ms ^---!');
    });
  });

  it('honours Retry-After given as an HTTP date (5 s after the epoch, read at 0 → 5000 ms)', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const first = cold('#', undefined, throttled(5000));
      const second = cold('a|');
      expectObservable(inTurn([first, second]).pipe(retryOnThrottle({ scheduler: rx }))).toBe('5s a|');
      expectSubscriptions(first.subscriptions).toBe('(^!)');
      expectSubscriptions(second.subscriptions).toBe('5s ^!');
    });
  });

  it('end to end: a real 429 with Retry-After as an HTTP date from a fake endpoint (client retries off)', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions, flush }) => {
      const health = {
        jobs: { completed: 0, failed: 0, inProgress: 0, inQueue: 0, retried: 0 },
        workers: { idle: 1, running: 0 },
      };
      const answer429 = cold('-r|', { r: throttledResponse('Thu, 01 Jan 1970 00:00:05 GMT') });
      const answerOk = cold('-r|', { r: json(health) });
      const fake = createFakeEndpoint({
        scheduler: rx,
        config: { retry: false },
        handler: (_request, n) => (n === 0 ? answer429 : answerOk),
      });
      // The 429 arrives at 1 ms: the date is 4999 ms away, so the retry goes out at 5000 ms.
      expectObservable(fake.endpoint.health().pipe(retryOnThrottle({ scheduler: rx }))).toBe('5001ms (h|)', {
        h: health,
      });
      expectSubscriptions(answer429.subscriptions).toBe('^!');
      expectSubscriptions(answerOk.subscriptions).toBe('5s ^!');
      flush();
      expect(fake.requests.map((r) => `${r.at} ${r.path} ${r.state}`)).toEqual([
        '0 /ep/health answered',
        '5000 /ep/health answered',
      ]);
      fake.verify();
    });
  });

  it('end to end: Retry-After in seconds through the fake endpoint', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const answer429 = cold('-r|', { r: throttledResponse(2) });
      const answerOk = cold('-r|', { r: json({ id: 'j1', status: 'IN_QUEUE' }) });
      const fake = createFakeEndpoint({
        scheduler: rx,
        config: { retry: false },
        handler: (_request, n) => (n === 0 ? answer429 : answerOk),
      });
      expectObservable(fake.endpoint.run({ input: 1 }).pipe(retryOnThrottle({ scheduler: rx }))).toBe(
        '- 2000ms -(a|)',
        { a: { id: 'j1', status: 'IN_QUEUE' } },
      );
      expectSubscriptions(answer429.subscriptions).toBe('^!');
      expectSubscriptions(answerOk.subscriptions).toBe('- 2000ms ^!');
    });
  });

  it('caps Retry-After at maxRetryAfter (default 60 s)', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('#', undefined, throttled(3_600_000));
      expectObservable(source.pipe(retryOnThrottle({ count: 1, scheduler: rx }))).toBe(
        '60s #',
        undefined,
        throttled(3_600_000),
      );
      expectSubscriptions(source.subscriptions).toBe(['(^!)', '60s (^!)']);

      const capped = cold('#', undefined, throttled(30_000));
      expectObservable(capped.pipe(retryOnThrottle({ count: 1, maxRetryAfter: 1000, scheduler: rx }))).toBe(
        '1s #',
        undefined,
        throttled(30_000),
      );
      expectSubscriptions(capped.subscriptions).toBe(['(^!)', '1s (^!)']);
    });
  });

  it('without Retry-After: full jitter, random = 0 retries at once', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-#', undefined, throttled());
      expectObservable(source.pipe(retryOnThrottle({ random: () => 0, scheduler: rx }))).toBe(
        '----#',
        undefined,
        throttled(),
      );
      expectSubscriptions(source.subscriptions).toBe(['^!', '-^!', '--^!', '---^!']);
    });
  });

  it('without Retry-After: full jitter, random = 0.999 stays below each ceiling (500, 1000, 2000 ms)', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-#', undefined, throttled());
      expectObservable(source.pipe(retryOnThrottle({ random: () => 0.999, scheduler: rx }))).toBe(
        '- 499ms - 999ms - 1998ms -#',
        undefined,
        throttled(),
      );
      expectSubscriptions(source.subscriptions).toBe([
        '^!',
        '- 499ms ^!',
        '- 499ms - 999ms ^!',
        '- 499ms - 999ms - 1998ms ^!',
      ]);
    });
  });

  it('caps the backoff ceiling at maxDelay and follows baseDelay', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-#', undefined, throttled());
      const operator = retryOnThrottle({ count: 4, baseDelay: 100, maxDelay: 300, random: () => 0.999, scheduler: rx });
      // ceilings 100, 200, 300 (capped), 300: delays 99, 199, 299, 299
      expectObservable(source.pipe(operator)).toBe('- 99ms - 199ms - 299ms - 299ms -#', undefined, throttled());
      expectSubscriptions(source.subscriptions).toBe([
        '^!',
        '- 99ms ^!',
        '- 99ms - 199ms ^!',
        '- 99ms - 199ms - 299ms ^!',
        '- 99ms - 199ms - 299ms - 299ms ^!',
      ]);
    });
  });

  it('lets any other error through at once, without resubscribing', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const error = new HttpError(info, 500, 'boom');
      const source = cold('-a-#', undefined, error);
      expectObservable(source.pipe(retryOnThrottle({ scheduler: rx }))).toBe('-a-#', undefined, error);
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('retryOn widens what is retried (with backoff, never Retry-After)', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const reset = new NetworkError('network error: ECONNRESET', false);
      const first = cold('-#', undefined, reset);
      const second = cold('-a|');
      const operator = retryOnThrottle({ retryOn: isNetworkError, random: () => 0.5, scheduler: rx });
      expectObservable(inTurn([first, second]).pipe(operator)).toBe('- 250ms -a|');
      expectSubscriptions(first.subscriptions).toBe('^!');
      expectSubscriptions(second.subscriptions).toBe('- 250ms ^-!');
    });
  });

  it('re-emits the values of every attempt (resubscribing re-runs the source)', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a#', undefined, throttled(3));
      expectObservable(source.pipe(retryOnThrottle({ count: 1, scheduler: rx }))).toBe(
        'a 3ms a#',
        undefined,
        throttled(3),
      );
      expectSubscriptions(source.subscriptions).toBe(['^!', '- 3ms ^!']);
    });
  });

  it('unsubscribing during the wait stops the timer: no resubscription', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-#', undefined, throttled(100));
      expectObservable(source.pipe(retryOnThrottle({ scheduler: rx })), '^ 49ms !').toBe('');
      expectSubscriptions(source.subscriptions).toBe('^!');
    });
  });

  it('unsubscribing during an attempt unsubscribes the source', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-#', undefined, throttled(10));
      const slow = cold('1m a|');
      expectObservable(inTurn([source, slow]).pipe(retryOnThrottle({ scheduler: rx })), '^ 29ms !').toBe('');
      expectSubscriptions(source.subscriptions).toBe('^!');
      expectSubscriptions(slow.subscriptions).toBe('- 10ms ^ 18ms !');
    });
  });

  it('count 0 never retries', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-#', undefined, throttled(1));
      expectObservable(source.pipe(retryOnThrottle({ count: 0, scheduler: rx }))).toBe('-#', undefined, throttled(1));
      expectSubscriptions(source.subscriptions).toBe('^!');
    });
  });

  it('resetOnSuccess counts retries afresh after a value', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const a = cold('-#', undefined, throttled(1));
      const b = cold('-a#', undefined, throttled(1));
      const c = cold('-b|');
      const operator = retryOnThrottle({ count: 1, resetOnSuccess: true, scheduler: rx });
      expectObservable(inTurn([a, b, c]).pipe(operator)).toBe('---a--b|');
      expectSubscriptions(a.subscriptions).toBe('^!');
      expectSubscriptions(b.subscriptions).toBe('--^-!');
      expectSubscriptions(c.subscriptions).toBe('-----^-!');

      // the same attempts without resetOnSuccess: b's error is the second, one too many
      const a2 = cold('-#', undefined, throttled(1));
      const b2 = cold('-a#', undefined, throttled(1));
      expectObservable(inTurn([a2, b2]).pipe(retryOnThrottle({ count: 1, scheduler: rx }))).toBe(
        '---a#',
        undefined,
        throttled(1),
      );
      expectSubscriptions(a2.subscriptions).toBe('^!');
      expectSubscriptions(b2.subscriptions).toBe('--^-!');
    });
  });

  it('tells onRetry the error, the retry number and the delay', () => {
    const calls: unknown[] = [];
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-#', undefined, throttled(7));
      const operator = retryOnThrottle({ count: 2, scheduler: rx, onRetry: (e, n, ms) => calls.push([e, n, ms]) });
      expectObservable(source.pipe(operator)).toBe('- 7ms - 7ms -#', undefined, throttled(7));
      expectSubscriptions(source.subscriptions).toBe(['^!', '- 7ms ^!', '- 7ms - 7ms ^!']);
    });
    expect(calls).toEqual([
      [throttled(7), 1, 7],
      [throttled(7), 2, 7],
    ]);
  });

  it.each([
    [{ count: -1 }, 'retryOnThrottle: count must be a whole number ≥ 0'],
    [{ count: 1.5 }, 'retryOnThrottle: count must be a whole number ≥ 0'],
    [{ baseDelay: -1 }, 'retryOnThrottle: baseDelay must be a non-negative number of ms, at most 2147483647'],
    [
      { maxRetryAfter: Infinity },
      'retryOnThrottle: maxRetryAfter must be a non-negative number of ms, at most 2147483647',
    ],
  ])('invalid config %j is refused when the operator is created, with ConfigError', (config, message) => {
    expect(() => retryOnThrottle(config)).toThrow(new ConfigError(message));
  });
});
