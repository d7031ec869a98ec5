/**
 * The longest delay a JavaScript timer holds (2^31 − 1 ms, about 24.8 days). Longer delays are
 * not honoured by setTimeout/setInterval: Node fires them after 1 ms, so every delay the client
 * schedules is checked or capped against this.
 */
export const MAX_DELAY_MS = 2_147_483_647;
