import type * as t from 'io-ts';
import { asyncScheduler, type SchedulerLike } from 'rxjs';
import { ConfigError } from '../errors.js';
import { fitsTimer, MAX_DELAY_MS } from '../internal/max-delay.js';
import { RETRY_DEFAULTS } from '../internal/retry-with-backoff.js';
import { createFetchTransport, type FetchLike } from '../transport/fetch-transport.js';
import { keySafe } from '../transport/key-safe-errors.js';
import type { Transport } from '../transport/transport.js';
import {
  LONG_POLL_WAITS,
  PAYLOAD_LIMITS,
  RUNPOD_CONCURRENCY,
  RUNPOD_RATE_LIMITS,
  RUNPOD_RATE_WINDOW,
  type ConcurrencyGroup,
} from '../runpod-rules.js';
import { checkApiKey } from './api-key.js';
import type { OptionalFields } from '../optional-fields.js';
import type { RunpodEvent } from './events.js';
import { STREAM_HOLD_DEFAULTS, type StreamHoldPolicy } from './stream-hold.js';
import type { WebhookCompletions } from './webhook-completions.js';

/** The production API root. */
export const DEFAULT_BASE_URL = 'https://api.runpod.ai/v2';

/**
 * The client's built-in retries (see the retry table in docs/errors-and-retries.md).
 * @category config
 */
export interface RetryPolicy {
  /** Retries after the first attempt. @default 3 */
  readonly count: number;
  /** Backoff ceiling of the first retry, in ms; doubles each retry. @default 500 */
  readonly baseDelay: number;
  /** Upper bound of a backoff delay, in ms. @default 10000 */
  readonly maxDelay: number;
  /** Longest `Retry-After` honoured, in ms; a longer one is capped to it. @default 60000 */
  readonly maxRetryAfter: number;
  /** Source of jitter, uniform in [0, 1). @default Math.random */
  readonly random: () => number;
}

/**
 * A sliding-window limit on one route group's requests: at most `limit` per `window` ms.
 * @category config
 */
export interface RateLimit {
  /** Requests per window. */
  readonly limit: number;
  /** Window length, in ms. @default 10000 */
  readonly window: number;
}

/**
 * The limit on cancels (`cancelRateLimit`): a {@link RateLimit}, 100 per 10 s by default.
 * @category config
 */
export type CancelRateLimit = RateLimit;

/**
 * How `watch` polls `/status` when status-sync is not served.
 * @category config
 */
export interface PollingPolicy {
  /** First gap between polls, in ms; grows ×1.5 while nothing changes. @default 500 */
  readonly initialInterval: number;
  /** Largest gap between polls, in ms. @default 5000 */
  readonly maxInterval: number;
}

/**
 * Optional io-ts codecs that type the job input, the COMPLETED output and the stream chunks.
 * @category config
 */
export interface EndpointCodecs<I, O, C> {
  /** Encodes `request.input` before it is serialised (e.g. a `Date` to a string). */
  readonly input?: t.Encoder<I, unknown> | undefined;
  /** Decodes `output` of a COMPLETED state; a mismatch is a `DecodeError`. */
  readonly output?: t.Decoder<unknown, O> | undefined;
  /** Decodes `output` of each streamed chunk. */
  readonly chunk?: t.Decoder<unknown, C> | undefined;
}

/**
 * Options of `createEndpoint`. Everything has a default; `apiKey` and `endpointId` fall back to
 * the environment.
 * @category config
 */
export interface EndpointConfig<I = unknown, O = unknown, C = unknown> {
  /** @default env RUNPOD_API_KEY, then RP_API_KEY */
  readonly apiKey?: string | undefined;
  /** @default env RUNPOD_ENDPOINT_ID, then RP_ENDPOINT_ID */
  readonly endpointId?: string | undefined;
  /** @default env RUNPOD_ENDPOINT_BASE_URL, then https://api.runpod.ai/v2 */
  readonly baseUrl?: string | undefined;
  /** Allow plain `http://` to a host other than loopback (the key would travel in clear). @default false */
  readonly allowInsecure?: boolean | undefined;
  /** The fetch the default transport calls. @default cross-fetch */
  readonly fetch?: FetchLike | undefined;
  /**
   * Replaces the HTTP layer entirely (e.g. the fake of `runpod-rx/testing`); `fetch` is then unused.
   * An error of it that shows the key becomes a `NetworkError` with the key redacted.
   */
  readonly transport?: Transport | undefined;
  /** Clock of every timer, deadline and backoff. @default asyncScheduler */
  readonly scheduler?: SchedulerLike | undefined;
  /** Time one HTTP exchange may take, in ms, on top of any server-side `wait`. @default 30000 */
  readonly requestTimeout?: number | undefined;
  /** Built-in retries; `false` turns them off. Fields not given keep their defaults. */
  readonly retry?: OptionalFields<RetryPolicy> | false | undefined;
  /** Polling used when status-sync is not served. */
  readonly polling?: OptionalFields<PollingPolicy> | undefined;
  /**
   * Most requests in flight at once per route group; the rest wait their turn (FIFO). While
   * requests wait, long-polls hand their slot on every 2 s, so thousands of watched jobs share
   * the slots fairly. `false` removes the limits.
   * @default RUNPOD_CONCURRENCY (run 200, runsync 400, status/status-sync/stream 400, cancel 20)
   */
  readonly concurrency?: OptionalFields<Record<ConcurrencyGroup, number>> | false | undefined;
  /** Longest server-side `wait` of runsync and status-sync long-polls, in ms. @default 90000 */
  readonly longPollWait?: number | undefined;
  /**
   * Largest request body of `/run` and `/runsync`, in bytes, checked before sending (a bigger one
   * fails with `PayloadTooLargeError`). RunPod documents "10 MB" and "20 MB"; the defaults read
   * them as decimal megabytes, the conservative reading.
   * @default run 10000000, runsync 20000000
   */
  readonly payloadLimits?: OptionalFields<Readonly<Record<'run' | 'runsync', number>>> | undefined;
  /** Server-side `wait` of each `/stream` read, in ms. @default 3000 */
  readonly streamWait?: number | undefined;
  /**
   * Bounds of the chunks an unsubscribed `stream(id)` had already drained, held for the next
   * `stream(id)` of this endpoint object (see docs/streaming.md). Fields not given keep their defaults.
   */
  readonly streamHold?: OptionalFields<StreamHoldPolicy> | undefined;
  /**
   * A webhook receiver (`createWebhookReceiver` of `runpod-rx/webhooks`): `submit` and `runSync`
   * then send its URL as each job's `webhook` (unless the request sets one) and complete from
   * RunPod's call instead of long-polling, with a slow safety sweep of `/status`. Node only.
   */
  readonly webhooks?: WebhookCompletions | undefined;
  /**
   * Gap between two safety-sweep reads of `/status` for a job followed by webhook, in ms (RunPod
   * calls a webhook at most three times, 10 s apart, so a call can be lost).
   * @default 30000
   */
  readonly webhookSweepInterval?: number | undefined;
  readonly codecs?: EndpointCodecs<I, O, C> | undefined;
  /** Receives request, response, retry, job-created and cancel events. Exceptions it throws are ignored. */
  readonly onEvent?: ((event: RunpodEvent) => void) | undefined;
  /**
   * Server-side `wait` of `runSync`'s first `/runsync` request, in ms (RunPod accepts 1000 to
   * 300000). A job that ends within it costs one request. It also bounds how long a job outlives a
   * `runSync` left during that wait: the exchange then completes detached, and the job id it
   * brings is cancelled (see docs/cancellation.md).
   * @default 5000
   */
  readonly runsyncWait?: number | undefined;
  /**
   * How long the cancel of an abandoned job keeps retrying 429s and transient failures, in ms,
   * before it gives up with a `cancel-failed` event.
   * @default 300000 (5 min)
   */
  readonly cancelPatience?: number | undefined;
  /**
   * Most cancels sent per window, counted on the client (every `POST /cancel` of this endpoint
   * object, retries included); `false` removes the limit. Fields not given keep RunPod's numbers.
   * @default { limit: 100, window: 10000 } (RUNPOD_RATE_LIMITS.cancel per RUNPOD_RATE_WINDOW)
   */
  readonly cancelRateLimit?: OptionalFields<CancelRateLimit> | false | undefined;
  /**
   * Most requests of the status group (`/status`, `/status-sync`, `/stream`, retries included)
   * sent per window, counted on the client and shared by every call of this endpoint object;
   * `false` removes the limit. Fields not given keep RunPod's numbers.
   * @default { limit: 2000, window: 10000 } (RUNPOD_RATE_LIMITS.status per RUNPOD_RATE_WINDOW)
   */
  readonly statusRateLimit?: OptionalFields<RateLimit> | false | undefined;
  /** Where env defaults are read. @default process.env when it exists */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
}

/** Config with every default applied and checked. The key lives only in `authorization`. */
export interface ResolvedConfig<I, O, C> {
  readonly endpointId: string;
  readonly baseUrl: string;
  readonly authorization: string;
  readonly transport: Transport;
  readonly scheduler: SchedulerLike;
  readonly requestTimeout: number;
  readonly retry: RetryPolicy | false;
  readonly polling: PollingPolicy;
  readonly concurrency: Readonly<Record<ConcurrencyGroup, number>> | false;
  readonly longPollWait: number;
  readonly payloadLimits: Readonly<Record<'run' | 'runsync', number>>;
  readonly streamWait: number;
  readonly streamHold: StreamHoldPolicy;
  readonly webhooks: WebhookCompletions | undefined;
  readonly webhookSweepInterval: number;
  readonly runsyncWait: number;
  readonly cancelPatience: number;
  readonly cancelRateLimit: CancelRateLimit | false;
  readonly statusRateLimit: RateLimit | false;
  readonly codecs: EndpointCodecs<I, O, C>;
  readonly emit: (event: RunpodEvent) => void;
}

const DEFAULT_POLLING: PollingPolicy = { initialInterval: 500, maxInterval: 5_000 };

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;
const ENDPOINT_ID = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

function processEnv(): Readonly<Record<string, string | undefined>> {
  const process = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return process?.env ?? {};
}

function firstSet(...values: (string | undefined)[]): string | undefined {
  return values.find((value) => value !== undefined && value !== '');
}

/** `defaults` overridden by the fields of `partial` that are not undefined. */
function withDefaults<T extends object>(defaults: T, partial: Partial<T> | undefined): T {
  const merged = { ...defaults };
  for (const [key, value] of Object.entries(partial ?? {})) {
    if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  }
  return merged;
}

/** A number of ms a timer can hold (see {@link MAX_DELAY_MS}): positive, or also zero with `allowZero`. */
function delay(name: string, value: number | undefined, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback;
  if (!fitsTimer(value, allowZero)) {
    throw new ConfigError(
      `${name} must be a ${allowZero ? 'non-negative' : 'positive'} number of ms, at most ${MAX_DELAY_MS}`,
    );
  }
  return value;
}

/** A whole number of bytes ≥ 0 (0 holds nothing), or `Infinity`. */
function byteCount(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (value !== Infinity && !(Number.isInteger(value) && value >= 0)) {
    throw new ConfigError(`${name} must be a whole number of bytes ≥ 0, or Infinity`);
  }
  return value;
}

const positive = (name: string, value: number | undefined, fallback: number) => delay(name, value, fallback);

function resolveRetry(retry: EndpointConfig['retry']): RetryPolicy | false {
  if (retry === false) return false;
  const policy = withDefaults<RetryPolicy>(RETRY_DEFAULTS, retry);
  if (!Number.isInteger(policy.count) || policy.count < 0)
    throw new ConfigError('retry.count must be a whole number ≥ 0');
  for (const field of ['baseDelay', 'maxDelay', 'maxRetryAfter'] as const) {
    delay(`retry.${field}`, policy[field], 0, true);
  }
  if (typeof policy.random !== 'function') throw new ConfigError('retry.random must be a function returning [0, 1)');
  return policy;
}

function resolveBaseUrl(raw: string, allowInsecure: boolean): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('baseUrl is not a valid absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`baseUrl must use https (or http on loopback), not ${url.protocol}`);
  }
  if (url.username || url.password) throw new ConfigError('baseUrl must not carry credentials');
  if (url.search || url.hash) throw new ConfigError('baseUrl must not carry a query or a fragment');
  if (url.protocol === 'http:' && !LOOPBACK.test(url.hostname) && !allowInsecure) {
    throw new ConfigError(
      `refusing plain http to ${url.hostname}: the API key would travel unencrypted; use https or set allowInsecure: true`,
    );
  }
  return url.toString().replace(/\/+$/, '');
}

function resolveConcurrency(
  concurrency: EndpointConfig['concurrency'],
): Readonly<Record<ConcurrencyGroup, number>> | false {
  if (concurrency === false) return false;
  const limits = withDefaults(RUNPOD_CONCURRENCY, concurrency);
  for (const [group, limit] of Object.entries(limits)) {
    if (!Number.isInteger(limit) || limit < 1) throw new ConfigError(`concurrency.${group} must be a whole number ≥ 1`);
  }
  return limits;
}

function resolvePayloadLimits(limits: EndpointConfig['payloadLimits']): Readonly<Record<'run' | 'runsync', number>> {
  const resolved = withDefaults(PAYLOAD_LIMITS, limits);
  for (const [route, limit] of Object.entries(resolved)) {
    if (!Number.isSafeInteger(limit) || limit < 1) {
      throw new ConfigError(`payloadLimits.${route} must be a whole number of bytes ≥ 1`);
    }
  }
  return resolved;
}

function resolveRunsyncWait(value: number | undefined): number {
  const wait = positive('runsyncWait', value, 5_000);
  const { min, max } = LONG_POLL_WAITS.runsync;
  if (wait < min || wait > max) {
    throw new ConfigError(`runsyncWait must be from ${min} to ${max} ms (RunPod's range)`);
  }
  return wait;
}

function resolveRateLimit(
  name: 'cancelRateLimit' | 'statusRateLimit',
  value: OptionalFields<RateLimit> | false | undefined,
  group: 'cancel' | 'status',
): RateLimit | false {
  if (value === false) return false;
  const limit = withDefaults<RateLimit>({ limit: RUNPOD_RATE_LIMITS[group], window: RUNPOD_RATE_WINDOW }, value);
  if (!Number.isInteger(limit.limit) || limit.limit < 1) {
    throw new ConfigError(`${name}.limit must be a whole number ≥ 1`);
  }
  positive(`${name}.window`, limit.window, 0);
  return limit;
}

/** Applies defaults and env fallbacks; throws {@link ConfigError} on anything missing or malformed. */
export function resolveConfig<I, O, C>(config: EndpointConfig<I, O, C>): ResolvedConfig<I, O, C> {
  if (typeof config !== 'object' || config === null) throw new ConfigError('createEndpoint takes an options object');
  const env = config.env ?? processEnv();

  const apiKey = config.apiKey ?? firstSet(env.RUNPOD_API_KEY, env.RP_API_KEY);
  if (typeof apiKey !== 'string' || apiKey.trim() === '') {
    throw new ConfigError('no API key: pass apiKey or set RUNPOD_API_KEY (or RP_API_KEY)');
  }
  checkApiKey(
    apiKey,
    config.apiKey !== undefined
      ? 'passed as apiKey'
      : firstSet(env.RUNPOD_API_KEY)
        ? 'from RUNPOD_API_KEY'
        : 'from RP_API_KEY',
  );

  const endpointId = config.endpointId ?? firstSet(env.RUNPOD_ENDPOINT_ID, env.RP_ENDPOINT_ID);
  if (typeof endpointId !== 'string' || endpointId.trim() === '') {
    throw new ConfigError('no endpoint id: pass endpointId or set RUNPOD_ENDPOINT_ID (or RP_ENDPOINT_ID)');
  }
  if (!ENDPOINT_ID.test(endpointId)) {
    throw new ConfigError('endpointId may hold only letters, digits, "-" and "_"');
  }

  const baseUrl = resolveBaseUrl(
    config.baseUrl ?? firstSet(env.RUNPOD_ENDPOINT_BASE_URL) ?? DEFAULT_BASE_URL,
    config.allowInsecure === true,
  );
  const scheduler = config.scheduler ?? asyncScheduler;
  const onEvent = config.onEvent;

  const retry = resolveRetry(config.retry);

  return {
    endpointId,
    baseUrl,
    authorization: `Bearer ${apiKey}`,
    transport: config.transport ? keySafe(config.transport) : createFetchTransport({ fetch: config.fetch, scheduler }),
    scheduler,
    requestTimeout: positive('requestTimeout', config.requestTimeout, 30_000),
    retry,
    polling: {
      initialInterval: positive(
        'polling.initialInterval',
        config.polling?.initialInterval,
        DEFAULT_POLLING.initialInterval,
      ),
      maxInterval: positive('polling.maxInterval', config.polling?.maxInterval, DEFAULT_POLLING.maxInterval),
    },
    concurrency: resolveConcurrency(config.concurrency),
    longPollWait: positive('longPollWait', config.longPollWait, LONG_POLL_WAITS['status-sync'].default),
    payloadLimits: resolvePayloadLimits(config.payloadLimits),
    streamWait: positive('streamWait', config.streamWait, LONG_POLL_WAITS.stream.default),
    webhooks: config.webhooks,
    webhookSweepInterval: positive('webhookSweepInterval', config.webhookSweepInterval, 30_000),
    streamHold: {
      maxAge: positive('streamHold.maxAge', config.streamHold?.maxAge, STREAM_HOLD_DEFAULTS.maxAge),
      maxBytes: byteCount('streamHold.maxBytes', config.streamHold?.maxBytes, STREAM_HOLD_DEFAULTS.maxBytes),
    },
    runsyncWait: resolveRunsyncWait(config.runsyncWait),
    cancelPatience: positive('cancelPatience', config.cancelPatience, 300_000),
    cancelRateLimit: resolveRateLimit('cancelRateLimit', config.cancelRateLimit, 'cancel'),
    statusRateLimit: resolveRateLimit('statusRateLimit', config.statusRateLimit, 'status'),
    codecs: config.codecs ?? {},
    emit: onEvent
      ? (event) => {
          try {
            onEvent(event);
          } catch {
            // A listener's failure must not break the request it observes.
          }
        }
      : () => undefined,
  };
}
