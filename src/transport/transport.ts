import type { Observable } from 'rxjs';

/** The RunPod routes, used for retry policy, rate budgets and events. @category transport */
export type RouteName =
  'run' | 'runsync' | 'status' | 'status-sync' | 'stream' | 'cancel' | 'retry' | 'health' | 'purge-queue';

/**
 * One HTTP request, immutable. Produced by the endpoint, consumed by a {@link Transport}.
 * @category transport
 */
export interface HttpRequest {
  readonly method: 'GET' | 'POST';
  /** Absolute URL, query included. */
  readonly url: string;
  /** Path below the base URL (`/ep1/status/j1`), safe to log. */
  readonly path: string;
  readonly route: RouteName;
  readonly headers: Readonly<Record<string, string>>;
  /** JSON text, for POSTs that carry a body. */
  readonly body?: string | undefined;
}

/**
 * One HTTP response, whatever its status: transports never fail on a status code.
 * @category transport
 */
export interface HttpResponse {
  readonly status: number;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body as text (JSON for every RunPod answer). */
  readonly body: string;
}

/**
 * The I/O seam: a function from request to a **cold** Observable that emits one response and
 * completes, errors with a `NetworkError` when no response came, and aborts the exchange when
 * unsubscribed. `createFetchTransport` is the real one; `runpod-rx/testing` has a scripted fake.
 * @category transport
 */
export type Transport = (request: HttpRequest) => Observable<HttpResponse>;
