import { TestScheduler } from 'rxjs/testing';
import { createRateWindow } from '../../src/internal/rate-window';
import { createTestScheduler } from '../helpers/test-scheduler';

describe('createRateWindow', () => {
  let rx: TestScheduler;
  beforeEach(() => {
    rx = createTestScheduler();
  });

  it('grants `limit` tokens per `hold` ms, first come first served; a waiter who leaves gives up its place', () => {
    rx.run(({ expectObservable }) => {
      const window = createRateWindow(1, 10, rx);
      expectObservable(window.acquire()).toBe('(a|)', { a: 0 });
      expectObservable(window.acquire(), '^ 4ms !').toBe('');
      expectObservable(window.acquire()).toBe('10ms (a|)', { a: 10 });
      expectObservable(window.acquire()).toBe('20ms (a|)', { a: 20 });
    });
  });

  it('counts used tokens and waiters; once every waiter left, no timer stays scheduled', () => {
    rx.run(({ flush }) => {
      const window = createRateWindow(2, 1000, rx);
      window.acquire().subscribe();
      window.acquire().subscribe();
      const waiters = [window.acquire().subscribe(), window.acquire().subscribe()];
      expect(window.used()).toBe(2);
      expect(window.waiting()).toBe(2);
      expect(rx.actions.filter((action) => !action.closed)).toHaveLength(1); // the wake-up for the waiters
      for (const waiter of waiters) waiter.unsubscribe();
      expect(window.waiting()).toBe(0);
      expect(rx.actions.filter((action) => !action.closed)).toHaveLength(0);
      rx.schedule(() => expect(window.used()).toBe(0), 1000);
      flush();
      let granted = 0;
      window.acquire().subscribe(() => granted++);
      expect(granted).toBe(1);
    });
  });
});
