import type { RouteHandler } from './context.js';

/** `POST /purge-queue`: removes queued jobs only; `{removed, status: "completed"}`. */
export const purgeQueueRoute: RouteHandler = (ctx) => {
  const removed = ctx.engine.purge(ctx.endpointId);
  ctx.send(ctx.res, 200, { removed, status: 'completed' });
};
