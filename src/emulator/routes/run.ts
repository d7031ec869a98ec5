import { okAnswer } from '../answer.js';
import type { RouteHandler } from './context.js';
import { submitJob } from './submit.js';

/** `POST /run`: queues a job and answers `{id, status: "IN_QUEUE"}` at once (429 when the queue is full). */
export const runRoute: RouteHandler = (ctx) => {
  const job = submitJob(ctx, false);
  return 'id' in job ? okAnswer({ id: job.id, status: job.acceptedStatus }) : job;
};
