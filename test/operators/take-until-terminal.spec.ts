import { TestScheduler } from 'rxjs/testing';
import { HttpError, type JobState } from 'runpod-rx';
import { takeUntilTerminal } from 'runpod-rx/operators';
import { createTestScheduler } from '../helpers/test-scheduler';

const q: JobState = { id: 'j1', status: 'IN_QUEUE' };
const p: JobState = { id: 'j1', status: 'IN_PROGRESS' };
const c: JobState = { id: 'j1', status: 'COMPLETED', output: 42 };
const f: JobState = { id: 'j1', status: 'FAILED', error: 'boom' };
const x: JobState = { id: 'j1', status: 'CANCELLED' };
const t: JobState = { id: 'j1', status: 'TIMED_OUT' };
const states = { q, p, c, f, x, t };

describe('takeUntilTerminal', () => {
  let rx: TestScheduler;
  beforeEach(() => {
    rx = createTestScheduler();
  });

  it('passes states through and completes right after the first terminal one, which it emits', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-q--p--c--p--|', states);
      expectObservable(source.pipe(takeUntilTerminal())).toBe('-q--p--(c|)', states);
      expectSubscriptions(source.subscriptions).toBe('^------!');
    });
  });

  it.each(['f', 'x', 't'] as const)('a failure state (%s) is terminal too, and is data, not an error', (key) => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold(`-q-${key}-p|`, states);
      expectObservable(source.pipe(takeUntilTerminal())).toBe(`-q-(${key}|)`, states);
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('inclusive: false completes at the terminal state without emitting it', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-q--c--|', states);
      expectObservable(source.pipe(takeUntilTerminal({ inclusive: false }))).toBe('-q--|', states);
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
  });

  it('mirrors a source that completes before any terminal state', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-q-p|', states);
      expectObservable(source.pipe(takeUntilTerminal())).toBe('-q-p|', states);
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
  });

  it('passes errors through', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const error = new HttpError({ method: 'GET', path: '/ep/status/j1' }, 502, 'bad gateway');
      const source = cold('-q-#', states, error);
      expectObservable(source.pipe(takeUntilTerminal())).toBe('-q-#', states, error);
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('unsubscribing unsubscribes the source (a job that never ends)', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-q--p--p--p--p', states);
      expectObservable(source.pipe(takeUntilTerminal()), '^-----!').toBe('-q--p-', states);
      expectSubscriptions(source.subscriptions).toBe('^-----!');
    });
  });

  it('works on anything with a status, e.g. stream reads', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const reads = {
        a: { status: 'IN_PROGRESS' as const, stream: [{ output: 1 }] },
        b: { status: 'COMPLETED' as const, stream: [] },
      };
      const source = cold('-a-a-b-a|', reads);
      expectObservable(source.pipe(takeUntilTerminal())).toBe('-a-a-(b|)', reads);
      expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });
});
