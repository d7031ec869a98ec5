/**
 * Copies a value through JSON, as the cloud would store it. `undefined` (and
 * values JSON drops, like functions) give `undefined`; BigInt and cycles throw a
 * `TypeError`.
 */
export function toJsonValue(value: unknown): unknown {
  if (value === undefined) return undefined;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw new TypeError(`value is not JSON-serialisable: ${errorText(err)}`);
  }
  return text === undefined ? undefined : (JSON.parse(text) as unknown);
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
