import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorText, MAX_JSON_DEPTH, nestedDeeperThan } from './json-value.js';

/** Sends a JSON response (exact status, `application/json`; CORS headers already set on `res`). */
export type JsonSender = (res: ServerResponse, code: number, body: unknown, headers?: Record<string, string>) => void;

/** Creates a {@link JsonSender} that reports each status code to `onResponse`. */
export function createJsonSender(onResponse: (code: number) => void): JsonSender {
  return (res, code, body, headers) => {
    if (res.headersSent || res.writableEnded || res.destroyed) return;
    let text: string;
    try {
      text = JSON.stringify(body);
    } catch (err) {
      // Never throw from an answer (it may run inside a timer): say what went wrong, in JSON.
      code = 500;
      text = JSON.stringify({ error: `internal emulator error: the answer is not JSON (${errorText(err)})` });
    }
    res.writeHead(code, {
      'Content-Type': 'application/json',
      'Content-Length': String(Buffer.byteLength(text)),
      ...headers,
    });
    res.end(text);
    onResponse(code);
  };
}

/** Result of reading a request body. */
export type BodyResult = { ok: true; value: unknown } | { ok: false; code: 400 | 413; message: string };

/**
 * Reads and parses a JSON body of at most `limit` bytes. An empty body gives
 * `value: undefined`. Over the limit it stops keeping what arrives at once (413);
 * the caller should then close the connection. Malformed JSON gives 400.
 */
export function readJsonBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      resolve(tooLarge(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (result: BodyResult): void => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        // Keep nothing more: what still arrives is discarded (the caller closes the connection).
        chunks.length = 0;
        finish(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      if (size === 0) {
        finish({ ok: true, value: undefined });
        return;
      }
      const text = Buffer.concat(chunks, size).toString('utf8');
      if (text.trim().length === 0) {
        finish({ ok: true, value: undefined });
        return;
      }
      let value: unknown;
      try {
        value = JSON.parse(text) as unknown;
      } catch {
        finish({ ok: false, code: 400, message: 'malformed JSON body' });
        return;
      }
      // GUESS: the cloud's nesting limit is undocumented; see MAX_JSON_DEPTH.
      if (nestedDeeperThan(value, MAX_JSON_DEPTH)) {
        finish({ ok: false, code: 400, message: `JSON body nested deeper than ${MAX_JSON_DEPTH} levels` });
        return;
      }
      finish({ ok: true, value });
    };
    const onError = (): void => finish({ ok: false, code: 400, message: 'request body could not be read' });
    const onClose = (): void => finish({ ok: false, code: 400, message: 'request body incomplete' });
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

function tooLarge(limit: number): BodyResult {
  return { ok: false, code: 413, message: `request body exceeds ${limit} bytes` };
}

/** Parses a millisecond query parameter; `undefined` when absent, `NaN` when invalid. */
export function parseMs(value: string | null): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? Math.floor(n) : Number.NaN;
}
