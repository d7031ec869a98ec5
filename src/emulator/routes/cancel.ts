import { isTerminal } from '../../codecs/job-status.js';
import { findJob, type RouteHandler } from './context.js';

/**
 * `POST /cancel/{id}`: a queued job leaves the queue, a running job's handler is
 * aborted; answers the status body (`status: "CANCELLED"`). GUESS: cancelling a
 * job that is already terminal changes nothing and answers its current status
 * body with 200.
 */
export const cancelRoute: RouteHandler = (ctx) => {
  const job = findJob(ctx);
  if (!job) return;
  if (!isTerminal(job.status)) ctx.engine.cancel(job);
  ctx.send(ctx.res, 200, ctx.engine.body(job));
};
