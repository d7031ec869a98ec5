import { TestScheduler } from 'rxjs/testing';
import { HttpError, NetworkError, ThrottledError, TimeoutError, type RunpodEvent } from 'runpod-rx';
import { json, text, throttled } from 'runpod-rx/testing';
import { fakeEndpoint } from '../helpers/endpoint';
import { createTestScheduler } from '../helpers/test-scheduler';

const ok = { id: 'j1', status: 'IN_QUEUE' };
const health = {
  jobs: { completed: 0, failed: 0, inProgress: 0, inQueue: 0, retried: 0 },
  workers: { idle: 1, running: 0 },
};
const runInfo = { method: 'POST', path: '/ep1/run' };

describe('built-in retries', () => {
  let rx: TestScheduler;
  beforeEach(() => {
    rx = createTestScheduler();
  });

  it('honours Retry-After in seconds on a 429, then succeeds', () => {
    const events: RunpodEvent[] = [];
    rx.run(({ cold, expectObservable, flush }) => {
      const { fake, endpoint } = fakeEndpoint(
        rx,
        (_req, n) => (n === 0 ? cold('-r|', { r: throttled(2) }) : cold('-r|', { r: json(health) })),
        { onEvent: (e) => events.push(e) },
      );
      expectObservable(endpoint.health()).toBe('- 2000ms -(a|)', { a: health });
      flush();
      expect(fake.requests.map((r) => r.at)).toEqual([0, 2001]);
      expect(events.filter((e) => e.type === 'retry')).toEqual([
        {
          type: 'retry',
          route: 'health',
          path: '/ep1/health',
          retry: 1,
          delayMs: 2000,
          reason: 'ThrottledError: throttled (HTTP 429), retry after 2000 ms (GET /ep1/health)',
        },
      ]);
    });
  });

  it('honours Retry-After as an HTTP date, read against the scheduler clock', () => {
    rx.run(({ cold, expectObservable, flush }) => {
      const at5s = new Date(5000).toUTCString();
      const { fake, endpoint } = fakeEndpoint(rx, (_req, n) =>
        n === 0 ? cold('-r|', { r: throttled(at5s) }) : cold('-r|', { r: json(health) }),
      );
      expectObservable(endpoint.health()).toBe('5s -(a|)', { a: health });
      flush();
      expect(fake.requests.map((r) => r.at)).toEqual([0, 5000]);
    });
  });

  it('caps Retry-After at maxRetryAfter', () => {
    rx.run(({ cold, flush }) => {
      const { fake, endpoint } = fakeEndpoint(
        rx,
        (_req, n) => (n === 0 ? cold('-r|', { r: throttled(3600) }) : cold('-r|', { r: json(health) })),
        { retry: { maxRetryAfter: 10_000 } },
      );
      endpoint.health().subscribe();
      flush();
      expect(fake.requests.map((r) => r.at)).toEqual([0, 10_001]);
    });
  });

  it('retries 5xx on GET with full-jitter exponential backoff (random 0.5: 50, 100, 200 ms), then gives up', () => {
    rx.run(({ cold, expectObservable, flush }) => {
      const { fake, endpoint } = fakeEndpoint(rx, () => cold('-r|', { r: json({ error: 'worker crashed' }, 500) }));
      expectObservable(endpoint.status('j1')).toBe(
        '- 50ms - 100ms - 200ms -#',
        undefined,
        new HttpError({ method: 'GET', path: '/ep1/status/j1' }, 500, 'worker crashed'),
      );
      flush();
      expect(fake.requests.map((r) => r.at)).toEqual([0, 51, 152, 353]);
    });
  });

  it('retries a per-request timeout on GET', () => {
    rx.run(({ cold, expectObservable, flush }) => {
      const { fake, endpoint } = fakeEndpoint(
        rx,
        (_req, n) => (n === 0 ? cold('1m r|', { r: json(health) }) : cold('-r|', { r: json(health) })),
        { requestTimeout: 1000 },
      );
      expectObservable(endpoint.health()).toBe('1000ms 50ms -(a|)', { a: health });
      flush();
      expect(fake.requests.map((r) => `${r.at} ${r.state}`)).toEqual(['0 cancelled', '1050 answered']);
    });
  });

  it('never retries POST /run on 5xx: the job may exist', () => {
    rx.run(({ cold, expectObservable, flush }) => {
      const { fake, endpoint } = fakeEndpoint(rx, () => cold('-r|', { r: json({ error: 'bad gateway' }, 502) }));
      expectObservable(endpoint.run({ input: 1 })).toBe('-#', undefined, new HttpError(runInfo, 502, 'bad gateway'));
      flush();
      expect(fake.requests).toHaveLength(1);
    });
  });

  it('never retries POST /run on a timeout or a reset connection, but does on 429 and on a refused connection', () => {
    rx.run(({ cold, expectObservable, flush }) => {
      const reset = new NetworkError('network error: ECONNRESET', false, runInfo);
      const refused = new NetworkError('network error: ECONNREFUSED', true, runInfo);
      const timedOut = fakeEndpoint(rx, () => cold('1m r|', { r: json(ok) }), { requestTimeout: 100 });
      const wasReset = fakeEndpoint(rx, () => cold('-#', undefined, reset));
      const flaky = fakeEndpoint(rx, (_req, n) =>
        n === 0
          ? cold('-#', undefined, refused)
          : n === 1
            ? cold('-r|', { r: throttled(1) })
            : cold('-r|', { r: json(ok) }),
      );
      expectObservable(timedOut.endpoint.run({ input: 1 })).toBe(
        '100ms #',
        undefined,
        new TimeoutError('no answer within 100 ms (POST /ep1/run)', undefined, 'request'),
      );
      expectObservable(wasReset.endpoint.run({ input: 1 })).toBe('-#', undefined, reset);
      expectObservable(flaky.endpoint.run({ input: 1 })).toBe('- 50ms - 1000ms -(a|)', { a: ok });
      flush();
      expect(timedOut.fake.requests).toHaveLength(1);
      expect(wasReset.fake.requests).toHaveLength(1);
      expect(flaky.fake.requests.map((r) => r.at)).toEqual([0, 51, 1052]);
    });
  });

  it('retries POST /cancel on 5xx', () => {
    rx.run(({ cold, expectObservable }) => {
      const { endpoint } = fakeEndpoint(rx, (_req, n) =>
        n === 0 ? cold('-r|', { r: json({}, 503) }) : cold('-r|', { r: json({ id: 'j1', status: 'CANCELLED' }) }),
      );
      expectObservable(endpoint.cancel('j1')).toBe('- 50ms -(a|)', { a: { id: 'j1', status: 'CANCELLED' } });
    });
  });

  it('retries POST /cancel whose answer never came or came garbled: cancelling twice is harmless', () => {
    rx.run(({ cold, expectObservable, flush }) => {
      const cancelled = { id: 'j1', status: 'CANCELLED' };
      const { fake, endpoint } = fakeEndpoint(
        rx,
        (_req, n) =>
          n === 0
            ? cold('1m r|', { r: json(cancelled) })
            : n === 1
              ? cold('-r|', { r: text('<html>') })
              : cold('-r|', { r: json(cancelled) }),
        { requestTimeout: 100 },
      );
      expectObservable(endpoint.cancel('j1')).toBe('100ms 50ms - 100ms -(a|)', { a: cancelled });
      flush();
      expect(fake.requests.map((r) => r.at)).toEqual([0, 150, 251]);
    });
  });

  it('gives up after count retries with the last ThrottledError', () => {
    rx.run(({ cold, expectObservable, flush }) => {
      const { fake, endpoint } = fakeEndpoint(rx, () => cold('-r|', { r: throttled() }), { retry: { count: 2 } });
      expectObservable(endpoint.run({ input: 1 })).toBe(
        '- 50ms - 100ms -#',
        undefined,
        new ThrottledError(runInfo, undefined),
      );
      flush();
      expect(fake.requests).toHaveLength(3);
    });
  });

  it('retry: false turns every retry off', () => {
    rx.run(({ cold, expectObservable, flush }) => {
      const { fake, endpoint } = fakeEndpoint(rx, () => cold('-r|', { r: throttled(1) }), { retry: false });
      expectObservable(endpoint.health()).toBe(
        '-#',
        undefined,
        new ThrottledError({ method: 'GET', path: '/ep1/health' }, 1000),
      );
      flush();
      expect(fake.requests).toHaveLength(1);
    });
  });

  it('retries each request of a long-poll loop on its own, never the whole loop', () => {
    rx.run(({ cold, expectObservable, flush }) => {
      const done = { id: 'j1', status: 'COMPLETED', output: 1 };
      const { fake, endpoint } = fakeEndpoint(rx, (req, n) =>
        req.route === 'run'
          ? cold('-r|', { r: json(ok) })
          : n === 0
            ? cold('-r|', { r: json({}, 503) })
            : cold('-r|', { r: json(done) }),
      );
      expectObservable(endpoint.submit({ input: 1 })).toBe('-a 50ms -(b|)', { a: ok, b: done });
      flush();
      expect(fake.match('POST /ep1/run')).toHaveLength(1);
      expect(fake.match('GET /ep1/status-sync/j1')).toHaveLength(2);
    });
  });
});
