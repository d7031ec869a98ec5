/**
 * runpod-rx: RunPod Serverless endpoints where every operation is a cold RxJS Observable.
 *
 * Operators live in `runpod-rx/operators`, the marble-test kit in `runpod-rx/testing`, the local
 * emulator in `runpod-rx/emulator`.
 * @packageDocumentation
 */
export { createEndpoint } from './endpoint/create-endpoint.js';
export type {
  CallOptions,
  Endpoint,
  OwnedJobOptions,
  StreamOptions,
  SubmitOptions,
  WatchOptions,
} from './endpoint/endpoint.js';
export { DEFAULT_BASE_URL } from './endpoint/config.js';
export type {
  CancelRateLimit,
  EndpointCodecs,
  EndpointConfig,
  PollingPolicy,
  RateLimit,
  RetryPolicy,
} from './endpoint/config.js';
export type { StreamHoldPolicy } from './endpoint/stream-hold.js';
export { RUNPOD_CONCURRENCY } from './runpod-rules.js';
export type { ConcurrencyGroup, RouteGroup } from './runpod-rules.js';
export type { RunpodEvent } from './endpoint/events.js';
export type { WebhookCompletions } from './endpoint/webhook-completions.js';
export { createFetchTransport } from './transport/fetch-transport.js';
export type { FetchLike, FetchTransportConfig } from './transport/fetch-transport.js';
export type { HttpRequest, HttpResponse, RouteName, Transport } from './transport/transport.js';
export { JobStatus, isTerminal } from './codecs/job-status.js';
export type { TerminalStatus } from './codecs/job-status.js';
export { JobStateCodec } from './codecs/job-state.js';
export type { CompletedOutput, JobFields, JobState } from './codecs/job-state.js';
export type { OptionalFields } from './optional-fields.js';
export {
  EndpointHealthCodec,
  PurgeQueueResponseCodec,
  RunResponse,
  StreamChunkCodec,
  StreamResponse,
} from './codecs/responses.js';
export type { EndpointHealth, PurgeQueueResponse, StreamChunk } from './codecs/responses.js';
export type { ExecutionPolicy, JobRequest, S3Config } from './codecs/job-request.js';
export {
  ConfigError,
  DecodeError,
  HttpError,
  InvalidInputError,
  JobCancelledError,
  JobFailedError,
  JobTimedOutError,
  NetworkError,
  NotFoundError,
  PayloadTooLargeError,
  RunpodError,
  ThrottledError,
  TimeoutError,
  UnauthorizedError,
  isConfigError,
  isDecodeError,
  isHttpError,
  isInvalidInputError,
  isJobCancelledError,
  isJobFailedError,
  isJobTimedOutError,
  isNetworkError,
  isNotFoundError,
  isPayloadTooLargeError,
  isRunpodError,
  isThrottledError,
  isTimeoutError,
  isUnauthorizedError,
  jobEndedError,
} from './errors.js';
export type { JobFailureDetails, RequestInfo, RunpodErrorName } from './errors.js';
