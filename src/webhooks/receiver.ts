import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { asyncScheduler, Observable, type SchedulerLike, type Subscriber, type Subscription } from 'rxjs';
import { decodeOrThrow } from '../codecs/decode.js';
import { JobStateCodec, type JobState } from '../codecs/job-state.js';
import { isTerminal } from '../codecs/job-status.js';
import type { WebhookCompletions } from '../endpoint/webhook-completions.js';
import { ConfigError, isDecodeError } from '../errors.js';
import { fitsTimer } from '../internal/max-delay.js';

/**
 * Options of {@link createWebhookReceiver}.
 * @category webhooks
 */
export interface WebhookReceiverConfig {
  /**
   * Where RunPod reaches the handler, as a public `https://` URL without the token, e.g.
   * `https://hooks.example.com/runpod`. The receiver's {@link WebhookReceiver.url} is this plus
   * `/<token>`.
   */
  readonly publicUrl: string;
  /**
   * The secret last path segment that every call must carry (RunPod does not sign webhooks, so the
   * URL is the only secret). At least 16 characters of `[A-Za-z0-9_-]`.
   * @default 32 random hex characters
   */
  readonly token?: string | undefined;
  /** Largest body accepted, in bytes; a larger one is answered 413. @default 32 MiB */
  readonly maxBodyBytes?: number | undefined;
  /**
   * How long a call that arrives before anybody waits for its job (a job that ends before `/run`
   * answers) is kept for a later {@link WebhookReceiver.completion}, in ms. @default 60000
   */
  readonly holdMs?: number | undefined;
  /** Most calls held at once; the oldest is dropped past it. @default 10000 */
  readonly maxHeld?: number | undefined;
  /** Clock of the hold timers. @default asyncScheduler */
  readonly scheduler?: SchedulerLike | undefined;
}

/**
 * Receives RunPod's webhook calls (POST of the terminal status body) and hands each job's terminal
 * state to whoever waits for it. Pass it to `createEndpoint({ webhooks })` (or to `submit` and
 * `runSync`), and mount {@link WebhookReceiver.handle} where {@link WebhookReceiverConfig.publicUrl}
 * points.
 * @category webhooks
 */
export interface WebhookReceiver extends WebhookCompletions {
  /** The URL to give RunPod as a job's `webhook`: `publicUrl/<token>`. */
  readonly url: string;
  /**
   * A Node `http` request handler: `http.createServer(receiver.handle)`, Express's
   * `app.post(path, receiver.handle)` (a body already parsed by `express.json()` is used as is),
   * Fastify's `(request, reply) => { reply.hijack(); receiver.handle(request.raw, reply.raw) }`, Koa's
   * `(ctx) => { ctx.respond = false; receiver.handle(ctx.req, ctx.res) }`. Answers 200 to a decoded
   * call, 404 to a wrong token or path, 405 to a method other than POST, 413 over the body limit,
   * 400 to a body that is not a job state.
   */
  readonly handle: (request: IncomingMessage, response: ServerResponse, next?: (error?: unknown) => void) => void;
  /** The terminal state of job `jobId` once its call arrives (at once if it is held), then completes. */
  completion(jobId: string): Observable<JobState>;
  /** Drops every held call and waiter; later calls are answered 503. */
  close(): void;
}

const TOKEN = /^[A-Za-z0-9_-]{16,256}$/;
const DEFAULTS = { maxBodyBytes: 32 * 1024 * 1024, holdMs: 60_000, maxHeld: 10_000 } as const;

interface Held {
  readonly state: JobState;
  readonly expiry: Subscription;
}

function positiveWhole(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) throw new ConfigError(`${name} must be a whole number > 0`);
  return value;
}

function answer(response: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...(status === 413 && { connection: 'close' }),
  });
  response.end(text);
}

/** The body: already parsed by a framework (`request.body`), or read from the stream up to `limit` bytes. */
function readBody(request: IncomingMessage, limit: number): Promise<unknown> {
  const parsed = (request as { body?: unknown }).body;
  if (parsed !== undefined && !Buffer.isBuffer(parsed) && typeof parsed !== 'string') return Promise.resolve(parsed);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const collect = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      // Answer at once and discard the rest, so the caller reads the 413 instead of a reset.
      request.off('data', collect);
      request.resume();
      chunks.length = 0;
      reject(Object.assign(new Error(`body over ${limit} bytes`), { status: 413 }));
    };
    request.on('data', collect);
    request.on('error', reject);
    request.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(Object.assign(new Error('body is not JSON'), { status: 400 }));
      }
    });
  });
}

/**
 * Creates a receiver of RunPod webhook calls.
 *
 * @throws {ConfigError} for a `publicUrl` that is not an absolute http(s) URL, a short or malformed
 * token, or a limit that is not a whole number > 0.
 * @example
 * import { createServer } from 'node:http';
 * import { createEndpoint } from 'runpod-rx';
 * import { createWebhookReceiver } from 'runpod-rx/webhooks';
 *
 * const webhooks = createWebhookReceiver({ publicUrl: 'https://hooks.example.com/runpod' });
 * createServer(webhooks.handle).listen(8080); // behind a proxy serving hooks.example.com
 * const endpoint = createEndpoint({ endpointId: 'abc123', webhooks });
 * endpoint.submit({ input: { prompt: 'a red fox' } }).subscribe((job) => console.log(job.status));
 * @category webhooks
 */
export function createWebhookReceiver(config: WebhookReceiverConfig): WebhookReceiver {
  let base: URL;
  try {
    base = new URL(config.publicUrl);
  } catch {
    throw new ConfigError('publicUrl is not a valid absolute URL');
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:') {
    throw new ConfigError(`publicUrl must use https (or http), not ${base.protocol}`);
  }
  if (base.username !== '' || base.password !== '' || base.search !== '' || base.hash !== '') {
    throw new ConfigError('publicUrl must not carry credentials, a query or a fragment');
  }
  const token = config.token ?? randomBytes(16).toString('hex');
  if (!TOKEN.test(token)) throw new ConfigError('token must be 16 to 256 characters of A-Z, a-z, 0-9, "_" or "-"');
  const maxBodyBytes = positiveWhole('maxBodyBytes', config.maxBodyBytes, DEFAULTS.maxBodyBytes);
  const maxHeld = positiveWhole('maxHeld', config.maxHeld, DEFAULTS.maxHeld);
  const holdMs = config.holdMs ?? DEFAULTS.holdMs;
  if (!fitsTimer(holdMs, true)) throw new ConfigError('holdMs must be a number of ms a timer can hold');
  const scheduler = config.scheduler ?? asyncScheduler;
  const tokenBytes = Buffer.from(token);
  const url = `${base.href.replace(/\/+$/, '')}/${token}`;

  const waiters = new Map<string, Set<Subscriber<JobState>>>();
  const held = new Map<string, Held>();
  let closed = false;

  const drop = (jobId: string): void => {
    held.get(jobId)?.expiry.unsubscribe();
    held.delete(jobId);
  };

  /** Hands `state` to its waiters, or holds it for a later `completion`. */
  const arrive = (state: JobState): void => {
    const subscribers = waiters.get(state.id);
    if (subscribers !== undefined) {
      waiters.delete(state.id);
      for (const subscriber of subscribers) {
        subscriber.next(state);
        subscriber.complete();
      }
      return;
    }
    drop(state.id);
    if (held.size >= maxHeld) drop(held.keys().next().value as string);
    held.set(state.id, { state, expiry: scheduler.schedule(() => held.delete(state.id), holdMs) });
  };

  /** Whether the last segment of the request path is the token (compared in constant time). */
  const carriesToken = (request: IncomingMessage): boolean => {
    const path = (request.url ?? '').split('?')[0] ?? '';
    const segment = Buffer.from(path.slice(path.lastIndexOf('/') + 1));
    return segment.length === tokenBytes.length && timingSafeEqual(segment, tokenBytes);
  };

  const handle: WebhookReceiver['handle'] = (request, response) => {
    if (closed) return answer(response, 503, { error: 'receiver closed' });
    if (!carriesToken(request)) return answer(response, 404, { error: 'not found' });
    if (request.method !== 'POST') return answer(response, 405, { error: 'POST only' });
    readBody(request, maxBodyBytes).then(
      (body) => {
        let state: JobState;
        try {
          state = decodeOrThrow(JobStateCodec, body);
        } catch (error) {
          return answer(response, 400, { error: isDecodeError(error) ? error.errors.join('; ') : 'not a job state' });
        }
        // RunPod calls only on terminal states; anything else is acknowledged and ignored.
        if (isTerminal(state) && !closed) arrive(state);
        answer(response, 200, {});
      },
      (error: { status?: number; message?: string }) => {
        if (response.headersSent || response.destroyed) return;
        answer(response, error.status ?? 400, { error: error.message ?? 'unreadable body' });
      },
    );
  };

  const completion = (jobId: string): Observable<JobState> =>
    new Observable<JobState>((subscriber) => {
      const ready = held.get(jobId);
      if (ready !== undefined) {
        drop(jobId);
        subscriber.next(ready.state);
        subscriber.complete();
        return undefined;
      }
      if (closed) return undefined;
      let subscribers = waiters.get(jobId);
      if (subscribers === undefined) waiters.set(jobId, (subscribers = new Set()));
      subscribers.add(subscriber);
      return () => {
        subscribers.delete(subscriber);
        if (subscribers.size === 0 && waiters.get(jobId) === subscribers) waiters.delete(jobId);
      };
    });

  return Object.freeze({
    url,
    handle,
    completion,
    close: () => {
      closed = true;
      for (const jobId of [...held.keys()]) drop(jobId);
      waiters.clear();
    },
  });
}
