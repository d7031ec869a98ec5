import { errorAnswer, okAnswer } from '../answer.js';
import { findJob, JOB_NOT_FOUND, type RouteHandler } from './context.js';

/**
 * `POST /retry/{id}`: requeues a FAILED or TIMED_OUT job under the same id.
 * GUESS: any other state answers 400 `{"error": ...}`.
 */
export const retryRoute: RouteHandler = (ctx) => {
  const job = findJob(ctx);
  if (!job) return JOB_NOT_FOUND;
  const status = job.status;
  if (!ctx.engine.retry(job))
    return errorAnswer(400, `only FAILED or TIMED_OUT jobs can be retried (job is ${status})`);
  return okAnswer({ id: job.id, status: 'IN_QUEUE' });
};
