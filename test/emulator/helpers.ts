import { request as httpRequest } from 'node:http';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/index.js';

/** A parsed HTTP answer. */
export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Options of {@link api}. */
export interface ApiOptions {
  body?: unknown;
  rawBody?: string | Uint8Array;
  /** API key; `null` sends no Authorization header. Default "test-key" as Bearer. */
  key?: string | null;
  /** Send the key raw (no "Bearer "). */
  rawKey?: boolean;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** Calls the emulator with fetch; `path` is relative to baseUrl (e.g. "/ep/run"). */
export async function api(emu: Emulator, method: string, path: string, opts: ApiOptions = {}): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...opts.headers };
  const key = opts.key === undefined ? 'test-key' : opts.key;
  if (key !== null) headers.authorization = opts.rawKey ? key : `Bearer ${key}`;
  let body: string | Uint8Array | undefined;
  if (opts.rawBody !== undefined) body = opts.rawBody;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(`${emu.baseUrl}${path}`, {
    method,
    headers,
    body: body as BodyInit | undefined,
    signal: opts.signal,
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Polls `cond` (real time, every few ms) until true, failing after `timeoutMs`. */
export async function waitFor(cond: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Tracks emulators of a spec so that afterEach closes them. */
export function emulatorPool(): { start(opts?: EmulatorOptions): Promise<Emulator>; closeAll(): Promise<void> } {
  const open: Emulator[] = [];
  return {
    async start(opts) {
      const emu = await startEmulator(opts);
      open.push(emu);
      return emu;
    },
    async closeAll() {
      await Promise.all(open.splice(0).map((e) => e.close()));
    },
  };
}

/** A raw node:http request (for cases fetch cannot express); resolves with status and body or the error. */
export function rawRequest(
  emu: Emulator,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer | string,
): Promise<{ status?: number; text?: string; headers?: Record<string, unknown>; error?: Error }> {
  return new Promise((resolve) => {
    const req = httpRequest(`${emu.baseUrl}${path}`, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      const text = (): string => Buffer.concat(chunks).toString('utf8');
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, text: text(), headers: res.headers }));
      res.on('error', (error) => resolve({ status: res.statusCode, text: text(), headers: res.headers, error }));
      res.on('close', () =>
        resolve({ status: res.statusCode, text: text(), headers: res.headers, error: new Error('closed early') }),
      );
    });
    req.on('error', (error) => resolve({ error }));
    req.end(body);
  });
}

/** UUID v4 pattern. */
export const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';

/** A request sent with node:http (no pooling) that the test can abort itself. */
export interface HeldRequest {
  /** Settles with the status, or 'aborted' / the error message. */
  done: Promise<number | string>;
  abort(): void;
}

/** Starts a GET that is expected to be held by the emulator. */
export function holdRequest(emu: { baseUrl: string }, path: string, key = 'test-key'): HeldRequest {
  let req: ReturnType<typeof httpRequest> | undefined;
  const done = new Promise<number | string>((resolve) => {
    req = httpRequest(
      `${emu.baseUrl}${path}`,
      { method: 'GET', headers: { authorization: `Bearer ${key}` }, agent: false },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', (e) => resolve(e.message));
      },
    );
    req.on('error', (e) => resolve(e.message === 'socket hang up' ? 'aborted' : e.message));
    req.end();
  });
  return { done, abort: () => req?.destroy() };
}
