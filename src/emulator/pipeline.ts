import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { KeyCheck } from './auth.js';
import { CONCURRENCY_RETRY_AFTER_S, type ConcurrencyLimiter } from './concurrency-limiter.js';
import { answerPreflight, type CorsPolicy } from './cors.js';
import type { FaultDecision, FaultInjector } from './faults.js';
import type { HostCheck } from './host-check.js';
import { errorAnswer, type Answer } from './answer.js';
import { readBody, writeReply, type AnswerWriter } from './http-io.js';
import type { Simulator } from './simulator.js';
import type { StatsCollector } from './stats.js';
import type { TimerSet } from './timers.js';

/** Collaborators of the request pipeline. */
export interface PipelineDeps {
  /** The simulated RunPod: routing, rate limits, body parsing and the routes. */
  simulator: Simulator;
  stats: StatsCollector;
  timers: TimerSet;
  /** Writes an answer to a response (the only writer of JSON answers). */
  write: AnswerWriter;
  keyCheck: KeyCheck;
  /** Refuses a `Host` that does not name this server (DNS rebinding). */
  hostCheck: HostCheck;
  /** Which browser origins may read the answers. */
  cors: CorsPolicy;
  /** RunPod's concurrent-request limits; absent when turned off. */
  concurrency?: ConcurrencyLimiter;
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
      deps.write(res, errorAnswer(429, 'Too many requests (injected fault)', { 'Retry-After': '1' }));
      return;
    case 'serverError':
      deps.write(res, errorAnswer(500, 'Internal server error (injected fault)'));
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
  const { stats, simulator } = deps;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // Every answer below that comes before the body is read goes through `send`.
    const send = (answer: Answer): void => {
      beforeEarlyAnswer(req, res);
      deps.write(res, answer);
    };
    // Before anything else: a page on another site that re-points its name at this machine (DNS
    // rebinding) sends its own name as Host; a page whose origin is not allowed gets nothing.
    if (!deps.hostCheck(req.headers.host, req.socket.localPort)) {
      stats.request('refused');
      send(
        errorAnswer(
          403,
          'Host header does not name this emulator (DNS rebinding protection): use 127.0.0.1, localhost or [::1] with its port',
        ),
      );
      return;
    }
    if (!deps.cors.apply(req, res)) {
      stats.request('refused');
      send(errorAnswer(403, 'Origin not allowed by the emulator (add it to corsOrigins)'));
      return;
    }
    const method = req.method ?? 'GET';
    const routing = simulator.route(method, req.url ?? '/');
    if (routing.kind === 'preflight') {
      answerPreflight(res);
      stats.response(204);
      return;
    }
    if (routing.kind === 'answer') {
      send(routing.answer);
      return;
    }
    const request = routing.request;
    if (!deps.keyCheck(req.headers.authorization)) {
      send(errorAnswer(401, 'Unauthorized: missing or invalid API key'));
      return;
    }
    const limited = simulator.rateLimit(request);
    if (limited) {
      send(limited);
      return;
    }
    if (deps.concurrency) {
      const release = deps.concurrency.enter(request.endpointId, request.route);
      if (!release) {
        stats.data.concurrencyLimited += 1;
        send(
          errorAnswer(429, `too many concurrent ${request.route} requests on endpoint ${request.endpointId}`, {
            'Retry-After': String(CONCURRENCY_RETRY_AFTER_S),
          }),
        );
        return;
      }
      // Held until the answer is sent or the client goes away ('close' comes in both cases).
      res.once('close', release);
    }
    // Faults are decided before anything changes state: a faulted request is never executed.
    const fault = deps.faults.draw(request.route);
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
    const body = await readBody(req, simulator.bodyLimit(request.route));
    if (res.destroyed || deps.isClosed()) return;
    if (!body.ok) {
      // GUESS: the status code for an oversized body is undocumented; 413.
      if (body.code === 413) {
        // Keep nothing more: answer, then close the connection (lingering, so the answer arrives).
        lingerOnClose(req);
        send(errorAnswer(413, body.message, { Connection: 'close' }));
      } else {
        send(errorAnswer(body.code, body.message));
      }
      return;
    }
    writeReply(res, simulator.reply(request, body.text), deps.write);
  };
  return (req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent && !res.destroyed) {
        deps.write(
          res,
          errorAnswer(500, `internal emulator error: ${err instanceof Error ? err.message : String(err)}`),
        );
      } else {
        res.destroy();
      }
    });
  };
}
