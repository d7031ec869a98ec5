/**
 * Reading the `Retry-After` header strictly, as RFC 9110 §10.2.3 defines it:
 *
 *     Retry-After   = HTTP-date / delay-seconds
 *     delay-seconds = 1*DIGIT
 *
 * so a delay is whole seconds, digits only: no sign, no fraction, no exponent. `-5` is not a
 * delay (and not a date either, although `Date.parse('-5')` reads it as one in 2001), `0.5` is
 * not one, and neither is anything else. An HTTP-date is one of the three forms of RFC 9110
 * §5.6.7, matched exactly (IMF-fixdate, and the obsolete RFC 850 and asctime forms that
 * recipients must still accept), never handed to `Date.parse`, which accepts far more and varies
 * between engines. A value that is neither means "no hint": the caller backs off with jitter.
 */

const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const DAY_LONG = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH = `(${MONTHS.join('|')})`;
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';

/** `Sun, 06 Nov 1994 08:49:37 GMT` */
const IMF_FIXDATE = new RegExp(`^${DAY}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`);
/** `Sunday, 06-Nov-94 08:49:37 GMT` (obsolete) */
const RFC850_DATE = new RegExp(`^${DAY_LONG}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`);
/** `Sun Nov  6 08:49:37 1994` (obsolete; the day is two digits or a space and one digit) */
const ASCTIME_DATE = new RegExp(`^${DAY} ${MONTH} (\\d{2}| \\d) ${TIME} (\\d{4})$`);

const DELAY_SECONDS = /^\d+$/;

/** Milliseconds since the epoch of a valid calendar date and time of day, or `undefined`. */
function utc(year: number, month: string, day: number, hour: number, minute: number, second: number) {
  const monthIndex = MONTHS.indexOf(month);
  // RFC 9110 allows second 60 (a leap second); it is read as the first second of the next minute.
  if (hour > 23 || minute > 59 || second > 60 || day < 1) return undefined;
  const ms = Date.UTC(year, monthIndex, day, hour, minute, second);
  // Date.UTC rolls 31 Feb over into March: refuse a day the month does not have.
  const check = new Date(Date.UTC(year, monthIndex, day));
  return check.getUTCMonth() === monthIndex && check.getUTCDate() === day ? ms : undefined;
}

/**
 * An HTTP-date (RFC 9110 §5.6.7) in ms since the epoch, or `undefined` when `text` is not one.
 * A two-digit RFC 850 year is placed in the century that puts it at most 50 years after `now`.
 */
export function parseHttpDate(text: string, now: number): number | undefined {
  let match = IMF_FIXDATE.exec(text);
  if (match) {
    const [, day, month, year, h, m, s] = match;
    return utc(Number(year), month, Number(day), Number(h), Number(m), Number(s));
  }
  match = RFC850_DATE.exec(text);
  if (match) {
    const [, day, month, yy, h, m, s] = match;
    const thisYear = new Date(now).getUTCFullYear();
    let year = thisYear - (thisYear % 100) + Number(yy);
    if (year > thisYear + 50) year -= 100;
    return utc(year, month, Number(day), Number(h), Number(m), Number(s));
  }
  match = ASCTIME_DATE.exec(text);
  if (match) {
    const [, month, day, h, m, s, year] = match;
    return utc(Number(year), month, Number(day.trim()), Number(h), Number(m), Number(s));
  }
  return undefined;
}

/**
 * Reads a `Retry-After` header value: delay-seconds (`"5"`, digits only) or an HTTP-date, the
 * date relative to `now` (the scheduler's clock). Returns ms, never negative (a date in the past
 * is 0), or `undefined` when the header is absent or is neither form (`"-5"`, `"0.5"`, `"soon"`).
 * The caller gives a 0 its jitter (see `retryDelay`).
 */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  // Optional white space around a field value is not part of it (RFC 9110 §5.5).
  const text = value.replace(/^[ \t]+|[ \t]+$/g, '');
  if (DELAY_SECONDS.test(text)) return Math.min(Number(text) * 1000, Number.MAX_SAFE_INTEGER);
  const date = parseHttpDate(text, now);
  return date === undefined ? undefined : Math.max(0, date - now);
}
