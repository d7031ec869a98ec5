/**
 * The longest delay a JavaScript timer holds (2^31 − 1 ms, about 24.8 days). Longer delays are
 * not honoured by setTimeout/setInterval: Node fires them after 1 ms, so every delay the client
 * schedules is checked or capped against this.
 */
export const MAX_DELAY_MS = 2_147_483_647;

/** Whether `value` is a number of ms a timer can hold: positive (or zero, with `allowZero`), at most {@link MAX_DELAY_MS}. */
export function fitsTimer(value: unknown, allowZero = false): value is number {
  return typeof value === 'number' && (allowZero ? value >= 0 : value > 0) && value <= MAX_DELAY_MS;
}
