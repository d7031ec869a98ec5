/**
 * An object that decides by itself whether a value matches it, as jest's and vitest's
 * `expect.any(Number)`, `expect.stringContaining('x')` or `expect.objectContaining({...})` do.
 * @category testing
 */
export interface AsymmetricMatcher {
  /** Whether `actual` is what this matcher stands for. */
  asymmetricMatch(actual: unknown): boolean;
}

function isAsymmetricMatcher(value: unknown): value is AsymmetricMatcher {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { asymmetricMatch?: unknown }).asymmetricMatch === 'function'
  );
}

/** A short, one-line picture of a value for a difference report. */
function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return `[Function ${value.name || 'anonymous'}]`;
  if (typeof value !== 'object' || value === null) return Object.is(value, -0) ? '-0' : String(value);
  if (isAsymmetricMatcher(value)) return typeof value.toString === 'function' ? String(value) : 'AsymmetricMatcher';
  if (value instanceof Date) return `Date(${Number.isNaN(value.getTime()) ? 'Invalid' : value.toISOString()})`;
  if (value instanceof RegExp) return String(value);
  if (value instanceof Error) return `${value.constructor.name}(${JSON.stringify(value.message)})`;
  if (Array.isArray(value)) return `Array(${value.length})`;
  if (value instanceof Map) return `Map(${value.size})`;
  if (value instanceof Set) return `Set(${value.size})`;
  const proto = Object.getPrototypeOf(value) as object | null;
  const name = proto === null ? 'Object(null prototype)' : (proto.constructor?.name ?? 'Object');
  return `${name} {${Object.keys(value).slice(0, 5).join(', ')}${Object.keys(value).length > 5 ? ', …' : ''}}`;
}

const differ = (path: string, what: string) => `${path}: ${what}`;

/** Own enumerable keys (strings and symbols) whose value is not `undefined`, as jest's `toEqual` counts them. */
function definedKeys(value: object): PropertyKey[] {
  const record = value as Record<PropertyKey, unknown>;
  const symbols = Object.getOwnPropertySymbols(value).filter((s) =>
    Object.prototype.propertyIsEnumerable.call(value, s),
  );
  return [...Object.keys(value), ...symbols].filter((key) => record[key] !== undefined);
}

const keyPath = (path: string, key: PropertyKey) =>
  typeof key === 'symbol'
    ? `${path}[${String(key)}]`
    : /^[A-Za-z_$][\w$]*$/.test(key as string)
      ? `${path}.${String(key)}`
      : `${path}[${JSON.stringify(key)}]`;

type Seen = Array<readonly [unknown, unknown]>;

/** Compares the entries of two collections in any order; the first entry of `actual` with no equal partner is the difference. */
function unorderedDifference(
  path: string,
  actual: readonly unknown[],
  expected: readonly unknown[],
  seen: Seen,
  what: string,
): string | undefined {
  const left = [...expected];
  for (const item of actual) {
    const at = left.findIndex((candidate) => difference(path, item, candidate, seen) === undefined);
    if (at === -1) return differ(path, `${what} ${show(item)} is not expected`);
    left.splice(at, 1);
  }
  return left.length === 0 ? undefined : differ(path, `expected ${what} ${show(left[0])} is missing`);
}

function difference(path: string, actual: unknown, expected: unknown, seen: Seen): string | undefined {
  if (isAsymmetricMatcher(expected)) {
    return expected.asymmetricMatch(actual)
      ? undefined
      : differ(path, `${show(actual)} does not match ${show(expected)}`);
  }
  if (isAsymmetricMatcher(actual)) {
    return actual.asymmetricMatch(expected)
      ? undefined
      : differ(path, `${show(expected)} does not match ${show(actual)}`);
  }
  if (Object.is(actual, expected)) return undefined;
  const mismatch = differ(path, `expected ${show(expected)}, got ${show(actual)}`);
  if (typeof actual !== 'object' || typeof expected !== 'object' || actual === null || expected === null)
    return mismatch;
  if (Object.getPrototypeOf(actual) !== Object.getPrototypeOf(expected)) {
    return differ(path, `expected an instance of ${show(expected)}, got ${show(actual)}`);
  }
  if (seen.some(([a, e]) => a === actual && e === expected)) return undefined; // a cycle already being compared
  const inner: Seen = [...seen, [actual, expected]];

  if (actual instanceof Date) {
    const [a, e] = [actual.getTime(), (expected as Date).getTime()];
    return Object.is(a, e) ? undefined : mismatch;
  }
  if (actual instanceof RegExp) {
    const e = expected as RegExp;
    return actual.source === e.source && actual.flags === e.flags ? undefined : mismatch;
  }
  if (actual instanceof Number || actual instanceof String || actual instanceof Boolean) {
    return Object.is(actual.valueOf(), (expected as typeof actual).valueOf()) ? undefined : mismatch;
  }
  if (actual instanceof Error) {
    const e = expected as Error;
    if (actual.name !== e.name) return differ(`${path}.name`, `expected ${show(e.name)}, got ${show(actual.name)}`);
    if (actual.message !== e.message) {
      return differ(`${path}.message`, `expected ${show(e.message)}, got ${show(actual.message)}`);
    }
    if ('cause' in actual || 'cause' in e) {
      const cause = difference(`${path}.cause`, actual.cause, e.cause, inner);
      if (cause !== undefined) return cause;
    }
  }
  if (actual instanceof Map) {
    const e = expected as Map<unknown, unknown>;
    if (actual.size !== e.size) return differ(path, `expected ${show(e)}, got ${show(actual)}`);
    const unmatched: Array<[unknown, unknown]> = [];
    for (const [key, value] of actual) {
      if (e.has(key)) {
        const at = difference(`${path}.get(${show(key)})`, value, e.get(key), inner);
        if (at !== undefined) return at;
      } else unmatched.push([key, value]);
    }
    const rest = [...e].filter(([key]) => !actual.has(key));
    return unorderedDifference(path, unmatched, rest, inner, 'entry with key');
  }
  if (actual instanceof Set) {
    const e = expected as Set<unknown>;
    if (actual.size !== e.size) return differ(path, `expected ${show(e)}, got ${show(actual)}`);
    return unorderedDifference(
      path,
      [...actual].filter((item) => !e.has(item)),
      [...e].filter((item) => !actual.has(item)),
      inner,
      'element',
    );
  }
  if (Array.isArray(actual)) {
    const e = expected as unknown[];
    if (actual.length !== e.length) return differ(path, `expected ${e.length} elements, got ${actual.length}`);
    for (let i = 0; i < actual.length; i++) {
      const at = difference(`${path}[${i}]`, actual[i], e[i], inner);
      if (at !== undefined) return at;
    }
    return undefined;
  }

  const a = actual as Record<PropertyKey, unknown>;
  const e = expected as Record<PropertyKey, unknown>;
  const expectedKeys = definedKeys(e);
  for (const key of expectedKeys) {
    const at = difference(keyPath(path, key), a[key], e[key], inner);
    if (at !== undefined) return at;
  }
  const extra = definedKeys(a).find((key) => !expectedKeys.includes(key));
  return extra === undefined ? undefined : differ(keyPath(path, extra), `not expected, got ${show(a[extra])}`);
}

/**
 * Where `actual` first differs from `expected` under the test kit's deep equality, or `undefined`
 * when they are equal. The equality is jest's `toEqual`, made class-aware:
 *
 * - objects compare by prototype (class) and own enumerable fields, strings and symbols; a field
 *   whose value is `undefined` counts as absent;
 * - `Date` by time, `RegExp` by source and flags, `Map` and `Set` by content in any order (keys
 *   and elements compared deeply), arrays element by element, primitives with `Object.is`;
 * - errors by class, `name`, `message`, `cause` and own enumerable fields (never the stack);
 * - an asymmetric matcher (any object with an `asymmetricMatch` function, e.g. `expect.any(Number)`,
 *   `expect.stringContaining('x')`) on either side decides by itself.
 *
 * @example
 * findDifference({ at: new Date(0) }, { at: new Date(1) });
 * // 'value.at: expected Date(1970-01-01T00:00:00.001Z), got Date(1970-01-01T00:00:00.000Z)'
 * findDifference(new TimeoutError('late', 'j2'), new TimeoutError('late', 'j1')); // 'value.jobId: expected "j1", got "j2"'
 * @param actual what the code produced.
 * @param expected what the test expects; may hold asymmetric matchers.
 * @returns a one-line description of the first difference, with its path, or `undefined`.
 * @category testing
 */
export function findDifference(actual: unknown, expected: unknown): string | undefined {
  return difference('value', actual, expected, []);
}

/**
 * Whether `actual` equals `expected` under the test kit's deep equality (see {@link findDifference}).
 *
 * @example
 * deepEqual(new Map([['a', 1]]), new Map([['a', 1]])); // true
 * deepEqual(new Set([1]), new Set([2])); // false
 * @param actual what the code produced.
 * @param expected what the test expects; may hold asymmetric matchers.
 * @returns `true` when no difference is found.
 * @category testing
 */
export function deepEqual(actual: unknown, expected: unknown): boolean {
  return findDifference(actual, expected) === undefined;
}
