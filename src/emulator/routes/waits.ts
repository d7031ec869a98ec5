import { longPollHold, type LongPollRoute } from '../../runpod-rules.js';
import { parseMs } from '../http-io.js';
import type { JobRecord } from '../job.js';
import { sendError, type RouteContext } from './context.js';

/**
 * Reads `?wait=` (ms) of a long-poll: the hold RunPod's rules give it (`longPollHold` of
 * `src/runpod-rules.ts`: the route's default when absent, otherwise brought into its range).
 * Sends 400 and returns `undefined` when it is not a non-negative number.
 */
export function readWait(ctx: RouteContext, route: LongPollRoute): number | undefined {
  const wait = parseMs(ctx.query.get('wait'));
  if (Number.isNaN(wait)) {
    // GUESS: the cloud's answer to a malformed wait is undocumented; the emulator says 400.
    sendError(ctx, 400, '"wait" must be a non-negative number of milliseconds');
    return undefined;
  }
  return longPollHold(route, wait);
}

/**
 * Holds the request until `ready(job)` or `wait` ms, then answers 200 with `body(job)`, or 404 when
 * the job was deleted meanwhile (ttl or retention). GUESS: the cloud answers a long-poll on a job
 * deleted during the wait with 404, as it answers `/status`.
 */
export function answerWhen(
  ctx: RouteContext,
  job: JobRecord,
  wait: number,
  ready: (job: JobRecord) => boolean,
  body: (job: JobRecord) => unknown,
): void {
  ctx.longPolls.hold(ctx.res, job, wait, ready, () => {
    if (job.deleted) sendError(ctx, 404, 'job not found');
    else ctx.send(ctx.res, 200, body(job));
  });
}
