import { parseJobRequest } from '../job-request.js';
import { sendError, type RouteHandler } from './context.js';
import { answerQueueFull, refuseWhenQueueFull, RETAINED_BYTES_FULL } from './queue-full.js';

/** `POST /run`: queues a job and answers `{id, status: "IN_QUEUE"}` at once (429 when the queue is full). */
export const runRoute: RouteHandler = (ctx) => {
  const parsed = parseJobRequest(ctx.body);
  if (!parsed.ok) {
    sendError(ctx, 400, parsed.message);
    return;
  }
  if (refuseWhenQueueFull(ctx)) return;
  const job = ctx.engine.submit(ctx.endpointId, parsed.value, false);
  if (!job) {
    answerQueueFull(ctx, RETAINED_BYTES_FULL);
    return;
  }
  ctx.send(ctx.res, 200, { id: job.id, status: 'IN_QUEUE' });
};
