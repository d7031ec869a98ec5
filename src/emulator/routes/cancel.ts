import { isTerminal } from '../../codecs/job-status.js';
import { okAnswer } from '../answer.js';
import { findJob, JOB_NOT_FOUND, type RouteHandler } from './context.js';

/**
 * `POST /cancel/{id}`: a queued job leaves the queue, a running job's handler is
 * aborted; answers the status body (`status: "CANCELLED"`). GUESS: cancelling a
 * job that is already terminal changes nothing and answers its current status
 * body with 200.
 */
export const cancelRoute: RouteHandler = (ctx) => {
  const job = findJob(ctx);
  if (!job) return JOB_NOT_FOUND;
  if (!isTerminal(job.status)) ctx.engine.cancel(job);
  return okAnswer(ctx.engine.body(job));
};
