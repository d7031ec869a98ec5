/** Structural equality of JSON values (objects, arrays, primitives). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  return keysA.every(
    (key) =>
      Object.prototype.hasOwnProperty.call(b, key) &&
      jsonEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
  );
}

/** Whether two job states say the same thing to a user: same status, output and error. */
export function sameState(
  a: { readonly status: string; readonly output?: unknown; readonly error?: unknown },
  b: { readonly status: string; readonly output?: unknown; readonly error?: unknown },
): boolean {
  return a.status === b.status && a.error === b.error && jsonEqual(a.output, b.output);
}
