import { errorAnswer, type Answer } from '../answer.js';
import type { JobRecord } from '../job.js';
import { parseJobRequest } from '../job-request.js';
import type { RouteContext } from './context.js';

/**
 * Default of `maxQueuedJobs`. GUESS: RunPod documents no queue capacity for `/run` today; its batch
 * API documents "50,000 queued requests per endpoint", and its rule until 2025-10 was a 429 once
 * the queue held more than 50 jobs and more than 500 per maximum worker.
 */
export const DEFAULT_MAX_QUEUED_JOBS = 50_000;

/** Retry-After (s) of a full-queue 429. GUESS: undocumented. */
const QUEUE_FULL_RETRY_AFTER_S = 1;

/**
 * The 429 when the endpoint's queue already holds `maxQueuedJobs` jobs (so that no job is
 * created), or `undefined` when there is room.
 */
function refuseWhenQueueFull(ctx: RouteContext): Answer | undefined {
  if (ctx.engine.endpoint(ctx.endpointId).queued < ctx.maxQueuedJobs) return undefined;
  ctx.stats.data.queueFull += 1;
  return queueFull(`endpoint ${ctx.endpointId} already has ${ctx.maxQueuedJobs} queued jobs`);
}

/**
 * The 429 of a full queue, for both reasons: too many queued jobs, or inputs of live jobs that
 * would pass `maxRetainedBytes` (the engine refuses those and counts them).
 */
function queueFull(reason: string): Answer {
  return errorAnswer(429, `queue full: ${reason}`, { 'Retry-After': String(QUEUE_FULL_RETRY_AFTER_S) });
}

/** Why the engine refused a job: its input would not fit. */
const RETAINED_BYTES_FULL = 'the inputs of queued and running jobs would pass maxRetainedBytes';

/**
 * The job `/run` (`sync` false) or `/runsync` (`sync` true) creates from the body, or the answer
 * refusing it: 400 for a bad body, 429 when the queue is full or its input would not fit.
 */
export function submitJob(ctx: RouteContext, sync: boolean): JobRecord | Answer {
  const parsed = parseJobRequest(ctx.body);
  if (!parsed.ok) return errorAnswer(400, parsed.message);
  const full = refuseWhenQueueFull(ctx);
  if (full) return full;
  return ctx.engine.submit(ctx.endpointId, parsed.value, sync) ?? queueFull(RETAINED_BYTES_FULL);
}
