import { TestScheduler } from 'rxjs/testing';
import {
  HttpError,
  InvalidInputError,
  PayloadTooLargeError,
  TimeoutError,
  type JobState,
  type RunpodEvent,
} from 'runpod-rx';
import { json } from 'runpod-rx/testing';
import { fakeEndpoint } from '../helpers/endpoint';
import { createTestScheduler } from '../helpers/test-scheduler';

const queued: JobState = { id: 'j1', status: 'IN_QUEUE' };
const running: JobState = { id: 'j1', status: 'IN_PROGRESS' };
const completed: JobState = { id: 'j1', status: 'COMPLETED', output: [1, 2] };
const cancelled: JobState = { id: 'j1', status: 'CANCELLED' };

describe('submit (run + watch, owns the job)', () => {
  let rx: TestScheduler;
  beforeEach(() => {
    rx = createTestScheduler();
  });

  it('first emits the run response itself, then each changed state; costs 2 requests for a job ending within the wait', () => {
    rx.run(({ cold, expectObservable, flush }) => {
      const { fake, endpoint } = fakeEndpoint(rx, (req) =>
        req.route === 'run' ? cold('-r|', { r: json(queued) }) : cold('--r|', { r: json(completed) }),
      );
      expectObservable(endpoint.submit({ input: { n: 2 } })).toBe('-a-(b|)', { a: queued, b: completed });
      flush();
      expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
        'POST /ep1/run',
        'GET /ep1/status-sync/j1?wait=90000',
      ]);
      fake.expectNone('POST /ep1/cancel/*');
    });
  });

  it.each(['FAILED', 'CANCELLED', 'TIMED_OUT'] as const)(
    'a %s job is data: emitted, completes, nothing cancelled',
    (status) => {
      rx.run(({ cold, expectObservable, flush }) => {
        const { fake, endpoint } = fakeEndpoint(rx, (req) =>
          req.route === 'run' ? cold('-r|', { r: json(queued) }) : cold('-r|', { r: json({ id: 'j1', status }) }),
        );
        expectObservable(endpoint.submit({ input: 1 })).toBe('-a(b|)', { a: queued, b: { id: 'j1', status } });
        flush();
        fake.expectNone('POST /ep1/cancel/*');
      });
    },
  );

  it('unsubscribing before a terminal state aborts the long-poll and sends POST /cancel', () => {
    const events: RunpodEvent[] = [];
    rx.run(({ cold, expectObservable, expectSubscriptions, flush }) => {
      const longPoll = cold('1m r|', { r: json(completed) });
      const { fake, endpoint } = fakeEndpoint(
        rx,
        (req) =>
          req.route === 'run'
            ? cold('-r|', { r: json(queued) })
            : req.route === 'cancel'
              ? cold('-r|', { r: json(cancelled) })
              : longPoll,
        { onEvent: (e) => events.push(e) },
      );
      expectObservable(endpoint.submit({ input: 1 }), '^ 9ms !').toBe('-a', { a: queued });
      expectSubscriptions(longPoll.subscriptions).toBe('-^ 8ms !');
      flush();
      const cancel = fake.expectOne('POST /ep1/cancel/j1');
      expect(cancel.at).toBe(10);
      expect(cancel.state).toBe('answered');
      expect(events).toContainEqual({ type: 'cancel-on-abandon', jobId: 'j1' });
      fake.verify();
    });
  });

  it('the deadline errors with TimeoutError carrying the job id, and cancels the job', () => {
    rx.run(({ cold, expectObservable, flush }) => {
      const { fake, endpoint } = fakeEndpoint(rx, (req) =>
        req.route === 'run'
          ? cold('-r|', { r: json(queued) })
          : req.route === 'cancel'
            ? cold('-r|', { r: json(cancelled) })
            : cold('-r|', { r: json(running) }),
      );
      expectObservable(endpoint.submit({ input: 1 }, { timeout: 3000 })).toBe(
        '-ab 2997ms #',
        { a: queued, b: running },
        new TimeoutError('job not finished within 3000 ms', 'j1'),
      );
      flush();
      expect(fake.expectOne('POST /ep1/cancel/j1').at).toBe(3000);
      expect(fake.match('GET /ep1/status-sync/j1')[0].path).toBe('/ep1/status-sync/j1?wait=2999');
    });
  });

  it('an error after the job exists cancels it too, and carries the job id', () => {
    const events: RunpodEvent[] = [];
    rx.run(({ cold, expectObservable, flush }) => {
      const { fake, endpoint } = fakeEndpoint(
        rx,
        (req) =>
          req.route === 'run'
            ? cold('-r|', { r: json(queued) })
            : req.route === 'cancel'
              ? cold('-r|', { r: json(cancelled) })
              : cold('-r|', { r: json({ error: 'no' }, 400) }),
        { onEvent: (e) => events.push(e) },
      );
      expectObservable(endpoint.submit({ input: 1 })).toBe(
        '-a#',
        { a: queued },
        Object.assign(new HttpError({ method: 'GET', path: '/ep1/status-sync/j1?wait=90000' }, 400, 'no'), {
          jobId: 'j1',
        }),
      );
      flush();
      expect(fake.expectOne('POST /ep1/cancel/j1').at).toBe(2);
      expect(events.filter((e) => e.type !== 'request' && e.type !== 'response')).toEqual([
        { type: 'job-created', route: 'run', jobId: 'j1' },
        { type: 'cancel-on-abandon', jobId: 'j1' },
      ]);
    });
  });

  it('with cancelOnAbandon: false an error leaves the job running and carries its id, to resume with watch(id)', () => {
    rx.run(({ cold, flush }) => {
      const { fake, endpoint } = fakeEndpoint(rx, (req) =>
        req.route === 'run' ? cold('-r|', { r: json(queued) }) : cold('-r|', { r: json({ error: 'no' }, 400) }),
      );
      let error: unknown;
      endpoint.submit({ input: 1 }, { cancelOnAbandon: false }).subscribe({ error: (e: unknown) => (error = e) });
      flush();
      expect(error).toBeInstanceOf(HttpError);
      expect((error as HttpError).jobId).toBe('j1');
      fake.expectNone('POST /ep1/cancel/*');
    });
  });

  it('the follow reads retry 5xx and 429 past retry.count, until the deadline', () => {
    rx.run(({ cold, flush }) => {
      const { fake, endpoint } = fakeEndpoint(
        rx,
        (req, n) =>
          req.route === 'run'
            ? cold('-r|', { r: json(queued) })
            : n < 6
              ? cold('-r|', { r: json({ error: 'busy' }, n % 2 === 0 ? 503 : 429) })
              : cold('-r|', { r: json(completed) }),
        { retry: { count: 1 } },
      );
      const states: JobState[] = [];
      endpoint.submit({ input: 1 }).subscribe((state) => states.push(state));
      flush();
      expect(states).toEqual([queued, completed]);
      expect(fake.match('GET /ep1/status-sync/j1')).toHaveLength(7);
      fake.expectNone('POST /ep1/cancel/*');
    });
  });

  it('no retry wait goes past the deadline: a Retry-After beyond it ends the call at once, and the job is cancelled', () => {
    rx.run(({ cold, flush }) => {
      const { fake, endpoint } = fakeEndpoint(rx, (req) =>
        req.route === 'run'
          ? cold('-r|', { r: json(queued) })
          : req.route === 'cancel'
            ? cold('-r|', { r: json(cancelled) })
            : cold('-r|', { r: json({ error: 'slow down' }, 429, { 'retry-after': '5' }) }),
      );
      let error: unknown;
      endpoint.submit({ input: 1 }, { timeout: 3000 }).subscribe({ error: (e: unknown) => (error = e) });
      flush();
      expect(error).toMatchObject({ name: 'ThrottledError', retryAfterMs: 5000, jobId: 'j1' });
      expect(fake.match('GET /ep1/status-sync/j1')).toHaveLength(1);
      expect(fake.match('POST /ep1/cancel/j1').map((r) => r.at)).toEqual([2]);
    });
  });

  it('cancelOnAbandon: false leaves the job running', () => {
    rx.run(({ cold, expectObservable, flush }) => {
      const { fake, endpoint } = fakeEndpoint(rx, (req) =>
        req.route === 'run' ? cold('-r|', { r: json(queued) }) : cold('1m r|', { r: json(completed) }),
      );
      expectObservable(endpoint.submit({ input: 1 }, { cancelOnAbandon: false }), '^ 9ms !').toBe('-a', { a: queued });
      flush();
      fake.expectNone('POST /ep1/cancel/*');
    });
  });

  it('unsubscribing before /run answered lets it finish detached, then cancels the job it created', () => {
    const events: RunpodEvent[] = [];
    rx.run(({ cold, expectObservable, flush }) => {
      const { fake, endpoint } = fakeEndpoint(
        rx,
        (req) => (req.route === 'cancel' ? cold('-r|', { r: json(cancelled) }) : cold('5s r|', { r: json(queued) })),
        { onEvent: (e) => events.push(e) },
      );
      expectObservable(endpoint.submit({ input: 1 }), '^ 9ms !').toBe('');
      flush();
      expect(fake.requests.map((r) => `@${r.at} ${r.method} ${r.path} ${r.state}`)).toEqual([
        '@0 POST /ep1/run answered',
        '@5000 POST /ep1/cancel/j1 answered',
      ]);
      expect(events).toContainEqual({ type: 'job-created', route: 'run', jobId: 'j1' });
    });
  });

  it('a submit left while its /run waits for a slot, or for a retry after a 429, is dropped: it created nothing', () => {
    rx.run(({ cold, flush }) => {
      const { fake, endpoint } = fakeEndpoint(
        rx,
        (req, n) =>
          req.route !== 'run'
            ? cold('1m r|', { r: json(running) })
            : n === 1
              ? cold('-r|', { r: json({ error: 'slow' }, 429) })
              : cold('5s r|', { r: json(queued) }),
        { concurrency: { run: 1 } },
      );
      const holder = endpoint.submit({ input: 'holds the slot' }, { cancelOnAbandon: false }).subscribe();
      endpoint.submit({ input: 'queued' }).subscribe().unsubscribe();
      const throttled = endpoint.submit({ input: 'throttled' }).subscribe();
      rx.schedule(() => {
        throttled.unsubscribe();
        holder.unsubscribe();
      }, 5_010);
      flush();
      expect(fake.requests.map((r) => `@${r.at} ${r.method} ${r.path} ${JSON.stringify(r.body)} ${r.state}`)).toEqual([
        '@0 POST /ep1/run {"input":"holds the slot"} answered',
        '@5000 POST /ep1/run {"input":"throttled"} answered',
        '@5000 GET /ep1/status-sync/j1?wait=90000 undefined cancelled',
      ]);
    });
  });

  it('with cancelOnAbandon: false, unsubscribing before /run answered still learns the id but cancels nothing', () => {
    const events: RunpodEvent[] = [];
    rx.run(({ cold, flush }) => {
      const { fake, endpoint } = fakeEndpoint(rx, () => cold('5s r|', { r: json(queued) }), {
        onEvent: (e) => events.push(e),
      });
      endpoint.submit({ input: 1 }, { cancelOnAbandon: false }).subscribe().unsubscribe();
      flush();
      expect(fake.requests.map((r) => `${r.method} ${r.path} ${r.state}`)).toEqual(['POST /ep1/run answered']);
      expect(events).toContainEqual({ type: 'job-created', route: 'run', jobId: 'j1' });
    });
  });
});

describe('runSync (runsync + long-poll, owns the job)', () => {
  let rx: TestScheduler;
  beforeEach(() => {
    rx = createTestScheduler();
  });

  it('costs one request when the job ends within the wait, and emits only the terminal state', () => {
    rx.run(({ cold, expectObservable, flush }) => {
      const { fake, endpoint } = fakeEndpoint(rx, () => cold('--r|', { r: json(completed) }));
      expectObservable(endpoint.runSync({ input: 1 })).toBe('--(a|)', { a: completed });
      flush();
      const sent = fake.expectOne('POST /ep1/runsync');
      expect(sent.path).toBe('/ep1/runsync?wait=5000');
      expect(sent.body).toEqual({ input: 1 });
      expect(fake.requests).toHaveLength(1);
    });
  });

  it('the first wait is runsyncWait (default 5 s), ending 500 ms before the deadline; a deadline too short for it starts with /run', () => {
    rx.run(({ cold, flush }) => {
      const { fake, endpoint } = fakeEndpoint(rx, () => cold('-r|', { r: json(completed) }), {
        runsyncWait: 300_000,
        longPollWait: 600_000,
      });
      endpoint.runSync({ input: 1 }, { timeout: 20_000 }).subscribe();
      endpoint.runSync({ input: 1 }, { timeout: 200 }).subscribe();
      endpoint.runSync({ input: 1 }).subscribe();
      flush();
      expect(fake.requests.map((r) => r.path)).toEqual([
        '/ep1/runsync?wait=19500',
        '/ep1/run',
        '/ep1/runsync?wait=300000',
      ]);
    });
  });

  it('when the wait runs out, long-polls status-sync and emits only the terminal state', () => {
    rx.run(({ cold, expectObservable, flush }) => {
      const answers = [running, completed];
      const { fake, endpoint } = fakeEndpoint(rx, (req, n) =>
        req.route === 'runsync' ? cold('-r|', { r: json(queued) }) : cold('3s r|', { r: json(answers[n]) }),
      );
      expectObservable(endpoint.runSync({ input: 1 })).toBe('- 6000ms (a|)', { a: completed });
      flush();
      expect(fake.requests.map((r) => r.path)).toEqual([
        '/ep1/runsync?wait=5000',
        '/ep1/status-sync/j1?wait=90000',
        '/ep1/status-sync/j1?wait=90000',
      ]);
    });
  });

  it('a FAILED job is data, with its error text', () => {
    rx.run(({ cold, expectObservable }) => {
      const failed = { id: 'sync-j1', status: 'FAILED', error: 'CUDA out of memory' };
      const { endpoint } = fakeEndpoint(rx, () => cold('-r|', { r: json(failed) }));
      expectObservable(endpoint.runSync({ input: 1 })).toBe('-(a|)', { a: failed });
    });
  });

  it('unsubscribing after the job id is known sends POST /cancel; the deadline does too', () => {
    rx.run(({ cold, expectObservable, flush }) => {
      const { fake, endpoint } = fakeEndpoint(rx, (req) =>
        req.route === 'runsync'
          ? cold('-r|', { r: json({ id: 'sync-j1', status: 'IN_PROGRESS' }) })
          : req.route === 'cancel'
            ? cold('-r|', { r: json({ id: 'sync-j1', status: 'CANCELLED' }) })
            : cold('1m r|', { r: json(completed) }),
      );
      expectObservable(endpoint.runSync({ input: 1 }), '^ 49ms !').toBe('');
      expectObservable(endpoint.runSync({ input: 1 }, { timeout: 2000 })).toBe(
        '2s #',
        undefined,
        new TimeoutError('job not finished within 2000 ms', 'sync-j1'),
      );
      flush();
      expect(fake.match('POST /ep1/cancel/sync-j1').map((r) => r.at)).toEqual([50, 2000]);
    });
  });

  it('unsubscribing during the first /runsync wait lets the exchange finish detached, then cancels a job still running', () => {
    const events: RunpodEvent[] = [];
    rx.run(({ cold, expectObservable, flush }) => {
      const { fake, endpoint } = fakeEndpoint(
        rx,
        (req) =>
          req.route === 'cancel'
            ? cold('-r|', { r: json({ id: 'sync-j1', status: 'CANCELLED' }) })
            : cold('5s r|', { r: json({ id: 'sync-j1', status: 'IN_PROGRESS' }) }),
        { onEvent: (e) => events.push(e) },
      );
      expectObservable(endpoint.runSync({ input: 1 }), '^ 999ms !').toBe('');
      flush();
      expect(fake.requests.map((r) => `@${r.at} ${r.method} ${r.path} ${r.state}`)).toEqual([
        '@0 POST /ep1/runsync?wait=5000 answered',
        '@5000 POST /ep1/cancel/sync-j1 answered',
      ]);
      expect(events.filter((e) => e.type !== 'request' && e.type !== 'response')).toEqual([
        { type: 'job-created', route: 'runsync', jobId: 'sync-j1' },
        { type: 'cancel-on-abandon', jobId: 'sync-j1' },
      ]);
    });
  });

  it('a deadline passing during the first wait errors at once; the job is cancelled when its id arrives', () => {
    rx.run(({ cold, expectObservable, flush }) => {
      const { fake, endpoint } = fakeEndpoint(rx, (req) =>
        req.route === 'cancel'
          ? cold('-r|', { r: json({ id: 'sync-j1', status: 'CANCELLED' }) })
          : cold('3500ms r|', { r: json({ id: 'sync-j1', status: 'IN_PROGRESS' }) }),
      );
      expectObservable(endpoint.runSync({ input: 1 }, { timeout: 3000 })).toBe(
        '3s #',
        undefined,
        new TimeoutError('job not finished within 3000 ms', undefined),
      );
      flush();
      expect(fake.requests.map((r) => `@${r.at} ${r.method} ${r.path}`)).toEqual([
        '@0 POST /ep1/runsync?wait=2500',
        '@3500 POST /ep1/cancel/sync-j1',
      ]);
    });
  });

  it('a job that ended within the abandoned wait is not cancelled: still one request', () => {
    rx.run(({ cold, expectObservable, flush }) => {
      const { fake, endpoint } = fakeEndpoint(rx, () => cold('3s r|', { r: json(completed) }));
      expectObservable(endpoint.runSync({ input: 1 }), '^ 999ms !').toBe('');
      flush();
      expect(fake.requests.map((r) => `${r.method} ${r.path} ${r.state}`)).toEqual([
        'POST /ep1/runsync?wait=5000 answered',
      ]);
    });
  });

  it('refuses input JSON cannot carry, before sending anything', () => {
    rx.run(({ expectObservable, flush }) => {
      const { fake, endpoint } = fakeEndpoint(rx, () => undefined);
      const cyclic: Record<string, unknown> = { a: 1 };
      cyclic.self = cyclic;
      expectObservable(endpoint.runSync({ input: { n: 10n } })).toBe(
        '#',
        undefined,
        new InvalidInputError(
          'the job request at key "n" is a BigInt, which JSON cannot carry; convert it to a string',
        ),
      );
      expectObservable(endpoint.runSync({ input: cyclic })).toBe(
        '#',
        undefined,
        new InvalidInputError('the job request at key "self" is a circular reference'),
      );
      expectObservable(endpoint.submit({ input: { f: () => 1 } })).toBe(
        '#',
        undefined,
        new InvalidInputError('the job request at key "f" is a function, which JSON cannot carry'),
      );
      flush();
      expect(fake.requests).toHaveLength(0);
    });
  });

  it('refuses a body over 20 MB for /runsync and over 10 MB for /run, before sending anything', () => {
    rx.run(({ expectObservable, flush }) => {
      const { fake, endpoint } = fakeEndpoint(rx, () => undefined);
      // Decimal megabytes: 20,000,000 and 10,000,000 bytes, a little under 20 and 10 MiB.
      const big = 'x'.repeat(20_000_000);
      const medium = 'x'.repeat(10_000_000);
      const overhead = '{"input":""}'.length;
      expectObservable(endpoint.runSync({ input: big })).toBe(
        '#',
        undefined,
        new PayloadTooLargeError(big.length + overhead, 20_000_000),
      );
      expectObservable(endpoint.run({ input: medium })).toBe(
        '#',
        undefined,
        new PayloadTooLargeError(medium.length + overhead, 10_000_000),
      );
      flush();
      expect(fake.requests).toHaveLength(0);
    });
  });

  it('payloadLimits overrides the limits per route (RunPod may count MiB: 10 MiB can be allowed)', () => {
    rx.run(({ expectObservable, flush }) => {
      const { fake, endpoint } = fakeEndpoint(rx, () => undefined, {
        payloadLimits: { run: 10 * 1024 * 1024, runsync: 100 },
      });
      const overhead = '{"input":""}'.length;
      const small = 'x'.repeat(100);
      expectObservable(endpoint.runSync({ input: small })).toBe(
        '#',
        undefined,
        new PayloadTooLargeError(small.length + overhead, 100),
      );
      const over = 'x'.repeat(10 * 1024 * 1024 - overhead + 1);
      expectObservable(endpoint.run({ input: over })).toBe(
        '#',
        undefined,
        new PayloadTooLargeError(10 * 1024 * 1024 + 1, 10 * 1024 * 1024),
      );
      flush();
      expect(fake.requests).toHaveLength(0);
    });
  });

  it('a body between 10 MB and 10 MiB is refused by default and sent under a MiB payloadLimits', () => {
    const input = 'x'.repeat(10_000_100);
    rx.run(({ cold, expectObservable, flush }) => {
      const strict = fakeEndpoint(rx, () => undefined);
      expectObservable(strict.endpoint.run({ input })).toBe(
        '#',
        undefined,
        new PayloadTooLargeError(input.length + 12, 10_000_000),
      );
      const queued = { id: 'j1-e1', status: 'IN_QUEUE' };
      const loose = fakeEndpoint(rx, () => cold('-r|', { r: json(queued) }), {
        payloadLimits: { run: 10 * 1024 * 1024 },
      });
      expectObservable(loose.endpoint.run({ input })).toBe('-(a|)', { a: queued });
      flush();
      expect(strict.fake.requests).toHaveLength(0);
      expect(loose.fake.requests).toHaveLength(1);
    });
  });

  it('refuses a policy outside RunPod ranges', () => {
    rx.run(({ expectObservable }) => {
      const { endpoint } = fakeEndpoint(rx, () => undefined);
      expectObservable(endpoint.run({ input: 1, policy: { executionTimeout: 1000 } })).toBe(
        '#',
        undefined,
        new InvalidInputError('policy.executionTimeout must be a whole number of ms from 5000 to 604800000'),
      );
      expectObservable(endpoint.run({ input: 1, policy: { ttl: Number.NaN } })).toBe(
        '#',
        undefined,
        new InvalidInputError('policy.ttl must be a whole number of ms from 10000 to 604800000'),
      );
    });
  });

  it('refuses negative or NaN timeouts', () => {
    rx.run(({ expectObservable }) => {
      const { endpoint } = fakeEndpoint(rx, () => undefined);
      expectObservable(endpoint.runSync({ input: 1 }, { timeout: -1 })).toBe(
        '#',
        undefined,
        new InvalidInputError('timeout must be a positive number of ms, at most 2147483647'),
      );
      expectObservable(endpoint.watch('j1', { timeout: Number.NaN })).toBe(
        '#',
        undefined,
        new InvalidInputError('timeout must be a positive number of ms, at most 2147483647'),
      );
    });
  });
});
