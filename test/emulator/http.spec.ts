import { connect, type Socket } from 'node:net';
import { createManualClock, type Emulator } from '../../src/emulator/index.js';
import { api, emulatorPool, rawRequest } from './helpers.js';

const pool = emulatorPool();
afterEach(() => pool.closeAll());

/** Opens a raw TCP socket to the emulator and collects what it answers. */
function rawSocket(emu: Emulator): { socket: Socket; received: () => string; closed: Promise<void> } {
  const socket = connect(emu.port, '127.0.0.1');
  let data = '';
  socket.on('data', (c: Buffer) => (data += c.toString('utf8')));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  return { socket, received: () => data, closed };
}

describe('emulator: HTTP surface', () => {
  it('listens on loopback and gives a /v2 base URL', async () => {
    const emu = await pool.start();
    expect(emu.baseUrl).toBe(`http://127.0.0.1:${emu.port}/v2`);
    expect(emu.port).toBeGreaterThan(0);
  });

  describe('auth', () => {
    it('with apiKey: Bearer and raw keys pass, wrong / missing / blank keys get 401 JSON', async () => {
      const emu = await pool.start({ apiKey: 'sekret' });
      expect((await api(emu, 'GET', '/ep/health', { key: 'sekret' })).status).toBe(200);
      expect((await api(emu, 'GET', '/ep/health', { key: 'sekret', rawKey: true })).status).toBe(200);
      for (const opts of [
        { key: 'wrong' },
        { key: 'sekre' },
        { key: 'sekret2' },
        { key: null },
        { key: '' },
        { key: '   ', rawKey: true },
      ]) {
        const res = await api(emu, 'GET', '/ep/health', opts);
        expect(res.status).toBe(401);
        expect(res.headers.get('content-type')).toBe('application/json');
        expect(res.json).toEqual({ error: expect.any(String) });
        expect(res.text).not.toContain('sekret');
      }
      expect(emu.jobs()).toHaveLength(0);
    });

    it('without apiKey: any non-empty key passes, a missing key is 401', async () => {
      const emu = await pool.start();
      expect((await api(emu, 'GET', '/ep/health', { key: 'anything' })).status).toBe(200);
      expect((await api(emu, 'GET', '/ep/health', { key: 'raw', rawKey: true })).status).toBe(200);
      expect((await api(emu, 'GET', '/ep/health', { key: null })).status).toBe(401);
      expect((await api(emu, 'POST', '/ep/run', { key: null, body: { input: {} } })).status).toBe(401);
      expect(emu.jobs()).toHaveLength(0);
    });
  });

  it('unknown routes → 404, wrong methods → 405 with Allow, all JSON', async () => {
    const emu = await pool.start();
    for (const path of ['/ep/nope', '/ep/status', '/ep/run/extra', '/ep/health/x', '/ep', '']) {
      const res = await api(emu, 'GET', path);
      expect(res.status).toBe(404);
      expect(res.json).toEqual({ error: expect.any(String) });
    }
    const v1 = await fetch(`http://127.0.0.1:${emu.port}/v1/ep/run`, {
      method: 'POST',
      headers: { authorization: 'k' },
    });
    expect(v1.status).toBe(404);
    await v1.text();
    const cases: Array<[string, string, string]> = [
      ['GET', '/ep/run', 'POST'],
      ['GET', '/ep/runsync', 'POST'],
      ['POST', '/ep/health', 'GET'],
      ['GET', '/ep/cancel/x', 'POST'],
      ['GET', '/ep/retry/x', 'POST'],
      ['GET', '/ep/purge-queue', 'POST'],
      ['DELETE', '/ep/status/x', 'GET, POST'],
      ['PUT', '/ep/stream/x', 'GET, POST'],
    ];
    for (const [method, path, allow] of cases) {
      const res = await api(emu, method, path);
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe(allow);
      expect(res.json).toEqual({ error: expect.any(String) });
    }
  });

  it('malformed JSON and invalid requests → 400 JSON; bodies are optional where the cloud sends none', async () => {
    const emu = await pool.start({ rateLimits: false });
    const bad = await api(emu, 'POST', '/ep/run', { rawBody: '{"input": ' });
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({ error: expect.stringMatching(/JSON/) });
    expect((await api(emu, 'POST', '/ep/purge-queue', { rawBody: 'not json' })).status).toBe(400);
    expect((await api(emu, 'POST', '/ep/run', { body: { notInput: 1 } })).status).toBe(400);
    expect((await api(emu, 'POST', '/ep/run', { body: [1, 2] })).status).toBe(400);
    expect((await api(emu, 'POST', '/ep/run')).status).toBe(400);
    expect((await api(emu, 'POST', '/ep/run', { body: { input: {}, policy: { ttl: -1 } } })).status).toBe(400);
    expect((await api(emu, 'POST', '/ep/run', { body: { input: {}, policy: { executionTimeout: 'x' } } })).status).toBe(
      400,
    );
    expect((await api(emu, 'POST', '/ep/run', { body: { input: {}, webhook: 42 } })).status).toBe(400);
    expect(emu.jobs()).toHaveLength(0);
    // Accepted: cancel/purge with {} or nothing; run with extra fields.
    const run = await api(emu, 'POST', '/ep/run', {
      body: { input: 'a string input', s3Config: { accessId: 'a' }, policy: { lowPriority: true }, webhookV2: 'x' },
    });
    expect(run.status).toBe(200);
    expect((await api(emu, 'POST', `/ep/cancel/${run.json.id}`)).status).toBe(200);
    expect((await api(emu, 'POST', '/ep/purge-queue', { body: {} })).status).toBe(200);
    expect((await api(emu, 'POST', '/ep/purge-queue', { rawBody: '' })).status).toBe(200);
  });

  it('bodies over 10 MB on /run and 20 MB on /runsync → 413 without buffering them', async () => {
    const emu = await pool.start({ rateLimits: false });
    const input = 'x'.repeat(10 * 1024 * 1024);
    const big = await api(emu, 'POST', '/ep/run', { body: { input } });
    expect(big.status).toBe(413);
    expect(big.json).toEqual({ error: expect.any(String) });
    // The same size is fine on /runsync (limit 20 MB).
    const sync = await api(emu, 'POST', '/ep/runsync', { body: { input: { mock_return: 'ok', pad: input } } });
    expect(sync.status).toBe(200);
    expect(sync.json.output).toBe('ok');
    // Chunked upload without Content-Length: stopped once over the limit.
    const chunked = await rawRequest(
      emu,
      'POST',
      '/ep/cancel/x',
      { authorization: 'k', 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      Buffer.alloc(2 * 1024 * 1024, 0x20),
    );
    if (chunked.error === undefined) expect(chunked.status).toBe(413);
    expect(emu.stats().responses['413']).toBe(2);
    expect((await api(emu, 'GET', '/ep/health')).status).toBe(200);
  });

  it('CORS: a loopback preflight is answered 204 without auth; answers echo the loopback origin', async () => {
    const emu = await pool.start({ apiKey: 'k' });
    const pre = await fetch(`${emu.baseUrl}/ep/run`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:4200',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('http://localhost:4200');
    expect(pre.headers.get('vary')).toBe('Origin');
    expect(pre.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    expect(pre.headers.get('access-control-allow-headers')).toMatch(/content-type/);
    expect(pre.headers.get('access-control-allow-methods')).toMatch(/GET/);
    expect(pre.headers.get('access-control-allow-methods')).toMatch(/POST/);
    const ok = await api(emu, 'GET', '/ep/health', { key: 'k', headers: { origin: 'http://localhost:4200' } });
    expect(ok.headers.get('access-control-allow-origin')).toBe('http://localhost:4200');
    expect(ok.headers.get('access-control-expose-headers')).toBe('Retry-After');
    const denied = await api(emu, 'GET', '/ep/health', { key: 'bad', headers: { origin: 'http://127.0.0.1:5173' } });
    expect(denied.status).toBe(401);
    expect(denied.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:5173');
    // No Origin (not a browser): no CORS header at all.
    const plain = await api(emu, 'GET', '/ep/health', { key: 'k' });
    expect(plain.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('rate limits per endpoint and route group → 429 JSON with Retry-After', async () => {
    const clock = createManualClock();
    const emu = await pool.start({ clock, rateLimitScale: 0.01 }); // run 10, status 20, cancel 1, purge 1
    for (let i = 0; i < 10; i++) expect((await api(emu, 'POST', '/ep/run', { body: { input: {} } })).status).toBe(200);
    const limited = await api(emu, 'POST', '/ep/run', { body: { input: {} } });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('10');
    expect(limited.json).toEqual({ error: expect.any(String) });
    expect(emu.stats().jobsCreated).toBe(10);
    // Other endpoints and other groups are independent.
    expect((await api(emu, 'POST', '/other/run', { body: { input: {} } })).status).toBe(200);
    expect((await api(emu, 'GET', '/ep/health')).status).toBe(200);
    await clock.advanceAsync(4000);
    expect((await api(emu, 'POST', '/ep/run', { body: { input: {} } })).headers.get('retry-after')).toBe('6');
    await clock.advanceAsync(6000);
    expect((await api(emu, 'POST', '/ep/run', { body: { input: {} } })).status).toBe(200);

    // status + status-sync + stream share one budget (20).
    const id = emu.jobs('ep')[0].id;
    for (let i = 0; i < 20; i++) {
      const path = [`/ep/status/${id}`, `/ep/status-sync/${id}?wait=0`, `/ep/stream/${id}?wait=0`][i % 3];
      expect((await api(emu, 'GET', path)).status).toBe(200);
    }
    expect((await api(emu, 'GET', `/ep/stream/${id}?wait=0`)).status).toBe(429);
    expect((await api(emu, 'GET', `/ep/status/${id}`)).status).toBe(429);
    expect((await api(emu, 'POST', '/ep/purge-queue')).status).toBe(200);
    expect((await api(emu, 'POST', '/ep/purge-queue')).status).toBe(429);
    expect(emu.stats().rateLimited).toBe(5);
  });

  it('rateLimits: false disables limiting; per-route numbers override', async () => {
    const off = await pool.start({ rateLimits: false });
    for (let i = 0; i < 5; i++) expect((await api(off, 'POST', '/ep/purge-queue')).status).toBe(200);
    const custom = await pool.start({ rateLimits: { health: 2 } });
    expect((await api(custom, 'GET', '/ep/health')).status).toBe(200);
    expect((await api(custom, 'GET', '/ep/health')).status).toBe(200);
    expect((await api(custom, 'GET', '/ep/health')).status).toBe(429);
  });

  it('keeps serving after attacks: slowloris, garbage, huge headers, floods of bad requests', async () => {
    const emu = await pool.start({ maxHeaderMs: 300, requestTimeoutMs: 600, rateLimits: false });
    // Slowloris: headers never finish; the server hangs up by itself.
    const slow = rawSocket(emu);
    slow.socket.write(`GET /v2/ep/health HTTP/1.1\r\nHost: 127.0.0.1:${emu.port}\r\nX-Slow: `);
    const drip = setInterval(() => slow.socket.write('a'), 50);
    await slow.closed;
    clearInterval(drip);
    expect(slow.received()).toMatch(/^HTTP\/1\.1 408/);
    // Garbage on the wire.
    const junk = rawSocket(emu);
    junk.socket.write('\x00\x01 GARBAGE \r\n\r\n');
    await junk.closed;
    expect(junk.received()).toMatch(/^HTTP\/1\.1 400/);
    expect(junk.received()).toMatch(/"error"/);
    // Oversized headers.
    const huge = await rawRequest(emu, 'GET', '/ep/health', { authorization: 'k', 'x-big': 'y'.repeat(64 * 1024) });
    if (huge.error === undefined) expect(huge.status).toBe(431);
    // A flood of malformed and unauthenticated requests.
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        i % 2 ? api(emu, 'POST', '/ep/run', { rawBody: '{{{{' }) : api(emu, 'POST', '/ep/run', { key: null }),
      ),
    );
    // Many clients that disconnect mid-upload.
    await Promise.all(
      Array.from({ length: 20 }, () => {
        const s = rawSocket(emu);
        s.socket.write(
          `POST /v2/ep/run HTTP/1.1\r\nHost: 127.0.0.1:${emu.port}\r\nAuthorization: k\r\nContent-Length: 1000\r\n\r\n{"input":`,
        );
        s.socket.destroy();
        return s.closed;
      }),
    );
    const health = await api(emu, 'GET', '/ep/health');
    expect(health.status).toBe(200);
    expect(health.json.jobs.inQueue).toBe(0);
    expect(emu.jobs()).toHaveLength(0);
  });

  it('the slow-request guard does not cut long-polls held past requestTimeoutMs', async () => {
    const emu = await pool.start({ maxHeaderMs: 200, requestTimeoutMs: 400 });
    const run = await api(emu, 'POST', '/ep/run', { body: { input: { mock_delay: 60 } } });
    const res = await api(emu, 'GET', `/ep/status-sync/${run.json.id}?wait=1500`);
    expect(res.status).toBe(200);
    expect(res.json.status).toBe('IN_PROGRESS');
  });
});
