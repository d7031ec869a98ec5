import { catchError, EMPTY, map, mergeMap, of, range, reduce, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { ConfigError, HttpError, isThrottledError, type RouteName } from 'runpod-rx';
import { createRequestBudget, fanOut, type FanOutResult } from 'runpod-rx/operators';
import { completedJob, createFakeEndpoint, endlessJob } from 'runpod-rx/testing';
import { createTestScheduler } from '../helpers/test-scheduler';

const value = <T>(index: number, item: T, v: unknown): FanOutResult<T, unknown> => ({
  kind: 'value',
  index,
  item,
  value: v,
});

describe('fanOut', () => {
  let rx: TestScheduler;
  beforeEach(() => {
    rx = createTestScheduler();
  });

  it('waits for a token before each item: 2 per 10 ms, so c and d start at 10', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const budget = createRequestBudget({ limits: { run: 2 }, window: 10, scheduler: rx, margin: 0 });
      const source = cold('(abcd|)');
      const work = { a: cold('-(r|)'), b: cold('-(r|)'), c: cold('-(r|)'), d: cold('-(r|)') };
      const result = source.pipe(fanOut((item: string) => work[item as keyof typeof work], { concurrency: 2, budget }));
      expectObservable(result).toBe('-(AB) 6ms (CD|)', {
        A: value(0, 'a', 'r'),
        B: value(1, 'b', 'r'),
        C: value(2, 'c', 'r'),
        D: value(3, 'd', 'r'),
      });
      expectSubscriptions(source.subscriptions).toBe('(^!)');
      expectSubscriptions(work.a.subscriptions).toBe('^!');
      expectSubscriptions(work.b.subscriptions).toBe('^!');
      expectSubscriptions(work.c.subscriptions).toBe('10ms ^!');
      expectSubscriptions(work.d.subscriptions).toBe('10ms ^!');
    });
  });

  it('caps the projections running at once at `concurrency`', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('(abc|)');
      const work = { a: cold('--(x|)'), b: cold('----(y|)'), c: cold('-(z|)') };
      const result = source.pipe(
        fanOut((item: string) => work[item as keyof typeof work], { concurrency: 2, scheduler: rx }),
      );
      // c starts when a finishes (2), before b: results come in completion order, tagged with their index
      expectObservable(result).toBe('--AC(B|)', {
        A: value(0, 'a', 'x'),
        B: value(1, 'b', 'y'),
        C: value(2, 'c', 'z'),
      });
      expectSubscriptions(work.a.subscriptions).toBe('^-!');
      expectSubscriptions(work.b.subscriptions).toBe('^---!');
      expectSubscriptions(work.c.subscriptions).toBe('--^!');
    });
  });

  it('reports an item that fails as a value, and goes on with the others', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const error = new HttpError({ method: 'POST', path: '/ep/run' }, 500, 'boom');
      const source = cold('(ab|)');
      const work = { a: cold('-#', undefined, error), b: cold('--(r|)') };
      const result = source.pipe(fanOut((item: string) => work[item as keyof typeof work], { scheduler: rx }));
      expectObservable(result).toBe('-E(B|)', {
        E: { kind: 'error', index: 0, item: 'a', error },
        B: value(1, 'b', 'r'),
      });
      expectSubscriptions(work.a.subscriptions).toBe('^!');
      expectSubscriptions(work.b.subscriptions).toBe('^-!');
    });
  });

  it('a projection that throws synchronously is reported the same way', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a|');
      const result = source.pipe(
        fanOut(
          (): Observable<never> => {
            throw new Error('bad item');
          },
          { scheduler: rx },
        ),
      );
      expectObservable(result).toBe('E|', { E: { kind: 'error', index: 0, item: 'a', error: new Error('bad item') } });
      expectSubscriptions(source.subscriptions).toBe('^!');
    });
  });

  it('an error of the source ends the result', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const error = new Error('source broke');
      const source = cold('a-#', undefined, error);
      const work = cold('-(r|)');
      expectObservable(source.pipe(fanOut(() => work, { scheduler: rx }))).toBe(
        '-A#',
        { A: value(0, 'a', 'r') },
        error,
      );
      expectSubscriptions(source.subscriptions).toBe('^-!');
      expectSubscriptions(work.subscriptions).toBe('^!');
    });
  });

  it('unsubscribing cancels the projections in flight and leaves the token queue', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions, flush }) => {
      const budget = createRequestBudget({ limits: { run: 1 }, window: 100, scheduler: rx, margin: 0 });
      const source = cold('(ab|)');
      const work = { a: cold('50ms (r|)'), b: cold('-(r|)') };
      const result = source.pipe(fanOut((item: string) => work[item as keyof typeof work], { budget }));
      expectObservable(result, '^ 9ms !').toBe('');
      expectSubscriptions(work.a.subscriptions).toBe('^ 9ms !');
      expectSubscriptions(work.b.subscriptions).toBe([]);
      rx.schedule(() => expect(budget.waiting('run')).toBe(1), 5);
      flush();
      expect(budget.waiting('run')).toBe(0);
    });
  });

  it('route picks the bucket per item; null takes no token', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const budget = createRequestBudget({ limits: { cancel: 1, status: 1 }, window: 10, scheduler: rx, margin: 0 });
      const source = cold('(abcd|)');
      const work = cold('(r|)');
      const route = (item: string): RouteName => (item === 'a' || item === 'b' ? 'cancel' : 'status');
      expectObservable(source.pipe(fanOut(() => work, { budget, route }))).toBe('(AC) 6ms (BD|)', {
        A: value(0, 'a', 'r'),
        B: value(1, 'b', 'r'),
        C: value(2, 'c', 'r'),
        D: value(3, 'd', 'r'),
      });
      const free = cold('(ab|)');
      expectObservable(free.pipe(fanOut(() => work, { budget, route: null }))).toBe('(AB|)', {
        A: value(0, 'a', 'r'),
        B: value(1, 'b', 'r'),
      });
      expectSubscriptions(work.subscriptions).toBe(['(^!)', '(^!)', '(^!)', '(^!)', '10ms (^!)', '10ms (^!)']);
    });
  });

  it('5000 /run through a rate-limited fake endpoint: no window over 1000, no 429, done near the floor (40 s + 4 margins)', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions, flush }) => {
      const fake = createFakeEndpoint({
        scheduler: rx,
        rateLimits: true,
        config: { retry: false },
        jobs: (i) => endlessJob({ id: `j${i}` }),
      });
      const start = cold('s|');
      const summary$ = start.pipe(
        mergeMap(() => range(0, 5000)),
        fanOut((n) => fake.endpoint.run({ input: { n } }), { concurrency: 200, scheduler: rx }),
        reduce((s, r) => (r.kind === 'value' ? { ...s, ok: s.ok + 1 } : { ...s, failed: s.failed + 1 }), {
          ok: 0,
          failed: 0,
        }),
      );
      // The default budget holds each token 10 s + 200 ms (its margin for requests in transit).
      expectObservable(summary$).toBe('40805ms (s|)', { s: { ok: 5000, failed: 0 } });
      expectSubscriptions(start.subscriptions).toBe('^!');
      flush();
      const sent = fake.requests.map((r) => r.at);
      expect(sent).toHaveLength(5000);
      expect(fake.maxInWindow(10_000)).toBe(1000);
      const floor = 40_000;
      expect(Math.max(...sent)).toBeGreaterThanOrEqual(floor);
      expect(Math.max(...sent)).toBeLessThanOrEqual(floor * 1.15);
      expect(new Set(fake.jobIds).size).toBe(5000); // none lost, none duplicated
    });
  });

  it('without the budget the same batch sets off a 429 storm (the reason fanOut exists)', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const fake = createFakeEndpoint({
        scheduler: rx,
        rateLimits: true,
        config: { retry: false },
        jobs: (i) => endlessJob({ id: `j${i}` }),
      });
      const start = cold('s|');
      const summary$ = start.pipe(
        mergeMap(() => range(0, 5000)),
        mergeMap(
          (n) =>
            fake.endpoint.run({ input: { n } }).pipe(
              map(() => 'ok' as const),
              catchError((e: unknown) => of(isThrottledError(e) ? ('throttled' as const) : ('other' as const))),
            ),
          200,
        ),
        reduce((s, kind) => ({ ...s, [kind]: s[kind] + 1 }), { ok: 0, throttled: 0, other: 0 }),
      );
      expectObservable(summary$).toBe('25ms (s|)', { s: { ok: 1000, throttled: 4000, other: 0 } });
      expectSubscriptions(start.subscriptions).toBe('^!');
    });
  });

  it('shares one budget between pipelines: together they stay inside the status window', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions, flush }) => {
      const fake = createFakeEndpoint({
        scheduler: rx,
        rateLimits: true,
        // The budget alone keeps the window here: the client's own status count (2 % margin) is off.
        config: { retry: false, statusRateLimit: false },
        existingJobs: [endlessJob({ id: 'j1' })],
      });
      const budget = createRequestBudget({ scheduler: rx, margin: 0 });
      const statuses = cold('s|');
      const streams = cold('s|');
      const polls$ = statuses.pipe(
        mergeMap(() => range(0, 1500)),
        fanOut(() => fake.endpoint.status('j1'), { budget, route: 'status' }),
      );
      // charged to the stream route, which shares RunPod's status bucket (and so does the fake's limiter)
      const reads$ = streams.pipe(
        mergeMap(() => range(0, 1500)),
        fanOut(() => fake.endpoint.status('j1'), { budget, route: 'stream' }),
      );
      const failures = (results: Observable<FanOutResult<number, unknown>>) =>
        results.pipe(reduce((n, r) => n + (r.kind === 'error' ? 1 : 0), 0));
      // 200 requests a ms (two pipelines of 100) spend the 2000 shared tokens by 9 ms; the last
      // 1000 go out when they come back, from 10 s on
      expectObservable(failures(polls$)).toBe('10005ms (n|)', { n: 0 });
      expectObservable(failures(reads$)).toBe('10005ms (n|)', { n: 0 });
      expectSubscriptions(statuses.subscriptions).toBe('^!');
      expectSubscriptions(streams.subscriptions).toBe('^!');
      flush();
      expect(fake.maxInWindow(10_000)).toBe(2000);
    });
  });

  it('with budget.wrap on the transport every request counts (run and each long-poll); route: null', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions, flush }) => {
      const limits = { run: 10, status: 10 };
      const budget = createRequestBudget({ limits, window: 1000, scheduler: rx, margin: 0 });
      const fake = createFakeEndpoint({
        scheduler: rx,
        jobs: (i) => completedJob({ id: `j${i}`, queued: 100, running: 200 }),
        rateLimits: { window: 1000, limits },
        config: { retry: false },
        intercept: budget.wrap,
      });
      const start = cold('s|');
      const done$ = start.pipe(
        mergeMap(() => range(0, 30)),
        fanOut((n) => fake.endpoint.submit({ input: { n } }), { route: null, concurrency: 30 }),
        reduce((n, r) => n + (r.kind === 'value' && r.value.status === 'COMPLETED' ? 1 : 0), 0),
      );
      // 10 jobs per second: created at 0, 1000 and 2000, each COMPLETED 300 ms later
      expectObservable(done$).toBe('2301ms (n|)', { n: 30 });
      expectSubscriptions(start.subscriptions).toBe('^!');
      flush();
      expect(fake.maxInWindow(1000, 'POST /ep/run')).toBe(10);
      expect(fake.maxInWindow(1000, 'GET /ep/status-sync/*')).toBe(10);
      expect(fake.requests).toHaveLength(60);
    });
  });

  it.each([0, -1, 1.5, NaN])(
    'refuses a concurrency of %p when the operator is created, with ConfigError',
    (concurrency) => {
      expect(() => fanOut(() => EMPTY, { concurrency })).toThrow(
        new ConfigError('fanOut: concurrency must be a whole number ≥ 1 or Infinity'),
      );
    },
  );
});
