import type { ServerResponse } from 'node:http';

/** CORS headers sent on every response. */
export const CORS_HEADERS: Readonly<Record<string, string>> = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'Retry-After',
};

/** Extra headers of a preflight answer. */
const PREFLIGHT_HEADERS: Readonly<Record<string, string>> = {
  'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
  'Access-Control-Allow-Headers': 'authorization, content-type',
  'Access-Control-Max-Age': '600',
};

/** Answers an `OPTIONS` preflight with 204 (no auth needed). */
export function answerPreflight(res: ServerResponse): void {
  res.writeHead(204, { ...CORS_HEADERS, ...PREFLIGHT_HEADERS, 'Content-Length': '0' });
  res.end();
}
