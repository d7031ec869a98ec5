import type { IncomingMessage, ServerResponse } from 'node:http';
import { isHeld, type Answer, type RouteReply } from './answer.js';
import { errorText } from './json-value.js';
import { bodyTooLargeMessage } from './simulator.js';

/**
 * Writes an {@link Answer} to a `ServerResponse`: JSON-encoded, exact status, `application/json`,
 * `Content-Length`, the answer's headers (CORS headers already set on `res`). Does nothing once
 * the response was sent or destroyed.
 */
export type AnswerWriter = (res: ServerResponse, answer: Answer) => void;

/** Creates the {@link AnswerWriter}, which reports each status code to `onResponse`. */
export function createAnswerWriter(onResponse: (code: number) => void): AnswerWriter {
  return (res, answer) => {
    if (res.headersSent || res.writableEnded || res.destroyed) return;
    let code = answer.status;
    let text: string;
    try {
      text = JSON.stringify(answer.body);
    } catch (err) {
      // Never throw from an answer (it may run inside a timer): say what went wrong, in JSON.
      code = 500;
      text = JSON.stringify({ error: `internal emulator error: the answer is not JSON (${errorText(err)})` });
    }
    res.writeHead(code, {
      'Content-Type': 'application/json',
      'Content-Length': String(Buffer.byteLength(text)),
      ...answer.headers,
    });
    res.end(text);
    onResponse(code);
  };
}

/**
 * Writes `reply` to `res`: at once, or when a held answer is delivered. A client that closes its
 * connection first cancels the held answer (its listener and timer go at once).
 */
export function writeReply(res: ServerResponse, reply: RouteReply, write: AnswerWriter): void {
  if (!isHeld(reply)) {
    write(res, reply);
    return;
  }
  let delivered = false;
  const onClose = (): void => cancel();
  const cancel = reply.held((answer) => {
    delivered = true;
    res.off('close', onClose);
    write(res, answer);
  });
  if (!delivered) res.on('close', onClose);
}

/** Result of reading a request body: its text (empty for none), or why it could not be read. */
export type BodyResult = { ok: true; text: string } | { ok: false; code: 400 | 413; message: string };

/**
 * Reads a body of at most `limit` bytes as UTF-8 text (parsed by the {@link Simulator}). Over
 * the limit it stops keeping what arrives at once (413); the caller should then close the
 * connection.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
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
      finish({ ok: true, text: size === 0 ? '' : Buffer.concat(chunks, size).toString('utf8') });
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
  return { ok: false, code: 413, message: bodyTooLargeMessage(limit) };
}
