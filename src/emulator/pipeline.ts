import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { KeyCheck } from './auth.js';
import { CONCURRENCY_RETRY_AFTER_S, type ConcurrencyLimiter } from './concurrency-limiter.js';
import { answerPreflight, type CorsPolicy } from './cors.js';
import type { Engine } from './engine.js';
import type { FaultDecision, FaultInjector } from './faults.js';
import type { HostCheck } from './host-check.js';
import { readJsonBody, type JsonSender } from './http-io.js';
import type { LongPolls } from './long-poll.js';
import { routeGroupOf } from '../runpod-rules.js';
import type { RateLimiter } from './rate-limiter.js';
import { matchRoute } from './router.js';
import { BODY_LIMITS, ROUTE_HANDLERS } from './routes/index.js';
import type { StatsCollector } from './stats.js';
import type { TimerSet } from './timers.js';

/** Collaborators of the request pipeline. */
export interface PipelineDeps {
  engine: Engine;
  longPolls: LongPolls;
  stats: StatsCollector;
  timers: TimerSet;
  send: JsonSender;
  keyCheck: KeyCheck;
  /** Refuses a `Host` that does not name this server (DNS rebinding). */
  hostCheck: HostCheck;
  /** Which browser origins may read the answers. */
  cors: CorsPolicy;
  rateLimiter?: RateLimiter;
  /** RunPod's concurrent-request limits; absent when turned off. */
  concurrency?: ConcurrencyLimiter;
  /** Most queued jobs per endpoint (`Infinity`: no limit). */
  maxQueuedJobs: number;
  faults: FaultInjector;
  isClosed(): boolean;
}

/** Body of a `malformed` fault: a 200 that is not JSON (like a proxy's HTML page). */
const MALFORMED_BODY = '<html><body><h1>200 OK</h1><p>upstream sent garbage</p></body></html>';
/** Bytes actually sent by a `truncated` fault, and the length it announces. */
const TRUNCATED_BODY = '{"id":"truncated-respo';
const TRUNCATED_DECLARED = 512;

/** Answers a request with an injected fault (the request itself is not executed). */
function injectFault(kind: Exclude<FaultDecision['kind'], 'none'>, res: ServerResponse, deps: PipelineDeps): void {
  deps.stats.fault(kind);
  switch (kind) {
    case 'throttle':
      // An injected throttle always says Retry-After: 1 (second).
      deps.send(res, 429, { error: 'Too many requests (injected fault)' }, { 'Retry-After': '1' });
      return;
    case 'serverError':
      deps.send(res, 500, { error: 'Internal server error (injected fault)' });
      return;
    case 'reset':
      res.socket?.destroy();
      res.destroy();
      return;
    case 'malformed':
      res.writeHead(200, {
        'Content-Type': 'application/json',
        'Content-Length': String(Buffer.byteLength(MALFORMED_BODY)),
      });
      res.end(MALFORMED_BODY);
      deps.stats.response(200);
      return;
    case 'truncated': {
      res.writeHead(200, {
        'Content-Type': 'application/json',
        'Content-Length': String(TRUNCATED_DECLARED),
      });
      deps.stats.response(200);
      const socket = res.socket;
      res.write(TRUNCATED_BODY, () => {
        socket?.destroySoon();
      });
      return;
    }
  }
}

/**
 * Waits `ms` on the emulator clock, or until the client goes away: a client that gives up on a
 * delayed request leaves no timer behind.
 */
function sleepWhileConnected(timers: TimerSet, ms: number, res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const onClose = (): void => {
      timers.clear(handle);
      resolve();
    };
    const handle = timers.set(() => {
      res.off('close', onClose);
      resolve();
    }, ms);
    res.once('close', onClose);
  });
}

/** A body up to this size is drained after an early answer, so that the connection can be kept. */
const DRAINED_BODY_BYTES = 64 * 1024;

/**
 * Whether an answer sent before the body was read must close the connection: Node would
 * otherwise read and discard the rest of the body to keep the connection alive, so an
 * unauthenticated client could stream without end (up to `requestTimeoutMs`) into a 401.
 */
function closesConnection(req: IncomingMessage): boolean {
  if (req.complete) return false;
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = Number(req.headers['content-length'] ?? 0);
  return !(Number.isFinite(length) && length <= DRAINED_BODY_BYTES);
}

/** How long a closing connection goes on reading (and discarding) what its client still sends. */
const LINGER_MS = 1_000;
const LINGERING = Symbol('lingering close');

/**
 * Makes Node's close after a `Connection: close` answer a lingering one: the socket half-closes
 * and goes on discarding what still arrives for up to {@link LINGER_MS}, then is destroyed.
 * Destroyed at once while the client is still uploading, the connection is reset by the kernel
 * and the client loses the answer (a 413, a 401) it had not read yet.
 */
function lingerOnClose(req: IncomingMessage): void {
  const socket = req.socket as Socket & { [LINGERING]?: true };
  if (socket[LINGERING]) return;
  socket[LINGERING] = true;
  socket.destroySoon = () => {
    if (socket.destroyed) return;
    if (socket.writable) socket.end();
    req.resume();
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  };
}

/** Before an answer that leaves the body unread: close the connection after it when the body is big or unknown. */
function beforeEarlyAnswer(req: IncomingMessage, res: ServerResponse): void {
  if (res.headersSent || !closesConnection(req)) return;
  res.setHeader('Connection', 'close');
  lingerOnClose(req);
}

/**
 * Builds the request listener: Host and Origin checks (403), preflight, routing (404/405),
 * auth (401), rate limit (429), concurrency limit (429), faults, body (400/413), then the route
 * handler.
 */
export function createPipeline(deps: PipelineDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { stats } = deps;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // Every answer below that comes before the body is read goes through `send`.
    const send: JsonSender = (r, code, body, headers) => {
      beforeEarlyAnswer(req, r);
      deps.send(r, code, body, headers);
    };
    // Before anything else: a page on another site that re-points its name at this machine (DNS
    // rebinding) sends its own name as Host; a page whose origin is not allowed gets nothing.
    if (!deps.hostCheck(req.headers.host, req.socket.localPort)) {
      stats.request('refused');
      send(res, 403, {
        error:
          'Host header does not name this emulator (DNS rebinding protection): use 127.0.0.1, localhost or [::1] with its port',
      });
      return;
    }
    if (!deps.cors.apply(req, res)) {
      stats.request('refused');
      send(res, 403, { error: 'Origin not allowed by the emulator (add it to corsOrigins)' });
      return;
    }
    const method = req.method ?? 'GET';
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://emulator.local');
    } catch {
      stats.request('unknown');
      send(res, 404, { error: 'not found' });
      return;
    }
    if (method === 'OPTIONS') {
      stats.request('preflight');
      answerPreflight(res);
      stats.response(204);
      return;
    }
    const match = matchRoute(method, url.pathname);
    if (match.kind === 'notFound') {
      stats.request('unknown');
      send(res, 404, { error: `no route for ${method} ${url.pathname}` });
      return;
    }
    stats.request(match.route);
    // GUESS: the cloud's answer to a known route with the wrong method is undocumented; 405 + Allow.
    if (match.kind === 'methodNotAllowed') {
      send(res, 405, { error: `method ${method} not allowed on ${match.route}` }, { Allow: match.allow });
      return;
    }
    if (!deps.keyCheck(req.headers.authorization)) {
      send(res, 401, { error: 'Unauthorized: missing or invalid API key' });
      return;
    }
    if (deps.rateLimiter) {
      const decision = deps.rateLimiter.take(match.endpointId, routeGroupOf(match.route));
      if (!decision.allowed) {
        stats.data.rateLimited += 1;
        send(
          res,
          429,
          { error: `rate limit exceeded for ${match.route} on endpoint ${match.endpointId}` },
          { 'Retry-After': String(decision.retryAfterSeconds) },
        );
        return;
      }
    }
    if (deps.concurrency) {
      const release = deps.concurrency.enter(match.endpointId, match.route);
      if (!release) {
        stats.data.concurrencyLimited += 1;
        send(
          res,
          429,
          { error: `too many concurrent ${match.route} requests on endpoint ${match.endpointId}` },
          { 'Retry-After': String(CONCURRENCY_RETRY_AFTER_S) },
        );
        return;
      }
      // Held until the answer is sent or the client goes away ('close' comes in both cases).
      res.once('close', release);
    }
    // Faults are decided before anything changes state: a faulted request is never executed.
    const fault = deps.faults.draw(match.route);
    if (fault.latencyMs > 0) {
      stats.fault('latency');
      await sleepWhileConnected(deps.timers, fault.latencyMs, res);
      if (res.destroyed || deps.isClosed()) return;
    }
    if (fault.kind !== 'none') {
      beforeEarlyAnswer(req, res);
      injectFault(fault.kind, res, deps);
      return;
    }
    const body = await readJsonBody(req, BODY_LIMITS[match.route]);
    if (res.destroyed || deps.isClosed()) return;
    if (!body.ok) {
      // GUESS: the status code for an oversized body is undocumented; 413.
      if (body.code === 413) {
        // Keep nothing more: answer, then close the connection (lingering, so the answer arrives).
        lingerOnClose(req);
        send(res, 413, { error: body.message }, { Connection: 'close' });
      } else {
        send(res, body.code, { error: body.message });
      }
      return;
    }
    const base = {
      req,
      res,
      engine: deps.engine,
      longPolls: deps.longPolls,
      send: deps.send,
      stats,
      maxQueuedJobs: deps.maxQueuedJobs,
      endpointId: match.endpointId,
      body: body.value,
      query: url.searchParams,
    };
    ROUTE_HANDLERS[match.route](match.jobId === undefined ? base : { ...base, jobId: match.jobId });
  };
  return (req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent && !res.destroyed) {
        deps.send(res, 500, { error: `internal emulator error: ${err instanceof Error ? err.message : String(err)}` });
      } else {
        res.destroy();
      }
    });
  };
}
