import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Engine } from '../engine.js';
import type { JsonSender } from '../http-io.js';
import type { JobRecord } from '../job.js';
import type { LongPolls } from '../long-poll.js';
import type { StatsCollector } from '../stats.js';

/** Everything a route handler needs for one request. */
export interface RouteContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly engine: Engine;
  readonly longPolls: LongPolls;
  readonly send: JsonSender;
  readonly stats: StatsCollector;
  /** Most queued jobs per endpoint before `/run` and `/runsync` answer 429 (`Infinity`: no limit). */
  readonly maxQueuedJobs: number;
  readonly endpointId: string;
  /** The `{id}` path segment, for routes that have one. */
  readonly jobId?: string;
  /** Parsed JSON body (`undefined` when empty). */
  readonly body: unknown;
  readonly query: URLSearchParams;
}

/** A route handler. */
export type RouteHandler = (ctx: RouteContext) => void;

/**
 * Sends `{"error": message}` with `code`. GUESS: the cloud's error bodies are
 * undocumented; `{"error": "..."}` is what Runpod's own TS tools parse.
 */
export function sendError(ctx: RouteContext, code: number, message: string): void {
  ctx.send(ctx.res, code, { error: message });
}

/** The job named in the path, or a 404 already sent. */
export function findJob(ctx: RouteContext): JobRecord | undefined {
  const job = ctx.jobId === undefined ? undefined : ctx.engine.store.get(ctx.jobId, ctx.endpointId);
  if (!job) sendError(ctx, 404, 'job not found');
  return job;
}
