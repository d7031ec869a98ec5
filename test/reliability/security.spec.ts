/**
 * Security, over real HTTP. The client: the API key never appears in any error (every kind, as
 * produced over loopback HTTP, the emulator's 401 included), event, emitted value, stack trace,
 * `util.inspect` or `JSON.stringify` of anything it hands out; plain http to a host that is not
 * loopback is refused unless `allowInsecure`; a redirect is never followed. The emulator: keys
 * compared in constant time, bodies capped, slow headers, slow bodies and silent connections cut
 * off, loopback only by default, every error in JSON, and a health call succeeds after each attack.
 * test/endpoint/security.spec.ts covers the same promises through a fake transport.
 */
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer, type AddressInfo } from 'node:net';
import { firstValueFrom, lastValueFrom, type Observable } from 'rxjs';
import {
  createEndpoint,
  createFetchTransport,
  isConfigError,
  isDecodeError,
  isHttpError,
  isInvalidInputError,
  isJobCancelledError,
  isJobFailedError,
  isJobTimedOutError,
  isNetworkError,
  isNotFoundError,
  isPayloadTooLargeError,
  isThrottledError,
  isTimeoutError,
  isUnauthorizedError,
  type EndpointConfig,
  type RunpodEvent,
} from 'runpod-rx';
import { createManualClock, startEmulator, type Emulator, type EmulatorOptions } from 'runpod-rx/emulator';
import { everyText, outcome } from './helpers';

const CLIENT_KEY = 'rpa_CLIENTKEY_7f3a9c1e5b2d4f60';
const SERVER_KEY = 'rpa_SERVERKEY_0b8e2d6a4c1f9e37';
/** Distinctive pieces too: a leak of part of a key is a leak. */
const SECRETS = [CLIENT_KEY, SERVER_KEY, '7f3a9c1e5b2d4f60', '0b8e2d6a4c1f9e37'];

function leaks(value: unknown): string[] {
  const text = everyText(value);
  return SECRETS.filter((secret) => text.includes(secret));
}

const emulators: Emulator[] = [];
async function emulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const started = await startEmulator({ apiKey: SERVER_KEY, ...options });
  emulators.push(started);
  return started;
}
afterAll(async () => {
  await Promise.all(emulators.map((e) => e.close()));
});

/** A health call through the client, with the right key: the emulator still serves. */
async function stillServes(target: Emulator): Promise<void> {
  const endpoint = createEndpoint({ apiKey: SERVER_KEY, endpointId: 'ep', baseUrl: target.baseUrl, env: {} });
  const health = await firstValueFrom(endpoint.health());
  expect(health.workers).toBeDefined();
}

/** The `Host` header line naming the emulator (any other Host is refused: DNS rebinding). */
function hostLine(target: Emulator): string {
  return `Host: ${new URL(target.baseUrl).host}\r\n`;
}

/** A raw TCP connection to the emulator, collecting what it answers. */
function rawSocket(target: Emulator, host = '127.0.0.1') {
  const socket = connect(target.port, host);
  let received = '';
  let error: string | undefined;
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  return { socket, closed, received: () => received, error: () => error };
}

/** Status line and JSON body of a raw HTTP answer. */
function parseAnswer(raw: string): { status: number; contentType?: string; json: unknown } {
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0);
  const contentType = /\r\ncontent-type: ([^\r]*)/i.exec(raw)?.[1];
  const body = raw.slice(raw.indexOf('\r\n\r\n') + 4);
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    json = undefined;
  }
  return { status, contentType, json };
}

describe('security: the key never leaks from the client, over real HTTP', () => {
  it('no error of any kind, no event, no value and no endpoint holds the key or a piece of it', async () => {
    const clock = createManualClock(Date.now());
    const jobs = await emulator({ rateLimits: false, clock });
    const faulty = (kind: 'serverError' | 'reset' | 'malformed' | 'truncated' | 'throttle') =>
      emulator({ rateLimits: false, faults: { [kind]: 1 } });
    const [serverError, reset, malformed, truncated, throttle] = await Promise.all([
      faulty('serverError'),
      faulty('reset'),
      faulty('malformed'),
      faulty('truncated'),
      faulty('throttle'),
    ]);
    const slow = await emulator({ rateLimits: false, faults: { latency: { rate: 1, ms: 10_000 } } });
    const limited = await emulator({ rateLimitScale: 0.0001 });
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer();
      probe.listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });

    const events: RunpodEvent[] = [];
    const values: unknown[] = [];
    const endpoints: unknown[] = [];
    const client = (baseUrl: string, config: EndpointConfig = {}) => {
      const endpoint = createEndpoint({
        apiKey: SERVER_KEY,
        endpointId: 'ep',
        baseUrl,
        env: {},
        retry: false,
        transport: createFetchTransport({ bodyTimeout: 200 }),
        onEvent: (event) => events.push(event),
        ...config,
      });
      endpoints.push(endpoint);
      return endpoint;
    };
    const errorOf = async (source: Observable<unknown>) => {
      const result = await outcome(source);
      values.push(...result.values);
      return result.error;
    };
    const ok = client(jobs.baseUrl);
    const failedJob = (await firstValueFrom(ok.run({ input: { mock_error: 'boom' } }))).id;
    const cancelledJob = (await firstValueFrom(ok.run({ input: { mock_delay: 60 } }))).id;
    await firstValueFrom(ok.cancel(cancelledJob));
    const timedOutJob = (
      await firstValueFrom(ok.run({ input: { mock_delay: 60 }, policy: { executionTimeout: 5_000 } }))
    ).id;
    await clock.advanceAsync(5_000);
    const runningJob = (await firstValueFrom(ok.run({ input: { mock_delay: 60 } }))).id;

    const cases: [string, (e: unknown) => boolean, Promise<unknown>][] = [
      ['401 from the emulator', isUnauthorizedError, errorOf(client(jobs.baseUrl, { apiKey: CLIENT_KEY }).health())],
      ['404', isNotFoundError, errorOf(ok.status('no-such-job'))],
      ['400 (retry of a job that did not fail)', isHttpError, errorOf(ok.retry(cancelledJob))],
      ['500', isHttpError, errorOf(client(serverError.baseUrl).health())],
      ['429 (injected)', isThrottledError, errorOf(client(throttle.baseUrl).status('j1'))],
      ['reset', isNetworkError, errorOf(client(reset.baseUrl).run({ input: 1 }))],
      ['refused', isNetworkError, errorOf(client(`http://127.0.0.1:${closedPort}/v2`).run({ input: 1 }))],
      ['malformed 200', isDecodeError, errorOf(client(malformed.baseUrl).health())],
      ['truncated 200', (e) => isTimeoutError(e) || isNetworkError(e), errorOf(client(truncated.baseUrl).health())],
      ['request timeout', isTimeoutError, errorOf(client(slow.baseUrl, { requestTimeout: 100 }).health())],
      ['deadline', isTimeoutError, errorOf(ok.watch(runningJob, { timeout: 50 }))],
      ['job failed', isJobFailedError, errorOf(ok.stream(failedJob))],
      ['job cancelled', isJobCancelledError, errorOf(ok.stream(cancelledJob))],
      ['job timed out', isJobTimedOutError, errorOf(ok.stream(timedOutJob))],
      ['invalid input', isInvalidInputError, errorOf(ok.runSync({ input: { n: 1n } }))],
      ['payload too large', isPayloadTooLargeError, errorOf(ok.run({ input: 'x'.repeat(10 * 1024 * 1024) }))],
    ];
    // Throttling by the real rate limiter (not a fault): exhaust a tiny limit.
    const limitedClient = client(limited.baseUrl);
    await errorOf(limitedClient.health());
    let throttled: unknown;
    for (let i = 0; i < 5 && !isThrottledError(throttled); i++) throttled = await errorOf(limitedClient.purgeQueue());
    cases.push(['429 (rate limit)', isThrottledError, Promise.resolve(throttled)]);
    for (const config of [
      { apiKey: `${CLIENT_KEY}\n` },
      { apiKey: CLIENT_KEY, baseUrl: `http://user:${CLIENT_KEY}@127.0.0.1/v2` },
      { apiKey: CLIENT_KEY, baseUrl: `http://127.0.0.1/v2?key=${CLIENT_KEY}` },
      { apiKey: CLIENT_KEY, baseUrl: `http://evil.example/${CLIENT_KEY}` },
      { apiKey: CLIENT_KEY, endpointId: CLIENT_KEY.replace(/_/g, '/') },
    ]) {
      let thrown: unknown;
      try {
        createEndpoint({ endpointId: 'ep', env: {}, ...config });
      } catch (error) {
        thrown = error;
      }
      cases.push([`config ${JSON.stringify(Object.keys(config))}`, isConfigError, Promise.resolve(thrown)]);
    }

    const problems: string[] = [];
    for (const [what, guard, pending] of cases) {
      const error = await pending;
      if (!guard(error)) problems.push(`${what}: got ${String(error)}`);
      const found = leaks(error);
      if (found.length > 0) problems.push(`${what}: the error shows ${found.join(', ')}`);
    }
    expect(problems).toEqual([]);
    expect(events.length).toBeGreaterThan(cases.length);
    expect(leaks(events)).toEqual([]);
    expect(leaks(values)).toEqual([]);
    expect(leaks(endpoints)).toEqual([]);
  }, 30_000);

  it('the emulator never echoes a key: 401 answers to a wrong, blank, raw or oversized key', async () => {
    const target = await emulator();
    for (const authorization of [
      `Bearer ${CLIENT_KEY}`,
      CLIENT_KEY,
      `Bearer ${SERVER_KEY}x`,
      `Basic ${Buffer.from(`u:${SERVER_KEY}`).toString('base64')}`,
      `Bearer ${CLIENT_KEY.repeat(200)}`,
    ]) {
      const response = await fetch(`${target.baseUrl}/ep/health`, { headers: { authorization } });
      const text = await response.text();
      let headerText = '';
      response.headers.forEach((value, name) => (headerText += `${name}: ${value}\n`));
      expect(response.status).toBe(401);
      expect(JSON.parse(text)).toEqual({ error: expect.any(String) });
      expect(SECRETS.filter((secret) => text.includes(secret) || headerText.includes(secret))).toEqual([]);
    }
    await stillServes(target);
  });

  it('a redirect is not followed: the key and the job never reach the other server', async () => {
    const received: string[] = [];
    const other = createHttpServer((req, res) => {
      received.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"id":"stolen","status":"IN_QUEUE"}');
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const otherPort = (other.address() as AddressInfo).port;
    const front = createHttpServer((_req, res) => {
      res.writeHead(307, { location: `http://127.0.0.1:${otherPort}/v2/ep/run` });
      res.end();
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    try {
      const frontUrl = `http://127.0.0.1:${(front.address() as AddressInfo).port}/v2`;
      for (const fetch of [undefined, globalThis.fetch]) {
        const endpoint = createEndpoint({
          apiKey: CLIENT_KEY,
          endpointId: 'ep',
          baseUrl: frontUrl,
          env: {},
          ...(fetch && { fetch: fetch as never }),
        });
        const result = await outcome(endpoint.run({ input: { secret: 'job' } }));
        expect(isHttpError(result.error) || isNetworkError(result.error)).toBe(true);
        expect(leaks(result.error)).toEqual([]);
      }
      expect(received).toEqual([]);
    } finally {
      front.closeAllConnections();
      other.closeAllConnections();
      await Promise.all([
        new Promise((resolve) => front.close(resolve)),
        new Promise((resolve) => other.close(resolve)),
      ]);
    }
  });
});

describe('security: plain http only to loopback unless allowInsecure', () => {
  const create =
    (baseUrl: string, allowInsecure?: boolean, env: Record<string, string> = {}) =>
    () =>
      createEndpoint({ apiKey: CLIENT_KEY, endpointId: 'ep', env, ...(baseUrl && { baseUrl }), allowInsecure });

  it('refuses hosts that only look like loopback, and other schemes', () => {
    const refused = [
      'http://example.com/v2',
      'HTTP://EXAMPLE.COM/v2',
      'http://10.0.0.1/v2',
      'http://192.168.1.10:8080/v2',
      'http://0.0.0.0/v2',
      'http://[::]/v2',
      'http://[::ffff:127.0.0.1]/v2',
      'http://127.0.0.1.nip.io/v2',
      'http://localhost.evil.example/v2',
      'http://evil.example/localhost',
      'http://evil.example#@127.0.0.1/v2',
      'ws://127.0.0.1/v2',
      'file:///etc/passwd',
      'ftp://127.0.0.1/v2',
      'javascript:alert(1)',
    ];
    const accepted: string[] = [];
    for (const url of refused) {
      try {
        create(url)();
        accepted.push(url);
      } catch (error) {
        expect(isConfigError(error)).toBe(true);
        expect(leaks(error)).toEqual([]);
      }
    }
    expect(accepted).toEqual([]);
    // The same from the environment.
    expect(() => create('', undefined, { RUNPOD_ENDPOINT_BASE_URL: 'http://example.com/v2' })()).toThrow(
      /refusing plain http/,
    );
  });

  it('accepts loopback in its spellings, https anywhere, and plain http elsewhere only with allowInsecure', () => {
    for (const url of [
      'http://127.0.0.1:8787/v2',
      'http://127.1.2.3/v2',
      'http://localhost/v2',
      'http://LOCALHOST:1/v2',
      'http://[::1]:8787/v2',
      'https://api.runpod.ai/v2',
      'https://example.com/v2',
    ]) {
      expect(create(url)).not.toThrow();
    }
    expect(create('http://example.com/v2', true)).not.toThrow();
    expect(create('http://10.0.0.1/v2', true)).not.toThrow();
  });
});

describe('security: the emulator under attack', () => {
  it('compares keys in constant time: SHA-256 digests of equal length through crypto.timingSafeEqual, whatever the key length', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const crypto = require('node:crypto') as typeof import('node:crypto');
    const spy = jest.spyOn(crypto, 'timingSafeEqual');
    try {
      const target = await emulator();
      const sameLength = SERVER_KEY.replace(/.$/, (c) => (c === 'x' ? 'y' : 'x'));
      for (const key of [sameLength, 'short', SERVER_KEY.repeat(50), SERVER_KEY]) {
        spy.mockClear();
        const response = await fetch(`${target.baseUrl}/ep/health`, { headers: { authorization: `Bearer ${key}` } });
        await response.text();
        expect(response.status).toBe(key === SERVER_KEY ? 200 : 401);
        expect(response.headers.get('content-type')).toBe('application/json');
        // One comparison, of two 32-byte digests, whatever the key's length: no early exit on length.
        expect(spy.mock.calls.map(([a, b]) => [(a as Buffer).length, (b as Buffer).length])).toEqual([[32, 32]]);
      }
    } finally {
      spy.mockRestore();
    }
  });

  it('caps bodies: 413 JSON over 10 MB (/run), 20 MB (/runsync) and 1 MiB elsewhere, announced or chunked, without reading on', async () => {
    const target = await emulator({ rateLimits: false });
    const auth = { authorization: `Bearer ${SERVER_KEY}`, 'content-type': 'application/json' };
    const MiB = 1024 * 1024;
    const cases: [string, number][] = [
      ['/ep/run', 10_000_000],
      ['/ep/runsync', 20_000_000],
      ['/ep/cancel/j1', MiB],
      ['/ep/retry/j1', MiB],
      ['/ep/purge-queue', MiB],
      ['/ep/status/j1', MiB],
      ['/ep/status-sync/j1', MiB],
      ['/ep/stream/j1', MiB],
    ];
    for (const [path, limit] of cases) {
      // Announced by Content-Length: refused before a byte of the body is read.
      const body = `{"input":"${'x'.repeat(limit)}"}`;
      const announced = await fetch(`${target.baseUrl}${path}`, { method: 'POST', headers: auth, body });
      expect([path, announced.status]).toEqual([path, 413]);
      expect(await announced.json()).toEqual({ error: expect.any(String) });
    }
    for (const [path, limit] of [cases[0], cases[2]]) {
      // Chunked, no Content-Length: cut off once the limit is crossed, the connection closed.
      const socket = rawSocket(target);
      socket.socket.write(
        `POST /v2${path} HTTP/1.1\r\n${hostLine(target)}Authorization: Bearer ${SERVER_KEY}\r\nTransfer-Encoding: chunked\r\n\r\n`,
      );
      const chunk = 'x'.repeat(256 * 1024);
      let sent = 0;
      while (sent <= limit + chunk.length && !socket.socket.destroyed && socket.received() === '') {
        socket.socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
        sent += chunk.length;
        await new Promise((resolve) => setImmediate(resolve));
      }
      await socket.closed;
      const answer = parseAnswer(socket.received());
      expect([path, answer.status, answer.contentType]).toEqual([path, 413, 'application/json']);
    }
    expect(target.jobs()).toEqual([]);
    await stillServes(target);
  }, 30_000);

  it('does not drain an unauthenticated upload: it answers 401 and closes the connection', async () => {
    const target = await emulator();
    const socket = rawSocket(target);
    socket.socket.write(
      `POST /v2/ep/run HTTP/1.1\r\n${hostLine(target)}Authorization: Bearer wrong\r\nContent-Length: 104857600\r\n\r\n{"input":"`,
    );
    const chunk = 'x'.repeat(64 * 1024);
    let sent = 0;
    while (!socket.socket.destroyed && sent < 100 * 1024 * 1024) {
      if (!socket.socket.write(chunk)) await new Promise((resolve) => setTimeout(resolve, 5));
      sent += chunk.length;
      if (socket.received().includes('\r\n\r\n')) break;
    }
    await socket.closed;
    const answer = parseAnswer(socket.received());
    expect(answer.status).toBe(401);
    expect(answer.json).toEqual({ error: expect.any(String) });
    // Far less than the 100 MB announced went through before the server hung up.
    expect(sent).toBeLessThan(20 * 1024 * 1024);
    await stillServes(target);
  });

  it('cuts off slow headers, slow bodies and silent connections with a 408 JSON, many at once, and keeps serving', async () => {
    const target = await emulator({ maxHeaderMs: 300, requestTimeoutMs: 600, rateLimits: false });
    const drips: NodeJS.Timeout[] = [];
    // Attackers that never finish by themselves: only the emulator can end their connections.
    const attackers = Array.from({ length: 30 }, (_, i) => {
      const attacker = rawSocket(target);
      const kind = i % 3;
      // 0: a header that never ends, one byte at a time; 1: a 1 MB body, one byte at a time; 2: silence.
      if (kind === 0) attacker.socket.write(`GET /v2/ep/health HTTP/1.1\r\n${hostLine(target)}X-Slow: `);
      if (kind === 1) {
        attacker.socket.write(
          `POST /v2/ep/run HTTP/1.1\r\n${hostLine(target)}Authorization: Bearer ${SERVER_KEY}\r\nContent-Length: 1000000\r\n\r\n{"input":"`,
        );
      }
      if (kind !== 2) {
        const drip = setInterval(() => {
          if (attacker.socket.destroyed) return clearInterval(drip);
          attacker.socket.write('a');
        }, 50);
        drips.push(drip);
      }
      return attacker;
    });
    // While they drip, the emulator answers everyone else.
    await stillServes(target);
    await Promise.all(attackers.map((attacker) => attacker.closed));
    for (const drip of drips) clearInterval(drip);
    const answers = attackers.map((attacker) => parseAnswer(attacker.received()));
    for (const answer of answers) {
      expect(answer.status).toBe(408);
      expect(answer.contentType).toBe('application/json');
      expect(answer.json).toEqual({ error: expect.any(String) });
    }
    expect(target.jobs()).toEqual([]);
    await stillServes(target);
  });

  it('binds loopback only by default: 127.0.0.2 and ::1 are refused on its port', async () => {
    const target = await emulator();
    expect(new URL(target.baseUrl).hostname).toBe('127.0.0.1');
    for (const host of ['127.0.0.2', '::1']) {
      const probe = rawSocket(target, host);
      await probe.closed;
      expect([host, probe.error()]).toEqual([host, 'ECONNREFUSED']);
    }
    await stillServes(target);
  });

  it('answers every error in JSON, and serves after each attack', async () => {
    const target = await emulator({ maxHeaderMs: 300, requestTimeoutMs: 600, rateLimits: false });
    const limited = await emulator({ rateLimitScale: 0.0001 });
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const raw = (request: string) => async () => {
      const socket = rawSocket(target);
      socket.socket.write(request);
      await Promise.race([socket.closed, new Promise((resolve) => setTimeout(resolve, 2_000))]);
      socket.socket.destroy();
      return parseAnswer(socket.received());
    };
    const key = `Authorization: Bearer ${SERVER_KEY}\r\n`;
    const post = (path: string, body: string, headers = key) =>
      raw(
        `POST /v2${path} HTTP/1.1\r\n${hostLine(target)}${headers}Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    const get = (path: string, headers = key) =>
      raw(`GET /v2${path} HTTP/1.1\r\n${hostLine(target)}${headers}Connection: close\r\n\r\n`);
    const attacks: [string, number, () => Promise<ReturnType<typeof parseAnswer>>][] = [
      ['malformed JSON', 400, post('/ep/run', '{"input":')],
      ['JSON nested 100,000 deep', 400, post('/ep/run', `{"input":${deep}}`)],
      ['no input', 400, post('/ep/run', '{"webhook":"x"}')],
      ['a bad wait', 400, get('/ep/status-sync/j1?wait=-5')],
      ['no key', 401, get('/ep/health', '')],
      ['a wrong key', 401, get('/ep/health', 'Authorization: Bearer nope\r\n')],
      ['an unknown route', 404, get('/ep/nope')],
      ['path traversal', 404, get('/ep/status/..%2F..%2Fetc%2Fpasswd')],
      ['dot segments', 404, get('/../../etc/passwd')],
      ['an unknown job', 404, get('/ep/status/no-such-job')],
      ['a wrong method', 405, raw(`DELETE /v2/ep/run HTTP/1.1\r\n${hostLine(target)}${key}Connection: close\r\n\r\n`)],
      ['a body over 1 MiB', 413, post('/ep/cancel/j1', 'x'.repeat(1024 * 1024 + 1))],
      ['a 64 KiB header', 431, get('/ep/health', `${key}X-Big: ${'y'.repeat(64 * 1024)}\r\n`)],
      ['a 100 KiB URL', 431, get(`/${'a'.repeat(100 * 1024)}/health`)],
      ['protocol garbage', 400, raw('\u0000\u0001 GARBAGE \r\n\r\n')],
      [
        'a bad Content-Length',
        400,
        raw(`POST /v2/ep/run HTTP/1.1\r\n${hostLine(target)}${key}Content-Length: -1\r\n\r\n`),
      ],
      [
        'two Content-Lengths',
        400,
        raw(`POST /v2/ep/run HTTP/1.1\r\n${hostLine(target)}${key}Content-Length: 1\r\nContent-Length: 2\r\n\r\n{}`),
      ],
      ['a slow request', 408, raw(`POST /v2/ep/run HTTP/1.1\r\n${hostLine(target)}${key}Content-Length: 50\r\n\r\n{`)],
    ];
    // The rate limiter's 429: at this scale purge-queue allows one request per 10 s.
    const purge = async () => {
      const socket = rawSocket(limited);
      socket.socket.write(
        `POST /v2/ep/purge-queue HTTP/1.1\r\n${hostLine(limited)}${key}Content-Length: 0\r\nConnection: close\r\n\r\n`,
      );
      await socket.closed;
      return parseAnswer(socket.received());
    };
    attacks.push(['rate limited', 429, async () => ((await purge()).status === 200 ? purge() : purge())]);
    const problems: string[] = [];
    for (const [what, status, attack] of attacks) {
      const answer = await attack();
      const error = (answer.json as { error?: unknown } | undefined)?.error;
      if (answer.status !== status) {
        problems.push(`${what}: HTTP ${answer.status}, expected ${status}`);
      }
      if (answer.status !== 200 && (answer.contentType !== 'application/json' || typeof error !== 'string')) {
        problems.push(`${what}: not a JSON error (${answer.contentType})`);
      }
      await stillServes(target);
    }
    expect(problems).toEqual([]);
    expect(target.jobs()).toEqual([]);
    // A prototype-polluting body changes nothing.
    await post('/ep2/run', '{"input":{"__proto__":{"polluted":true}},"__proto__":{"polluted":true}}')();
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  }, 30_000);

  it('a handler value nested too deep fails its job instead of the emulator', async () => {
    const target = await emulator({
      rateLimits: false,
      handler: () => {
        let value: unknown = 1;
        for (let i = 0; i < 100_000; i++) value = [value];
        return value;
      },
    });
    const endpoint = createEndpoint({ apiKey: SERVER_KEY, endpointId: 'ep', baseUrl: target.baseUrl, env: {} });
    const state = await lastValueFrom(endpoint.runSync({ input: 1 }));
    expect(state.status).toBe('FAILED');
    expect(state.error).toMatch(/not JSON-serialisable|nested deeper/);
    await stillServes(target);
  });
});
