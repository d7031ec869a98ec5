import { isRecord } from './json-value.js';

/** Default `policy.executionTimeout` (RunPod: 10 min). */
export const DEFAULT_EXECUTION_TIMEOUT_MS = 600_000;
/** Default `policy.ttl` (RunPod: 24 h). */
export const DEFAULT_TTL_MS = 86_400_000;
/** Largest timeout/ttl accepted (RunPod: 7 days). */
export const MAX_POLICY_MS = 7 * 86_400_000;

/** A validated `/run` or `/runsync` body. */
export interface ParsedJobRequest {
  input: unknown;
  webhook?: string;
  executionTimeoutMs: number;
  ttlMs: number;
}

/** Result of {@link parseJobRequest}. */
export type JobRequestResult = { ok: true; value: ParsedJobRequest } | { ok: false; message: string };

function policyMs(policy: Record<string, unknown>, key: string, fallback: number): number | string {
  const value = policy[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    return `policy.${key} must be a positive number of milliseconds`;
  }
  // GUESS: RunPod documents minimums (executionTimeout 5 s, ttl 10 s); the emulator
  // accepts smaller values so tests can use short timeouts, and caps at 7 days.
  return Math.min(Math.floor(value), MAX_POLICY_MS);
}

/**
 * Validates a job request: a JSON object with `input` (required; GUESS: a missing
 * `input` is a 400), optional string `webhook`, optional `policy` with positive
 * `executionTimeout` / `ttl` (ms). `s3Config`, `webhookV2`, `policy.lowPriority` and
 * any other key, top level or in `policy`, are accepted and ignored.
 */
export function parseJobRequest(body: unknown): JobRequestResult {
  if (!isRecord(body)) return { ok: false, message: 'request body must be a JSON object with an "input" field' };
  if (!('input' in body) || body.input === undefined) return { ok: false, message: 'missing "input" field' };
  let webhook: string | undefined;
  if (body.webhook !== undefined && body.webhook !== null) {
    if (typeof body.webhook !== 'string') return { ok: false, message: '"webhook" must be a string URL' };
    webhook = body.webhook;
  }
  let executionTimeoutMs = DEFAULT_EXECUTION_TIMEOUT_MS;
  let ttlMs = DEFAULT_TTL_MS;
  if (body.policy !== undefined && body.policy !== null) {
    if (!isRecord(body.policy)) return { ok: false, message: '"policy" must be an object' };
    const timeout = policyMs(body.policy, 'executionTimeout', DEFAULT_EXECUTION_TIMEOUT_MS);
    if (typeof timeout === 'string') return { ok: false, message: timeout };
    const ttl = policyMs(body.policy, 'ttl', DEFAULT_TTL_MS);
    if (typeof ttl === 'string') return { ok: false, message: ttl };
    executionTimeoutMs = timeout;
    ttlMs = ttl;
  }
  const value: ParsedJobRequest = { input: body.input, executionTimeoutMs, ttlMs };
  if (webhook !== undefined) value.webhook = webhook;
  return { ok: true, value };
}
