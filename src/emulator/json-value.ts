/**
 * Deepest nesting of arrays and objects the emulator accepts, in a request body or in a value a
 * handler produces. GUESS: the cloud's limit is undocumented; Python's `json` (the worker SDK)
 * gives up near 1,000 levels. Deeper values would overflow the stack of `JSON.stringify` and
 * `structuredClone` when the job is handed to a worker or answered.
 */
export const MAX_JSON_DEPTH = 1000;

/**
 * Whether arrays and objects in a JSON value (no cycles) nest deeper than `limit`. Iterative, so
 * it never overflows the stack however deep the value is.
 */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  const stack: { value: object; depth: number }[] = [];
  if (typeof value === 'object' && value !== null) stack.push({ value, depth: 1 });
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop() as { value: object; depth: number };
    if (depth > limit) return true;
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      if (typeof child === 'object' && child !== null) stack.push({ value: child as object, depth: depth + 1 });
    }
  }
  return false;
}

/**
 * Copies a value through JSON, as the cloud would store it. `undefined` (and
 * values JSON drops, like functions) give `undefined`; BigInt, cycles and values
 * nested deeper than {@link MAX_JSON_DEPTH} throw a `TypeError`.
 */
export function toJsonValue(value: unknown): unknown {
  if (value === undefined) return undefined;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw new TypeError(`value is not JSON-serialisable: ${errorText(err)}`);
  }
  if (text === undefined) return undefined;
  const copy = JSON.parse(text) as unknown;
  if (nestedDeeperThan(copy, MAX_JSON_DEPTH)) {
    throw new TypeError(`value is nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
  return copy;
}

/** A readable text for anything thrown. */
export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err) ?? String(err);
  } catch {
    return String(err);
  }
}

/** True for a non-null, non-array object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
