/** Result of {@link normalizeWebhookUrl}. */
export type WebhookUrlResult = { ok: true; url: string } | { ok: false; message: string };

/**
 * Checks a job's `webhook` URL and returns the URL the emulator will call: it must be an
 * absolute `http:` or `https:` URL; its userinfo (`user:pass@`) is removed, so it never becomes
 * an `Authorization: Basic` header. GUESS: RunPod's answer to a webhook that is not an http(s)
 * URL is undocumented; the emulator refuses the `/run` with a 400 rather than dropping it silently.
 */
export function normalizeWebhookUrl(raw: string): WebhookUrlResult {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    return { ok: false, message: '"webhook" must be an absolute http: or https: URL' };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return { ok: false, message: '"webhook" must use http: or https:' };
  }
  parsed.username = '';
  parsed.password = '';
  return { ok: true, url: parsed.href };
}

/** Delivers a finished job's status body to its webhook (the emulator's `WebhookSender`). */
export interface WebhookPoster {
  /** Starts delivering `body` to `url` (fire and forget). */
  send(url: string, body: unknown): void;
}
