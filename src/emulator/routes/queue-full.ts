import { errorAnswer, type Answer } from '../answer.js';
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
export function refuseWhenQueueFull(ctx: RouteContext): Answer | undefined {
  if (ctx.engine.endpoint(ctx.endpointId).queued < ctx.maxQueuedJobs) return undefined;
  ctx.stats.data.queueFull += 1;
  return queueFull(`endpoint ${ctx.endpointId} already has ${ctx.maxQueuedJobs} queued jobs`);
}

/**
 * The 429 of a full queue, for both reasons: too many queued jobs, or inputs of live jobs that
 * would pass `maxRetainedBytes` (the engine refuses those and counts them).
 */
export function queueFull(reason: string): Answer {
  return errorAnswer(429, `queue full: ${reason}`, { 'Retry-After': String(QUEUE_FULL_RETRY_AFTER_S) });
}

/** Why the engine refused a job: its input would not fit. */
export const RETAINED_BYTES_FULL = 'the inputs of queued and running jobs would pass maxRetainedBytes';
