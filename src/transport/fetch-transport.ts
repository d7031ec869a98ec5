import crossFetch from 'cross-fetch';
import { asyncScheduler, from, Observable, throwError, timeout, type SchedulerLike } from 'rxjs';
import { NetworkError, RunpodError, TimeoutError } from '../errors.js';
import type { HttpRequest, HttpResponse, Transport } from './transport.js';

/** The slice of the WHATWG `fetch` signature runpod-rx uses, so any compliant fetch fits. @category transport */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string; signal: AbortSignal },
) => Promise<{
  readonly status: number;
  readonly headers: { forEach(callback: (value: string, name: string) => void): void };
  text(): Promise<string>;
}>;

/** Options of {@link createFetchTransport}. @category transport */
export interface FetchTransportConfig {
  /** The fetch to call. @default cross-fetch */
  readonly fetch?: FetchLike;
  /**
   * How long reading a body may take once the headers came, in ms: a body cut short under its
   * Content-Length would otherwise hang node-fetch for ever. @default 30000
   */
  readonly bodyTimeout?: number;
  /** Drives the body timeout. @default asyncScheduler */
  readonly scheduler?: SchedulerLike;
}

const REFUSED = /ECONNREFUSED|connection refused/i;

function toNetworkError(error: unknown, request: HttpRequest): RunpodError {
  if (error instanceof RunpodError) return error;
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  const text = [code, message, cause?.code, cause?.message].filter((part) => typeof part === 'string').join(' ');
  return new NetworkError(`network error: ${text || 'request failed'}`, REFUSED.test(text), {
    method: request.method,
    path: request.path,
  });
}

/**
 * The real transport: one `fetch` per subscription, aborted (AbortController) when the subscriber
 * leaves before the body has been read, never after. The body is read inside the abortable window
 * and under its own timeout.
 *
 * @example
 * const endpoint = createEndpoint({ transport: createFetchTransport({ fetch: globalThis.fetch }) });
 * @category transport
 */
export function createFetchTransport(config: FetchTransportConfig = {}): Transport {
  const fetchImpl = config.fetch ?? (crossFetch as unknown as FetchLike);
  const bodyTimeout = config.bodyTimeout ?? 30_000;
  const scheduler = config.scheduler ?? asyncScheduler;

  return (request) =>
    new Observable<HttpResponse>((subscriber) => {
      const controller = new AbortController();
      let settled = false;
      let bodySubscription: { unsubscribe(): void } | undefined;
      const fail = (error: unknown) => {
        settled = true;
        subscriber.error(toNetworkError(error, request));
      };

      fetchImpl(request.url, {
        method: request.method,
        headers: { ...request.headers },
        ...(request.body !== undefined && { body: request.body }),
        signal: controller.signal,
      }).then((response) => {
        if (subscriber.closed) return;
        const headers: Record<string, string> = {};
        response.headers.forEach((value, name) => {
          headers[name.toLowerCase()] = value;
        });
        bodySubscription = from(response.text())
          .pipe(
            timeout({
              first: bodyTimeout,
              scheduler,
              with: () =>
                throwError(
                  () => new TimeoutError(`reading the response body took over ${bodyTimeout} ms (${request.path})`),
                ),
            }),
          )
          .subscribe({
            next: (body) => {
              settled = true;
              subscriber.next({ status: response.status, headers, body });
              subscriber.complete();
            },
            error: fail,
          });
      }, fail);

      return () => {
        bodySubscription?.unsubscribe();
        if (!settled) controller.abort();
      };
    });
}
