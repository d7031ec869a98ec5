import { errorAnswer, okAnswer } from '../answer.js';
import { parseJobRequest } from '../job-request.js';
import type { RouteHandler } from './context.js';
import { queueFull, refuseWhenQueueFull, RETAINED_BYTES_FULL } from './queue-full.js';

/** `POST /run`: queues a job and answers `{id, status: "IN_QUEUE"}` at once (429 when the queue is full). */
export const runRoute: RouteHandler = (ctx) => {
  const parsed = parseJobRequest(ctx.body);
  if (!parsed.ok) return errorAnswer(400, parsed.message);
  const full = refuseWhenQueueFull(ctx);
  if (full) return full;
  const job = ctx.engine.submit(ctx.endpointId, parsed.value, false);
  if (!job) return queueFull(RETAINED_BYTES_FULL);
  return okAnswer({ id: job.id, status: job.acceptedStatus });
};
