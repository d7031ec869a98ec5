import type { HttpResponse } from '../transport/transport.js';

/**
 * A JSON response for a fake transport.
 *
 * @example
 * cold('-(r|)', { r: json({ id: 'j1', status: 'IN_QUEUE' }) });
 * cold('-(r|)', { r: json({ error: 'worker crashed' }, 500) });
 * @returns the response.
 * @param body serialised with `JSON.stringify`
 * @param status HTTP status @default 200
 * @param headers extra headers (names in lower case)
 * @category testing
 */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/**
 * A 429 answer, optionally with a `Retry-After` value (seconds, or an HTTP date). The client turns
 * it into a `ThrottledError` whose `retryAfterMs` is read against the scheduler clock.
 *
 * @example
 * cold('-(r|)', { r: throttled(2) }); // Retry-After: 2 → retryAfterMs 2000
 * cold('-(r|)', { r: throttled('Thu, 01 Jan 1970 00:00:05 GMT') }); // 5 s after virtual time 0
 * @param retryAfter the header's value. @default no header
 * @returns the response.
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
 *
 * @example
 * cold('-(r|)', { r: text('<html>Bad gateway</html>', 502, 'text/html') });
 * @param body the body, as is.
 * @param status HTTP status. @default 200
 * @param contentType @default 'text/plain'
 * @returns the response.
 * @category testing
 */
export function text(body: string, status = 200, contentType = 'text/plain'): HttpResponse {
  return { status, headers: { 'content-type': contentType }, body };
}
