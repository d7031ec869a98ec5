import { createKeyCheck, extractKey } from '../../src/emulator/auth.js';
import { createManualClock, mockWorker, realClock } from '../../src/emulator/index.js';
import { createIdSource } from '../../src/emulator/ids.js';
import { mulberry32, seededStream } from '../../src/emulator/prng.js';
import { RateLimiter } from '../../src/emulator/rate-limiter.js';
import { matchRoute } from '../../src/emulator/router.js';
import { TimerSet } from '../../src/emulator/timers.js';

describe('emulator units', () => {
  it('manual clock fires timers in due order, including ones scheduled while advancing', () => {
    const clock = createManualClock(100);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('b@300'), 200);
    clock.setTimeout(() => {
      fired.push('a@150');
      clock.setTimeout(() => fired.push('c@250'), 100);
    }, 50);
    const cancelled = clock.setTimeout(() => fired.push('never'), 10);
    clock.clearTimeout(cancelled);
    clock.advance(150);
    expect(fired).toEqual(['a@150', 'c@250']);
    expect(clock.now()).toBe(250);
    clock.advance(1000);
    expect(fired).toEqual(['a@150', 'c@250', 'b@300']);
    expect(clock.now()).toBe(1250);
    expect(clock.pending).toBe(0);
    expect(typeof realClock.now()).toBe('number');
  });

  it('TimerSet.sleep resolves on the clock and rejects on abort; clearAll clears everything', async () => {
    const clock = createManualClock();
    const timers = new TimerSet(clock);
    const ac = new AbortController();
    const slept = timers.sleep(1000);
    const aborted = timers.sleep(1000, ac.signal);
    ac.abort();
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
    await clock.advanceAsync(1000);
    await expect(slept).resolves.toBeUndefined();
    timers.set(() => undefined, 5);
    timers.set(() => undefined, 50);
    expect(timers.size).toBe(2);
    timers.clearAll();
    expect(timers.size).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('seeded ids and PRNG streams are reproducible; ids are v4 uuids', () => {
    const a = createIdSource(seededStream(9, 1));
    const b = createIdSource(seededStream(9, 1));
    expect(a.uuid()).toBe(b.uuid());
    expect(a.uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(createIdSource().uuid()).not.toBe(createIdSource().uuid());
    const r = mulberry32(1);
    const values = Array.from({ length: 1000 }, r);
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(seededStream(9, 0)()).not.toBe(seededStream(9, 1)());
  });

  it('auth: Bearer or raw, constant-time compare, blank refused', () => {
    expect(extractKey('Bearer abc')).toBe('abc');
    expect(extractKey('bearer   abc ')).toBe('abc');
    expect(extractKey('abc')).toBe('abc');
    expect(extractKey('Bearer ')).toBeUndefined();
    expect(extractKey(undefined)).toBeUndefined();
    const check = createKeyCheck('k1');
    expect(check('Bearer k1')).toBe(true);
    expect(check('k1')).toBe(true);
    expect(check('k2')).toBe(false);
    expect(check('k1k1')).toBe(false);
    expect(createKeyCheck(undefined)('anything')).toBe(true);
    expect(createKeyCheck(undefined)(undefined)).toBe(false);
  });

  it('rate limiter: sliding window, Retry-After until the oldest request leaves the window', () => {
    const clock = createManualClock();
    const limiter = new RateLimiter(clock, { cancel: 3 });
    expect(limiter.limitOf('status')).toBe(2000);
    expect(limiter.limitOf('health')).toBe(Number.POSITIVE_INFINITY);
    for (let i = 0; i < 3; i++) {
      expect(limiter.take('ep', 'cancel').allowed).toBe(true);
      clock.advance(1000);
    }
    expect(limiter.take('ep', 'cancel')).toEqual({ allowed: false, retryAfterSeconds: 7 });
    expect(limiter.take('other', 'cancel').allowed).toBe(true);
    clock.advance(7000);
    expect(limiter.take('ep', 'cancel').allowed).toBe(true);
    expect(new RateLimiter(clock, {}, 0.001).limitOf('purge-queue')).toBe(1);
  });

  it('router: paths, ids, methods', () => {
    expect(matchRoute('POST', '/v2/ep-1/run')).toEqual({ kind: 'ok', route: 'run', endpointId: 'ep-1' });
    expect(matchRoute('GET', '/v2/ep/status/abc-u1/')).toEqual({
      kind: 'ok',
      route: 'status',
      endpointId: 'ep',
      jobId: 'abc-u1',
    });
    expect(matchRoute('GET', '/v2/ep/run')).toMatchObject({ kind: 'methodNotAllowed', allow: 'POST' });
    expect(matchRoute('GET', '/v2/ep/status/a%2Fb').kind).toBe('notFound');
    expect(matchRoute('GET', '/v2/ep/constructor').kind).toBe('notFound');
    expect(matchRoute('GET', '/v3/ep/health').kind).toBe('notFound');
  });

  it('mock worker defaults to "Hello World!"', async () => {
    const ac = new AbortController();
    const ctx = { signal: ac.signal, progress: () => undefined, sleep: async () => undefined };
    await expect(mockWorker({ id: 'j', input: {}, endpointId: 'e' }, ctx)).resolves.toBe('Hello World!');
    await expect(mockWorker({ id: 'j', input: 'not an object', endpointId: 'e' }, ctx)).resolves.toBe('Hello World!');
    await expect(mockWorker({ id: 'j', input: { mock_error: 'custom' }, endpointId: 'e' }, ctx)).rejects.toThrow(
      'custom',
    );
    await expect(mockWorker({ id: 'j', input: { mock_crash: true }, endpointId: 'e' }, ctx)).rejects.toMatchObject({
      name: 'WorkerCrash',
    });
  });
});
