import type { HttpResponse } from '../transport/transport.js';

/**
 * A JSON response for a fake transport: `json({ id: 'j1', status: 'IN_QUEUE' })`.
 * @param body serialised with `JSON.stringify`
 * @param status HTTP status @default 200
 * @param headers extra headers (names in lower case)
 * @category testing
 */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/**
 * A 429 answer, optionally with a `Retry-After` value (seconds, or an HTTP date).
 * @category testing
 */
export function throttled(retryAfter?: string | number): HttpResponse {
  return json(
    { error: 'rate limit exceeded' },
    429,
    retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) },
  );
}

/**
 * A raw text response, e.g. an HTML error page from a proxy.
 * @category testing
 */
export function text(body: string, status = 200, contentType = 'text/plain'): HttpResponse {
  return { status, headers: { 'content-type': contentType }, body };
}
