import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Engine } from '../engine.js';
import type { JsonSender } from '../http-io.js';
import type { JobRecord } from '../job.js';
import type { LongPolls } from '../long-poll.js';

/** Everything a route handler needs for one request. */
export interface RouteContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly engine: Engine;
  readonly longPolls: LongPolls;
  readonly send: JsonSender;
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

/**
 * Error text of a `/run` or `/runsync` whose input would pass the emulator's retained-bytes cap.
 * GUESS: RunPod answers a full queue with 429 (its old rule counted jobs); the body and the
 * absence of `Retry-After` are the emulator's choice.
 */
export const QUEUE_FULL_MESSAGE = 'queue full: the inputs of queued and running jobs would pass maxRetainedBytes';

/** The job named in the path, or a 404 already sent. */
export function findJob(ctx: RouteContext): JobRecord | undefined {
  const job = ctx.jobId === undefined ? undefined : ctx.engine.store.get(ctx.jobId, ctx.endpointId);
  if (!job) sendError(ctx, 404, 'job not found');
  return job;
}
