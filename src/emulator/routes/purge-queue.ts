import { okAnswer } from '../answer.js';
import type { RouteHandler } from './context.js';

/** `POST /purge-queue`: removes queued jobs only; `{removed, status: "completed"}`. */
export const purgeQueueRoute: RouteHandler = (ctx) =>
  okAnswer({ removed: ctx.engine.purge(ctx.endpointId), status: 'completed' });
