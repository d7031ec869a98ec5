import type { RouteHandler } from './context.js';

/** `GET /health`: job and worker counters of the endpoint. */
export const healthRoute: RouteHandler = (ctx) => {
  ctx.send(ctx.res, 200, ctx.engine.health(ctx.endpointId));
};
