import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createManualClock, startEmulator, ENDPOINT_IDLE_MS } from '../../src/emulator/index.js';
import { isLoopbackOrigin } from '../../src/emulator/cors.js';
import { createHostCheck } from '../../src/emulator/host-check.js';
import { RateLimiter } from '../../src/emulator/rate-limiter.js';
import { api, emulatorPool, rawRequest, waitFor } from './helpers.js';
import { closeServers } from '../helpers/loopback-server';

const pool = emulatorPool();
const receivers: Server[] = [];
afterEach(async () => {
  await pool.closeAll();
  await closeServers(receivers);
});

/** A preflight for POST /ep/run from `origin`. */
function preflight(baseUrl: string, origin: string): Promise<Response> {
  return fetch(`${baseUrl}/ep/run`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type',
    },
  });
}

describe('emulator security: CORS', () => {
  it.each(['http://localhost:4200', 'http://127.0.0.1:5173', 'http://[::1]:8080', 'https://localhost:4443'])(
    'allows the loopback origin %s and echoes it with Vary: Origin, never *',
    async (origin) => {
      const emu = await pool.start({ apiKey: 'k' });
      const pre = await preflight(emu.baseUrl, origin);
      expect(pre.status).toBe(204);
      expect(pre.headers.get('access-control-allow-origin')).toBe(origin);
      expect(pre.headers.get('vary')).toBe('Origin');
      const run = await api(emu, 'POST', '/ep/run', { key: 'k', body: { input: {} }, headers: { origin } });
      expect(run.status).toBe(200);
      expect(run.headers.get('access-control-allow-origin')).toBe(origin);
      expect(run.headers.get('vary')).toBe('Origin');
    },
  );

  it('refuses a preflight and a request from another origin with 403 JSON, without allow headers', async () => {
    const emu = await pool.start({ apiKey: 'k' });
    const pre = await preflight(emu.baseUrl, 'https://evil.example');
    expect(pre.status).toBe(403);
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    expect(pre.headers.get('access-control-allow-methods')).toBeNull();
    expect(pre.headers.get('access-control-allow-headers')).toBeNull();
    expect(await pre.json()).toEqual({ error: expect.stringMatching(/Origin not allowed/) });
    // The request itself is never executed, even with the right key.
    const run = await api(emu, 'POST', '/ep/run', {
      key: 'k',
      body: { input: {} },
      headers: { origin: 'https://evil.example' },
    });
    expect(run.status).toBe(403);
    expect(run.headers.get('access-control-allow-origin')).toBeNull();
    expect(emu.stats().jobsCreated).toBe(0);
    expect(emu.stats().requests.refused).toBe(2);
    // Look-alikes of loopback are not loopback.
    for (const origin of ['http://localhost.evil.example', 'http://127.0.0.1.nip.io:80', 'null', 'file://']) {
      expect((await preflight(emu.baseUrl, origin)).status).toBe(403);
    }
  });

  it("allows a named origin; '*' only when configured", async () => {
    const named = await pool.start({ corsOrigins: ['https://app.example'] });
    const ok = await preflight(named.baseUrl, 'https://app.example');
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect((await preflight(named.baseUrl, 'https://other.example')).status).toBe(403);
    expect((await preflight(named.baseUrl, 'http://localhost:3000')).status).toBe(204);

    const open = await pool.start({ corsOrigins: ['*'] });
    const any = await preflight(open.baseUrl, 'https://evil.example');
    expect(any.status).toBe(204);
    expect(any.headers.get('access-control-allow-origin')).toBe('*');
    const health = await api(open, 'GET', '/ep/health', { headers: { origin: 'https://evil.example' } });
    expect(health.status).toBe(200);
    expect(health.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('refuses corsOrigins entries that are not origins', async () => {
    for (const bad of ['app.example', 'https://app.example/path', 'ftp://app.example', 'https://u:p@app.example']) {
      await expect(startEmulator({ corsOrigins: [bad] })).rejects.toThrow(RangeError);
    }
    expect(isLoopbackOrigin('http://localhost:1')).toBe(true);
    expect(isLoopbackOrigin('http://localhost:1/')).toBe(false);
    expect(isLoopbackOrigin('ws://localhost:1')).toBe(false);
  });
});

describe('emulator security: Host (DNS rebinding)', () => {
  it('refuses a Host that does not name the bound loopback address with 403 JSON', async () => {
    const emu = await pool.start({ apiKey: 'k' });
    const port = emu.port;
    for (const host of [
      'attacker.example',
      `attacker.example:${port}`,
      `127.0.0.1:${port + 1}`,
      'a b',
      `[::2]:${port}`,
    ]) {
      const res = await rawRequest(emu, 'GET', '/ep/health', { host, authorization: 'k' });
      expect(res.status).toBe(403);
      expect(JSON.parse(res.text ?? '')).toEqual({ error: expect.stringMatching(/DNS rebinding/) });
    }
    // A preflight from a rebinding page is refused as well.
    const pre = await rawRequest(emu, 'OPTIONS', '/ep/run', {
      host: `attacker.example:${port}`,
      origin: `http://attacker.example:${port}`,
    });
    expect(pre.status).toBe(403);
    expect(pre.headers?.['access-control-allow-origin']).toBeUndefined();
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`]) {
      expect((await rawRequest(emu, 'GET', '/ep/health', { host, authorization: 'k' })).status).toBe(200);
    }
    expect(emu.stats().requests.refused).toBe(6);
    expect(emu.stats().requests.health).toBe(4);
  });

  it('a server bound to another address accepts that address too; a wildcard bind accepts any', () => {
    const check = createHostCheck('192.168.1.5');
    expect(check('192.168.1.5:8787', 8787)).toBe(true);
    expect(check('localhost:8787', 8787)).toBe(true);
    expect(check('evil.example:8787', 8787)).toBe(false);
    expect(check('192.168.1.5:8788', 8787)).toBe(false);
    expect(check('192.168.1.5', 80)).toBe(true);
    expect(check(undefined, 8787)).toBe(true);
    expect(createHostCheck('0.0.0.0')('anything.example:1', 8787)).toBe(true);
    expect(createHostCheck('127.0.0.1')('127.0.0.1', 8787)).toBe(false);
  });
});

/** A loopback webhook receiver that records each request's headers and body. */
async function receiver(): Promise<{ port: number; hits: { headers: IncomingHttpHeaders; body: string }[] }> {
  const hits: { headers: IncomingHttpHeaders; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      hits.push({ headers: req.headers, body });
      res.end('ok');
    });
  });
  receivers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  return { port: typeof address === 'object' && address ? address.port : 0, hits };
}

describe('emulator security: webhook URLs', () => {
  it('strips user:pass@ from a webhook URL: it never becomes an Authorization header', async () => {
    const hook = await receiver();
    const emu = await pool.start();
    const res = await api(emu, 'POST', '/ep/runsync', {
      body: { input: { mock_return: 'x' }, webhook: `http://user:secret@127.0.0.1:${hook.port}/hook?q=1` },
    });
    expect(res.json.status).toBe('COMPLETED');
    await waitFor(() => emu.stats().webhooks.delivered === 1);
    expect(hook.hits).toHaveLength(1);
    expect(hook.hits[0].headers.authorization).toBeUndefined();
    expect(JSON.parse(hook.hits[0].body)).toEqual(res.json);
  });

  it('refuses a webhook that is not an http(s) URL with 400 JSON; no job is created', async () => {
    const emu = await pool.start();
    for (const webhook of [
      'file:///etc/passwd',
      'ftp://127.0.0.1/x',
      'javascript:alert(1)',
      'not a url',
      '/relative',
    ]) {
      const res = await api(emu, 'POST', '/ep/run', { body: { input: {}, webhook } });
      expect(res.status).toBe(400);
      expect(res.json).toEqual({ error: expect.stringMatching(/"webhook" must/) });
    }
    expect(emu.stats().jobsCreated).toBe(0);
  });
});

describe('emulator: retained bytes are capped', () => {
  /** An input of about `bytes` bytes of JSON that makes the mock worker fail (FAILED keeps its input). */
  const failing = (bytes: number): unknown => ({ mock_error: true, pad: 'x'.repeat(bytes) });

  it('forgets the oldest finished jobs early when the cap is passed (404 thereafter)', async () => {
    const emu = await pool.start({ maxRetainedBytes: 10_000 });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await api(emu, 'POST', '/ep/runsync', { body: { input: failing(3000) } });
      expect(res.json.status).toBe('FAILED');
      ids.push(res.json.id as string);
    }
    // Three inputs of ~3 kB fit under 10 kB; the fourth made room by forgetting the first.
    expect(emu.stats().jobsEvicted).toBe(1);
    expect(emu.stats().retainedBytes).toBeLessThanOrEqual(10_000);
    expect((await api(emu, 'GET', `/ep/status/${ids[0]}`)).status).toBe(404);
    for (const id of ids.slice(1)) expect((await api(emu, 'GET', `/ep/status/${id}`)).json.status).toBe('FAILED');
    // A FAILED job keeps its input: /retry still runs it (and it fails again, as its input says).
    expect((await api(emu, 'POST', `/ep/retry/${ids[1]}`)).status).toBe(200);
    await waitFor(() => emu.job(ids[1])?.status === 'FAILED' && emu.job(ids[1])?.attempts === 2);
    // Once their results expire (`?ttl=0`), nothing is held.
    for (const id of ids.slice(1)) await api(emu, 'POST', `/ep/status/${id}?ttl=0`);
    await waitFor(() => emu.jobs().length === 0);
    expect(emu.stats().retainedBytes).toBe(0);
  });

  it('a COMPLETED job keeps only its output; a large output pushes older jobs out', async () => {
    // Answers `n` bytes of output when asked, 'ok' otherwise.
    const handler = (job: { input: unknown }): string => {
      const n = (job.input as { n?: number }).n;
      return n === undefined ? 'ok' : 'z'.repeat(n);
    };
    const emu = await pool.start({ maxRetainedBytes: 10_000, handler });
    const small = await api(emu, 'POST', '/ep/runsync', { body: { input: { pad: 'y'.repeat(5000) } } });
    expect(small.json.output).toBe('ok');
    expect(emu.stats().retainedBytes).toBe(Buffer.byteLength('"ok"'));
    const big = 'z'.repeat(9_997); // 9,999 bytes of JSON: with the 4 of "ok", past the cap
    const large = await api(emu, 'POST', '/ep/runsync', { body: { input: { n: 9_997 } } });
    // The held /runsync got its output before anything was forgotten.
    expect(large.json.output).toBe(big);
    expect(emu.stats().jobsEvicted).toBe(1);
    expect((await api(emu, 'GET', `/ep/status/${small.json.id as string}`)).status).toBe(404);
    expect((await api(emu, 'GET', `/ep/status/${large.json.id as string}`)).json.output).toBe(big);
  });

  it('answers 429 JSON when the inputs of live jobs would pass the cap (queue full)', async () => {
    const emu = await pool.start({ maxRetainedBytes: 10_000, workers: 1 });
    // A finished job that holds a few bytes: refusing a job must not forget it for nothing.
    const failed = await api(emu, 'POST', '/ep/runsync', { body: { input: { mock_error: true } } });
    expect(failed.json.status).toBe('FAILED');
    const slow = { mock_delay: 3600, pad: 'q'.repeat(2400) };
    const codes: number[] = [];
    for (let i = 0; i < 6; i++) codes.push((await api(emu, 'POST', '/ep/run', { body: { input: slow } })).status);
    expect(codes).toEqual([200, 200, 200, 200, 429, 429]);
    const full = await api(emu, 'POST', '/other/run', { body: { input: slow } });
    expect(full.status).toBe(429);
    expect(full.json).toEqual({ error: expect.stringMatching(/queue full/) });
    expect(emu.stats()).toMatchObject({ queueFull: 3, jobsCreated: 5, jobsEvicted: 0 });
    expect((await api(emu, 'GET', `/ep/status/${failed.json.id as string}`)).json.status).toBe('FAILED');
    // Cancelling a queued job frees its input: a new job fits again.
    const queued = emu.jobs('ep').find((j) => j.status === 'IN_QUEUE');
    expect((await api(emu, 'POST', `/ep/cancel/${queued?.id ?? ''}`)).status).toBe(200);
    expect((await api(emu, 'POST', '/ep/run', { body: { input: slow } })).status).toBe(200);
  });

  it('refuses a maxRetainedBytes below 1', async () => {
    await expect(startEmulator({ maxRetainedBytes: 0 })).rejects.toThrow(RangeError);
  });
});

describe('emulator: idle endpoints expire', () => {
  it('forgets an endpoint with no live job after ENDPOINT_IDLE_MS (its /health counters restart)', async () => {
    const clock = createManualClock();
    const emu = await pool.start({ clock, retention: { runMs: 1000, runsyncMs: 1000 } });
    for (let i = 0; i < 20; i++) {
      expect((await api(emu, 'POST', `/ep-${i}/runsync`, { body: { input: {} } })).json.status).toBe('COMPLETED');
    }
    expect(emu.stats().endpoints).toBe(20);
    expect((await api(emu, 'GET', '/ep-0/health')).json.jobs.completed).toBe(1);
    await clock.advanceAsync(1000); // results expire
    expect(emu.jobs()).toHaveLength(0);
    expect(emu.stats().retainedBytes).toBe(0);
    await clock.advanceAsync(ENDPOINT_IDLE_MS);
    // The next use anywhere looks for idle endpoints.
    expect((await api(emu, 'GET', '/ep-0/health')).json.jobs.completed).toBe(0);
    expect(emu.stats().endpoints).toBe(1);
  });

  it('keeps an endpoint that still has a live job', async () => {
    const clock = createManualClock();
    const emu = await pool.start({ clock });
    const body = { input: { mock_delay: 7200 }, policy: { executionTimeout: 7_200_000 } };
    expect((await api(emu, 'POST', '/busy/run', { body })).status).toBe(200);
    await clock.advanceAsync(ENDPOINT_IDLE_MS + 60_000);
    await api(emu, 'GET', '/other/health');
    expect(emu.stats().endpoints).toBe(2);
    expect((await api(emu, 'GET', '/busy/health')).json.jobs.inProgress).toBe(1);
  });
});

describe('emulator: rate-limit windows expire', () => {
  it('forgets the windows whose requests all left the window', () => {
    const clock = createManualClock();
    const limiter = new RateLimiter(clock, { windowMs: 10_000 });
    for (let i = 0; i < 100; i++) expect(limiter.take(`ep-${i}`, 'run').allowed).toBe(true);
    expect(limiter.size).toBe(100);
    clock.advance(5_000);
    expect(limiter.take('ep-0', 'status').allowed).toBe(true);
    expect(limiter.size).toBe(101); // nothing has left the window yet
    clock.advance(5_000);
    expect(limiter.take('ep-new', 'run').allowed).toBe(true);
    // Only the window still holding a request (ep-0/status) and the new one remain.
    expect(limiter.size).toBe(2);
  });
});
