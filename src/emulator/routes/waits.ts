import { longPollHold, type LongPollRoute } from '../../runpod-rules.js';
import { errorAnswer, okAnswer, type Answer, type RouteReply } from '../answer.js';
import type { JobRecord } from '../job.js';
import { parseMs } from '../query.js';
import { findJob, JOB_NOT_FOUND, type RouteContext } from './context.js';

/**
 * Reads `?wait=` (ms) of a long-poll: the hold RunPod's rules give it (`longPollHold` of
 * `src/runpod-rules.ts`: the route's default when absent, otherwise brought into its range),
 * or the 400 answer when it is not a non-negative number.
 */
export function readWait(ctx: RouteContext, route: LongPollRoute): number | Answer {
  const wait = parseMs(ctx.query.get('wait'));
  // GUESS: the cloud's answer to a malformed wait is undocumented; the emulator says 400.
  if (Number.isNaN(wait)) return errorAnswer(400, '"wait" must be a non-negative number of milliseconds');
  return longPollHold(route, wait);
}

/**
 * Holds the answer until `ready(job)` or `wait` ms, then answers 200 with `body(job)`, or 404 when
 * the job was deleted meanwhile (ttl or retention). GUESS: the cloud answers a long-poll on a job
 * deleted during the wait with 404, as it answers `/status`.
 */
export function answerWhen(
  ctx: RouteContext,
  job: JobRecord,
  wait: number,
  ready: (job: JobRecord) => boolean,
  body: (job: JobRecord) => unknown,
): RouteReply {
  return ctx.longPolls.hold(job, wait, ready, () => (job.deleted ? JOB_NOT_FOUND : okAnswer(body(job))));
}

/**
 * The wait and the job of a long-poll on an existing job (`/status-sync`, `/stream`), or the
 * answer refusing it: 400 for a bad `?wait=`, 404 for an unknown job.
 */
export function heldJob(ctx: RouteContext, route: LongPollRoute): { wait: number; job: JobRecord } | Answer {
  const wait = readWait(ctx, route);
  if (typeof wait !== 'number') return wait;
  const job = findJob(ctx);
  return job ? { wait, job } : JOB_NOT_FOUND;
}
