import { ignoreElements, mergeMap, range, tap } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { ConfigError, type HttpRequest, type RouteName } from 'runpod-rx';
import { createRequestBudget, RUNPOD_RATE_LIMITS } from 'runpod-rx/operators';
import { createFakeTransport, json } from 'runpod-rx/testing';
import { createTestScheduler } from '../helpers/test-scheduler';
import { maxInWindow } from '../../src/testing/peaks';

const request = (route: RouteName, path = `/ep/${route}`): HttpRequest => ({
  method: route === 'cancel' || route === 'run' ? 'POST' : 'GET',
  url: `https://api.runpod.ai/v2${path}`,
  path,
  route,
  headers: {},
});

describe('createRequestBudget', () => {
  let rx: TestScheduler;
  beforeEach(() => {
    rx = createTestScheduler();
  });

  it('grants `limit` tokens per window; each spent token comes back `window` ms after it was spent', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const budget = createRequestBudget({ limits: { cancel: 2 }, window: 10, scheduler: rx, margin: 0 });
      const asks = cold('(abcde)|');
      expectObservable(asks.pipe(mergeMap(() => budget.acquire('cancel')))).toBe('(ab) 6ms (cd) 6ms (e|)', {
        a: 0,
        b: 0,
        c: 10,
        d: 10,
        e: 20,
      });
      expectSubscriptions(asks.subscriptions).toBe('^------!');
    });
  });

  it('holds a spent token for window + margin (default 2 % of the window), so late arrivals never share a server window', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const budget = createRequestBudget({ limits: { cancel: 1 }, window: 1000, scheduler: rx });
      const asks = cold('(ab)|');
      expectObservable(asks.pipe(mergeMap(() => budget.acquire('cancel')))).toBe('a 1019ms (b|)', { a: 0, b: 1020 });
      expectSubscriptions(asks.subscriptions).toBe('^---!');
    });
  });

  it('is a sliding window, not a steady refill: a burst waits for the tokens spent a window earlier', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const budget = createRequestBudget({ limits: { run: 3 }, window: 10, scheduler: rx, margin: 0 });
      const asks = cold('a 4ms (bcde)|');
      // a at 0; b, c at 5; d when a's token is back (10); e when b's is back (15).
      // (A bucket refilled at 0.3 token/ms would give d at 8.3 and e at 11.7: 4 requests in (5, 15].)
      expectObservable(asks.pipe(mergeMap(() => budget.acquire('run')))).toBe('a 4ms (bc)-d 4ms (e|)', {
        a: 0,
        b: 5,
        c: 5,
        d: 10,
        e: 15,
      });
      expectSubscriptions(asks.subscriptions).toBe('^ 4ms ------!');
    });
  });

  it('status, status-sync and stream draw from one shared bucket; run has its own', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const budget = createRequestBudget({ limits: { status: 2, run: 1 }, window: 100, scheduler: rx, margin: 0 });
      const routes = { s: 'status', y: 'status-sync', t: 'stream', r: 'run' } as const;
      const asks = cold('(syt r)|', routes);
      expectObservable(asks.pipe(mergeMap((route) => budget.acquire(route)))).toBe('(yyr) 95ms (t|)', {
        y: 0,
        r: 0,
        t: 100,
      });
      expectSubscriptions(asks.subscriptions).toBe('^-----!');
      expect(RUNPOD_RATE_LIMITS).toMatchObject({ run: 1000, status: 2000, cancel: 100 });
    });
  });

  it('serves waiters first come, first served; unsubscribing gives up the place', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions, flush }) => {
      const budget = createRequestBudget({ limits: { cancel: 1 }, window: 10, scheduler: rx, margin: 0 });
      const first = cold('a|');
      const second = cold('b|');
      const third = cold('c|');
      expectObservable(first.pipe(mergeMap(() => budget.acquire('cancel')))).toBe('a|', { a: 0 });
      expectObservable(second.pipe(mergeMap(() => budget.acquire('cancel'))), '^ 4ms !').toBe('');
      expectObservable(third.pipe(mergeMap(() => budget.acquire('cancel')))).toBe('10ms (c|)', { c: 10 });
      expectSubscriptions(second.subscriptions).toBe('^!');
      rx.schedule(() => expect(budget.waiting('cancel')).toBe(1), 7);
      flush();
      expect(budget.waiting('cancel')).toBe(0);
      expect(budget.used('cancel')).toBe(1);
    });
  });

  it('an unlimited bucket (health, retry) grants at once', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const budget = createRequestBudget({ scheduler: rx, margin: 0 });
      const asks = cold('(aaaa)|');
      expectObservable(asks.pipe(mergeMap(() => budget.acquire('health')))).toBe('(aaaa)|', { a: 0 });
      expectSubscriptions(asks.subscriptions).toBe('^-----!');
      expect(budget.limitOf('health')).toBe(Infinity);
      expect(budget.limitOf('stream')).toBe(2000);
    });
  });

  it('thousands of acquisitions never exceed the limit in any window, and finish at the floor', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions, flush }) => {
      const budget = createRequestBudget({ scheduler: rx, margin: 0 });
      const grants: number[] = [];
      const start = cold('a|');
      const all$ = start.pipe(
        mergeMap(() => range(0, 5000)),
        mergeMap(() => budget.acquire('run')),
        tap((at) => grants.push(at)),
        ignoreElements(),
      );
      expectObservable(all$).toBe('40s |');
      expectSubscriptions(start.subscriptions).toBe('^!');
      flush();
      expect(grants).toHaveLength(5000);
      expect(maxInWindow(grants, 10_000)).toBe(1000);
      expect(Math.max(...grants)).toBe(40_000); // floor: 5 windows of 1000
    });
  });

  it('wrap(transport) makes every request of a transport take a token of its route', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions, flush }) => {
      const answer = cold('-(r|)', { r: json({}) });
      const fake = createFakeTransport(() => answer, rx);
      const budget = createRequestBudget({ limits: { cancel: 2 }, window: 10, scheduler: rx, margin: 0 });
      const transport = budget.wrap(fake.transport);
      const asks = cold('(abcde)|');
      expectObservable(asks.pipe(mergeMap(() => transport(request('cancel'))))).toBe('-(ab) 6ms (cd) 6ms (e|)', {
        a: json({}),
        b: json({}),
        c: json({}),
        d: json({}),
        e: json({}),
      });
      expectSubscriptions(answer.subscriptions).toBe(['^!', '^!', '10ms ^!', '10ms ^!', '20ms ^!']);
      flush();
      expect(fake.requests.map((r) => r.at)).toEqual([0, 0, 10, 10, 20]);
    });
  });

  it('refuses a bad window, limit or bucket name with ConfigError', () => {
    expect(() => createRequestBudget({ window: 0 })).toThrow(ConfigError);
    expect(() => createRequestBudget({ limits: { run: 0 } })).toThrow(
      new ConfigError('createRequestBudget: limits.run must be a whole number ≥ 1 or Infinity'),
    );
    expect(() => createRequestBudget({ limits: { runz: 5 } as never })).toThrow('unknown bucket "runz"');
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const budget = createRequestBudget({ limits: { run: Infinity }, scheduler: rx, margin: 0 });
      const asks = cold('a|');
      expectObservable(asks.pipe(mergeMap(() => budget.acquire('run')))).toBe('a|', { a: 0 });
      expectSubscriptions(asks.subscriptions).toBe('^!');
    });
  });
});
