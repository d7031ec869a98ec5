import * as t from 'io-ts';
import { count, switchMap, takeLast, tap } from 'rxjs';
import { fanOut } from 'runpod-rx/operators';
import { TestScheduler } from 'rxjs/testing';
import { DecodeError, NotFoundError, ThrottledError, type HttpRequest } from 'runpod-rx';
import { completedJob, createFakeEndpoint, endlessJob, json, streamingJob } from 'runpod-rx/testing';
import { createTestScheduler } from '../helpers/test-scheduler';

const health = (inQueue: number, inProgress: number, completed = 0) => ({
  jobs: { completed, failed: 0, inProgress, inQueue, retried: 0 },
  workers: { idle: inProgress > 0 ? 0 : 1, running: inProgress },
});

describe('createFakeEndpoint', () => {
  let rx: TestScheduler;
  beforeEach(() => {
    rx = createTestScheduler();
  });

  it('/run creates jobs from the timelines in order, naming those without an id job-1, job-2, …', () => {
    rx.run(({ expectObservable, expectSubscriptions, flush }) => {
      const fake = createFakeEndpoint({ scheduler: rx, jobs: [completedJob(), completedJob({ id: 'mine' })] });
      expectObservable(fake.endpoint.run({ input: 1 })).toBe('-(a|)', { a: { id: 'job-1', status: 'IN_QUEUE' } });
      expectObservable(fake.endpoint.run({ input: 2 })).toBe('-(b|)', { b: { id: 'mine', status: 'IN_QUEUE' } });
      expectObservable(fake.endpoint.run({ input: 3 })).toBe(
        '#',
        undefined,
        new Error('fake transport: no response scripted for POST /ep/run (#2)'),
      );
      expectSubscriptions(fake.subscriptions('POST /ep/run')).toBe(['^!', '^!', '(^!)']);
      flush();
      expect(fake.jobIds).toEqual(['job-1', 'mine']);
    });
  });

  it('jobId names jobs from their input, so ids follow the source order even when a 429 reorders /run', () => {
    const run = (jobId?: (input: unknown) => string) => {
      const ids: string[] = [];
      let created: readonly string[] = [];
      const scheduler = createTestScheduler();
      scheduler.run(({ expectObservable, flush }) => {
        const fake = createFakeEndpoint({
          scheduler,
          jobs: completedJob(),
          throttle: { route: 'run', times: 1, retryAfter: 1 }, // the first /run (n = 1) waits 1 s
          ...(jobId !== undefined && { jobId }),
        });
        for (const n of [1, 2]) fake.endpoint.run({ input: { n } }).subscribe(({ id }) => ids.push(`${n}:${id}`));
        expectObservable(fake.endpoint.health()).toBe('-(h|)', { h: expect.any(Object) });
        flush();
        created = fake.jobIds;
      });
      return { ids, created };
    };
    expect(run()).toEqual({ ids: ['2:job-1', '1:job-2'], created: ['job-1', 'job-2'] });
    expect(run((input) => `job-${(input as { n: number }).n}`)).toEqual({
      ids: ['2:job-2', '1:job-1'],
      created: ['job-2', 'job-1'],
    });
  });

  it('maxJobsInFlight reads the most jobs running at once; maxInFlight the most open requests', () => {
    const peak = (concurrency: number) => {
      let jobs = 0;
      let polls = 0;
      const scheduler = createTestScheduler();
      scheduler.run(({ cold, expectObservable, flush }) => {
        const fake = createFakeEndpoint({ scheduler, jobs: completedJob({ queued: 100, running: 200 }) });
        const done$ = cold('(abcdef|)').pipe(
          fanOut((n) => fake.endpoint.submit({ input: { n } }).pipe(takeLast(1)), { concurrency, route: null }),
          count(),
        );
        expectObservable(done$).toBe(concurrency >= 6 ? '301ms (n|)' : '602ms (n|)', { n: 6 });
        flush();
        jobs = fake.maxJobsInFlight();
        polls = fake.maxInFlight('GET /ep/status-sync/*');
        expect(fake.maxInWindow(300, 'POST /ep/run')).toBe(concurrency);
      });
      return { jobs, polls };
    };
    expect(peak(3)).toEqual({ jobs: 3, polls: 3 });
    expect(peak(6)).toEqual({ jobs: 6, polls: 6 });
  });

  it('/status answers the state at that moment; an unknown job is a 404', () => {
    rx.run(({ expectObservable, expectSubscriptions }) => {
      const fake = createFakeEndpoint({ scheduler: rx, existingJobs: [completedJob({ id: 'j1', output: 'x' })] });
      const at = (ms: number) => {
        let state: unknown;
        rx.schedule(() => fake.endpoint.status('j1').subscribe((s) => (state = s)), ms);
        return () => state;
      };
      const early = at(50);
      const mid = at(150);
      const late = at(400);
      expectObservable(fake.endpoint.status('nope')).toBe(
        '-#',
        undefined,
        new NotFoundError({ method: 'GET', path: '/ep/status/nope' }, 'nope'),
      );
      expectSubscriptions(fake.subscriptions('GET /ep/status/j1')).toBe(['50ms ^!', '150ms ^!', '400ms ^!']);
      rx.schedule(() => {
        expect(early()).toEqual({ id: 'j1', status: 'IN_QUEUE' });
        expect(mid()).toEqual({ id: 'j1', status: 'IN_PROGRESS', delayTime: 100 });
        expect(late()).toMatchObject({ id: 'j1', status: 'COMPLETED', output: 'x' });
      }, 500);
    });
  });

  it('/runsync holds until terminal or wait; a short wait answers IN_PROGRESS and the client long-polls on', () => {
    rx.run(({ expectObservable, expectSubscriptions }) => {
      const fake = createFakeEndpoint({
        scheduler: rx,
        jobs: completedJob({ id: 'sync-1', queued: 100, running: 5000 }),
        config: { longPollWait: 1000 },
      });
      expectObservable(fake.endpoint.runSync({ input: {} })).toBe('5101ms (c|)', {
        c: { id: 'sync-1', status: 'COMPLETED', output: { ok: true }, delayTime: 100, executionTime: 5000 },
      });
      expectSubscriptions(fake.subscriptions()).toBe([
        '^ 1000ms !',
        '1001ms ^ 1000ms !',
        '2002ms ^ 1000ms !',
        '3003ms ^ 1000ms !',
        '4004ms ^ 1000ms !',
        '5005ms ^ 95ms !',
      ]);
    });
  });

  it('/cancel ends a job at once and wakes the long-polls holding for it', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions, flush }) => {
      const fake = createFakeEndpoint({ scheduler: rx, existingJobs: [endlessJob({ id: 'j1' })] });
      const trigger = cold('50ms c|');
      const cancelled = { id: 'j1', status: 'CANCELLED' };
      expectObservable(fake.endpoint.watch('j1')).toBe('-a 49ms (b|)', {
        a: { id: 'j1', status: 'IN_QUEUE' },
        b: cancelled,
      });
      trigger.subscribe(() => fake.endpoint.cancel('j1').subscribe());
      expectSubscriptions(fake.subscriptions('GET /ep/status-sync/j1')).toBe('-^ 49ms !');
      expectSubscriptions(fake.subscriptions('POST /ep/cancel/j1')).toBe('50ms ^!');
      flush();
      expect(fake.stateOf('j1')).toEqual(cancelled);
      expect(fake.stateOf('nope')).toBeUndefined();
    });
  });

  it('/health counts the simulated jobs', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const fake = createFakeEndpoint({
        scheduler: rx,
        existingJobs: [
          completedJob({ id: 'a' }),
          endlessJob({ id: 'b', queued: 10 }),
          endlessJob({ id: 'c', queued: Infinity }),
        ],
      });
      const later = cold('400ms (x|)');
      expectObservable(fake.endpoint.health()).toBe('-(h|)', { h: health(3, 0) });
      expectObservable(later.pipe(switchMap(() => fake.endpoint.health()))).toBe('400ms -(h|)', { h: health(1, 1, 1) });
      expectSubscriptions(fake.subscriptions('GET /ep/health')).toBe(['^!', '400ms ^!']);
    });
  });

  it('scripts win over the simulation: handler first, then routes; undefined falls through', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const fake = createFakeEndpoint({
        scheduler: rx,
        jobs: completedJob({ id: 'j1' }),
        handler: (req) => (req.route === 'health' ? cold('5ms (r|)', { r: json(health(9, 9)) }) : undefined),
        routes: { status: () => cold('-(r|)', { r: json({ id: 'j1', status: 'TIMED_OUT' }) }) },
      });
      expectObservable(fake.endpoint.health()).toBe('5ms (h|)', { h: health(9, 9) });
      expectObservable(fake.endpoint.run({ input: {} })).toBe('-(r|)', { r: { id: 'j1', status: 'IN_QUEUE' } });
      expectObservable(fake.endpoint.status('j1')).toBe('-(s|)', { s: { id: 'j1', status: 'TIMED_OUT' } });
      expectSubscriptions(fake.subscriptions()).toBe(['^ 4ms !', '^!', '^!']);
    });
  });

  it('rateLimits: over the window a request gets a 429 with Retry-After in whole seconds and is not acted on', () => {
    rx.run(({ expectObservable, expectSubscriptions, flush }) => {
      const fake = createFakeEndpoint({
        scheduler: rx,
        jobs: (i) => endlessJob({ id: `j${i}` }),
        rateLimits: { limits: { run: 2 } },
        config: { retry: false },
      });
      expectObservable(fake.endpoint.run({ input: 1 })).toBe('-(a|)', { a: { id: 'j0', status: 'IN_QUEUE' } });
      expectObservable(fake.endpoint.run({ input: 2 })).toBe('-(b|)', { b: { id: 'j1', status: 'IN_QUEUE' } });
      expectObservable(fake.endpoint.run({ input: 3 })).toBe(
        '-#',
        undefined,
        new ThrottledError({ method: 'POST', path: '/ep/run' }, 10_000),
      );
      expectSubscriptions(fake.subscriptions()).toBe(['^!', '^!', '^!']);
      flush();
      expect(fake.jobIds).toEqual(['j0', 'j1']);
    });
  });

  it('options given as undefined keep their defaults (forwarded optional values)', () => {
    rx.run(({ expectObservable, flush }) => {
      const fake = createFakeEndpoint({
        scheduler: rx,
        latency: undefined,
        endpointId: undefined,
        jobId: undefined,
        jobs: completedJob({ id: 'j1', output: 7, queued: undefined, running: undefined }),
        rateLimits: { window: undefined, limits: { run: undefined, status: undefined } },
        config: { retry: { random: undefined, count: undefined } },
      });
      expectObservable(fake.endpoint.runSync({ input: {} })).toBe('301ms (c|)', {
        c: { id: 'j1', status: 'COMPLETED', output: 7, delayTime: 100, executionTime: 200 },
      });
      flush();
      fake.expectOne('POST /ep/runsync');
      expect(fake.maxInWindow(10_000)).toBe(1);
    });
  });

  it('latency sets how long each simulated answer takes; config reaches createEndpoint', () => {
    rx.run(({ expectObservable, expectSubscriptions }) => {
      const Out = t.type({ n: t.number }, 'Out');
      const fake = createFakeEndpoint({
        scheduler: rx,
        latency: 20,
        endpointId: 'other',
        jobs: [completedJob({ id: 'a', output: { n: 1 } }), completedJob({ id: 'b', output: { n: 'x' } })],
        config: { codecs: { output: Out } },
      });
      expectObservable(fake.endpoint.runSync({ input: {} })).toBe('320ms (c|)', {
        c: { id: 'a', status: 'COMPLETED', output: { n: 1 }, delayTime: 100, executionTime: 200 },
      });
      expectObservable(fake.endpoint.runSync({ input: {} })).toBe(
        '320ms #',
        undefined,
        new DecodeError(['Invalid value "x" supplied to : JobState/output: Out/n: number']),
      );
      expectSubscriptions(fake.subscriptions('POST /other/runsync')).toBe(['^ 319ms !', '^ 319ms !']);
    });
  });

  it('intercept wraps the fake transport the way you would wrap the real one', () => {
    rx.run(({ expectObservable, expectSubscriptions, flush }) => {
      const seen: string[] = [];
      const fake = createFakeEndpoint({
        scheduler: rx,
        existingJobs: [streamingJob({ id: 'j1', chunks: [1], queued: 0, every: 10 })],
        intercept: (transport) => (req: HttpRequest) =>
          transport(req).pipe(tap((res) => seen.push(`${req.route} ${res.status}`))),
      });
      expectObservable(fake.endpoint.stream('j1')).toBe('11ms a|', { a: { output: 1 } });
      expectSubscriptions(fake.subscriptions('GET /ep/stream/j1')).toBe(['^ 10ms !', '11ms ^!']);
      flush();
      expect(seen).toEqual(['stream 200', 'stream 200']);
    });
  });

  it('refuses two jobs with one id and an existing job without an id', () => {
    expect(() => createFakeEndpoint({ existingJobs: [endlessJob()] })).toThrow('each of existingJobs needs an id');
    rx.run(({ expectObservable, expectSubscriptions }) => {
      const fake = createFakeEndpoint({ scheduler: rx, jobs: endlessJob({ id: 'same' }) });
      expectObservable(fake.endpoint.run({ input: 1 })).toBe('-(a|)', { a: { id: 'same', status: 'IN_QUEUE' } });
      expectObservable(fake.endpoint.run({ input: 2 })).toBe(
        '#',
        undefined,
        new Error('fake endpoint: job id "same" is already taken; give each timeline its own id'),
      );
      expectSubscriptions(fake.subscriptions()).toBe(['^!', '(^!)']);
    });
  });
});
