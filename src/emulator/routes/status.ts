import { parseMs } from '../http-io.js';
import { isTerminal } from '../../codecs/job-status.js';
import { findJob, sendError, type RouteHandler } from './context.js';
import { answerWhen, readWait } from './waits.js';

/** `GET|POST /status/{id}[?ttl=ms]`: the status body. */
export const statusRoute: RouteHandler = (ctx) => {
  const ttl = parseMs(ctx.query.get('ttl'));
  if (ttl !== undefined && Number.isNaN(ttl)) {
    sendError(ctx, 400, '"ttl" must be a non-negative number of milliseconds');
    return;
  }
  const job = findJob(ctx);
  if (!job) return;
  if (ttl !== undefined) ctx.engine.shortenRetention(job, ttl);
  ctx.send(ctx.res, 200, ctx.engine.body(job));
};

/**
 * `GET|POST /status-sync/{id}?wait=ms`: holds until the job is terminal or `wait`
 * runs out, then answers the status body (404 if the job expired meanwhile).
 */
export const statusSyncRoute: RouteHandler = (ctx) => {
  const wait = readWait(ctx, 'status-sync');
  if (wait === undefined) return;
  const job = findJob(ctx);
  if (!job) return;
  answerWhen(
    ctx,
    job,
    wait,
    (j) => isTerminal(j.status),
    (j) => ctx.engine.body(j),
  );
};
