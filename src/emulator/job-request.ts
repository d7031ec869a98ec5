import { POLICY_RANGES, type MsRange } from '../runpod-rules.js';
import { isRecord } from './json-value.js';
import { normalizeWebhookUrl } from './webhook-url.js';

/** A validated `/run` or `/runsync` body. */
export interface ParsedJobRequest {
  input: unknown;
  webhook?: string;
  executionTimeoutMs: number;
  ttlMs: number;
}

/** Result of {@link parseJobRequest}. */
export type JobRequestResult = { ok: true; value: ParsedJobRequest } | { ok: false; message: string };

/**
 * A policy time in ms, or the reason it is refused. RunPod documents executionTimeout 5 s – 7 days
 * and ttl 10 s – 7 days (docs: "Send requests", execution policies); the client refuses values out
 * of range before sending, and so does the emulator, with a 400. GUESS: the cloud's answer to a
 * value out of range is undocumented; a fractional value is floored to whole ms.
 */
function policyMs(policy: Record<string, unknown>, key: keyof typeof POLICY_RANGES): number | string {
  const { min, max, default: fallback }: MsRange = POLICY_RANGES[key];
  const value = policy[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    return `policy.${key} must be a number of milliseconds from ${min} to ${max}`;
  }
  return Math.floor(value);
}

/**
 * Validates a job request: a JSON object with `input` (required; GUESS: a missing
 * `input` is a 400), optional `webhook` (an http(s) URL, userinfo removed), optional `policy` with `executionTimeout`
 * (5 s – 7 days) and `ttl` (10 s – 7 days), in ms. `s3Config`, `webhookV2`, `policy.lowPriority`
 * and any other key, top level or in `policy`, are accepted and ignored.
 */
export function parseJobRequest(body: unknown): JobRequestResult {
  if (!isRecord(body)) return { ok: false, message: 'request body must be a JSON object with an "input" field' };
  if (!('input' in body) || body.input === undefined) return { ok: false, message: 'missing "input" field' };
  let webhook: string | undefined;
  if (body.webhook !== undefined && body.webhook !== null) {
    if (typeof body.webhook !== 'string') return { ok: false, message: '"webhook" must be a string URL' };
    const normalized = normalizeWebhookUrl(body.webhook);
    if (!normalized.ok) return { ok: false, message: normalized.message };
    webhook = normalized.url;
  }
  let executionTimeoutMs = POLICY_RANGES.executionTimeout.default;
  let ttlMs = POLICY_RANGES.ttl.default;
  if (body.policy !== undefined && body.policy !== null) {
    if (!isRecord(body.policy)) return { ok: false, message: '"policy" must be an object' };
    const timeout = policyMs(body.policy, 'executionTimeout');
    if (typeof timeout === 'string') return { ok: false, message: timeout };
    const ttl = policyMs(body.policy, 'ttl');
    if (typeof ttl === 'string') return { ok: false, message: ttl };
    executionTimeoutMs = timeout;
    ttlMs = ttl;
  }
  const value: ParsedJobRequest = { input: body.input, executionTimeoutMs, ttlMs };
  if (webhook !== undefined) value.webhook = webhook;
  return { ok: true, value };
}
