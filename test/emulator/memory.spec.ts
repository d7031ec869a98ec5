import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { DEFAULT_MAX_RETAINED_BYTES } from '../../src/emulator/index.js';

/**
 * Issue 11: under a 384 MB heap, 80 inputs of 9.4 MB (each within RunPod's 10 MB) used to kill
 * the emulator. Here a child process runs it with its defaults under --max-old-space-size=384 and
 * receives 100 such inputs over HTTP: 30 one after the other that fail (a FAILED job keeps its
 * input, for /retry), then 70 long jobs four at a time that stay queued. It must stay alive and
 * answering; every /run is either accepted (200) or refused as queue full (429).
 */

const INPUT_BYTES = 9_400_000;
const HEAP_MB = 384;

let dir: string | undefined;
let child: ChildProcessWithoutNullStreams | undefined;

afterEach(() => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** Bundles the child script (TypeScript) into one CommonJS file. */
function buildChild(): string {
  dir = mkdtempSync(join(tmpdir(), 'runpod-rx-memory-'));
  const outfile = join(dir, 'child.cjs');
  buildSync({
    entryPoints: [join(__dirname, 'fixtures', 'memory-child.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    outfile,
    logLevel: 'silent',
  });
  return outfile;
}

/** Resolves with each line the child writes to stdout, in order. */
function lines(proc: ChildProcessWithoutNullStreams): () => Promise<string> {
  const queue: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  let rest = '';
  proc.stdout.on('data', (chunk: Buffer) => {
    rest += chunk.toString('utf8');
    let i: number;
    while ((i = rest.indexOf('\n')) >= 0) {
      const line = rest.slice(0, i);
      rest = rest.slice(i + 1);
      const next = waiting.shift();
      if (next) next(line);
      else queue.push(line);
    }
  });
  return () => {
    const line = queue.shift();
    return line !== undefined ? Promise.resolve(line) : new Promise((resolve) => waiting.push(resolve));
  };
}

/** One request over a fresh connection; resolves with the status code or the error's code. */
function send(baseUrl: string, method: string, path: string, body?: Buffer): Promise<number | string> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = { authorization: 'Bearer any-key' };
    if (body) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(body.length);
    }
    const req = request(`${baseUrl}${path}`, { method, headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    req.end(body);
  });
}

/** A /run body of exactly INPUT_BYTES bytes whose input carries `fields`. */
function runBody(fields: Record<string, unknown>): Buffer {
  const head = JSON.stringify({ input: { ...fields, pad: '' } });
  const pad = 'x'.repeat(INPUT_BYTES - Buffer.byteLength(head));
  return Buffer.from(JSON.stringify({ input: { ...fields, pad } }), 'utf8');
}

describe('emulator: memory stays bounded', () => {
  it(`stays alive under --max-old-space-size=${HEAP_MB} through 100 inputs of 9.4 MB`, async () => {
    const script = buildChild();
    const proc = spawn(process.execPath, [`--max-old-space-size=${HEAP_MB}`, script], { stdio: 'pipe' });
    child = proc;
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      proc.once('exit', (code, signal) => resolve({ code, signal })),
    );
    const next = lines(proc);
    const baseUrl = await next();
    expect(baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v2$/);

    const failing = runBody({ mock_error: true });
    const slow = runBody({ mock_delay: 3600 });
    expect(failing.length).toBe(INPUT_BYTES);
    const codes: (number | string)[] = [];
    for (let i = 0; i < 30; i++) codes.push(await send(baseUrl, 'POST', '/ep/run', failing));
    // Four at a time, 70 in all.
    let sent = 0;
    const worker = async (): Promise<void> => {
      while (sent < 70) {
        sent += 1;
        codes.push(await send(baseUrl, 'POST', '/ep/run', slow));
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);

    const accepted = codes.filter((c) => c === 200).length;
    const queueFull = codes.filter((c) => c === 429).length;
    expect(codes).toHaveLength(100);
    expect(accepted + queueFull).toBe(100);
    // The cap lets 28 inputs of 9.4 MB be held at once: the 30 failed jobs were forgotten to
    // make room for the queued ones, and the queue then answered 429.
    const fit = Math.floor(DEFAULT_MAX_RETAINED_BYTES / INPUT_BYTES);
    expect(accepted).toBe(30 + fit);
    expect(queueFull).toBe(70 - fit);
    expect(await send(baseUrl, 'GET', '/ep/health')).toBe(200);
    expect(proc.exitCode).toBeNull();

    proc.kill('SIGTERM');
    const figures = JSON.parse(await next()) as Record<string, number>;
    expect(figures).toMatchObject({ jobsEvicted: 30, queueFull: 70 - fit, jobsCreated: 30 + fit });
    expect(figures.retainedBytes).toBeLessThanOrEqual(DEFAULT_MAX_RETAINED_BYTES);
    expect(figures.heapUsed).toBeLessThan(HEAP_MB * 1024 * 1024);
    expect(await exited).toEqual({ code: 0, signal: null });
  }, 60_000);
});
