import crossFetch from 'cross-fetch';
import { asyncScheduler, Observable, type SchedulerLike } from 'rxjs';
import { DecodeError, TimeoutError, type RequestInfo } from '../errors.js';
import { redact } from '../internal/redact.js';
import { USER_AGENT } from '../internal/version.js';
import { headerOf, secretOfRequest, toNetworkError } from './key-safe-errors.js';
import type { HttpResponse, Transport } from './transport.js';

/** The slice of the WHATWG `fetch` signature runpod-rx uses, so any compliant fetch fits. @category transport */
export type FetchLike = (
  url: string,
  init: {
    method: string;
    headers: Record<string, string>;
    body?: string;
    signal: AbortSignal;
    /** Always `'manual'`: the RunPod API never redirects, and following one could carry the key elsewhere. */
    redirect?: 'manual';
  },
) => Promise<{
  readonly status: number;
  readonly headers: {
    /** Calls `callback` once per header. */
    forEach(callback: (value: string, name: string) => void): void;
    /**
     * Every header at once, values by name, as node-fetch (cross-fetch in Node) offers it. Read
     * instead of `forEach` where present: node-fetch's `forEach` sorts and copies all the headers
     * again for each one it visits, which was a fifth of what a `status` call allocated.
     */
    raw?(): Record<string, readonly string[]>;
  };
  /**
   * The body as a stream, when the fetch exposes one (a WHATWG `ReadableStream`, or a Node
   * readable as node-fetch gives): the transport then reads it chunk by chunk and stops at
   * `maxBodyBytes`. Without it, `text()` is used.
   */
  readonly body?: unknown;
  /** The whole body as text, when there is no `body` stream to read. */
  text(): Promise<string>;
}>;

/** Options of {@link createFetchTransport}. @category transport */
export interface FetchTransportConfig {
  /** The fetch to call. @default cross-fetch */
  readonly fetch?: FetchLike | undefined;
  /**
   * How long reading a body may take once the headers came, in ms: a body cut short under its
   * Content-Length would otherwise hang node-fetch for ever. When it passes, the connection is
   * closed. @default 30000
   */
  readonly bodyTimeout?: number | undefined;
  /**
   * Largest response body accepted, in bytes. A 2xx body over it is a `DecodeError` (the
   * connection is closed as soon as the limit is crossed, or at once when `Content-Length`
   * announces more); the body of an error status is cut to 64 KiB (or this limit if smaller),
   * since only its start is ever shown. @default 67108864 (64 MiB)
   */
  readonly maxBodyBytes?: number | undefined;
  /** Drives the body timeout. @default asyncScheduler */
  readonly scheduler?: SchedulerLike | undefined;
}

/** Default {@link FetchTransportConfig.maxBodyBytes}: 64 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;
/** Error answers are only ever shown truncated: no need to hold more of them than this. */
const ERROR_BODY_BYTES = 64 * 1024;

/**
 * Whether to send `User-Agent: runpod-rx/VERSION`: in Node (and Deno, Bun), yes; in a browser,
 * which forbids scripts to set it, never (a page with `document`, Electron's and jsdom's included).
 */
function mayNameItself(): boolean {
  const scope = globalThis as { process?: { versions?: { node?: unknown } }; document?: unknown };
  return typeof scope.process?.versions?.node === 'string' && scope.document === undefined;
}

/** Pulls chunks from a WHATWG ReadableStream or an async iterable (Node readable). */
interface ChunkSource {
  next(): Promise<{ done?: boolean; value?: unknown }>;
  /** Stops the stream; never throws, never leaves a rejected promise behind. */
  stop(): void;
}

function chunkSource(body: unknown): ChunkSource | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const stream = body as {
    getReader?: () => { read(): Promise<{ done?: boolean; value?: unknown }>; cancel(): Promise<unknown> };
    [Symbol.asyncIterator]?: () => AsyncIterator<unknown>;
  };
  if (typeof stream.getReader === 'function') {
    const reader = stream.getReader();
    return {
      next: () => reader.read(),
      stop: () => {
        Promise.resolve()
          .then(() => reader.cancel())
          .catch(() => undefined);
      },
    };
  }
  const iterate = stream[Symbol.asyncIterator];
  if (typeof iterate === 'function') {
    const iterator = iterate.call(stream);
    return {
      next: () => iterator.next(),
      stop: () => {
        Promise.resolve()
          .then(() => iterator.return?.())
          .catch(() => undefined);
      },
    };
  }
  return undefined;
}

function byteView(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return new TextEncoder().encode(chunk);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError('the response body stream gave a chunk that is not bytes');
}

/** The answer's headers, names in lower case, repeated ones joined with `, ` as `forEach` gives them. */
function headersOf(response: Awaited<ReturnType<FetchLike>>): Record<string, string> {
  const headers: Record<string, string> = {};
  const raw = typeof response.headers.raw === 'function' ? response.headers.raw() : undefined;
  if (raw === undefined)
    response.headers.forEach((value, name) => {
      headers[name.toLowerCase()] = value;
    });
  else for (const name of Object.keys(raw)) headers[name.toLowerCase()] = raw[name].join(', ');
  return headers;
}

/**
 * Reads a body as text, up to `limit` bytes. Past the limit: a 2xx body is a {@link DecodeError};
 * an error body is returned cut at the limit. `stopped()` tells whether reading was cut short,
 * so that the caller closes the connection.
 */
async function readText(
  response: Awaited<ReturnType<FetchLike>>,
  headers: Readonly<Record<string, string>>,
  status: number,
  limit: number,
  info: RequestInfo,
  onCut: () => void,
): Promise<string> {
  const ok = status >= 200 && status < 300;
  const cap = ok ? limit : Math.min(limit, ERROR_BODY_BYTES);
  const tooLarge = (what: string) =>
    new DecodeError([`response body ${what} the limit of ${limit} bytes (maxBodyBytes)`], info);

  const length = headers['content-length'];
  const declared = length !== undefined && /^\s*\d+\s*$/.test(length) ? Number(length) : undefined;
  const source = chunkSource(response.body);
  if (ok && declared !== undefined && declared > cap) {
    source?.stop();
    onCut();
    throw tooLarge(`announces ${declared} bytes, over`);
  }
  if (source === undefined) {
    const text = await response.text();
    if (typeof text !== 'string') throw new TypeError('the response body is not text');
    if (text.length <= cap) return text;
    if (ok) throw tooLarge('is over');
    return text.slice(0, cap);
  }

  const decoder = new TextDecoder();
  let text = '';
  let size = 0;
  for (;;) {
    const { done, value } = await source.next();
    if (done) break;
    const bytes = byteView(value);
    if (size + bytes.length > cap) {
      source.stop();
      onCut();
      if (ok) throw tooLarge('is over');
      text += decoder.decode(bytes.subarray(0, cap - size));
      return text;
    }
    size += bytes.length;
    text += decoder.decode(bytes, { stream: true });
  }
  return text + decoder.decode();
}

/**
 * The real transport: one `fetch` per subscription, aborted (AbortController) when the subscriber
 * leaves before the body has been read, never after. The body is read inside the abortable window,
 * under its own timeout and a size limit; when either cuts the read short, the connection is
 * closed too, so a server that drips or floods cannot hold a socket or memory. Redirects are
 * not followed: the RunPod API never answers with one, and following it could send the key and
 * the job to another server. A 3xx answer is handed up as it is (an `HttpError`); where the
 * platform hides it (a browser's opaque redirect, status 0) it is a `NetworkError`.
 *
 * The key never shows: a failed fetch becomes a `NetworkError` whose message has the request's
 * key (and any piece of it) redacted, and the foreign error is not kept; an error answer's body
 * is redacted the same way. In Node the request names its sender, `User-Agent: runpod-rx/VERSION`
 * (unless the request already has one); in a browser, which forbids it, no `User-Agent` is set.
 *
 * @example
 * const endpoint = createEndpoint({ transport: createFetchTransport({ fetch: globalThis.fetch }) });
 * @category transport
 */
export function createFetchTransport(config: FetchTransportConfig = {}): Transport {
  const fetchImpl = config.fetch ?? (crossFetch as unknown as FetchLike);
  const bodyTimeout = config.bodyTimeout ?? 30_000;
  const maxBodyBytes = config.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!(maxBodyBytes > 0)) throw new RangeError('maxBodyBytes must be a positive number of bytes');
  const scheduler = config.scheduler ?? asyncScheduler;
  const userAgent = mayNameItself() ? USER_AGENT : undefined;

  return (request) =>
    new Observable<HttpResponse>((subscriber) => {
      const controller = new AbortController();
      const info: RequestInfo = { method: request.method, path: request.path };
      let settled = false;
      let bodyExpiry: { unsubscribe(): void } | undefined;
      const abort = () => controller.abort();
      const fail = (error: unknown) => {
        settled = true;
        // Whatever cut the exchange short (timeout, size, a broken stream), the socket goes too.
        abort();
        subscriber.error(toNetworkError(error, request));
      };

      const onResponse = (response: Awaited<ReturnType<FetchLike>>) => {
        if (subscriber.closed) return;
        const status = response.status;
        if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) {
          fail(new TypeError(`the fetch gave no valid HTTP status (${String(status)})`));
          return;
        }
        const headers = headersOf(response);
        // The body is read under its own timer: one scheduled action, not an operator chain.
        bodyExpiry = scheduler.schedule(
          () =>
            fail(
              new TimeoutError(
                `reading the response body took over ${bodyTimeout} ms (${request.path})`,
                undefined,
                'request',
              ),
            ),
          bodyTimeout,
        );
        readText(response, headers, status, maxBodyBytes, info, abort).then(
          (text) => {
            bodyExpiry?.unsubscribe();
            if (subscriber.closed) return;
            let body: string;
            try {
              // A server may echo the key in an error answer; the body ends up in an HttpError.
              body = status >= 200 && status < 300 ? text : redact(text, secretOfRequest(request));
            } catch (error) {
              fail(error);
              return;
            }
            settled = true;
            subscriber.next({ status, headers, body });
            subscriber.complete();
          },
          (error: unknown) => {
            bodyExpiry?.unsubscribe();
            if (!subscriber.closed) fail(error);
          },
        );
      };

      let pending: Promise<Awaited<ReturnType<FetchLike>>>;
      try {
        pending = Promise.resolve(
          fetchImpl(request.url, {
            method: request.method,
            headers:
              userAgent === undefined || headerOf(request.headers, 'user-agent') !== undefined
                ? { ...request.headers }
                : { ...request.headers, 'user-agent': userAgent },
            ...(request.body !== undefined && { body: request.body }),
            signal: controller.signal,
            // node-fetch keeps the Authorization header on a redirect to the same host name on
            // another port (another service); a POST would also be replayed or turned into a GET.
            // 'manual', not 'error': node-fetch leaves the socket open when it refuses a redirect.
            redirect: 'manual',
          }),
        );
      } catch (error) {
        fail(error);
        return undefined;
      }
      pending
        .then((response) => {
          try {
            onResponse(response);
          } catch (error) {
            fail(error);
          }
        }, fail)
        .catch(() => undefined);

      return () => {
        bodyExpiry?.unsubscribe();
        if (!settled) controller.abort();
      };
    });
}
