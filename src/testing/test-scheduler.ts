import { TestScheduler } from 'rxjs/testing';

/**
 * Replaces every `Error` (at any depth) by `{ name, message }`, so errors compare by what they say.
 *
 * @example
 * normalizeErrors({ e: new TimeoutError('late', 'j1') }); // { e: { name: 'TimeoutError', message: 'late' } }
 * @param value anything.
 * @returns a copy with plain objects in place of errors.
 * @category testing
 */
export function normalizeErrors(value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (Array.isArray(value)) return value.map(normalizeErrors);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, normalizeErrors(inner)]));
  }
  return value;
}

/**
 * A `TestScheduler` whose marble assertions call your test framework's deep equality, with every
 * error compared by `name` and `message` only (stacks and class identity aside, as in rxjs's own
 * specs), so `new TimeoutError('…', 'j1')` in an expected diagram matches the one the client made.
 *
 * @example
 * // jest or vitest
 * const rx = createTestScheduler((actual, expected) => expect(actual).toEqual(expected));
 * rx.run(({ cold, expectObservable }) => { … });
 * @param assertDeepEqual throws when `actual` and `expected` differ.
 * @returns a fresh TestScheduler; use its `run()` for every test.
 * @category testing
 */
export function createTestScheduler(assertDeepEqual: (actual: unknown, expected: unknown) => void): TestScheduler {
  return new TestScheduler((actual, expected) => assertDeepEqual(normalizeErrors(actual), normalizeErrors(expected)));
}
