import { request as httpRequest, type ClientRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { StatsCollector } from './stats.js';
import { normalizeWebhookUrl } from './webhook-url.js';
import type { TimerSet } from './timers.js';
import type { WebhookPoster } from './webhook-url.js';

/** Delay between webhook attempts (RunPod: 10 s). */
export const WEBHOOK_RETRY_MS = 10_000;
/** Attempts in total (RunPod: the first plus 2 more). */
export const WEBHOOK_ATTEMPTS = 3;
/** Per-attempt timeout, on the emulator clock. GUESS: RunPod's own timeout is undocumented. */
export const WEBHOOK_TIMEOUT_MS = 10_000;

/** True when `hostname` (as in `URL.hostname`) is a loopback host. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(host);
  return false;
}

/**
 * POSTs terminal status bodies to job webhooks: 200 means delivered, anything
 * else (or a network error / timeout) is retried twice more, 10 s apart on the
 * emulator clock.
 */
export class WebhookSender implements WebhookPoster {
  private readonly inFlight = new Set<ClientRequest>();
  private closed = false;

  /**
   * @param timers clock-driven timers for retries and timeouts.
   * @param stats counters (`webhooks.*`).
   * @param allowRemote allow non-loopback URLs.
   */
  constructor(
    private readonly timers: TimerSet,
    private readonly stats: StatsCollector,
    private readonly allowRemote: boolean,
  ) {}

  /**
   * The URL to call for `url` (userinfo removed), or `undefined` when it may not receive
   * webhooks (not http(s), or not loopback unless remote webhooks are allowed).
   */
  target(url: string): URL | undefined {
    const normalized = normalizeWebhookUrl(url);
    if (!normalized.ok) return undefined;
    const parsed = new URL(normalized.url);
    return this.allowRemote || isLoopbackHost(parsed.hostname) ? parsed : undefined;
  }

  /** Starts delivering `body` to `url` (fire and forget). */
  send(url: string, body: unknown): void {
    if (this.closed) return;
    const target = this.target(url);
    if (!target) {
      this.stats.data.webhooks.refused += 1;
      return;
    }
    this.attempt(target, JSON.stringify(body), 1);
  }

  private attempt(url: URL, payload: string, n: number): void {
    if (this.closed) return;
    this.stats.data.webhooks.attempts += 1;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    let settled = false;
    const done = (ok: boolean): void => {
      if (settled) return;
      settled = true;
      this.timers.clear(timeout);
      this.inFlight.delete(req);
      if (this.closed) return;
      if (ok) {
        this.stats.data.webhooks.delivered += 1;
      } else if (n < WEBHOOK_ATTEMPTS) {
        this.stats.data.webhooks.retrying += 1;
        this.timers.set(() => {
          this.stats.data.webhooks.retrying -= 1;
          this.attempt(url, payload, n + 1);
        }, WEBHOOK_RETRY_MS);
      } else {
        this.stats.data.webhooks.failed += 1;
      }
    };
    const req = send(url, {
      method: 'POST',
      agent: false,
      headers: {
        'Content-Type': 'application/json',
        'Content-Length': String(Buffer.byteLength(payload)),
        Connection: 'close',
      },
    });
    this.inFlight.add(req);
    const timeout = this.timers.set(() => {
      req.destroy();
      done(false);
    }, WEBHOOK_TIMEOUT_MS);
    req.on('response', (res) => {
      res.resume();
      res.on('error', () => undefined);
      done(res.statusCode === 200);
    });
    req.on('error', () => done(false));
    req.end(payload);
  }

  /** Aborts in-flight deliveries; pending retries are cleared with the emulator's timers. */
  close(): void {
    this.closed = true;
    for (const req of this.inFlight) req.destroy();
    this.inFlight.clear();
  }
}
