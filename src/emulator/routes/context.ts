import { errorAnswer, type Answer, type RouteReply } from '../answer.js';
import type { Engine } from '../engine.js';
import type { JobRecord } from '../job.js';
import type { LongPolls } from '../long-poll.js';
import type { StatsCollector } from '../stats.js';

/** Everything a route handler needs for one request; no transport in it. */
export interface RouteContext {
  readonly engine: Engine;
  readonly longPolls: LongPolls;
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

/** A route handler: returns its answer, now or held. */
export type RouteHandler = (ctx: RouteContext) => RouteReply;

/** The answer to a job id the endpoint does not know (or no longer keeps). */
export const JOB_NOT_FOUND: Answer = errorAnswer(404, 'job not found');

/** The job named in the path, if the endpoint has it. */
export function findJob(ctx: RouteContext): JobRecord | undefined {
  return ctx.jobId === undefined ? undefined : ctx.engine.store.get(ctx.jobId, ctx.endpointId);
}
