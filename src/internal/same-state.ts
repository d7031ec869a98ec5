/**
 * Structural equality of JSON values (objects, arrays, primitives). Iterative, so an output nested
 * thousands of levels deep cannot overflow the stack.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  const pending: [unknown, unknown][] = [[a, b]];
  while (pending.length > 0) {
    const [x, y] = pending.pop()!;
    if (x === y) continue;
    if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
    if (Array.isArray(x) !== Array.isArray(y)) return false;
    const keys = Object.keys(x);
    if (keys.length !== Object.keys(y).length) return false;
    for (const key of keys) {
      if (!Object.prototype.hasOwnProperty.call(y, key)) return false;
      pending.push([(x as Record<string, unknown>)[key], (y as Record<string, unknown>)[key]]);
    }
  }
  return true;
}

/** Whether two job states say the same thing to a user: same status, output and error. */
export function sameState(
  a: { readonly status: string; readonly output?: unknown; readonly error?: unknown },
  b: { readonly status: string; readonly output?: unknown; readonly error?: unknown },
): boolean {
  return a.status === b.status && a.error === b.error && jsonEqual(a.output, b.output);
}
