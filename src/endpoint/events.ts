import type { RouteName } from '../transport/transport.js';

/**
 * What an endpoint reports through `onEvent`: for logs and metrics. Events carry methods, paths,
 * statuses and timings; never headers, bodies or the API key.
 * @category events
 */
export type RunpodEvent =
  | {
      readonly type: 'request';
      readonly route: RouteName;
      readonly method: string;
      readonly path: string;
      /** 0 for the first try, then 1, 2, … for retries. */
      readonly attempt: number;
    }
  | {
      readonly type: 'response';
      readonly route: RouteName;
      readonly method: string;
      readonly path: string;
      readonly status: number;
      /** Time from request to response, on the endpoint's scheduler. */
      readonly elapsedMs: number;
    }
  | {
      readonly type: 'retry';
      readonly route: RouteName;
      readonly path: string;
      /** 1 for the first retry. */
      readonly retry: number;
      readonly delayMs: number;
      /** `name: message` of the error that caused it. */
      readonly reason: string;
    }
  | {
      /**
       * A creating call learnt the id of its job: `run`, `submit` (route `run`), `runSync` (route
       * `runsync`, or `run` when its deadline was too short for a runsync wait), `retry`. Persist
       * it to find the job again after a crash (see docs/cancellation.md).
       */
      readonly type: 'job-created';
      readonly route: 'run' | 'runsync' | 'retry';
      readonly jobId: string;
    }
  | {
      /** An owned job was abandoned before a terminal state; its POST /cancel was queued. */
      readonly type: 'cancel-on-abandon';
      readonly jobId: string;
    }
  | {
      /**
       * Chunks that an unsubscribed `stream(id)` had drained from the server were dropped unseen:
       * they waited longer than `streamHold.maxAge`, or the hold passed `streamHold.maxBytes`.
       */
      readonly type: 'stream-chunks-dropped';
      readonly jobId: string;
      /** How many chunks were dropped. */
      readonly chunks: number;
      readonly reason: 'expired' | 'max-bytes';
    }
  | {
      /**
       * The cancel of an abandoned job gave up (a refusal that is not transient, or `cancelPatience`
       * ran out): the job may still be running.
       */
      readonly type: 'cancel-failed';
      readonly jobId: string;
      /** `name: message` of the last error. */
      readonly reason: string;
    };
