import { InvalidInputError, isRunpodError, PayloadTooLargeError } from '../errors.js';
import { toJson } from '../internal/to-json.js';

/**
 * Per-job execution policy (all times in ms, as RunPod takes them).
 * @category requests
 */
export interface ExecutionPolicy {
  /** Maximum handler run time; RunPod allows 5 s to 7 days (default 10 min). */
  readonly executionTimeout?: number | undefined;
  /** When true the job does not trigger worker scale-up. */
  readonly lowPriority?: boolean | undefined;
  /** Total lifetime from submission, after which the job is deleted; 10 s to 7 days (default 24 h). */
  readonly ttl?: number | undefined;
}

/**
 * Where a worker may upload large results. Passed through to the worker, never echoed back.
 * @category requests
 */
export interface S3Config {
  readonly accessId: string;
  readonly accessSecret: string;
  readonly bucketName: string;
  readonly endpointUrl: string;
  readonly objectPath?: string | undefined;
}

/**
 * The body of `/run` and `/runsync`.
 * @category requests
 */
export interface JobRequest<I = unknown> {
  /** Handed to the worker as `job.input`. Must be JSON-serialisable. */
  readonly input: I;
  /** URL RunPod POSTs the final status body to. */
  readonly webhook?: string | undefined;
  readonly policy?: ExecutionPolicy | undefined;
  readonly s3Config?: S3Config | undefined;
}

const SECOND = 1000;
const DAY = 86_400 * SECOND;
const POLICY_RANGES = {
  executionTimeout: [5 * SECOND, 7 * DAY],
  ttl: [10 * SECOND, 7 * DAY],
} as const;

/**
 * RunPod's payload limits in bytes: /run "10 MB", /runsync "20 MB" (docs: "Send requests"), read as
 * decimal megabytes (10,000,000 and 20,000,000 bytes), the smaller, conservative reading of "MB".
 * `EndpointConfig.payloadLimits` overrides them.
 */
export const PAYLOAD_LIMITS: Readonly<Record<'run' | 'runsync', number>> = Object.freeze({
  run: 10_000_000,
  runsync: 20_000_000,
});

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function checkPolicy(policy: ExecutionPolicy): ExecutionPolicy {
  if (!isPlainObject(policy as unknown)) throw new InvalidInputError('policy must be an object');
  for (const field of ['executionTimeout', 'ttl'] as const) {
    const value = policy[field];
    if (value === undefined) continue;
    const [min, max] = POLICY_RANGES[field];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new InvalidInputError(`policy.${field} must be a whole number of ms from ${min} to ${max}`);
    }
  }
  if (policy.lowPriority !== undefined && typeof policy.lowPriority !== 'boolean') {
    throw new InvalidInputError('policy.lowPriority must be a boolean');
  }
  return {
    ...(policy.executionTimeout !== undefined && { executionTimeout: policy.executionTimeout }),
    ...(policy.lowPriority !== undefined && { lowPriority: policy.lowPriority }),
    ...(policy.ttl !== undefined && { ttl: policy.ttl }),
  };
}

function checkS3Config(config: S3Config): S3Config {
  if (!isPlainObject(config as unknown)) throw new InvalidInputError('s3Config must be an object');
  for (const field of ['accessId', 'accessSecret', 'bucketName', 'endpointUrl'] as const) {
    if (typeof config[field] !== 'string') throw new InvalidInputError(`s3Config.${field} must be a string`);
  }
  if (config.objectPath !== undefined && typeof config.objectPath !== 'string') {
    throw new InvalidInputError('s3Config.objectPath must be a string');
  }
  return config;
}

/** Runs the endpoint's input encoder; whatever it throws becomes an {@link InvalidInputError}. */
function encode(encodeInput: (input: unknown) => unknown, input: unknown): unknown {
  try {
    return encodeInput(input);
  } catch (error) {
    if (isRunpodError(error)) throw error;
    const text = error instanceof Error ? error.message : String(error);
    throw new InvalidInputError(`codecs.input could not encode the input: ${text}`);
  }
}

/**
 * Validates a job request and encodes it as the JSON body RunPod expects, keeping only the
 * documented fields. Throws {@link InvalidInputError} or {@link PayloadTooLargeError}.
 */
export function encodeJobRequest(
  request: JobRequest<unknown>,
  encodeInput: (input: unknown) => unknown,
  limitBytes: number,
): string {
  if (typeof request !== 'object' || request === null || !('input' in request) || request.input === undefined) {
    throw new InvalidInputError('a job request needs an `input` field');
  }
  if (request.webhook !== undefined && typeof request.webhook !== 'string') {
    throw new InvalidInputError('webhook must be a URL string');
  }
  const body = {
    input: encode(encodeInput, request.input),
    ...(request.webhook !== undefined && { webhook: request.webhook }),
    ...(request.policy !== undefined && { policy: checkPolicy(request.policy) }),
    ...(request.s3Config !== undefined && { s3Config: checkS3Config(request.s3Config) }),
  };
  const json = toJson(body, 'the job request');
  // A UTF-16 code unit takes at most 3 bytes in UTF-8: count bytes only when that bound is unsafe.
  if (json.length * 3 > limitBytes) {
    const bytes = new TextEncoder().encode(json).length;
    if (bytes > limitBytes) throw new PayloadTooLargeError(bytes, limitBytes);
  }
  return json;
}
