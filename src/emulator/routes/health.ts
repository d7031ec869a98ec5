import { okAnswer } from '../answer.js';
import type { RouteHandler } from './context.js';

/** `GET /health`: job and worker counters of the endpoint. */
export const healthRoute: RouteHandler = (ctx) => okAnswer(ctx.engine.health(ctx.endpointId));
