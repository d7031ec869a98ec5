import { InvalidInputError, isRunpodError, PayloadTooLargeError } from '../errors.js';
import { toJson } from '../internal/to-json.js';
import { POLICY_RANGES } from '../runpod-rules.js';

/**
 * Per-job execution policy (all times in ms, as RunPod takes them). The three fields are checked;
 * any other key is sent unchanged, so a policy field RunPod adds later needs no new release.
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
 * The body of `/run` and `/runsync`. The fields below are checked; any other top-level key is sent
 * unchanged (forward compatible: a field RunPod adds later works before this type names it). An
 * object literal must stay within the named fields, as TypeScript checks excess properties there;
 * a request built elsewhere, or spread from one, carries its extra keys through.
 * @category requests
 */
export interface JobRequest<I = unknown> {
  /** Handed to the worker as `job.input`. Must be JSON-serialisable. */
  readonly input: I;
  /** URL RunPod POSTs the final status body to. */
  readonly webhook?: string | undefined;
  /**
   * A second webhook URL, sent as is. Undocumented by RunPod; both official SDKs (JavaScript and
   * Go) declare and send it as a string. The local emulator accepts and ignores it.
   */
  readonly webhookV2?: string | undefined;
  readonly policy?: ExecutionPolicy | undefined;
  readonly s3Config?: S3Config | undefined;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function checkPolicy(policy: ExecutionPolicy): void {
  if (!isPlainObject(policy as unknown)) throw new InvalidInputError('policy must be an object');
  for (const field of ['executionTimeout', 'ttl'] as const) {
    const value = policy[field];
    if (value === undefined) continue;
    const { min, max } = POLICY_RANGES[field];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new InvalidInputError(`policy.${field} must be a whole number of ms from ${min} to ${max}`);
    }
  }
  if (policy.lowPriority !== undefined && typeof policy.lowPriority !== 'boolean') {
    throw new InvalidInputError('policy.lowPriority must be a boolean');
  }
}

function checkS3Config(config: S3Config): void {
  if (!isPlainObject(config as unknown)) throw new InvalidInputError('s3Config must be an object');
  for (const field of ['accessId', 'accessSecret', 'bucketName', 'endpointUrl'] as const) {
    if (typeof config[field] !== 'string') throw new InvalidInputError(`s3Config.${field} must be a string`);
  }
  if (config.objectPath !== undefined && typeof config.objectPath !== 'string') {
    throw new InvalidInputError('s3Config.objectPath must be a string');
  }
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
 * Validates a job request and encodes it as the JSON body RunPod expects: the input through
 * `encodeInput`, the known fields checked, every other key (top level, `policy`, `s3Config`) sent
 * unchanged. Throws {@link InvalidInputError} or {@link PayloadTooLargeError}.
 */
export function encodeJobRequest(
  request: JobRequest<unknown>,
  encodeInput: (input: unknown) => unknown,
  limitBytes: number,
): string {
  if (typeof request !== 'object' || request === null || !('input' in request) || request.input === undefined) {
    throw new InvalidInputError('a job request needs an `input` field');
  }
  for (const field of ['webhook', 'webhookV2'] as const) {
    if (request[field] !== undefined && typeof request[field] !== 'string') {
      throw new InvalidInputError(`${field} must be a URL string`);
    }
  }
  if (request.policy !== undefined) checkPolicy(request.policy);
  if (request.s3Config !== undefined) checkS3Config(request.s3Config);
  // Key order and unknown keys as given; only the input is replaced by its encoding.
  const body = { ...request, input: encode(encodeInput, request.input) };
  const json = toJson(body, 'the job request');
  // A UTF-16 code unit takes at most 3 bytes in UTF-8: count bytes only when that bound is unsafe.
  if (json.length * 3 > limitBytes) {
    const bytes = new TextEncoder().encode(json).length;
    if (bytes > limitBytes) throw new PayloadTooLargeError(bytes, limitBytes);
  }
  return json;
}
