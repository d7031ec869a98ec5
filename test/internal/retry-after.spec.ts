/**
 * `Retry-After` read strictly (RFC 9110 §10.2.3: delay-seconds = 1*DIGIT, or an HTTP-date of
 * §5.6.7), and what each reading makes the client wait: the hint when it is positive, full
 * jitter on the base delay when it is 0, the ordinary backoff when there is no valid hint.
 */
import { TestScheduler } from 'rxjs/testing';
import { ThrottledError, type RunpodEvent } from 'runpod-rx';
import { json, throttled } from 'runpod-rx/testing';
import { parseHttpDate, parseRetryAfter } from '../../src/internal/retry-after';
import { retryDelay } from '../../src/internal/retry-with-backoff';
import { fakeEndpoint } from '../helpers/endpoint';
import { createTestScheduler } from '../helpers/test-scheduler';

/** 2026-12-01T00:00:00Z, the clock of the date cases. */
const NOW = Date.UTC(2026, 11, 1);

describe('parseRetryAfter: delay-seconds', () => {
  it.each([
    ['0', 0],
    ['1', 1_000],
    ['120', 120_000],
    ['007', 7_000],
    [' 3 ', 3_000],
    ['\t5', 5_000],
  ])('%j → %d ms', (value, ms) => {
    expect(parseRetryAfter(value, NOW)).toBe(ms);
  });

  it('a number too large for a double stays finite (the caller caps it at maxRetryAfter)', () => {
    const ms = parseRetryAfter('9'.repeat(400), NOW);
    expect(ms).toBe(Number.MAX_SAFE_INTEGER);
  });

  it.each([
    ['-5', 'a sign (Date.parse reads it as a date in 2001)'],
    ['+5', 'a sign'],
    ['0.5', 'a fraction'],
    ['1.0', 'a fraction'],
    ['.5', 'a fraction'],
    ['1e3', 'an exponent'],
    ['0x10', 'hex'],
    ['5s', 'a unit'],
    ['5 5', 'two numbers'],
    ['٣', 'a non-ASCII digit'],
    ['', 'nothing'],
    ['   ', 'only white space'],
    ['soon', 'a word'],
    ['Infinity', 'a word'],
    ['NaN', 'a word'],
  ])('%j (%s) is no hint', (value) => {
    expect(parseRetryAfter(value, NOW)).toBeUndefined();
  });

  it('an absent header is no hint', () => {
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
  });
});

describe('parseRetryAfter: HTTP-date', () => {
  const in90s = NOW + 90_000;

  it('reads the three forms of RFC 9110 §5.6.7 against the given clock', () => {
    expect(parseRetryAfter('Tue, 01 Dec 2026 00:01:30 GMT', NOW)).toBe(90_000);
    expect(parseRetryAfter('Tuesday, 01-Dec-26 00:01:30 GMT', NOW)).toBe(90_000);
    expect(parseRetryAfter('Tue Dec  1 00:01:30 2026', NOW)).toBe(90_000);
    expect(parseHttpDate('Tue Dec 01 00:01:30 2026', NOW)).toBe(in90s);
  });

  it('takes the date from toUTCString, which is IMF-fixdate', () => {
    expect(parseRetryAfter(new Date(in90s).toUTCString(), NOW)).toBe(90_000);
    expect(parseRetryAfter(new Date(5_000).toUTCString(), 0)).toBe(5_000);
  });

  it('a date in the past, or now, is 0 ms (the caller gives it jitter)', () => {
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', NOW)).toBe(0);
    expect(parseRetryAfter(new Date(NOW).toUTCString(), NOW)).toBe(0);
  });

  it('an RFC 850 two-digit year lands at most 50 years ahead of the clock', () => {
    expect(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT', NOW)).toBe(Date.UTC(1994, 10, 6, 8, 49, 37));
    expect(parseHttpDate('Monday, 01-Jan-76 00:00:00 GMT', NOW)).toBe(Date.UTC(2076, 0, 1));
    expect(parseHttpDate('Friday, 01-Jan-77 00:00:00 GMT', NOW)).toBe(Date.UTC(1977, 0, 1));
  });

  it('a leap second is accepted', () => {
    expect(parseHttpDate('Wed, 31 Dec 2025 23:59:60 GMT', NOW)).toBe(Date.UTC(2026, 0, 1));
  });

  it.each([
    ['Tue, 1 Dec 2026 00:01:30 GMT', 'a one-digit day'],
    ['Tue, 01 Dec 2026 00:01:30 UTC', 'a zone other than GMT'],
    ['Tue, 01 Dec 2026 00:01:30 +0000', 'a numeric zone'],
    ['tue, 01 dec 2026 00:01:30 gmt', 'lower case (HTTP-date is case-sensitive)'],
    ['Tue, 01 Dec 2026 00:01 GMT', 'no seconds'],
    ['Tue, 01 Dec 2026 24:00:00 GMT', 'hour 24'],
    ['Tue, 01 Dec 2026 00:60:00 GMT', 'minute 60'],
    ['Tue, 31 Feb 2026 00:00:00 GMT', 'a day February does not have'],
    ['Tue, 00 Dec 2026 00:00:00 GMT', 'day 0'],
    ['Tue, 01 Dez 2026 00:01:30 GMT', 'an unknown month'],
    ['Tues, 01 Dec 2026 00:01:30 GMT', 'an unknown day name'],
    ['2026-12-01T00:01:30Z', 'ISO 8601'],
    ['12/01/2026', 'a local date form'],
    ['Tue, 01 Dec 2026 00:01:30 GMT trailing', 'trailing text'],
  ])('%j (%s) is no hint', (value) => {
    expect(parseRetryAfter(value, NOW)).toBeUndefined();
  });
});

describe('retryDelay', () => {
  const info = { method: 'GET', path: '/ep/health' };
  const config = { baseDelay: 400, maxDelay: 10_000, maxRetryAfter: 60_000, random: () => 0.5 };

  it('a positive hint is waited as it is, capped at maxRetryAfter', () => {
    expect(retryDelay(new ThrottledError(info, 1_500), 3, config)).toBe(1_500);
    expect(retryDelay(new ThrottledError(info, 3_600_000), 1, config)).toBe(60_000);
  });

  it('a hint of 0 gets full jitter on the base delay, whatever the retry number', () => {
    for (const retry of [1, 2, 5]) {
      expect(retryDelay(new ThrottledError(info, 0), retry, config)).toBe(200);
      expect(retryDelay(new ThrottledError(info, 0), retry, { ...config, random: () => 0 })).toBe(0);
      expect(retryDelay(new ThrottledError(info, 0), retry, { ...config, random: () => 0.9999 })).toBe(399);
    }
  });

  it('a maxRetryAfter of 0 makes every hint 0, which gets the jitter too', () => {
    expect(retryDelay(new ThrottledError(info, 5_000), 1, { ...config, maxRetryAfter: 0 })).toBe(200);
  });

  it('no hint, or one that is not a number ≥ 0, means the ordinary backoff (400 · 2^(n-1), full jitter)', () => {
    for (const hint of [undefined, Number.NaN, -1]) {
      expect([1, 2, 3].map((n) => retryDelay(new ThrottledError(info, hint), n, config))).toEqual([200, 400, 800]);
    }
    expect(retryDelay(new Error('not a 429'), 2, config)).toBe(400);
  });

  it('20 retries told "0" by one server spread over the base delay instead of coming back at once', () => {
    let seed = 1;
    const random = () => {
      seed = (seed * 48_271) % 2_147_483_647;
      return seed / 2_147_483_647;
    };
    const delays = Array.from({ length: 20 }, () => retryDelay(new ThrottledError(info, 0), 1, { ...config, random }));
    expect(new Set(delays).size).toBeGreaterThan(15);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...delays)).toBeLessThan(400);
  });
});

describe('the client waits what each Retry-After means (virtual time)', () => {
  const health = {
    jobs: { completed: 0, failed: 0, inProgress: 0, inQueue: 0, retried: 0 },
    workers: { idle: 1, running: 0 },
  };
  let rx: TestScheduler;
  beforeEach(() => {
    rx = createTestScheduler();
  });

  /**
   * The endpoint of test/helpers/endpoint.ts: random 0.5, baseDelay 100, maxDelay 1000, so
   * the backoff is 50, 100, 200 ms and the jitter of a zero hint is 50 ms.
   */
  it.each([
    ['"2"', '2', '- 2000ms - 2000ms - 2000ms -(a|)', [0, 2001, 4002, 6003]],
    ['"0": jitter on the base delay', '0', '- 50ms - 50ms - 50ms -(a|)', [0, 51, 102, 153]],
    ['"-5": no hint, backoff', '-5', '- 50ms - 100ms - 200ms -(a|)', [0, 51, 152, 353]],
    ['"0.5": no hint, backoff', '0.5', '- 50ms - 100ms - 200ms -(a|)', [0, 51, 152, 353]],
    ['garbage: no hint, backoff', 'later, maybe', '- 50ms - 100ms - 200ms -(a|)', [0, 51, 152, 353]],
    ['absent: backoff', undefined, '- 50ms - 100ms - 200ms -(a|)', [0, 51, 152, 353]],
    ['a past date: jitter', 'Thu, 01 Jan 1970 00:00:00 GMT', '- 50ms - 50ms - 50ms -(a|)', [0, 51, 102, 153]],
    [
      'a date 3 s ahead of the virtual clock, read at each 429',
      'Thu, 01 Jan 1970 00:00:03 GMT',
      '- 2999ms - 50ms - 50ms -(a|)',
      [0, 3000, 3051, 3102],
    ],
  ])('Retry-After %s', (_what, header, marble, times) => {
    rx.run(({ cold, expectObservable, flush }) => {
      const events: RunpodEvent[] = [];
      const { fake, endpoint } = fakeEndpoint(
        rx,
        (_req, n) => (n < 3 ? cold('-r|', { r: throttled(header) }) : cold('-r|', { r: json(health) })),
        { onEvent: (e) => events.push(e) },
      );
      expectObservable(endpoint.health()).toBe(marble, { a: health });
      flush();
      expect(fake.requests.map((r) => r.at)).toEqual(times);
      const delays = events.flatMap((e) => (e.type === 'retry' ? [e.delayMs] : []));
      expect(delays).toEqual(times.slice(1).map((t, i) => t - times[i] - 1));
    });
  });
});

describe('no Retry-After wait goes past the overall deadline (virtual time)', () => {
  it('watch with a 5 s deadline, told to come back in 60 s: the 429 at once (no wait past the deadline), no request after it', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable, flush }) => {
      const { fake, endpoint } = fakeEndpoint(rx, () => cold('-r|', { r: throttled('60') }));
      expectObservable(endpoint.watch('j1', { timeout: 5_000 })).toBe(
        '-#',
        undefined,
        new ThrottledError({ method: 'GET', path: '/ep1/status/j1' }, 60_000),
      );
      flush();
      expect(fake.requests.map((r) => [r.at, r.path])).toEqual([[0, '/ep1/status/j1']]);
    });
  });
});
