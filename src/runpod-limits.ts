/**
 * RunPod's published per-endpoint limits, in one place: the client's concurrency slots, the
 * operators' request budget and the test kit's fake endpoint all read them from here.
 * @packageDocumentation
 */
import type { RouteName } from './transport/transport.js';

/**
 * The rate-limit groups of a RunPod endpoint: `status` is shared by `/status`, `/status-sync` and
 * `/stream`; every other route has its own.
 * @category limits
 */
export type RouteGroup = 'run' | 'runsync' | 'status' | 'cancel' | 'retry' | 'health' | 'purge-queue';

const GROUP_OF: Readonly<Record<RouteName, RouteGroup>> = {
  run: 'run',
  runsync: 'runsync',
  status: 'status',
  'status-sync': 'status',
  stream: 'status',
  cancel: 'cancel',
  retry: 'retry',
  health: 'health',
  'purge-queue': 'purge-queue',
};

/** The rate-limit group of a route. @category limits */
export function routeGroupOf(route: RouteName): RouteGroup {
  return GROUP_OF[route];
}

/** RunPod's rate window, in ms. @category limits */
export const RUNPOD_RATE_WINDOW = 10_000;

/**
 * Requests allowed per group per 10 s window (RunPod documents no limit for `/retry` and
 * `/health`: `Infinity`).
 * @category limits
 */
export const RUNPOD_RATE_LIMITS: Readonly<Record<RouteGroup, number>> = Object.freeze({
  run: 1000,
  runsync: 2000,
  status: 2000,
  cancel: 100,
  'purge-queue': 2,
  retry: Infinity,
  health: Infinity,
});

/** The groups whose concurrent requests RunPod limits. @category limits */
export type ConcurrencyGroup = 'run' | 'runsync' | 'status' | 'cancel';

/**
 * Requests allowed in flight at once per group: run 200, runsync 400, status (shared by status,
 * status-sync and stream) 400, cancel 20.
 * @category limits
 */
export const RUNPOD_CONCURRENCY: Readonly<Record<ConcurrencyGroup, number>> = Object.freeze({
  run: 200,
  runsync: 400,
  status: 400,
  cancel: 20,
});
