import { isTerminal } from '../../codecs/job-status.js';
import type { RouteHandler } from './context.js';
import { answerWhen, heldJob } from './waits.js';

/**
 * `GET|POST /stream/{id}?wait=ms`: holds until a chunk exists, the job is
 * terminal, or `wait` passes; answers `{id, status, stream: [...]}` and drains
 * the chunks it returns.
 */
export const streamRoute: RouteHandler = (ctx) => {
  const held = heldJob(ctx, 'stream');
  if (!('job' in held)) return held;
  return answerWhen(
    ctx,
    held.job,
    held.wait,
    (j) => j.streamBuffer.length > 0 || isTerminal(j.status),
    (j) => {
      const stream = j.streamBuffer;
      j.streamBuffer = [];
      const body: Record<string, unknown> = { id: j.id, status: j.status, stream };
      // GUESS: the cloud's stream body has no documented `error`; the emulator adds it for FAILED jobs.
      if (j.status === 'FAILED' && j.error !== undefined) body.error = j.error;
      return body;
    },
  );
};
