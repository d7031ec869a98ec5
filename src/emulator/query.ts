/** Parses a millisecond query parameter; `undefined` when absent, `NaN` when invalid. */
export function parseMs(value: string | null): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? Math.floor(n) : Number.NaN;
}
