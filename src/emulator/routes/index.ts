import { PAYLOAD_LIMITS } from '../../runpod-rules.js';
import type { RouteName } from '../../transport/transport.js';
import { cancelRoute } from './cancel.js';
import type { RouteHandler } from './context.js';
import { healthRoute } from './health.js';
import { purgeQueueRoute } from './purge-queue.js';
import { retryRoute } from './retry.js';
import { runRoute } from './run.js';
import { runsyncRoute } from './runsync.js';
import { statusRoute, statusSyncRoute } from './status.js';
import { streamRoute } from './stream.js';

/** Handler of every route. */
export const ROUTE_HANDLERS: Readonly<Record<RouteName, RouteHandler>> = {
  run: runRoute,
  runsync: runsyncRoute,
  status: statusRoute,
  'status-sync': statusSyncRoute,
  stream: streamRoute,
  cancel: cancelRoute,
  retry: retryRoute,
  'purge-queue': purgeQueueRoute,
  health: healthRoute,
};

/**
 * Body size limits: RunPod's "10 MB" (/run) and "20 MB" (/runsync), the `PAYLOAD_LIMITS` of
 * `src/runpod-rules.ts` that the client checks too; 1 MiB elsewhere (an emulator cap: RunPod
 * documents none). GUESS: the cloud may count MiB, and so accept up to 4.9 % more.
 */
export const BODY_LIMITS: Readonly<Record<RouteName, number>> = {
  run: PAYLOAD_LIMITS.run,
  runsync: PAYLOAD_LIMITS.runsync,
  status: 1024 * 1024,
  'status-sync': 1024 * 1024,
  stream: 1024 * 1024,
  cancel: 1024 * 1024,
  retry: 1024 * 1024,
  'purge-queue': 1024 * 1024,
  health: 1024 * 1024,
};
