import { createSlotPool } from '../../src/internal/slot-pool';
import { createTestScheduler } from '../helpers/test-scheduler';

describe('createSlotPool', () => {
  it('runs at most max at once and starts the next waiter, FIFO, when a slot frees', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const pool = createSlotPool(2, 1000, rx);
      const a = cold('---a|');
      const b = cold('-----b|');
      const c = cold('--c|');
      const contention: boolean[] = [];
      const run = (work: typeof a) =>
        pool.run({ work: (contended) => (contention.push(contended), work), preemptible: false });
      expectObservable(run(a)).toBe('---a|');
      expectObservable(run(b)).toBe('-----b|');
      expectObservable(run(c)).toBe('------c|');
      expectSubscriptions(a.subscriptions).toBe('^---!');
      expectSubscriptions(b.subscriptions).toBe('^-----!');
      expectSubscriptions(c.subscriptions).toBe('----^--!');
      rx.flush();
      expect(contention).toEqual([false, false, false]);
    });
  });

  it('tells work it starts while others wait that it is contended', () => {
    const rx = createTestScheduler();
    rx.run(({ cold }) => {
      const pool = createSlotPool(1, 1000, rx);
      const contention: boolean[] = [];
      for (let i = 0; i < 3; i++) {
        pool.run({ work: (contended) => (contention.push(contended), cold('-x|')), preemptible: false }).subscribe();
      }
      rx.flush();
      expect(contention).toEqual([false, true, false]);
    });
  });

  it('a waiter that unsubscribes leaves the queue; a runner that unsubscribes frees its slot', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const pool = createSlotPool(1, 1000, rx);
      const a = cold('----------a|');
      const b = cold('-b|');
      const c = cold('-c|');
      expectObservable(pool.run({ work: () => a, preemptible: false }), '^--!').toBe('');
      expectObservable(pool.run({ work: () => b, preemptible: false }), '^-!').toBe('');
      expectObservable(pool.run({ work: () => c, preemptible: false })).toBe('----c|');
      expectSubscriptions(a.subscriptions).toBe('^--!');
      expectSubscriptions(b.subscriptions).toBe([]);
      expectSubscriptions(c.subscriptions).toBe('---^-!');
    });
  });

  it('under contention, hands slots of preemptible work that started uncontended on after handOverAfter, queueing it again', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const pool = createSlotPool(1, 100, rx);
      const longPoll = cold('500ms x|');
      const other = cold('10ms y|');
      const first = pool.run({ work: () => longPoll, preemptible: true });
      expectObservable(first).toBe('611ms x|');
      expectObservable(pool.run({ work: () => other, preemptible: false })).toBe('110ms y|');
      // Started at 0 uncontended; preempted at 100 for the waiter; restarted at 111 when it finishes.
      expectSubscriptions(longPoll.subscriptions).toBe(['^ 99ms !', '111ms ^ 500ms !']);
      expectSubscriptions(other.subscriptions).toBe('100ms ^ 10ms !');
    });
  });

  it('never preempts work that is not preemptible', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      const pool = createSlotPool(1, 100, rx);
      expectObservable(pool.run({ work: () => cold('500ms x|'), preemptible: false })).toBe('500ms x|');
      expectObservable(pool.run({ work: () => cold('-y|'), preemptible: false })).toBe('502ms y|');
    });
  });
});
