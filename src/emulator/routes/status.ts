import { isTerminal } from '../../codecs/job-status.js';
import { errorAnswer, okAnswer } from '../answer.js';
import { parseMs } from '../query.js';
import { findJob, JOB_NOT_FOUND, type RouteHandler } from './context.js';
import { answerWhen, heldJob } from './waits.js';

/** `GET|POST /status/{id}[?ttl=ms]`: the status body. */
export const statusRoute: RouteHandler = (ctx) => {
  const ttl = parseMs(ctx.query.get('ttl'));
  if (ttl !== undefined && Number.isNaN(ttl)) {
    return errorAnswer(400, '"ttl" must be a non-negative number of milliseconds');
  }
  const job = findJob(ctx);
  if (!job) return JOB_NOT_FOUND;
  if (ttl !== undefined) ctx.engine.shortenRetention(job, ttl);
  return okAnswer(ctx.engine.body(job));
};

/**
 * `GET|POST /status-sync/{id}?wait=ms`: holds until the job is terminal or `wait`
 * runs out, then answers the status body (404 if the job expired meanwhile).
 */
export const statusSyncRoute: RouteHandler = (ctx) => {
  const held = heldJob(ctx, 'status-sync');
  if (!('job' in held)) return held;
  return answerWhen(
    ctx,
    held.job,
    held.wait,
    (j) => isTerminal(j.status),
    (j) => ctx.engine.body(j),
  );
};
