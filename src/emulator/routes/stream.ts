import { isTerminal } from '../job.js';
import { findJob, sendError, type RouteHandler } from './context.js';
import { readWait } from './waits.js';

/**
 * Default hold of `/stream` when no `wait` is given (keeps wait-less clients such as
 * runpod-sdk from spinning). GUESS: the cloud's own hold is undocumented.
 */
export const STREAM_DEFAULT_WAIT_MS = 3_000;

/**
 * `GET|POST /stream/{id}?wait=ms`: holds until a chunk exists, the job is
 * terminal, or `wait` passes; answers `{id, status, stream: [...]}` and drains
 * the chunks it returns.
 */
export const streamRoute: RouteHandler = (ctx) => {
  const wait = readWait(ctx, STREAM_DEFAULT_WAIT_MS, 0);
  if (wait === undefined) return;
  const job = findJob(ctx);
  if (!job) return;
  ctx.longPolls.hold(
    ctx.res,
    job,
    wait,
    (j) => j.streamBuffer.length > 0 || isTerminal(j.status),
    () => {
      if (job.deleted) {
        sendError(ctx, 404, 'job not found');
        return;
      }
      const stream = job.streamBuffer;
      job.streamBuffer = [];
      const body: Record<string, unknown> = { id: job.id, status: job.status, stream };
      // GUESS: the cloud's stream body has no documented `error`; the emulator adds it for FAILED jobs.
      if (job.status === 'FAILED' && job.error !== undefined) body.error = job.error;
      ctx.send(ctx.res, 200, body);
    },
  );
};
