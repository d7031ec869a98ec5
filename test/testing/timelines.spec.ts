import { TestScheduler } from 'rxjs/testing';
import { JobFailedError, ThrottledError, TimeoutError, type JobState } from 'runpod-rx';
import { selectOutput, throwOnJobFailure } from 'runpod-rx/operators';
import { completedJob, createFakeEndpoint, endlessJob, failedJob, jobTimeline, streamingJob } from 'runpod-rx/testing';
import { createTestScheduler } from '../helpers/test-scheduler';

describe('job timelines', () => {
  let rx: TestScheduler;
  beforeEach(() => {
    rx = createTestScheduler();
  });

  describe('jobTimeline (marbles)', () => {
    it('reads marbles the way cold() does in run mode: 1 ms per character, groups, time progression', () => {
      const job = jobTimeline(
        'q 99ms p 199ms (c|)',
        {
          q: 'IN_QUEUE',
          p: { status: 'IN_PROGRESS', output: { progress: 0.5 } },
          c: { status: 'COMPLETED', output: 1 },
        },
        { id: 'j1', chunks: '150ms a 49ms (bc)', chunkValues: { a: 'x', b: 'y' } },
      );
      expect(job).toEqual({
        id: 'j1',
        steps: [
          { at: 0, state: { status: 'IN_QUEUE' } },
          { at: 100, state: { status: 'IN_PROGRESS', output: { progress: 0.5 } } },
          { at: 300, state: { status: 'COMPLETED', output: 1 } },
        ],
        chunks: [
          { at: 150, output: 'x' },
          { at: 200, output: 'y' },
          { at: 200, output: 'c' },
        ],
      });
      expect(
        jobTimeline('q-p 1s 2m c', { q: 'IN_QUEUE', p: 'IN_PROGRESS', c: 'FAILED' }).steps.map((s) => s.at),
      ).toEqual([0, 2, 121_003]);
    });

    it('refuses a timeline that does not start at 0, goes on after the end, or names an unknown value', () => {
      expect(() => jobTimeline('-q', { q: 'IN_QUEUE' })).toThrow('starts with a state at 0 ms');
      expect(() => jobTimeline('qcp', { q: 'IN_QUEUE', c: 'COMPLETED', p: 'IN_PROGRESS' })).toThrow(
        'ends at its first terminal state',
      );
      expect(() => jobTimeline('qz', { q: 'IN_QUEUE' })).toThrow('no value for "z"');
      expect(() => jobTimeline('q#', { q: 'IN_QUEUE' })).toThrow('"#" has no meaning here');
    });

    it('drives a fake endpoint: watch sees the states it scripts', () => {
      rx.run(({ expectObservable, expectSubscriptions }) => {
        const job = jobTimeline(
          'q 9ms p 9ms r 9ms c',
          {
            q: 'IN_QUEUE',
            p: { status: 'IN_PROGRESS', output: { step: 1 } },
            r: { status: 'IN_PROGRESS', output: { step: 2 } },
            c: { status: 'COMPLETED', output: 'done' },
          },
          { id: 'j1' },
        );
        const fake = createFakeEndpoint({ scheduler: rx, existingJobs: [job] });
        // pollInterval makes watch read /status 10 ms after each answer, so it sees each progress update
        expectObservable(fake.endpoint.watch('j1', { pollInterval: 10 })).toBe('-a 10ms b 10ms c 10ms (d|)', {
          a: { id: 'j1', status: 'IN_QUEUE' },
          b: { id: 'j1', status: 'IN_PROGRESS', output: { step: 1 } },
          c: { id: 'j1', status: 'IN_PROGRESS', output: { step: 2 } },
          d: { id: 'j1', status: 'COMPLETED', output: 'done' },
        });
        expectSubscriptions(fake.subscriptions('GET /ep/status/j1')).toBe(['^!', '11ms ^!', '22ms ^!', '33ms ^!']);
      });
    });
  });

  it('completedJob: queued → in progress → completed; submit costs 2 requests', () => {
    rx.run(({ expectObservable, expectSubscriptions, flush }) => {
      const fake = createFakeEndpoint({ scheduler: rx, jobs: completedJob({ id: 'j1', output: 42 }) });
      expectObservable(fake.endpoint.submit({ input: {} })).toBe('-q 299ms (c|)', {
        q: { id: 'j1', status: 'IN_QUEUE' },
        c: { id: 'j1', status: 'COMPLETED', output: 42, delayTime: 100, executionTime: 200 },
      });
      expectSubscriptions(fake.subscriptions()).toBe(['^!', '-^ 299ms !']);
      flush();
      expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
        'POST /ep/run',
        'GET /ep/status-sync/j1?wait=90000',
      ]);
      fake.verify();
    });
  });

  it('failedJob: queued → in progress → failed; the failure is data until throwOnJobFailure', () => {
    rx.run(({ expectObservable, expectSubscriptions }) => {
      const failed: JobState = {
        id: 'j1',
        status: 'FAILED',
        error: 'CUDA out of memory',
        delayTime: 100,
        executionTime: 200,
      };
      const fake = createFakeEndpoint({
        scheduler: rx,
        jobs: [
          failedJob({ id: 'j1', error: 'CUDA out of memory' }),
          failedJob({ id: 'j2', error: 'CUDA out of memory' }),
        ],
      });
      expectObservable(fake.endpoint.runSync({ input: {} })).toBe('301ms (f|)', { f: failed });
      expectObservable(fake.endpoint.runSync({ input: {} }).pipe(throwOnJobFailure())).toBe(
        '301ms #',
        undefined,
        new JobFailedError({ ...failed, id: 'j2' }),
      );
      expectSubscriptions(fake.subscriptions('POST /ep/runsync')).toBe(['^ 300ms !', '^ 300ms !']);
    });
    expect(failedJob({ running: 0 }).steps.map((s) => s.state.status)).toEqual(['IN_QUEUE', 'FAILED']);
    expect(failedJob({ status: 'TIMED_OUT' }).steps[2].state).toEqual({
      status: 'TIMED_OUT',
      delayTime: 100,
      executionTime: 200,
    });
  });

  it('throttled then OK: the client waits Retry-After, then the job goes through', () => {
    rx.run(({ expectObservable, expectSubscriptions, flush }) => {
      const fake = createFakeEndpoint({
        scheduler: rx,
        jobs: completedJob({ id: 'j1', output: 'ok', queued: 0, running: 10 }),
        throttle: { route: 'runsync', times: 2, retryAfter: 1 },
      });
      expectObservable(fake.endpoint.runSync({ input: {} }).pipe(selectOutput())).toBe('2013ms (o|)', { o: 'ok' });
      expectSubscriptions(fake.subscriptions('POST /ep/runsync')).toBe(['^!', '1001ms ^!', '2002ms ^ 10ms !']);
      flush();
      expect(fake.jobIds).toEqual(['j1']); // the 429s created nothing
    });
  });

  it('throttled with no retries left: the ThrottledError reaches the caller', () => {
    rx.run(({ expectObservable, expectSubscriptions }) => {
      const fake = createFakeEndpoint({
        scheduler: rx,
        jobs: completedJob(),
        throttle: { times: 5 },
        config: { retry: { count: 1, baseDelay: 100 } },
      });
      expectObservable(fake.endpoint.run({ input: {} })).toBe(
        '- 50ms -#',
        undefined,
        new ThrottledError({ method: 'POST', path: '/ep/run' }, undefined),
      );
      expectSubscriptions(fake.subscriptions()).toBe(['^!', '- 50ms ^!']);
    });
  });

  it('streamingJob: the chunks in order over drain-on-read /stream, then complete', () => {
    rx.run(({ expectObservable, expectSubscriptions, flush }) => {
      const fake = createFakeEndpoint({
        scheduler: rx,
        existingJobs: [streamingJob({ id: 'j1', chunks: ['Hel', 'lo', '!'] })],
      });
      expectObservable(fake.endpoint.stream('j1')).toBe('201ms a 99ms b 99ms c|', {
        a: { output: 'Hel' },
        b: { output: 'lo' },
        c: { output: '!' },
      });
      expectSubscriptions(fake.subscriptions('GET /ep/stream/j1')).toBe([
        '^ 200ms !',
        '201ms ^ 99ms !',
        '301ms ^ 99ms !',
        '401ms ^!',
      ]);
      flush();
      expect(fake.stateOf('j1')).toMatchObject({ status: 'COMPLETED', output: ['Hel', 'lo', '!'] });
    });
  });

  it('streamingJob ending FAILED: every chunk, then the typed error', () => {
    rx.run(({ expectObservable, expectSubscriptions }) => {
      const fake = createFakeEndpoint({
        scheduler: rx,
        existingJobs: [streamingJob({ id: 'j1', chunks: ['a', 'b'], end: 'FAILED', error: 'boom' })],
      });
      expectObservable(fake.endpoint.stream('j1')).toBe(
        '201ms a 99ms b-#',
        { a: { output: 'a' }, b: { output: 'b' } },
        new JobFailedError({ id: 'j1', status: 'FAILED', error: 'boom', delayTime: 100, executionTime: 200 }),
      );
      expectSubscriptions(fake.subscriptions('GET /ep/status/j1')).toBe('302ms ^!');
    });
  });

  it('endlessJob: never terminal; a deadline errors with the job id and cancels it', () => {
    rx.run(({ expectObservable, expectSubscriptions, flush }) => {
      const fake = createFakeEndpoint({ scheduler: rx, jobs: endlessJob({ id: 'j1' }) });
      expectObservable(fake.endpoint.submit({ input: {} }, { timeout: 5000 })).toBe(
        '-q 4998ms #',
        { q: { id: 'j1', status: 'IN_QUEUE' } },
        new TimeoutError('job not finished within 5000 ms', 'j1'),
      );
      expectSubscriptions(fake.subscriptions('GET /ep/status-sync/j1')).toBe('-^ 4998ms !');
      expectSubscriptions(fake.subscriptions('POST /ep/cancel/j1')).toBe('5s ^!');
      flush();
      expect(fake.stateOf('j1')).toEqual({ id: 'j1', status: 'CANCELLED', delayTime: 100 });
      fake.verify();
    });
  });
});
