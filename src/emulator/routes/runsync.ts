import { isTerminal } from '../../codecs/job-status.js';
import { parseJobRequest } from '../job-request.js';
import { sendError, type RouteHandler } from './context.js';
import { answerQueueFull, refuseWhenQueueFull, RETAINED_BYTES_FULL } from './queue-full.js';
import { answerWhen, readWait } from './waits.js';

/**
 * `POST /runsync?wait=ms`: queues a job (`sync-…` id) and holds the request until
 * it is terminal (full status body) or `wait` runs out (`{id, status}`).
 */
export const runsyncRoute: RouteHandler = (ctx) => {
  const wait = readWait(ctx, 'runsync');
  if (wait === undefined) return;
  const parsed = parseJobRequest(ctx.body);
  if (!parsed.ok) {
    sendError(ctx, 400, parsed.message);
    return;
  }
  if (refuseWhenQueueFull(ctx)) return;
  const job = ctx.engine.submit(ctx.endpointId, parsed.value, true);
  if (!job) {
    answerQueueFull(ctx, RETAINED_BYTES_FULL);
    return;
  }
  // A job still queued or running when the wait ends answers with its id and status only.
  answerWhen(
    ctx,
    job,
    wait,
    (j) => isTerminal(j.status),
    (j) => (isTerminal(j.status) ? ctx.engine.body(j) : { id: j.id, status: j.status }),
  );
};
