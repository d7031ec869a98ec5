/**
 * Locks the public surface of the four entry points: adding, renaming or removing an export is a
 * deliberate change of this list (and of the changelog), never an accident.
 */
import * as root from 'runpod-rx';
import * as emulator from 'runpod-rx/emulator';
import * as operators from 'runpod-rx/operators';
import * as testing from 'runpod-rx/testing';
import * as node from 'runpod-rx/node';
import * as webhooks from 'runpod-rx/webhooks';

const names = (module: object) => Object.keys(module).sort();

describe('public exports', () => {
  it('runpod-rx', () => {
    expect(names(root)).toEqual([
      'ConfigError',
      'DEFAULT_BASE_URL',
      'DecodeError',
      'EndpointHealthCodec',
      'HttpError',
      'InvalidInputError',
      'JobCancelledError',
      'JobFailedError',
      'JobStateCodec',
      'JobStatus',
      'JobTimedOutError',
      'NetworkError',
      'NotFoundError',
      'PayloadTooLargeError',
      'PurgeQueueResponseCodec',
      'RUNPOD_CONCURRENCY',
      'RunResponse',
      'RunpodError',
      'StreamChunkCodec',
      'StreamResponse',
      'ThrottledError',
      'TimeoutError',
      'UnauthorizedError',
      'createEndpoint',
      'createFetchTransport',
      'isConfigError',
      'isDecodeError',
      'isHttpError',
      'isInvalidInputError',
      'isJobCancelledError',
      'isJobFailedError',
      'isJobTimedOutError',
      'isNetworkError',
      'isNotFoundError',
      'isPayloadTooLargeError',
      'isRunpodError',
      'isTerminal',
      'isThrottledError',
      'isTimeoutError',
      'isUnauthorizedError',
      'jobEndedError',
    ]);
  });

  it('runpod-rx/operators (and no operator leaks into the root)', () => {
    expect(names(operators)).toEqual([
      'RUNPOD_RATE_LIMITS',
      'RUNPOD_RATE_WINDOW',
      'budgetBucketOf',
      'createRequestBudget',
      'fanOut',
      'pollUntilTerminal',
      'retryOnThrottle',
      'selectOutput',
      'takeUntilTerminal',
      'throwOnJobFailure',
    ]);
    for (const name of names(operators)) expect(names(root)).not.toContain(name);
  });

  it('runpod-rx/testing', () => {
    expect(names(testing)).toEqual([
      'completedJob',
      'createFakeEndpoint',
      'createFakeTransport',
      'createTestScheduler',
      'deepEqual',
      'endlessJob',
      'failedJob',
      'findDifference',
      'jobTimeline',
      'json',
      'streamingJob',
      'text',
      'throttled',
    ]);
  });

  it('runpod-rx/emulator', () => {
    expect(names(emulator)).toEqual([
      'DEFAULT_MAX_RETAINED_BYTES',
      'DEFAULT_WORKERS',
      'ENDPOINT_IDLE_MS',
      'MOCK_DEFAULT_RETURN',
      'MOCK_ERROR_TEXT',
      'RUNPOD_RATE_LIMITS',
      'RUNPOD_RATE_WINDOW',
      'RUNPOD_RETENTION',
      'WorkerCrash',
      'createManualClock',
      'isWorkerCrash',
      'mockWorker',
      'realClock',
      'startEmulator',
    ]);
  });

  it('runpod-rx/webhooks', () => {
    expect(names(webhooks)).toEqual(['createWebhookReceiver']);
  });

  it('runpod-rx/node', () => {
    expect(names(node)).toEqual(['createNodeHttpTransport']);
  });
});
