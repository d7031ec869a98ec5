import { throwError, timer } from 'rxjs';
import { JobFailedError, TimeoutError } from 'runpod-rx';
import { createTestScheduler, deepEqual, findDifference } from 'runpod-rx/testing';

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

class OtherPoint {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

/** Runs one `expectObservable(cold('a|', { a: actual })).toBe('a|', { a: expected })` and returns what it threw. */
function compare(actual: unknown, expected: unknown): unknown {
  const rx = createTestScheduler();
  try {
    rx.run(({ cold, expectObservable }) => {
      expectObservable(cold('a|', { a: actual })).toBe('a|', { a: expected });
    });
    return undefined;
  } catch (error) {
    return error;
  }
}

/** The same for an error notification. */
function compareErrors(actual: unknown, expected: unknown): unknown {
  const rx = createTestScheduler();
  try {
    rx.run(({ cold, expectObservable }) => {
      expectObservable(cold('5ms #', undefined, actual)).toBe('5ms #', undefined, expected);
    });
    return undefined;
  } catch (error) {
    return error;
  }
}

const failure = (text: string) => expect.objectContaining({ message: expect.stringContaining(text) });

describe('createTestScheduler: deep equality like jest, class-aware', () => {
  // Each case: a value, a wrong expectation that must fail, and a right one that must pass.
  const cases: ReadonlyArray<readonly [string, unknown, unknown, unknown, string]> = [
    ['Date', { at: new Date(0) }, { at: new Date(999_999) }, { at: new Date(0) }, 'value[0].notification.value.at'],
    [
      'Map',
      new Map([['a', { n: 1 }]]),
      new Map([['a', { n: 2 }]]),
      new Map([['a', { n: 1 }]]),
      'value[0].notification.value.get("a").n',
    ],
    ['Map keys', new Map([['a', 1]]), new Map([['b', 1]]), new Map([['a', 1]]), 'entry with key'],
    ['Set', new Set([1, 2]), new Set([1, 3]), new Set([2, 1]), 'element 2 is not expected'],
    ['RegExp', /a+/g, /a+/i, /a+/g, 'expected /a+/i, got /a+/g'],
    ['class', new Point(1, 2), { x: 1, y: 2 }, new Point(1, 2), 'expected an instance of Object'],
    ['another class', new Point(1, 2), new OtherPoint(1, 2), new Point(1, 2), 'expected an instance of OtherPoint'],
    ['nested field', { a: [{ b: 1 }] }, { a: [{ b: 2 }] }, { a: [{ b: 1 }] }, 'value[0].notification.value.a[0].b'],
    [
      'extra field',
      { a: 1, b: 2 },
      { a: 1 },
      { a: 1, b: 2, c: undefined },
      'value[0].notification.value.b: not expected',
    ],
    ['-0', -0, 0, -0, 'expected 0, got -0'],
    ['matcher', 'a red fox', expect.stringContaining('blue'), expect.stringContaining('red'), 'does not match'],
    [
      'expect.any',
      { id: 'j1' },
      { id: expect.any(Number) },
      { id: expect.any(String) },
      'value[0].notification.value.id',
    ],
  ];

  it.each(cases)(
    '%s: the wrong expectation fails, naming where, and the right one passes',
    (_, value, wrong, right, where) => {
      expect(compare(value, wrong)).toEqual(failure(where));
      expect(compare(value, right)).toBeUndefined();
    },
  );

  it('compares errors by class, message and own fields', () => {
    const actual = new TimeoutError('job not finished within 5 ms', 'j1');
    expect(compareErrors(actual, new TimeoutError('job not finished within 5 ms', 'j2'))).toEqual(
      failure('value[0].notification.error.jobId: expected "j2", got "j1"'),
    );
    expect(compareErrors(actual, new TimeoutError('job not finished within 6 ms', 'j1'))).toEqual(
      failure('value[0].notification.error.message'),
    );
    const plain = new Error('job not finished within 5 ms');
    expect(compareErrors(actual, plain)).toEqual(failure('expected an instance of Error'));
    const failed = new JobFailedError({ id: 'j1', status: 'FAILED', error: 'out of memory' });
    expect(compareErrors(failed, new JobFailedError({ id: 'j1', status: 'FAILED', error: 'disk full' }))).toEqual(
      failure('value[0].notification.error'),
    );
    expect(compareErrors(actual, new TimeoutError('job not finished within 5 ms', 'j1'))).toBeUndefined();
    expect(
      compareErrors(failed, new JobFailedError({ id: 'j1', status: 'FAILED', error: 'out of memory' })),
    ).toBeUndefined();
    expect(compareErrors(new Error('x', { cause: 1 }), new Error('x', { cause: 2 }))).toEqual(failure('error.cause'));
    expect(compareErrors(actual, expect.any(TimeoutError))).toBeUndefined();
  });

  it('shows both diagrams in the failure, and calls report first', () => {
    const reported: unknown[][] = [];
    const rx = createTestScheduler((actual, expected) => reported.push([actual, expected]));
    expect(() =>
      rx.run(({ cold, expectObservable }) => {
        expectObservable(cold('-a|', { a: 1 })).toBe('-a|', { a: 2 });
      }),
    ).toThrow(
      'marbles differ at value[0].notification.value: expected 2, got 1\nactual:\n  @1 next 1\n  @2 complete\nexpected:\n  @1 next 2\n  @2 complete',
    );
    expect(reported).toEqual([
      [
        [
          { frame: 1, notification: { kind: 'N', value: 1, error: undefined } },
          { frame: 2, notification: { kind: 'C', value: undefined, error: undefined } },
        ],
        [
          { frame: 1, notification: { kind: 'N', value: 2, error: undefined } },
          { frame: 2, notification: { kind: 'C', value: undefined, error: undefined } },
        ],
      ],
    ]);
  });

  it('a report that does not throw (a looser equality) does not hide the difference', () => {
    const rx = createTestScheduler(() => undefined);
    expect(() =>
      rx.run(({ cold, expectObservable }) => {
        expectObservable(cold('a|', { a: new Date(0) })).toBe('a|', { a: new Date(1) });
      }),
    ).toThrow(
      'value[0].notification.value: expected Date(1970-01-01T00:00:00.001Z), got Date(1970-01-01T00:00:00.000Z)',
    );
  });

  it('compares subscription logs by frames, and virtualises time: a 1 min timer takes no real time', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a|');
      expectObservable(timer(60_000, rx)).toBe('1m (0|)', { 0: 0 });
      expectObservable(throwError(() => new Error('x'))).toBe('#', undefined, new Error('x'));
      expectObservable(source).toBe('a|');
      expectSubscriptions(source.subscriptions).toBe('^!');
    });
    expect(() =>
      createTestScheduler().run(({ cold, expectSubscriptions }) => {
        const source = cold('a|');
        source.subscribe();
        expectSubscriptions(source.subscriptions).toBe('^-!');
      }),
    ).toThrow('value[0].unsubscribedFrame: expected 2, got 1');
  });
});

describe('deepEqual and findDifference', () => {
  it('are usable outside marbles, and handle cycles', () => {
    const a: { self?: unknown; n: number } = { n: 1 };
    a.self = a;
    const b: { self?: unknown; n: number } = { n: 1 };
    b.self = b;
    expect(deepEqual(a, b)).toBe(true);
    expect(deepEqual(new Map([[{ k: 1 }, 'v']]), new Map([[{ k: 1 }, 'v']]))).toBe(true);
    expect(deepEqual(new Set([{ k: 1 }]), new Set([{ k: 2 }]))).toBe(false);
    expect(deepEqual(new Date(NaN), new Date(NaN))).toBe(true);
    expect(deepEqual([1, 2], [1, 2, 3])).toBe(false);
    expect(deepEqual(Object.create(null), {})).toBe(false);
    expect(findDifference({ a: 1 }, { a: 1 })).toBeUndefined();
    expect(findDifference([1, 2], [1, 2, 3])).toBe('value: expected 3 elements, got 2');
  });
});
