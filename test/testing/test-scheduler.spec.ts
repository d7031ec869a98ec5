import { throwError, timer } from 'rxjs';
import { TimeoutError } from 'runpod-rx';
import { createTestScheduler, normalizeErrors } from 'runpod-rx/testing';

describe('createTestScheduler', () => {
  it('compares errors by name and message, through your own deep equality', () => {
    const rx = createTestScheduler((actual, expected) => expect(actual).toEqual(expected));
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('5ms #', undefined, new TimeoutError('job not finished within 5 ms', 'j1'));
      // a different instance (another stack, another jobId even): only name and message count
      expectObservable(source).toBe('5ms #', undefined, new TimeoutError('job not finished within 5 ms'));
      expectSubscriptions(source.subscriptions).toBe('^ 4ms !');
    });
  });

  it('reports a mismatch through the callback', () => {
    const calls: unknown[][] = [];
    const rx = createTestScheduler((actual, expected) => calls.push([actual, expected]));
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('#', undefined, new TimeoutError('late'));
      expectObservable(source).toBe('#', undefined, new TimeoutError('later'));
      expectSubscriptions(source.subscriptions).toBe('(^!)');
    });
    expect(calls[0]).toEqual([
      [{ frame: 0, notification: { kind: 'E', value: undefined, error: { name: 'TimeoutError', message: 'late' } } }],
      [{ frame: 0, notification: { kind: 'E', value: undefined, error: { name: 'TimeoutError', message: 'later' } } }],
    ]);
  });

  it('virtualises time inside run(): a 1 min timer takes no real time', () => {
    const rx = createTestScheduler((actual, expected) => expect(actual).toEqual(expected));
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a|');
      expectObservable(timer(60_000, rx)).toBe('1m (0|)', { 0: 0 });
      expectObservable(throwError(() => new Error('x'))).toBe('#', undefined, new Error('x'));
      expectObservable(source).toBe('a|');
      expectSubscriptions(source.subscriptions).toBe('^!');
    });
    expect(normalizeErrors({ list: [new RangeError('r')] })).toEqual({ list: [{ name: 'RangeError', message: 'r' }] });
  });
});
