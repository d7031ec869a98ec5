import { TestScheduler } from 'rxjs/testing';

/** Errors compare by name and message (stacks and class identity aside), as in rxjs's own specs. */
function normalize(value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (Array.isArray(value)) return value.map(normalize);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, normalize(inner)]));
  }
  return value;
}

/** A TestScheduler whose assertions are jest `toEqual`, errors compared by name and message. */
export function createTestScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => {
    expect(normalize(actual)).toEqual(normalize(expected));
  });
}
