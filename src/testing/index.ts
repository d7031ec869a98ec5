/**
 * runpod-rx/testing: marble-test your own RunPod pipelines in virtual time.
 *
 * - {@link createFakeEndpoint}: a real client over a fake endpoint that simulates jobs from
 *   timelines, with 429 scripts, rate limits and a request log.
 * - {@link createFakeTransport}: the bare scripted transport, for request-by-request scripts.
 * - Timelines: {@link jobTimeline} (marbles), {@link completedJob}, {@link failedJob},
 *   {@link streamingJob}, {@link endlessJob}.
 * - Responses: {@link json}, {@link throttled}, {@link text}.
 * - {@link createTestScheduler}: marbles compared with {@link deepEqual} (class-aware, like jest).
 * @packageDocumentation
 */
export { createFakeEndpoint } from './fake-endpoint.js';
export type { FakeEndpoint, FakeEndpointOptions, FakeRateLimits, ThrottleScript } from './fake-endpoint.js';
export { createFakeTransport } from './fake-transport.js';
export type {
  FakeHandler,
  FakeRequestState,
  FakeTransport,
  LoggedRequest,
  RequestMatcher,
  RequestSubscriptionLog,
} from './fake-transport.js';
export { json, text, throttled } from './responses.js';
export { deepEqual, findDifference } from './deep-equal.js';
export type { AsymmetricMatcher } from './deep-equal.js';
export { createTestScheduler } from './test-scheduler.js';
export { completedJob, endlessJob, failedJob, jobTimeline, streamingJob } from './timelines.js';
export type {
  CompletedJobOptions,
  EndlessJobOptions,
  FailedJobOptions,
  JobStep,
  JobTimeline,
  JobTimelineOptions,
  StreamingJobOptions,
  TimedChunk,
  TimedStep,
} from './timelines.js';
