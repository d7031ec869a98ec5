/**
 * RunPod's rules, in one place: rate and concurrency limits, payload sizes, execution-policy ranges,
 * long-poll waits, retention of finished jobs. The client (config, codecs, slot pools), the
 * operators (request budget), the emulator (pipeline, routes, engine) and the test kit's fake
 * endpoint all read them here, so a rule RunPod changes is changed once.
 *
 * The vocabulary they share lives beside it: route names in `src/transport/transport.ts`
 * ({@link RouteName}), job statuses and `isTerminal` in `src/codecs/job-status.ts`.
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

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const DAY = 86_400 * SECOND;

/**
 * RunPod's payload limits in bytes: /run "10 MB", /runsync "20 MB" (docs: "Send requests"), read as
 * decimal megabytes (10,000,000 and 20,000,000 bytes), the smaller, conservative reading of "MB".
 * The client refuses a larger body before sending (`EndpointConfig.payloadLimits` overrides them);
 * the emulator answers it with 413.
 * @category limits
 */
export const PAYLOAD_LIMITS: Readonly<Record<'run' | 'runsync', number>> = Object.freeze({
  run: 10_000_000,
  runsync: 20_000_000,
});

/** An accepted range of milliseconds and the value used when none is given. @category limits */
export interface MsRange {
  /** Smallest accepted value. */
  readonly min: number;
  /** Largest accepted value. */
  readonly max: number;
  /** The value when none is given. */
  readonly default: number;
}

/**
 * The execution policy's time fields (docs: "Send requests", execution policies): `executionTimeout`
 * 5 s to 7 days (default 10 min), `ttl` 10 s to 7 days (default 24 h). The client refuses a value out
 * of range before sending; the emulator answers it with 400.
 * @category limits
 */
export const POLICY_RANGES: Readonly<Record<'executionTimeout' | 'ttl', MsRange>> = Object.freeze({
  executionTimeout: Object.freeze({ min: 5 * SECOND, max: 7 * DAY, default: 10 * MINUTE }),
  ttl: Object.freeze({ min: 10 * SECOND, max: 7 * DAY, default: DAY }),
});

/** The routes that hold a request until something happens or `?wait=` runs out. @category limits */
export type LongPollRoute = Extract<RouteName, 'runsync' | 'status-sync' | 'stream'>;

/**
 * `?wait=` of the long-polls, in ms. `/runsync`: 1 s to 5 min, 90 s by default (RunPod's documented
 * range). GUESS: `/status-sync` and `/stream` document no range; the 5 min maximum is assumed for
 * them too, `/status-sync` holds 90 s by default (the JS and Go SDKs send at most 90 s) and
 * `/stream` 3 s (so wait-less clients such as runpod-sdk do not spin).
 * @category limits
 */
export const LONG_POLL_WAITS: Readonly<Record<LongPollRoute, MsRange>> = Object.freeze({
  runsync: Object.freeze({ min: SECOND, max: 5 * MINUTE, default: 90 * SECOND }),
  'status-sync': Object.freeze({ min: 0, max: 5 * MINUTE, default: 90 * SECOND }),
  stream: Object.freeze({ min: 0, max: 5 * MINUTE, default: 3 * SECOND }),
});

/**
 * How long RunPod keeps a finished job's result before `/status` answers 404: 30 min for a `/run`
 * job, 60 s for a `/runsync` job (docs: "Job operations").
 * @category limits
 */
export const RUNPOD_RETENTION: Readonly<Record<'run' | 'runsync', number>> = Object.freeze({
  run: 30 * MINUTE,
  runsync: 60 * SECOND,
});

/**
 * How long a long-poll holds when asked to wait `wait` ms: the route's default when no wait is
 * given, otherwise the wait brought into the route's range of {@link LONG_POLL_WAITS}.
 * @category limits
 */
export function longPollHold(route: LongPollRoute, wait: number | undefined): number {
  const range = LONG_POLL_WAITS[route];
  return wait === undefined ? range.default : Math.min(range.max, Math.max(range.min, wait));
}
