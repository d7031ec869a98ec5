import type { IncomingMessage, ServerResponse } from 'node:http';
import { isLoopbackHost } from './webhooks.js';

/** Methods and request headers a preflight may ask for. */
const PREFLIGHT_HEADERS: Readonly<Record<string, string>> = {
  'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
  'Access-Control-Allow-Headers': 'authorization, content-type',
  'Access-Control-Max-Age': '600',
};

/** Whether `origin` is a page served from this machine: `http(s)://localhost|127.x|[::1][:port]`. */
export function isLoopbackOrigin(origin: string): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  // An origin is scheme://host[:port] and nothing else.
  if (url.origin !== origin) return false;
  return isLoopbackHost(url.hostname);
}

/**
 * Decides which browser origins may read the emulator's answers. Loopback origins
 * are always allowed; others only when named; `'*'` allows any.
 */
export class CorsPolicy {
  private readonly any: boolean;
  private readonly named: ReadonlySet<string>;

  /**
   * @param origins extra allowed origins (`https://app.example`), or `'*'` for any.
   * @throws RangeError when an entry is neither `'*'` nor an http(s) origin (`scheme://host[:port]`).
   */
  constructor(origins: readonly string[] = []) {
    this.any = origins.includes('*');
    const named = new Set<string>();
    for (const entry of origins) {
      if (entry === '*') continue;
      let url: URL | undefined;
      try {
        url = new URL(entry);
      } catch {
        url = undefined;
      }
      const bareOrigin =
        url !== undefined &&
        (url.protocol === 'http:' || url.protocol === 'https:') &&
        url.pathname === '/' &&
        url.search === '' &&
        url.hash === '' &&
        url.username === '' &&
        url.password === '';
      if (!url || !bareOrigin) {
        throw new RangeError(`corsOrigins: ${JSON.stringify(entry)} is not an origin like https://app.example:8080`);
      }
      named.add(url.origin);
    }
    this.named = named;
  }

  /** Whether a request carrying `Origin: origin` may be served. */
  allows(origin: string): boolean {
    return this.any || this.named.has(origin.toLowerCase()) || isLoopbackOrigin(origin);
  }

  /**
   * Sets the CORS headers of an answer to `req` on `res` (merged by `writeHead`): the
   * request's own origin when allowed (`*` only when `'*'` was configured), with
   * `Vary: Origin`. Returns false when the request names an origin that is not allowed.
   */
  apply(req: IncomingMessage, res: ServerResponse): boolean {
    const origin = req.headers.origin;
    if (!this.any) res.setHeader('Vary', 'Origin');
    if (origin === undefined) return true;
    if (!this.allows(origin)) return false;
    res.setHeader('Access-Control-Allow-Origin', this.any ? '*' : origin);
    res.setHeader('Access-Control-Expose-Headers', 'Retry-After');
    return true;
  }
}

/**
 * Answers an `OPTIONS` preflight with 204 (no auth needed). The allow headers are only
 * added when {@link CorsPolicy.apply} accepted the origin: the caller refuses the others.
 */
export function answerPreflight(res: ServerResponse): void {
  res.writeHead(204, { ...PREFLIGHT_HEADERS, 'Content-Length': '0' });
  res.end();
}
