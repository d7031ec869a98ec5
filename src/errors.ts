/**
 * Every failure runpod-rx reports is one of the classes below, delivered through an Observable's
 * error channel (the one exception: {@link ConfigError}, thrown synchronously by `createEndpoint`).
 *
 * Guards such as {@link isThrottledError} check a brand and the `name`, not `instanceof`, so they
 * keep working when two copies of the library (CommonJS and ESM) meet in one program.
 *
 * No error ever holds the API key: messages are built from routes, statuses and truncated bodies.
 *
 * @packageDocumentation
 */
import type { JobState } from './codecs/job-state.js';

const BRAND = Symbol.for('runpod-rx.error');

/** The names of every error class, one per failure kind. */
export type RunpodErrorName =
  | 'RunpodError'
  | 'ConfigError'
  | 'InvalidInputError'
  | 'PayloadTooLargeError'
  | 'UnauthorizedError'
  | 'NotFoundError'
  | 'ThrottledError'
  | 'HttpError'
  | 'NetworkError'
  | 'DecodeError'
  | 'TimeoutError'
  | 'JobFailedError'
  | 'JobCancelledError'
  | 'JobTimedOutError';

/** Where a failed HTTP exchange went: method and path, never headers. */
export interface RequestInfo {
  readonly method: string;
  /** Path below the base URL, e.g. `/ep1/status/abc-u1`. */
  readonly path: string;
}

/**
 * Base class of every runpod-rx error.
 * @category errors
 */
export class RunpodError extends Error {
  /** Brand used by the `isXxx` guards; survives duplicated library copies. */
  readonly [BRAND] = true;
  override readonly name: RunpodErrorName = 'RunpodError';
  /**
   * The job concerned, when one is known. An error that ends `submit` or `runSync` after the job
   * was created always carries its id, so that a caller who passed `cancelOnAbandon: false` can
   * resume with `watch(jobId)`.
   */
  declare jobId?: string | undefined;
}

/**
 * Invalid client configuration (missing or blank key or endpoint id, malformed base URL, insecure
 * http to a remote host). Thrown synchronously by `createEndpoint`.
 * @category errors
 */
export class ConfigError extends RunpodError {
  override readonly name = 'ConfigError';
}

/**
 * An argument the client refuses before sending anything: input that is not JSON-serialisable
 * (BigInt, a cycle, a function), a malformed job id, a negative timeout, a policy out of range.
 * @category errors
 */
export class InvalidInputError extends RunpodError {
  override readonly name = 'InvalidInputError';
}

/**
 * The request body is larger than RunPod accepts (10 MB for /run, 20 MB for /runsync, read as
 * 10,000,000 and 20,000,000 bytes; `EndpointConfig.payloadLimits` changes them). Checked before
 * sending.
 * @category errors
 */
export class PayloadTooLargeError extends RunpodError {
  override readonly name = 'PayloadTooLargeError';
  constructor(
    /** Size of the encoded body in bytes. */
    readonly bytes: number,
    /** The route's limit in bytes. */
    readonly limit: number,
  ) {
    super(`request body is ${bytes} bytes; the limit for this route is ${limit} bytes`);
  }
}

/**
 * A non-2xx answer. The base of every status error: {@link UnauthorizedError} (401/403),
 * {@link NotFoundError} (404) and {@link ThrottledError} (429) are `HttpError`s too, so
 * `isHttpError(error) && error.status >= 500` reads as it says, whatever the status.
 * @category errors
 */
export class HttpError extends RunpodError {
  override readonly name: RunpodErrorName = 'HttpError';
  constructor(
    /** The request that failed (method and path only). */
    readonly request: RequestInfo,
    /** The HTTP status code. */
    readonly status: number,
    /** The start of the response body (at most 500 characters). */
    readonly body: string,
    /** What went wrong, without the request; by default the status and the body. */
    message = `HTTP ${status}${body ? `: ${body}` : ''}`,
  ) {
    super(`${message} (${request.method} ${request.path})`);
  }
}

/**
 * HTTP 401 or 403: the key is missing, wrong, or lacks permission for this endpoint.
 * @category errors
 */
export class UnauthorizedError extends HttpError {
  override readonly name = 'UnauthorizedError';
  constructor(request: RequestInfo, status: number) {
    super(request, status, '', `unauthorized: HTTP ${status}; check the API key`);
  }
}

/**
 * HTTP 404: an unknown or expired job (results are kept 30 min after /run, 1 min after /runsync),
 * or an unknown endpoint.
 * @category errors
 */
export class NotFoundError extends HttpError {
  override readonly name = 'NotFoundError';
  constructor(
    request: RequestInfo,
    /** The job id concerned, when the request named one. */
    override readonly jobId?: string,
  ) {
    super(request, 404, '', jobId === undefined ? 'not found' : `job ${jobId} not found or expired`);
  }
}

/**
 * HTTP 429: over RunPod's per-endpoint rate limit.
 * @category errors
 */
export class ThrottledError extends HttpError {
  override readonly name = 'ThrottledError';
  constructor(
    request: RequestInfo,
    /** What the server's `Retry-After` header asked for, in ms; `undefined` when absent or unreadable. */
    readonly retryAfterMs: number | undefined,
  ) {
    super(
      request,
      429,
      '',
      retryAfterMs === undefined ? 'throttled (HTTP 429)' : `throttled (HTTP 429), retry after ${retryAfterMs} ms`,
    );
  }
}

/**
 * The request never got an HTTP answer: connection refused or reset, DNS failure, TLS failure.
 * @category errors
 */
export class NetworkError extends RunpodError {
  override readonly name = 'NetworkError';
  constructor(
    message: string,
    /** True when the connection was refused, so the request provably never reached the server. */
    readonly refused: boolean,
    /** The request concerned, when known. */
    readonly request?: RequestInfo,
    /**
     * What the transport reported, as an `Error` with its `name`, `code` and message, the API key
     * redacted (never the transport's own error object, whose stack or causes may hold the key).
     */
    cause?: Error,
  ) {
    super(request ? `${message} (${request.method} ${request.path})` : message, cause && { cause });
  }
}

/**
 * A response body that is not JSON or does not match the expected shape; `errors` holds one line
 * per mismatch, in io-ts path form, with values truncated.
 * @category errors
 */
export class DecodeError extends RunpodError {
  override readonly name = 'DecodeError';
  constructor(
    /** One line per mismatch, e.g. `Invalid value "DONE" supplied to : JobState/status: JobStatus`. */
    readonly errors: readonly string[],
    /** The request whose answer failed to decode, when known. */
    readonly request?: RequestInfo,
    /** The error that stopped decoding, when there was one (e.g. `JSON.parse`'s `SyntaxError`). */
    cause?: unknown,
  ) {
    super(
      `response did not match the expected shape${request ? ` (${request.method} ${request.path})` : ''}:\n` +
        errors.join('\n'),
      cause === undefined ? undefined : { cause },
    );
  }
}

/**
 * A deadline passed: `scope` tells which. `'request'`: one HTTP exchange (`requestTimeout`, or a
 * body that stopped arriving; reads retry it). `'deadline'`: the overall `timeout` of `watch`,
 * `stream`, `submit` or `runSync` (an owned job is then cancelled).
 * @category errors
 */
export class TimeoutError extends RunpodError {
  override readonly name = 'TimeoutError';
  constructor(
    message: string,
    /** The job being waited for, when one is known. */
    override readonly jobId?: string,
    /** Which limit passed: one exchange (`'request'`) or the call's overall deadline (`'deadline'`). */
    readonly scope: 'request' | 'deadline' = 'deadline',
  ) {
    super(message);
  }
}

/** Base of the three errors that carry a terminal job state. */
abstract class JobEndedError extends RunpodError {
  constructor(
    /** The terminal state reported by RunPod. */
    readonly job: JobState,
    /** What the message shows of the error; default the error text as received. */
    shown: string | undefined = typeof job.error === 'string' ? job.error : undefined,
  ) {
    super(`job ${job.id} ended ${job.status}` + (shown ? `: ${truncate(shown)}` : ''));
  }
}

/**
 * The report RunPod's Python worker SDK gives as a FAILED job's `error` when the handler raised:
 * a JSON-encoded object, read back. Fields the text lacks are absent.
 * @category errors
 */
export interface JobFailureDetails {
  /** `error_type`: the exception's class, e.g. `<class 'ValueError'>`. */
  readonly type: string;
  /** `error_message`: the exception's text. */
  readonly message: string;
  /** `error_traceback`: the worker's traceback. */
  readonly traceback?: string;
  /** `hostname`: the worker's host. */
  readonly hostname?: string;
  /** `worker_id`: the worker that ran the job. */
  readonly workerId?: string;
  /** `runpod_version`: the worker SDK's version. */
  readonly runpodVersion?: string;
}

/** Whether the start of a string may be a JSON object (skips parsing plain messages). */
const LOOKS_LIKE_OBJECT = /^\s*\{/;

/**
 * Reads a FAILED job's `error` as the worker SDK's report: the details when the text is a JSON
 * object with string `error_type` and `error_message`, otherwise `undefined` (a plain message).
 * @category errors
 */
export function parseJobFailure(error: unknown): JobFailureDetails | undefined {
  if (typeof error !== 'string' || !LOOKS_LIKE_OBJECT.test(error)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(error);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const report = parsed as Record<string, unknown>;
  if (typeof report.error_type !== 'string' || typeof report.error_message !== 'string') return undefined;
  const text = (key: string): string | undefined => (typeof report[key] === 'string' ? report[key] : undefined);
  const traceback = text('error_traceback');
  const hostname = text('hostname');
  const workerId = text('worker_id');
  const runpodVersion = text('runpod_version');
  return {
    type: report.error_type,
    message: report.error_message,
    ...(traceback !== undefined && { traceback }),
    ...(hostname !== undefined && { hostname }),
    ...(workerId !== undefined && { workerId }),
    ...(runpodVersion !== undefined && { runpodVersion }),
  };
}

/**
 * The job ended `FAILED`. `job.error` holds RunPod's error text as received; when that text is
 * the worker SDK's JSON-encoded report, `details` holds it read back and the message shows its
 * `error_message`.
 * @category errors
 */
export class JobFailedError extends JobEndedError {
  override readonly name = 'JobFailedError';
  /** The worker's failure report, when `job.error` has that shape; `undefined` for a plain message. */
  readonly details?: JobFailureDetails;

  /** @param job the FAILED state. */
  constructor(job: JobState) {
    const details = parseJobFailure(job.error);
    super(job, details?.message || undefined);
    if (details !== undefined) this.details = details;
  }
}

/**
 * The job ended `CANCELLED`.
 * @category errors
 */
export class JobCancelledError extends JobEndedError {
  override readonly name = 'JobCancelledError';
}

/**
 * The job ended `TIMED_OUT` (its execution timeout or TTL passed on the server).
 * @category errors
 */
export class JobTimedOutError extends JobEndedError {
  override readonly name = 'JobTimedOutError';
}

/**
 * The typed error of a terminal job state other than COMPLETED: {@link JobFailedError},
 * {@link JobCancelledError} or {@link JobTimedOutError}.
 * @category errors
 */
export function jobEndedError(job: JobState): JobFailedError | JobCancelledError | JobTimedOutError {
  switch (job.status) {
    case 'CANCELLED':
      return new JobCancelledError(job);
    case 'TIMED_OUT':
      return new JobTimedOutError(job);
    default:
      return new JobFailedError(job);
  }
}

/** Cuts a string to `max` characters, marking the cut. Used for every value shown in a message. */
export function truncate(text: string, max = 500): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

/** The kind a class stands for, as a static property shared by every copy of the library. */
const KIND = Symbol.for('runpod-rx.error-kind');

for (const [kind, errorClass] of Object.entries({
  RunpodError,
  ConfigError,
  InvalidInputError,
  PayloadTooLargeError,
  HttpError,
  UnauthorizedError,
  NotFoundError,
  ThrottledError,
  NetworkError,
  DecodeError,
  TimeoutError,
  JobFailedError,
  JobCancelledError,
  JobTimedOutError,
})) {
  Object.defineProperty(errorClass, KIND, { value: kind });
}

/**
 * A guard that accepts an error of kind `name` or of any subclass of it (an `isHttpError` accepts a
 * `NotFoundError`), also when the error comes from another copy of the library (CommonJS and ESM
 * in one program), where `instanceof` fails: it reads the kinds along the prototype chain.
 */
function guard<E extends RunpodError>(name: RunpodErrorName): (error: unknown) => error is E {
  return (error: unknown): error is E => {
    if (!isRunpodError(error)) return false;
    for (let proto: unknown = Object.getPrototypeOf(error); proto !== null; proto = Object.getPrototypeOf(proto)) {
      const constructor = (proto as { constructor?: unknown }).constructor;
      if (typeof constructor === 'function' && Object.prototype.hasOwnProperty.call(constructor, KIND)) {
        if ((constructor as unknown as Record<symbol, unknown>)[KIND] === name) return true;
      }
    }
    return false;
  };
}

/** Whether `error` is any runpod-rx error. @category guards */
export const isRunpodError = (error: unknown): error is RunpodError =>
  typeof error === 'object' && error !== null && BRAND in error;
/** @category guards */
export const isConfigError = guard<ConfigError>('ConfigError');
/** @category guards */
export const isInvalidInputError = guard<InvalidInputError>('InvalidInputError');
/** @category guards */
export const isPayloadTooLargeError = guard<PayloadTooLargeError>('PayloadTooLargeError');
/** @category guards */
export const isUnauthorizedError = guard<UnauthorizedError>('UnauthorizedError');
/** @category guards */
export const isNotFoundError = guard<NotFoundError>('NotFoundError');
/** @category guards */
export const isThrottledError = guard<ThrottledError>('ThrottledError');
/** @category guards */
export const isHttpError = guard<HttpError>('HttpError');
/** @category guards */
export const isNetworkError = guard<NetworkError>('NetworkError');
/** @category guards */
export const isDecodeError = guard<DecodeError>('DecodeError');
/** @category guards */
export const isTimeoutError = guard<TimeoutError>('TimeoutError');
/** @category guards */
export const isJobFailedError = guard<JobFailedError>('JobFailedError');
/** @category guards */
export const isJobCancelledError = guard<JobCancelledError>('JobCancelledError');
/** @category guards */
export const isJobTimedOutError = guard<JobTimedOutError>('JobTimedOutError');
