import { TestScheduler } from 'rxjs/testing';
import { JobCancelledError, JobFailedError, JobTimedOutError, NetworkError, type JobState } from 'runpod-rx';
import { takeUntilTerminal, throwOnJobFailure } from 'runpod-rx/operators';
import { createTestScheduler } from '../helpers/test-scheduler';

const q: JobState = { id: 'j1', status: 'IN_QUEUE' };
const p: JobState = { id: 'j1', status: 'IN_PROGRESS', output: { progress: 0.5 } };
const c: JobState = { id: 'j1', status: 'COMPLETED', output: 42 };
const f: JobState = { id: 'j1', status: 'FAILED', error: 'boom' };
const x: JobState = { id: 'j1', status: 'CANCELLED' };
const t: JobState = { id: 'j1', status: 'TIMED_OUT' };
const states = { q, p, c, f, x, t };

describe('throwOnJobFailure', () => {
  let rx: TestScheduler;
  beforeEach(() => {
    rx = createTestScheduler();
  });

  it('passes running and completed states through unchanged', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-q--p--c|', states);
      expectObservable(source.pipe(throwOnJobFailure())).toBe('-q--p--c|', states);
      expectSubscriptions(source.subscriptions).toBe('^-------!');
    });
  });

  it('turns FAILED into JobFailedError carrying the state (and its error text)', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-q--p--f|', states);
      expectObservable(source.pipe(throwOnJobFailure())).toBe('-q--p--#', states, new JobFailedError(f));
      expectSubscriptions(source.subscriptions).toBe('^------!');
    });
    expect(new JobFailedError(f).message).toBe('job j1 ended FAILED: boom');
  });

  it('turns CANCELLED into JobCancelledError and TIMED_OUT into JobTimedOutError', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const cancelled = cold('-q-x|', states);
      const timedOut = cold('-q-t|', states);
      expectObservable(cancelled.pipe(throwOnJobFailure())).toBe('-q-#', states, new JobCancelledError(x));
      expectObservable(timedOut.pipe(throwOnJobFailure())).toBe('-q-#', states, new JobTimedOutError(t));
      expectSubscriptions(cancelled.subscriptions).toBe('^--!');
      expectSubscriptions(timedOut.subscriptions).toBe('^--!');
    });
  });

  it('the error carries the terminal state as error.job', () => {
    const errors: unknown[] = [];
    rx.run(({ cold, expectSubscriptions, flush }) => {
      const source = cold('-f|', states);
      source.pipe(throwOnJobFailure()).subscribe({ error: (e: unknown) => errors.push(e) });
      flush();
      expectSubscriptions(source.subscriptions).toBe('^!');
    });
    expect(errors).toHaveLength(1);
    expect((errors[0] as JobFailedError).job).toEqual(f);
    expect((errors[0] as JobFailedError).name).toBe('JobFailedError');
  });

  it('statuses chooses which terminal statuses are failures (here: CANCELLED is data)', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const cancelled = cold('-q-x|', states);
      const failed = cold('-q-f|', states);
      const operator = throwOnJobFailure({ statuses: ['FAILED', 'TIMED_OUT'] });
      expectObservable(cancelled.pipe(operator)).toBe('-q-x|', states);
      expectObservable(failed.pipe(operator)).toBe('-q-#', states, new JobFailedError(f));
      expectSubscriptions(cancelled.subscriptions).toBe('^---!');
      expectSubscriptions(failed.subscriptions).toBe('^--!');
    });
  });

  it('passes source errors through', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const error = new NetworkError('network error: ECONNRESET', false);
      const source = cold('-q#', states, error);
      expectObservable(source.pipe(throwOnJobFailure())).toBe('-q#', states, error);
      expectSubscriptions(source.subscriptions).toBe('^-!');
    });
  });

  it('unsubscribing unsubscribes the source', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-q--p--c|', states);
      expectObservable(source.pipe(throwOnJobFailure()), '^---!').toBe('-q--', states);
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
  });

  it('composes with takeUntilTerminal: the states, then the typed error', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-q-p-t-p|', states);
      expectObservable(source.pipe(takeUntilTerminal(), throwOnJobFailure())).toBe(
        '-q-p-#',
        states,
        new JobTimedOutError(t),
      );
      expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });
});
