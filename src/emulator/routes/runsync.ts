import { isTerminal } from '../../codecs/job-status.js';
import { errorAnswer } from '../answer.js';
import { parseJobRequest } from '../job-request.js';
import type { RouteHandler } from './context.js';
import { queueFull, refuseWhenQueueFull, RETAINED_BYTES_FULL } from './queue-full.js';
import { answerWhen, readWait } from './waits.js';

/**
 * `POST /runsync?wait=ms`: queues a job (`sync-…` id) and holds the request until
 * it is terminal (full status body) or `wait` runs out (`{id, status}`).
 */
export const runsyncRoute: RouteHandler = (ctx) => {
  const wait = readWait(ctx, 'runsync');
  if (typeof wait !== 'number') return wait;
  const parsed = parseJobRequest(ctx.body);
  if (!parsed.ok) return errorAnswer(400, parsed.message);
  const full = refuseWhenQueueFull(ctx);
  if (full) return full;
  const job = ctx.engine.submit(ctx.endpointId, parsed.value, true);
  if (!job) return queueFull(RETAINED_BYTES_FULL);
  // A job still queued or running when the wait ends answers with its id and status only.
  return answerWhen(
    ctx,
    job,
    wait,
    (j) => isTerminal(j.status),
    (j) => (isTerminal(j.status) ? ctx.engine.body(j) : { id: j.id, status: j.status }),
  );
};
