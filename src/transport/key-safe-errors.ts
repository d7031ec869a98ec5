/**
 * Errors that never show the API key. A fetch, or a transport written by a user, may put the
 * request's `Authorization` value in its error (a header-value `TypeError` quotes it whole);
 * these helpers redact it before anything reaches a caller, an event or a log.
 */
import { Observable } from 'rxjs';
import { isNetworkError, isRunpodError, NetworkError, truncate, type RunpodError } from '../errors.js';
import { redact, secretOf, shows } from '../internal/redact.js';
import type { HttpRequest, Transport } from './transport.js';

const REFUSED = /ECONNREFUSED|connection refused/i;

/** The value of header `name` (any case) in `headers`. */
export function headerOf(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

/** The API key this request carries, so that no text built from a foreign error shows it. */
export const secretOfRequest = (request: HttpRequest) => secretOf(headerOf(request.headers, 'authorization'));

/** Message, stack and causes (three levels deep) of an error, as one text to search for the key. */
function everyTextOf(error: unknown, depth = 0): string {
  if (typeof error === 'string') return error;
  if (typeof error !== 'object' || error === null || depth > 3) return '';
  try {
    const { message, stack, cause, code } = error as Record<string, unknown>;
    const own = [code, message, stack].filter((part) => typeof part === 'string').join('\n');
    return `${own}\n${everyTextOf(cause, depth + 1)}`;
  } catch {
    // A getter that throws: the fields cannot be read, so they cannot be shown either.
    return '';
  }
}

/**
 * The `cause` a {@link NetworkError} keeps: a new `Error` with the foreign error's `name`, `code`
 * and message, the key redacted; its stack is the library's own, so it holds nothing foreign.
 */
function redactedCause(error: unknown, secret: string | undefined): Error {
  try {
    const { name, code, message } = (typeof error === 'object' && error !== null ? error : {}) as Record<
      string,
      unknown
    >;
    const text = typeof error === 'string' ? error : typeof message === 'string' ? message : '';
    const cause = new Error(redact(text, secret));
    if (typeof name === 'string') cause.name = redact(name, secret);
    if (typeof code === 'string') Object.assign(cause, { code: redact(code, secret) });
    return cause;
  } catch {
    return new Error('unreadable error');
  }
}

/** The codes and messages of an error and of its `cause`: what a {@link NetworkError} says of it. */
function summaryOf(error: unknown): string {
  try {
    const { code, message, cause } = (typeof error === 'object' && error !== null ? error : {}) as Record<
      string,
      unknown
    >;
    const inner = (typeof cause === 'object' && cause !== null ? cause : {}) as Record<string, unknown>;
    return [code, message, inner.code, inner.message].filter((part) => typeof part === 'string').join(' ');
  } catch {
    return '';
  }
}

/**
 * The error a failed fetch becomes: a {@link NetworkError} whose message names the cause (codes
 * and messages of the error and its `cause`), with the request's key and every piece of it
 * redacted, whatever the fetch put in its error (a header-value `TypeError` quotes the whole
 * `Authorization` value). The foreign error itself is not kept: its stack and causes may hold the
 * key. A runpod-rx error passes through unchanged unless it shows the key too.
 */
export function toNetworkError(error: unknown, request: HttpRequest): RunpodError {
  const secret = secretOfRequest(request);
  if (isRunpodError(error) && !shows(everyTextOf(error), secret)) return error;
  const text = summaryOf(error);
  const refused = REFUSED.test(text) || (isNetworkError(error) && error.refused);
  return new NetworkError(
    `network error: ${truncate(redact(text, secret)) || 'request failed'}`,
    refused,
    { method: request.method, path: request.path },
    redactedCause(error, secret),
  );
}

/**
 * `transport` with every error that shows the request's key (in its message, stack or causes)
 * replaced by a {@link NetworkError} with the key redacted; other errors, and every response,
 * pass through unchanged. `createEndpoint` puts it around a transport given in its options.
 */
export function keySafe(transport: Transport): Transport {
  return (request) =>
    new Observable((subscriber) => {
      const safe = (error: unknown) =>
        shows(everyTextOf(error), secretOfRequest(request)) ? toNetworkError(error, request) : error;
      let response$: ReturnType<Transport>;
      try {
        response$ = transport(request);
      } catch (error) {
        subscriber.error(safe(error));
        return undefined;
      }
      return response$.subscribe({
        next: (response) => subscriber.next(response),
        error: (error: unknown) => subscriber.error(safe(error)),
        complete: () => subscriber.complete(),
      });
    });
}
