import { takeLast } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { NotFoundError, TimeoutError, type JobState, type RunpodEvent } from 'runpod-rx';
import { json } from 'runpod-rx/testing';
import { fakeEndpoint } from '../helpers/endpoint';
import { createTestScheduler } from '../helpers/test-scheduler';

const queued: JobState = { id: 'j1', status: 'IN_QUEUE' };
const running: JobState = { id: 'j1', status: 'IN_PROGRESS', delayTime: 5 };
const completed: JobState = { id: 'j1', status: 'COMPLETED', output: 'done', delayTime: 5, executionTime: 9 };

describe('watch', () => {
  let rx: TestScheduler;
  beforeEach(() => {
    rx = createTestScheduler();
  });

  it('emits the current state at once from /status, then long-polls /status-sync until terminal', () => {
    rx.run(({ cold, expectObservable, flush }) => {
      const { fake, endpoint } = fakeEndpoint(rx, (req) =>
        req.route === 'status' ? cold('-r|', { r: json(queued) }) : cold('---r|', { r: json(completed) }),
      );
      expectObservable(endpoint.watch('j1')).toBe('-a--(b|)', { a: queued, b: completed });
      flush();
      expect(fake.requests.map((r) => [r.at, r.method, r.path])).toEqual([
        [0, 'GET', '/ep1/status/j1'],
        [1, 'GET', '/ep1/status-sync/j1?wait=90000'],
      ]);
      fake.verify();
    });
  });

  it('sends the remaining deadline as the long-poll wait, and errors with TimeoutError carrying the job id', () => {
    rx.run(({ cold, expectObservable, flush }) => {
      const { fake, endpoint } = fakeEndpoint(rx, (req) =>
        req.route === 'status' ? cold('-r|', { r: json(queued) }) : cold('10s r|', { r: json(completed) }),
      );
      expectObservable(endpoint.watch('j1', { timeout: 5000 })).toBe(
        '-a 4998ms #',
        { a: queued },
        new TimeoutError('job not finished within 5000 ms', 'j1'),
      );
      flush();
      const longPoll = fake.expectOne('GET /ep1/status-sync/j1');
      expect(longPoll.path).toBe('/ep1/status-sync/j1?wait=4999');
      expect(longPoll.state).toBe('cancelled');
    });
  });

  it('emits only changed states: a new status or a new progress output, never the same state twice', () => {
    rx.run(({ cold, expectObservable }) => {
      const progress1 = { ...running, output: { step: 1 } };
      const progress2 = { ...running, output: { step: 2 } };
      const answers = [progress1, progress1, progress2, progress2, completed];
      const { endpoint } = fakeEndpoint(rx, (req, n) =>
        req.route === 'status' ? cold('-r|', { r: json(queued) }) : cold('2s r|', { r: json(answers[n]) }),
      );
      expectObservable(endpoint.watch('j1')).toBe('-a 1999ms b 3999ms c 3999ms (d|)', {
        a: queued,
        b: progress1,
        c: progress2,
        d: completed,
      });
    });
  });

  it.each(['FAILED', 'CANCELLED', 'TIMED_OUT'] as const)(
    'emits a %s terminal state as data and completes',
    (status) => {
      rx.run(({ cold, expectObservable }) => {
        const ended = { id: 'j1', status, error: status === 'FAILED' ? 'boom' : undefined };
        const { endpoint } = fakeEndpoint(rx, (req) =>
          req.route === 'status' ? cold('-r|', { r: json(running) }) : cold('-r|', { r: json(ended) }),
        );
        expectObservable(endpoint.watch('j1')).toBe('-a(b|)', {
          a: running,
          b: status === 'FAILED' ? ended : { id: 'j1', status },
        });
      });
    },
  );

  it('completes after one request when the job is already terminal', () => {
    rx.run(({ cold, expectObservable, flush }) => {
      const { fake, endpoint } = fakeEndpoint(rx, () => cold('-r|', { r: json(completed) }));
      expectObservable(endpoint.watch('j1')).toBe('-(a|)', { a: completed });
      flush();
      expect(fake.requests).toHaveLength(1);
    });
  });

  it('falls back to /status polling with a growing interval when status-sync answers 405', () => {
    rx.run(({ cold, expectObservable, flush }) => {
      const polls = [queued, running, running, running, completed];
      const { fake, endpoint } = fakeEndpoint(rx, (req, n) =>
        req.route === 'status-sync'
          ? cold('-r|', { r: json({ error: 'method not allowed' }, 405) })
          : cold('-r|', { r: json(polls[n]) }),
      );
      // status@0→1 queued; status-sync@1→405@2; status@2→3 running; then polls after 500, 750, 1125 ms while unchanged
      expectObservable(endpoint.watch('j1')).toBe('-a-b 2377ms (c|)', { a: queued, b: running, c: completed });
      flush();
      expect(fake.match('GET /ep1/status-sync/j1')).toHaveLength(1);
      expect(fake.match('GET /ep1/status/j1').map((r) => r.at)).toEqual([0, 2, 503, 1254, 2380]);
    });
  });

  it('on a 404 from status-sync asks /status once: a known job falls back to polling', () => {
    rx.run(({ cold, expectObservable }) => {
      const polls = [queued, running, completed];
      const { endpoint } = fakeEndpoint(rx, (req, n) =>
        req.route === 'status-sync'
          ? cold('-r|', { r: json({ error: 'not found' }, 404) })
          : cold('-r|', { r: json(polls[n]) }),
      );
      expectObservable(endpoint.watch('j1')).toBe('-a-b 500ms (c|)', { a: queued, b: running, c: completed });
    });
  });

  it('on a 404 from status-sync asks /status once: an unknown job is a NotFoundError', () => {
    rx.run(({ cold, expectObservable }) => {
      const { endpoint } = fakeEndpoint(rx, (req, n) =>
        req.route === 'status' && n === 0
          ? cold('-r|', { r: json(queued) })
          : cold('-r|', { r: json({ error: 'not found' }, 404) }),
      );
      expectObservable(endpoint.watch('j1')).toBe(
        '-a-#',
        { a: queued },
        new NotFoundError({ method: 'GET', path: '/ep1/status/j1' }, 'j1'),
      );
    });
  });

  it('pollInterval polls /status at that fixed interval instead of long-polling', () => {
    rx.run(({ cold, expectObservable, flush }) => {
      const polls = [queued, queued, running, completed];
      const { fake, endpoint } = fakeEndpoint(rx, (req, n) =>
        req.route === 'status' ? cold('-r|', { r: json(polls[n]) }) : undefined,
      );
      expectObservable(endpoint.watch('j1', { pollInterval: 1000 })).toBe('-a 2001ms b 1000ms (c|)', {
        a: queued,
        b: running,
        c: completed,
      });
      flush();
      expect(fake.requests.map((r) => r.at)).toEqual([0, 1001, 2002, 3003]);
      fake.expectNone('GET /ep1/status-sync/*');
    });
  });

  it('paces a server that answers long-polls at once with nothing new, instead of hot-looping', () => {
    rx.run(({ cold, expectObservable, flush }) => {
      const answers = [running, running, completed];
      const { fake, endpoint } = fakeEndpoint(rx, (req, n) =>
        req.route === 'status' ? cold('-r|', { r: json(running) }) : cold('-r|', { r: json(answers[n]) }),
      );
      expectObservable(endpoint.watch('j1')).toBe('-a 1252ms (b|)', { a: running, b: completed });
      flush();
      expect(fake.match('GET /ep1/status-sync/j1').map((r) => r.at)).toEqual([1, 502, 1253]);
    });
  });

  it('unsubscribing aborts the long-poll in flight and sends no cancel: watch does not own the job', () => {
    const events: RunpodEvent[] = [];
    rx.run(({ cold, expectObservable, flush }) => {
      const longPoll = cold('1m r|', { r: json(completed) });
      const { fake, endpoint } = fakeEndpoint(
        rx,
        (req) => (req.route === 'status' ? cold('-r|', { r: json(queued) }) : longPoll),
        { onEvent: (e) => events.push(e) },
      );
      expectObservable(endpoint.watch('j1'), '^ 99ms !').toBe('-a', { a: queued });
      flush();
      expect(fake.expectOne('GET /ep1/status-sync/j1').state).toBe('cancelled');
      fake.expectNone('POST /ep1/cancel/j1');
      expect(events.some((e) => e.type === 'cancel-on-abandon')).toBe(false);
      fake.verify();
    });
  });

  it("honours RunPod's concurrency limit: excess requests wait their turn, long-polls hand over every 2 s", () => {
    rx.run(({ cold, flush }) => {
      // Every job completes at 5 s; status-sync answers at min(now + wait, 5 s), as a server would.
      const DONE_AT = 5000;
      const jobOf = (path: string) => path.split('/')[3].split('?')[0];
      const { fake, endpoint } = fakeEndpoint(
        rx,
        (req) => {
          const id = jobOf(req.path);
          if (req.route === 'status') return cold('-r|', { r: json({ id, status: 'IN_QUEUE' }) });
          const answerAt = Math.min(rx.now() + Number(req.path.split('wait=')[1]), DONE_AT);
          const status = answerAt >= DONE_AT ? 'COMPLETED' : 'IN_QUEUE';
          return cold(`${answerAt - rx.now()}ms r|`, { r: json({ id, status }) });
        },
        { concurrency: { status: 2 } },
      );
      const ended: string[] = [];
      for (const id of ['a', 'b', 'c', 'd']) {
        endpoint
          .watch(id)
          .pipe(takeLast(1))
          .subscribe((state) => ended.push(`${state.id} ${state.status} @${rx.now()}`));
      }
      flush();
      expect(fake.maxInFlight()).toBe(2);
      // First states first; then long-polls started while others wait hold 2 s, and the slots go to
      // the queue's head (a, b: a FIFO queue starts them first), one pick in ten to the job that
      // waited longest (c at 4002). Same 12 requests and the same completions as taking turns.
      // The hold under contention is 2 s × slots / jobs waiting, at least 2 s.
      expect(fake.requests.map((r) => `${r.at}-${r.endedAt} ${r.path}`)).toEqual([
        '0-1 /ep1/status/a',
        '0-1 /ep1/status/b',
        '1-2 /ep1/status/c',
        '1-2 /ep1/status/d',
        '2-2002 /ep1/status-sync/a?wait=2000',
        '2-2002 /ep1/status-sync/b?wait=2000',
        '2002-4002 /ep1/status-sync/a?wait=2000',
        '2002-4002 /ep1/status-sync/b?wait=2000',
        '4002-5000 /ep1/status-sync/a?wait=2000',
        '4002-5000 /ep1/status-sync/c?wait=2000',
        '5000-5000 /ep1/status-sync/b?wait=4000', // one job waits for two slots: a 4 s hold gives it a turn
        '5000-5000 /ep1/status-sync/d?wait=90000',
      ]);
      expect(ended).toEqual(['a COMPLETED @5000', 'c COMPLETED @5000', 'b COMPLETED @5000', 'd COMPLETED @5000']);
      fake.verify();
    });
  });
});
