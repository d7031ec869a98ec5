import { TestScheduler } from 'rxjs/testing';
import { findDifference } from './deep-equal.js';

interface FrameLike {
  readonly frame: number;
  readonly notification: { readonly kind: string; readonly value?: unknown; readonly error?: unknown };
}

interface SubscriptionLogLike {
  readonly subscribedFrame: number;
  readonly unsubscribedFrame: number;
}

const isSubscriptionLog = (entry: unknown): entry is SubscriptionLogLike =>
  typeof entry === 'object' && entry !== null && 'subscribedFrame' in entry && 'unsubscribedFrame' in entry;

const isFrame = (entry: unknown): entry is FrameLike =>
  typeof entry === 'object' && entry !== null && 'frame' in entry && 'notification' in entry;

/**
 * Subscription logs compare by their two frames, whatever made them: rxjs's `SubscriptionLog`
 * class or the plain objects of `fake.subscriptions()`.
 */
function plainLogs(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  return value.map((entry: unknown) =>
    isSubscriptionLog(entry)
      ? { subscribedFrame: entry.subscribedFrame, unsubscribedFrame: entry.unsubscribedFrame }
      : entry,
  );
}

/** One line per frame or subscription, for the failure message. */
function picture(value: unknown): string {
  if (!Array.isArray(value)) return `  ${String(value)}`;
  if (value.length === 0) return '  (nothing)';
  return value
    .map((entry: unknown) => {
      if (isSubscriptionLog(entry)) return `  ^ at ${entry.subscribedFrame}, ! at ${entry.unsubscribedFrame}`;
      if (!isFrame(entry)) return `  ${typeof entry}`;
      const { kind, value: next, error } = entry.notification;
      const what =
        kind === 'N'
          ? `next ${JSON.stringify(next) ?? String(next)}`
          : kind === 'E'
            ? `error ${String(error)}`
            : 'complete';
      return `  @${entry.frame} ${what}`;
    })
    .join('\n');
}

/**
 * A `TestScheduler` that compares marbles with the test kit's own deep equality (jest's
 * `toEqual`, class-aware: see {@link findDifference}): Dates by time, Maps and Sets by content,
 * class instances by class, errors by class, `name`, `message` and own fields (not the stack), and
 * asymmetric matchers such as `expect.any(String)` accepted anywhere in the expected values. It
 * does not depend on any test framework.
 *
 * On a mismatch it first calls `report(actual, expected)`, if given, so that your framework can
 * print its own diff, then throws an `Error` naming the first difference (with its path) and both
 * diagrams, whatever `report` did.
 *
 * @example
 * // jest, vitest, mocha, node:test…
 * const rx = createTestScheduler();
 * rx.run(({ cold, expectObservable }) => {
 *   expectObservable(cold('5ms #', undefined, new TimeoutError('late', 'j1')))
 *     .toBe('5ms #', undefined, new TimeoutError('late', 'j1')); // a jobId of 'j2' would fail
 * });
 * // with jest's diff printed on a mismatch:
 * const withDiff = createTestScheduler((actual, expected) => expect(actual).toEqual(expected));
 * @param report called with both sides when they differ, before the scheduler throws. @default none
 * @returns a fresh TestScheduler; use its `run()` for every test.
 * @category testing
 */
export function createTestScheduler(report?: (actual: unknown, expected: unknown) => void): TestScheduler {
  return new TestScheduler((rawActual, rawExpected) => {
    const actual = plainLogs(rawActual);
    const expected = plainLogs(rawExpected);
    const difference = findDifference(actual, expected);
    if (difference === undefined) return;
    report?.(actual, expected);
    throw new Error(`marbles differ at ${difference}\nactual:\n${picture(actual)}\nexpected:\n${picture(expected)}`);
  });
}
