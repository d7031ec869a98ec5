import * as t from 'io-ts';
import { TestScheduler } from 'rxjs/testing';
import {
  DecodeError,
  JobCancelledError,
  JobFailedError,
  JobTimedOutError,
  TimeoutError,
  type JobState,
} from 'runpod-rx';
import { selectOutput } from 'runpod-rx/operators';
import { completedJob, createFakeEndpoint } from 'runpod-rx/testing';
import { createTestScheduler } from '../helpers/test-scheduler';

const q: JobState = { id: 'j1', status: 'IN_QUEUE' };
const p: JobState = { id: 'j1', status: 'IN_PROGRESS', output: { progress: 0.5 } };
const c: JobState = { id: 'j1', status: 'COMPLETED', output: { caption: 'a fox' } };
const f: JobState = { id: 'j1', status: 'FAILED', error: 'boom' };
const x: JobState = { id: 'j1', status: 'CANCELLED' };
const tOut: JobState = { id: 'j1', status: 'TIMED_OUT' };
const states = { q, p, c, f, x, t: tOut };
const Caption = t.type({ caption: t.string }, 'Caption');

describe('selectOutput', () => {
  let rx: TestScheduler;
  beforeEach(() => {
    rx = createTestScheduler();
  });

  it('emits the output of a COMPLETED state and skips IN_QUEUE / IN_PROGRESS (progress is not output)', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-q--p--c|', states);
      expectObservable(source.pipe(selectOutput())).toBe('-------o|', { o: { caption: 'a fox' } });
      expectSubscriptions(source.subscriptions).toBe('^-------!');
    });
  });

  it('decodes the output with a codec', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-q-c|', states);
      expectObservable(source.pipe(selectOutput(Caption))).toBe('---o|', { o: { caption: 'a fox' } });
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
  });

  it('a mismatch is a DecodeError with io-ts path lines', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const bad = { id: 'j1', status: 'COMPLETED', output: { caption: 7 } } as JobState;
      const source = cold('-q-c|', { q, c: bad });
      expectObservable(source.pipe(selectOutput(Caption))).toBe(
        '---#',
        undefined,
        new DecodeError(['Invalid value 7 supplied to : JobState/output: Caption/caption: string']),
      );
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it.each([
    ['f', new JobFailedError(f)],
    ['x', new JobCancelledError(x)],
    ['t', new JobTimedOutError(tOut)],
  ] as const)('a terminal failure state (%s) errors with its typed job error', (key, error) => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(`-q-${key}|`, states);
      expectObservable(source.pipe(selectOutput())).toBe('---#', undefined, error);
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it("failures: 'skip' drops failed states: the result completes empty with the source", () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-q-f|', states);
      expectObservable(source.pipe(selectOutput(undefined, { failures: 'skip' }))).toBe('----|');
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
  });

  it('passes source errors through', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const error = new TimeoutError('job not finished within 50 ms', 'j1');
      const source = cold('-q-#', states, error);
      expectObservable(source.pipe(selectOutput())).toBe('---#', undefined, error);
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('unsubscribing unsubscribes the source', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-q--p--c|', states);
      expectObservable(source.pipe(selectOutput()), '^--!').toBe('');
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('end to end: the output of a submitted job, decoded', () => {
    rx.run(({ expectObservable, expectSubscriptions, flush }) => {
      const fake = createFakeEndpoint({
        scheduler: rx,
        jobs: completedJob({ id: 'j1', queued: 100, running: 200, output: { caption: 'a fox' } }),
      });
      expectObservable(fake.endpoint.submit({ input: {} }).pipe(selectOutput(Caption))).toBe('301ms (o|)', {
        o: { caption: 'a fox' },
      });
      expectSubscriptions(fake.subscriptions('POST /ep/run')).toBe('^!');
      expectSubscriptions(fake.subscriptions('GET /ep/status-sync/j1')).toBe('-^ 299ms !');
      flush();
      expect(fake.requests.map((r) => `${r.at} ${r.method} ${r.path}`)).toEqual([
        '0 POST /ep/run',
        '1 GET /ep/status-sync/j1?wait=90000',
      ]);
      fake.verify();
    });
  });
});
