/**
 * Reads a `Retry-After` header: delay-seconds (`"5"`, `"0.5"`) or an HTTP date, relative to
 * `now` (the scheduler's clock). Returns ms, never negative, or `undefined` when absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
