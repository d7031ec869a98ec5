import { EMPTY, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { ConfigError, HttpError, InvalidInputError, TimeoutError, type JobState } from 'runpod-rx';
import { pollUntilTerminal, retryOnThrottle } from 'runpod-rx/operators';
import { completedJob, createFakeEndpoint } from 'runpod-rx/testing';
import { createTestScheduler } from '../helpers/test-scheduler';

const q: JobState = { id: 'j1', status: 'IN_QUEUE' };
const p: JobState = { id: 'j1', status: 'IN_PROGRESS' };
const p2: JobState = { id: 'j1', status: 'IN_PROGRESS', output: { progress: 0.5 } };
const c: JobState = { id: 'j1', status: 'COMPLETED', output: 42 };
const f: JobState = { id: 'j1', status: 'FAILED', error: 'boom' };
const states = { q, p, r: p2, c, f };

/** A status source that answers with `replies[0]`, then `replies[1]`, … (the last one repeats). */
function scripted(replies: Observable<JobState>[]) {
  const ids: string[] = [];
  const fetchState = (id: string) => {
    ids.push(id);
    return replies[Math.min(ids.length - 1, replies.length - 1)];
  };
  return { fetchState, ids };
}

describe('pollUntilTerminal', () => {
  let rx: TestScheduler;
  beforeEach(() => {
    rx = createTestScheduler();
  });

  it('emits the known state, polls `interval` ms after each answer, completes after the terminal state', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('q|', states);
      const first = cold('-p|', states);
      const second = cold('-c|', states);
      const { fetchState, ids } = scripted([first, second]);
      expectObservable(source.pipe(pollUntilTerminal(fetchState, { interval: 10, scheduler: rx }))).toBe(
        'q 10ms p 10ms (c|)',
        states,
      );
      expectSubscriptions(source.subscriptions).toBe('^!');
      expectSubscriptions(first.subscriptions).toBe('10ms ^!');
      expectSubscriptions(second.subscriptions).toBe('21ms ^!');
      rx.schedule(() => expect(ids).toEqual(['j1', 'j1']), 100);
    });
  });

  it('never emits the same state twice: only changes of status, output or error', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('q|', states);
      const replies = [
        cold('-p|', states),
        cold('-p|', states),
        cold('-r|', states),
        cold('-r|', states),
        cold('-c|', states),
      ];
      const { fetchState } = scripted(replies);
      expectObservable(source.pipe(pollUntilTerminal(fetchState, { interval: 10, scheduler: rx }))).toBe(
        'q 10ms p 21ms r 21ms (c|)',
        states,
      );
      expectSubscriptions(replies[0].subscriptions).toBe('10ms ^!');
      expectSubscriptions(replies[4].subscriptions).toBe('54ms ^!');
    });
  });

  it('keeps exactly one request in flight, however slow the answers', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('q|', states);
      const slow = cold('50ms p|', states);
      const last = cold('50ms c|', states);
      const { fetchState } = scripted([slow, last]);
      expectObservable(source.pipe(pollUntilTerminal(fetchState, { interval: 10, scheduler: rx }))).toBe(
        'q 59ms p 59ms (c|)',
        states,
      );
      expectSubscriptions(slow.subscriptions).toBe('10ms ^ 49ms !');
      expectSubscriptions(last.subscriptions).toBe('70ms ^ 49ms !');
    });
  });

  it('backoff grows the gap while nothing changes (×2 up to maxInterval) and resets it on a change', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('q|', states);
      // polls at 10 (p: a change), 20 (p: gap grows to 20), 40 (p: 40, capped at 30), 70 (p: 30),
      // 100 (r: a change, the gap is back to 10), 110 (c)
      const replies = [
        cold('p|', states),
        cold('p|', states),
        cold('p|', states),
        cold('p|', states),
        cold('r|', states),
        cold('c|', states),
      ];
      const { fetchState } = scripted(replies);
      const operator = pollUntilTerminal(fetchState, { interval: 10, backoff: 2, maxInterval: 30, scheduler: rx });
      expectObservable(source.pipe(operator)).toBe('q 9ms p 89ms r 9ms (c|)', states);
      expectSubscriptions(replies[0].subscriptions).toBe('10ms (^!)');
      expectSubscriptions(replies[1].subscriptions).toBe('20ms (^!)');
      expectSubscriptions(replies[2].subscriptions).toBe('40ms (^!)');
      expectSubscriptions(replies[3].subscriptions).toBe('70ms (^!)');
      expectSubscriptions(replies[4].subscriptions).toBe('100ms (^!)');
      expectSubscriptions(replies[5].subscriptions).toBe('110ms (^!)');
    });
  });

  it('a bare job id is fetched at once', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('i|', { i: 'j1' });
      const replies = [cold('-q|', states), cold('-c|', states)];
      const { fetchState } = scripted(replies);
      expectObservable(source.pipe(pollUntilTerminal(fetchState, { interval: 10, scheduler: rx }))).toBe(
        '-q 10ms (c|)',
        states,
      );
      expectSubscriptions(replies[0].subscriptions).toBe('^!');
      expectSubscriptions(replies[1].subscriptions).toBe('11ms ^!');
    });
  });

  it('a job already terminal is emitted and never polled', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('f|', states);
      const reply = cold('-p|', states);
      const { fetchState } = scripted([reply]);
      expectObservable(source.pipe(pollUntilTerminal(fetchState, { scheduler: rx }))).toBe('f|', states);
      expectSubscriptions(source.subscriptions).toBe('^!');
      expectSubscriptions(reply.subscriptions).toBe([]);
    });
  });

  it('a FAILED state is data: emitted, then complete (add throwOnJobFailure to make it an error)', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('q|', states);
      const reply = cold('-f|', states);
      const { fetchState } = scripted([reply]);
      expectObservable(source.pipe(pollUntilTerminal(fetchState, { interval: 5, scheduler: rx }))).toBe(
        'q 5ms (f|)',
        states,
      );
      expectSubscriptions(reply.subscriptions).toBe('5ms ^!');
    });
  });

  it('the timeout errors with TimeoutError carrying the job id, and aborts the request in flight', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('q|', states);
      const quick = cold('-p|', states);
      const slow = cold('10ms c|', states);
      const { fetchState } = scripted([quick, slow]);
      expectObservable(source.pipe(pollUntilTerminal(fetchState, { interval: 10, timeout: 25, scheduler: rx }))).toBe(
        'q 10ms p 13ms #',
        states,
        new TimeoutError('job j1 not terminal within 25 ms', 'j1'),
      );
      expectSubscriptions(quick.subscriptions).toBe('10ms ^!');
      expectSubscriptions(slow.subscriptions).toBe('21ms ^---!');
    });
  });

  it('an error of fetchState ends the result', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const error = new HttpError({ method: 'GET', path: '/ep/status/j1' }, 500, 'boom');
      const source = cold('q|', states);
      const reply = cold('-#', states, error);
      const { fetchState } = scripted([reply]);
      expectObservable(source.pipe(pollUntilTerminal(fetchState, { interval: 10, scheduler: rx }))).toBe(
        'q 10ms #',
        states,
        error,
      );
      expectSubscriptions(reply.subscriptions).toBe('10ms ^!');
    });
  });

  it('fetchState completing without a state is an error, not a silent end', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('q|', states);
      const reply = cold('-|', states);
      const { fetchState } = scripted([reply]);
      expectObservable(source.pipe(pollUntilTerminal(fetchState, { interval: 10, scheduler: rx }))).toBe(
        'q 10ms #',
        states,
        new InvalidInputError("pollUntilTerminal: fetchState('j1') completed without a state"),
      );
      expectSubscriptions(reply.subscriptions).toBe('10ms ^!');
    });
  });

  it('unsubscribing stops the timers and aborts the request in flight', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('q|', states);
      const reply = cold('5ms p|', states);
      const { fetchState, ids } = scripted([reply]);
      expectObservable(source.pipe(pollUntilTerminal(fetchState, { interval: 10, scheduler: rx })), '^ 12ms !').toBe(
        'q',
        states,
      );
      expectSubscriptions(reply.subscriptions).toBe('10ms ^--!');
      rx.schedule(() => expect(ids).toEqual(['j1']), 1000);
    });
  });

  it('polls several jobs independently (merged)', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const jobs = { a: { id: 'a', status: 'IN_QUEUE' }, b: { id: 'b', status: 'IN_QUEUE' } } as const;
      const done = { A: { id: 'a', status: 'COMPLETED' }, B: { id: 'b', status: 'COMPLETED' } } as const;
      const source = cold('a-b|', jobs);
      const replyA = cold('-A|', done);
      const replyB = cold('-B|', done);
      const fetchState = (id: string) => (id === 'a' ? replyA : replyB);
      expectObservable(source.pipe(pollUntilTerminal(fetchState, { interval: 10, scheduler: rx }))).toBe(
        'a-b 8ms A-(B|)',
        { ...jobs, ...done },
      );
      expectSubscriptions(replyA.subscriptions).toBe('10ms ^!');
      expectSubscriptions(replyB.subscriptions).toBe('12ms ^!');
    });
  });

  it.each([
    [{ interval: 0 }, 'pollUntilTerminal: interval must be a positive number of ms, at most 2147483647'],
    [{ maxInterval: 2 ** 31 }, 'pollUntilTerminal: maxInterval must be a positive number of ms, at most 2147483647'],
    [{ timeout: -1 }, 'pollUntilTerminal: timeout must be a positive number of ms, at most 2147483647, or Infinity'],
    [{ backoff: 0.5 }, 'pollUntilTerminal: backoff must be a number ≥ 1'],
  ])('invalid config %j is refused when the operator is created, with ConfigError', (config, message) => {
    expect(() => pollUntilTerminal(() => EMPTY, config)).toThrow(new ConfigError(message));
  });

  it('end to end: run, then poll /status with your own interval through a fake endpoint', () => {
    rx.run(({ expectObservable, expectSubscriptions, flush }) => {
      const fake = createFakeEndpoint({ scheduler: rx, jobs: completedJob({ id: 'j1', queued: 100, running: 200 }) });
      const { endpoint } = fake;
      const states$ = endpoint.run({ input: {} }).pipe(
        pollUntilTerminal((id) => endpoint.status(id).pipe(retryOnThrottle({ scheduler: rx })), {
          interval: 100,
          scheduler: rx,
        }),
      );
      expectObservable(states$).toBe('-q 100ms p 201ms (c|)', {
        q: { id: 'j1', status: 'IN_QUEUE' },
        p: { id: 'j1', status: 'IN_PROGRESS', delayTime: 100 },
        c: { id: 'j1', status: 'COMPLETED', output: { ok: true }, delayTime: 100, executionTime: 200 },
      });
      expectSubscriptions(fake.subscriptions('GET /ep/status/j1')).toBe(['101ms ^!', '202ms ^!', '303ms ^!']);
      flush();
      fake.verify();
    });
  });
});
