import { routeGroupOf } from '../runpod-rules.js';
import type { RouteName } from '../transport/transport.js';
import { errorAnswer, type Answer, type RouteReply } from './answer.js';
import type { Engine } from './engine.js';
import { MAX_JSON_DEPTH, nestedDeeperThan } from './json-value.js';
import type { LongPolls } from './long-poll.js';
import type { RateLimiter } from './rate-limiter.js';
import { matchRoute } from './router.js';
import { BODY_LIMITS, ROUTE_HANDLERS } from './routes/index.js';
import type { StatsCollector } from './stats.js';

/** A request as the simulated RunPod sees it, whatever carried it (HTTP, or the test kit's fake transport). */
export interface SimRequest {
  readonly method: string;
  /** `/v2/{endpointId}/{op}[/{jobId}]`, query included. */
  readonly path: string;
  /** The body's text; empty or absent for none. */
  readonly body?: string | undefined;
}

/** A request routed to one of RunPod's routes. */
export interface RoutedRequest {
  readonly route: RouteName;
  readonly endpointId: string;
  readonly jobId?: string;
  readonly query: URLSearchParams;
}

/** What routing decided: a route, a CORS preflight (answered by the HTTP pipeline), or an answer (404, 405). */
export type Routing =
  { kind: 'route'; request: RoutedRequest } | { kind: 'preflight' } | { kind: 'answer'; answer: Answer };

/** What the simulator needs. */
export interface SimulatorDeps {
  readonly engine: Engine;
  readonly longPolls: LongPolls;
  readonly stats: StatsCollector;
  /** RunPod's rate limits; absent when turned off. */
  readonly rateLimiter?: RateLimiter | undefined;
  /** Most queued jobs per endpoint (`Infinity`: no limit). */
  readonly maxQueuedJobs: number;
}

/** The 413 answer's message for a body over `limit` bytes. */
export function bodyTooLargeMessage(limit: number): string {
  return `request body exceeds ${limit} bytes`;
}

/** Parses a request body: `undefined` when empty, the 400 answer when it is not JSON or nests too deep. */
function parseBody(text: string | undefined): { ok: true; value: unknown } | { ok: false; answer: Answer } {
  if (text === undefined || text.trim().length === 0) return { ok: true, value: undefined };
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    return { ok: false, answer: errorAnswer(400, 'malformed JSON body') };
  }
  // GUESS: the cloud's nesting limit is undocumented; see MAX_JSON_DEPTH.
  if (nestedDeeperThan(value, MAX_JSON_DEPTH)) {
    return { ok: false, answer: errorAnswer(400, `JSON body nested deeper than ${MAX_JSON_DEPTH} levels`) };
  }
  return { ok: true, value };
}

/**
 * The simulated RunPod, transport-neutral: routing (404, 405), rate limits (429), body limits
 * and parsing (413, 400), then the route, whose answer comes now or held. The HTTP pipeline calls
 * its steps with its own checks between them (auth, concurrency, faults, body streaming); the
 * test kit's fake endpoint calls {@link Simulator.answer}, which runs them all.
 */
export class Simulator {
  /** @param deps the engine, long-polls, counters and limits. */
  constructor(private readonly deps: SimulatorDeps) {}

  /** Routes `method path` (counted in the request stats). */
  route(method: string, path: string): Routing {
    const { stats } = this.deps;
    let url: URL;
    try {
      url = new URL(path, 'http://emulator.local');
    } catch {
      stats.request('unknown');
      return { kind: 'answer', answer: errorAnswer(404, 'not found') };
    }
    if (method === 'OPTIONS') {
      stats.request('preflight');
      return { kind: 'preflight' };
    }
    const match = matchRoute(method, url.pathname);
    if (match.kind === 'notFound') {
      stats.request('unknown');
      return { kind: 'answer', answer: errorAnswer(404, `no route for ${method} ${url.pathname}`) };
    }
    stats.request(match.route);
    // GUESS: the cloud's answer to a known route with the wrong method is undocumented; 405 + Allow.
    if (match.kind === 'methodNotAllowed') {
      return {
        kind: 'answer',
        answer: errorAnswer(405, `method ${method} not allowed on ${match.route}`, { Allow: match.allow }),
      };
    }
    const { route, endpointId, jobId } = match;
    const query = url.searchParams;
    return {
      kind: 'route',
      request: jobId === undefined ? { route, endpointId, query } : { route, endpointId, jobId, query },
    };
  }

  /** The 429 when `request` passes its route group's rate limit (it is then not acted on); counts it otherwise. */
  rateLimit(request: RoutedRequest): Answer | undefined {
    const limiter = this.deps.rateLimiter;
    if (!limiter) return undefined;
    const decision = limiter.take(request.endpointId, routeGroupOf(request.route));
    if (decision.allowed) return undefined;
    this.deps.stats.data.rateLimited += 1;
    return errorAnswer(429, `rate limit exceeded for ${request.route} on endpoint ${request.endpointId}`, {
      'Retry-After': String(decision.retryAfterSeconds),
    });
  }

  /** The most bytes a body of `route` may have. */
  bodyLimit(route: RouteName): number {
    return BODY_LIMITS[route];
  }

  /**
   * Runs the route with the body's text (checked against {@link Simulator.bodyLimit} in UTF-8
   * bytes, then parsed): its answer, now or held.
   */
  reply(request: RoutedRequest, body: string | undefined): RouteReply {
    const limit = this.bodyLimit(request.route);
    // A transport that streams the body (HTTP) stops reading past the limit itself.
    if (body !== undefined && body.length > limit / 3 && new TextEncoder().encode(body).length > limit) {
      // GUESS: the status code for an oversized body is undocumented; 413.
      return errorAnswer(413, bodyTooLargeMessage(limit));
    }
    const parsed = parseBody(body);
    if (!parsed.ok) return parsed.answer;
    const { engine, longPolls, stats, maxQueuedJobs } = this.deps;
    const base = {
      engine,
      longPolls,
      stats,
      maxQueuedJobs,
      endpointId: request.endpointId,
      body: parsed.value,
      query: request.query,
    };
    return ROUTE_HANDLERS[request.route](request.jobId === undefined ? base : { ...base, jobId: request.jobId });
  }

  /** Every step in order: routing, rate limit, body, route. A preflight gets 404 (no CORS here). */
  answer(request: SimRequest): RouteReply {
    const routing = this.route(request.method, request.path);
    if (routing.kind === 'answer') return routing.answer;
    if (routing.kind === 'preflight') return errorAnswer(404, `no route for ${request.method} ${request.path}`);
    return this.rateLimit(routing.request) ?? this.reply(routing.request, request.body);
  }
}
