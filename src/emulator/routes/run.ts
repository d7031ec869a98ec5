import { parseJobRequest } from '../job-request.js';
import { QUEUE_FULL_MESSAGE, sendError, type RouteHandler } from './context.js';

/** `POST /run`: queues a job and answers `{id, status: "IN_QUEUE"}` at once. */
export const runRoute: RouteHandler = (ctx) => {
  const parsed = parseJobRequest(ctx.body);
  if (!parsed.ok) {
    sendError(ctx, 400, parsed.message);
    return;
  }
  const job = ctx.engine.submit(ctx.endpointId, parsed.value, false);
  if (!job) {
    sendError(ctx, 429, QUEUE_FULL_MESSAGE);
    return;
  }
  ctx.send(ctx.res, 200, { id: job.id, status: 'IN_QUEUE' });
};
