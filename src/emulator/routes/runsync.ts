import { isTerminal } from '../../codecs/job-status.js';
import type { RouteHandler } from './context.js';
import { submitJob } from './submit.js';
import { answerWhen, readWait } from './waits.js';

/**
 * `POST /runsync?wait=ms`: queues a job (`sync-…` id) and holds the request until
 * it is terminal (full status body) or `wait` runs out (`{id, status}`).
 */
export const runsyncRoute: RouteHandler = (ctx) => {
  const wait = readWait(ctx, 'runsync');
  if (typeof wait !== 'number') return wait;
  const job = submitJob(ctx, true);
  if (!('id' in job)) return job;
  // A job still queued or running when the wait ends answers with its id and status only.
  return answerWhen(
    ctx,
    job,
    wait,
    (j) => isTerminal(j.status),
    (j) => (isTerminal(j.status) ? ctx.engine.body(j) : { id: j.id, status: j.status }),
  );
};
