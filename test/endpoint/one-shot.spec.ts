import type { Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import {
  HttpError,
  InvalidInputError,
  NetworkError,
  NotFoundError,
  TimeoutError,
  UnauthorizedError,
  type RunpodEvent,
} from 'runpod-rx';
import { json } from 'runpod-rx/testing';
import { fakeEndpoint } from '../helpers/endpoint';
import { createTestScheduler } from '../helpers/test-scheduler';

describe('one-shot operations', () => {
  let rx: TestScheduler;
  beforeEach(() => {
    rx = createTestScheduler();
  });

  it('run: POST /run with the request body, emits { id, status } once', () => {
    rx.run(({ cold, expectObservable, flush }) => {
      const queued = { id: 'j1-u1', status: 'IN_QUEUE' };
      const { fake, endpoint } = fakeEndpoint(rx, () => cold('--r|', { r: json(queued) }));
      const request = {
        input: { prompt: 'hi' },
        webhook: 'https://example.test/hook',
        policy: { executionTimeout: 60_000, lowPriority: true, ttl: 3_600_000 },
      };
      expectObservable(endpoint.run(request)).toBe('--(r|)', { r: queued });
      flush();
      const sent = fake.expectOne('POST /ep1/run');
      expect(sent.body).toEqual(request);
      expect(sent.at).toBe(0);
      fake.verify();
    });
  });

  it('run: nothing is sent before subscribe, and each subscription sends its own request', () => {
    rx.run(({ cold, flush }) => {
      const { fake, endpoint } = fakeEndpoint(rx, () => cold('-r|', { r: json({ id: 'j', status: 'IN_QUEUE' }) }));
      const run$ = endpoint.run({ input: 1 });
      flush();
      expect(fake.requests).toHaveLength(0);
      run$.subscribe();
      run$.subscribe();
      flush();
      expect(fake.match('POST /ep1/run')).toHaveLength(2);
    });
  });

  it('status: GET /status/{id}, emits one JobState with extra fields kept', () => {
    rx.run(({ cold, expectObservable }) => {
      const body = {
        id: 'j1',
        status: 'COMPLETED',
        output: { text: 'ok' },
        delayTime: 12,
        executionTime: 34,
        workerId: 'w1',
        extra: 7,
      };
      const { endpoint } = fakeEndpoint(rx, (req) =>
        req.path === '/ep1/status/j1' ? cold('-r|', { r: json(body) }) : undefined,
      );
      expectObservable(endpoint.status('j1')).toBe('-(r|)', { r: body });
    });
  });

  it('status: 404 is a NotFoundError carrying the job id', () => {
    rx.run(({ cold, expectObservable }) => {
      const { endpoint } = fakeEndpoint(rx, () => cold('-r|', { r: json({ error: 'job not found' }, 404) }));
      expectObservable(endpoint.status('gone')).toBe(
        '-#',
        undefined,
        new NotFoundError({ method: 'GET', path: '/ep1/status/gone' }, 'gone'),
      );
    });
  });

  it('cancel: POST /cancel/{id}, emits the CANCELLED state', () => {
    rx.run(({ cold, expectObservable, flush }) => {
      const { fake, endpoint } = fakeEndpoint(rx, () => cold('-r|', { r: json({ id: 'j1', status: 'CANCELLED' }) }));
      expectObservable(endpoint.cancel('j1')).toBe('-(r|)', { r: { id: 'j1', status: 'CANCELLED' } });
      flush();
      fake.expectOne('POST /ep1/cancel/j1');
    });
  });

  it('retry: POST /retry/{id}, emits { id, status: IN_QUEUE }', () => {
    rx.run(({ cold, expectObservable, flush }) => {
      const { fake, endpoint } = fakeEndpoint(rx, () => cold('-r|', { r: json({ id: 'j1', status: 'IN_QUEUE' }) }));
      expectObservable(endpoint.retry('j1')).toBe('-(r|)', { r: { id: 'j1', status: 'IN_QUEUE' } });
      flush();
      fake.expectOne('POST /ep1/retry/j1');
    });
  });

  it('run and retry report the job id with a job-created event', () => {
    const events: RunpodEvent[] = [];
    rx.run(({ cold, flush }) => {
      const { endpoint } = fakeEndpoint(rx, () => cold('-r|', { r: json({ id: 'j1', status: 'IN_QUEUE' }) }), {
        onEvent: (e) => events.push(e),
      });
      endpoint.run({ input: 1 }).subscribe();
      endpoint.retry('j1').subscribe();
      flush();
      expect(events.filter((e) => e.type === 'job-created')).toEqual([
        { type: 'job-created', route: 'run', jobId: 'j1' },
        { type: 'job-created', route: 'retry', jobId: 'j1' },
      ]);
    });
  });

  it('cancels keep to the cancel rate limit: a token per send, each back window + 2 % after it was spent', () => {
    rx.run(({ cold, flush }) => {
      const { fake, endpoint } = fakeEndpoint(
        rx,
        (req) => cold('-r|', { r: json({ id: req.path.split('/').pop(), status: 'CANCELLED' }) }),
        { cancelRateLimit: { limit: 2, window: 1000 } },
      );
      for (const id of ['a', 'b', 'c', 'd', 'e']) endpoint.cancel(id).subscribe();
      flush();
      expect(fake.requests.map((r) => `@${r.at} ${r.path}`)).toEqual([
        '@0 /ep1/cancel/a',
        '@0 /ep1/cancel/b',
        '@1020 /ep1/cancel/c',
        '@1020 /ep1/cancel/d',
        '@2040 /ep1/cancel/e',
      ]);
    });
  });

  it('cancels keep to 20 in flight at once (RunPod limit), the rest wait their turn', () => {
    rx.run(({ cold, flush }) => {
      const { fake, endpoint } = fakeEndpoint(rx, (req) =>
        cold('100ms r|', { r: json({ id: req.path.split('/').pop(), status: 'CANCELLED' }) }),
      );
      for (let i = 0; i < 25; i++) endpoint.cancel(`j${i}`).subscribe();
      flush();
      const at = fake.requests.map((r) => r.at);
      expect(at.filter((t) => t === 0)).toHaveLength(20);
      expect(at.filter((t) => t === 100)).toHaveLength(5);
    });
  });

  it('health: GET /health, decodes the counters', () => {
    rx.run(({ cold, expectObservable }) => {
      const body = {
        jobs: { completed: 3, failed: 1, inProgress: 2, inQueue: 5, retried: 0 },
        workers: { idle: 1, running: 2, initializing: 0 },
      };
      const { endpoint } = fakeEndpoint(rx, (req) =>
        req.route === 'health' ? cold('-r|', { r: json(body) }) : undefined,
      );
      expectObservable(endpoint.health()).toBe('-(r|)', { r: body });
    });
  });

  it('purgeQueue: POST /purge-queue, emits { removed, status }', () => {
    rx.run(({ cold, expectObservable, flush }) => {
      const { fake, endpoint } = fakeEndpoint(rx, () => cold('-r|', { r: json({ removed: 4, status: 'completed' }) }));
      expectObservable(endpoint.purgeQueue()).toBe('-(r|)', { r: { removed: 4, status: 'completed' } });
      flush();
      fake.expectOne('POST /ep1/purge-queue');
    });
  });

  it('unsubscribing mid-flight cancels the request', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions, flush }) => {
      const response = cold('-----r|', { r: json({ id: 'j1', status: 'IN_QUEUE' }) });
      const { fake, endpoint } = fakeEndpoint(rx, () => response);
      expectObservable(endpoint.status('j1'), '--!').toBe('---');
      expectSubscriptions(response.subscriptions).toBe('^-!');
      flush();
      expect(fake.expectOne('GET /ep1/status/j1').state).toBe('cancelled');
      fake.verify();
    });
  });

  it('a per-call timeout errors with TimeoutError and aborts the request', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const response = cold('------r|', { r: json({ id: 'j1', status: 'IN_QUEUE' }) });
      const { endpoint } = fakeEndpoint(rx, () => response, { retry: false });
      expectObservable(endpoint.health({ timeout: 3 })).toBe(
        '---#',
        undefined,
        new TimeoutError('no answer within 3 ms (GET /ep1/health)', undefined, 'request'),
      );
      expectSubscriptions(response.subscriptions).toBe('^--!');
    });
  });

  it('a transport that ends without a response is a NetworkError, never a silent completion', () => {
    rx.run(({ cold, expectObservable }) => {
      const { endpoint } = fakeEndpoint(rx, () => cold('--|'));
      expectObservable(endpoint.run({ input: 1 })).toBe(
        '--#',
        undefined,
        new NetworkError('the transport ended without a response', false, { method: 'POST', path: '/ep1/run' }),
      );
    });
  });

  it.each([
    [401, UnauthorizedError],
    [403, UnauthorizedError],
  ])('HTTP %i is an UnauthorizedError', (status, Type) => {
    rx.run(({ cold, expectObservable }) => {
      const { endpoint } = fakeEndpoint(rx, () => cold('-r|', { r: json({ error: 'bad key' }, status) }));
      expectObservable(endpoint.health()).toBe(
        '-#',
        undefined,
        new Type({ method: 'GET', path: '/ep1/health' }, status),
      );
    });
  });

  it('HTTP 400 is an HttpError with the server text, not retried', () => {
    rx.run(({ cold, expectObservable, flush }) => {
      const { fake, endpoint } = fakeEndpoint(rx, () => cold('-r|', { r: json({ error: 'bad input' }, 400) }));
      expectObservable(endpoint.run({ input: {} })).toBe(
        '-#',
        undefined,
        new HttpError({ method: 'POST', path: '/ep1/run' }, 400, 'bad input'),
      );
      flush();
      expect(fake.requests).toHaveLength(1);
    });
  });

  it.each([
    ['an empty id', ''],
    ['a slash', 'a/b'],
    ['a dot-dot', '..'],
    ['a non-string', 42 as unknown as string],
  ])('refuses %s as a job id before sending anything', (_, id) => {
    rx.run(({ expectObservable, flush }) => {
      const { fake, endpoint } = fakeEndpoint(rx, () => undefined);
      const calls: Observable<unknown>[] = [
        endpoint.status(id),
        endpoint.cancel(id),
        endpoint.retry(id),
        endpoint.watch(id),
        endpoint.stream(id),
      ];
      for (const call of calls) {
        expectObservable(call).toBe(
          '#',
          undefined,
          new InvalidInputError(
            'a job id must ' +
              (typeof id === 'string' && id.length > 0
                ? 'not be "." nor contain "/", "\\", "..", "?", "#", "%" or white space'
                : 'be a non-empty string of at most 512 characters'),
          ),
        );
      }
      flush();
      expect(fake.requests).toHaveLength(0);
    });
  });

  it('methods never throw: errors arrive on subscribe', () => {
    const { endpoint } = fakeEndpoint(createTestScheduler(), () => undefined);
    expect(() => endpoint.status('')).not.toThrow();
    expect(() => endpoint.run({ input: 1n as unknown })).not.toThrow();
  });
});
