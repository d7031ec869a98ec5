import { asyncScheduler, Observable, throwError, type SchedulerLike } from 'rxjs';
import type { HttpRequest, HttpResponse, RouteName, Transport } from '../transport/transport.js';
import { maxAtOnce, maxInWindow } from './peaks.js';

/** What became of a request the fake transport received. @category testing */
export type FakeRequestState = 'open' | 'answered' | 'failed' | 'cancelled';

/** One entry of the fake transport's request log. @category testing */
export interface LoggedRequest {
  /** Virtual time (scheduler clock) at which the request was sent. */
  readonly at: number;
  readonly method: HttpRequest['method'];
  /** Path below the base URL, query included: `/ep1/status-sync/j1?wait=90000`. */
  readonly path: string;
  readonly route: RouteName;
  /** The parsed JSON body, if any. */
  readonly body: unknown;
  /** Its position among all requests, from 0. */
  readonly index: number;
  /** Updated as the exchange goes on; `cancelled` when the client unsubscribed first. */
  state: FakeRequestState;
  /** Virtual time at which it was answered, failed or cancelled. */
  endedAt?: number;
}

/**
 * Which requests a matcher selects: a string `"METHOD /path"` (path without query, `*` matches
 * any segment run), a partial `{ method, route, path }`, or a predicate.
 * @category testing
 */
export type RequestMatcher =
  | string
  | { readonly method?: string; readonly route?: RouteName; readonly path?: string }
  | ((request: LoggedRequest) => boolean);

/**
 * Scripts the answer to each request: typically a `cold()` marble of {@link HttpResponse} values.
 * `count` is how many earlier requests had the same method and path (without query), so
 * `count === 0` is the first status poll of a job, `1` the second, and so on.
 * @category testing
 */
export type FakeHandler = (request: HttpRequest, count: number) => Observable<HttpResponse> | undefined;

/** A scripted transport with a request log, in the spirit of Angular's HttpTestingController. @category testing */
export interface FakeTransport {
  /** Pass this as `createEndpoint({ transport })`. */
  readonly transport: Transport;
  /** Every request received, in order. */
  readonly requests: readonly LoggedRequest[];
  /** All logged requests a matcher selects. */
  match(matcher: RequestMatcher): LoggedRequest[];
  /** The single request a matcher selects; throws, listing the log, on zero or several. */
  expectOne(matcher: RequestMatcher, description?: string): LoggedRequest;
  /** Throws if a matcher selects any request. */
  expectNone(matcher: RequestMatcher, description?: string): void;
  /** Throws if a request is still open (neither answered, failed nor cancelled). */
  verify(): void;
  /**
   * The matching requests as subscription logs, for `expectSubscriptions`: subscribed when sent,
   * unsubscribed when answered, failed or cancelled (`Infinity` while open). The array is live:
   * it keeps up with the log, so it can be handed to `expectSubscriptions` before `flush()`.
   *
   * @example
   * expectSubscriptions(fake.subscriptions('GET /ep/status-sync/*')).toBe('-^ 298ms !');
   */
  subscriptions(matcher?: RequestMatcher): RequestSubscriptionLog[];
  /**
   * The most matching requests open at one moment: sent and not yet answered, failed or
   * cancelled (one still open counts until now). A request answered at the very moment it was
   * sent is never in flight.
   *
   * @example
   * expect(fake.maxInFlight('GET /ep/status-sync/*')).toBe(2); // the concurrency cap held
   */
  maxInFlight(matcher?: RequestMatcher): number;
  /**
   * The most matching requests sent within any `window` ms, `(t - window, t]`, as RunPod counts
   * them for its rate limits.
   *
   * @example
   * expect(fake.maxInWindow(10_000, 'POST /ep/run')).toBe(1000); // never over RunPod's /run limit
   */
  maxInWindow(window: number, matcher?: RequestMatcher): number;
}

/**
 * The shape of rxjs's `SubscriptionLog`, which `expectSubscriptions` compares (by deep equality
 * that ignores classes, such as jest's `toEqual`).
 * @category testing
 */
export interface RequestSubscriptionLog {
  readonly subscribedFrame: number;
  readonly unsubscribedFrame: number;
}

function withoutQuery(path: string): string {
  const at = path.indexOf('?');
  return at === -1 ? path : path.slice(0, at);
}

function toPredicate(matcher: RequestMatcher): (request: LoggedRequest) => boolean {
  if (typeof matcher === 'function') return matcher;
  if (typeof matcher === 'string') {
    const [method, path] = matcher.includes(' ') ? matcher.split(/\s+/, 2) : [undefined, matcher];
    const pattern = new RegExp(`^${path.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^?]*')}$`);
    return (request) => (method === undefined || request.method === method) && pattern.test(withoutQuery(request.path));
  }
  return (request) =>
    (matcher.method === undefined || request.method === matcher.method) &&
    (matcher.route === undefined || request.route === matcher.route) &&
    (matcher.path === undefined || withoutQuery(request.path) === matcher.path);
}

function describeLog(requests: readonly LoggedRequest[]): string {
  if (requests.length === 0) return 'no requests were made';
  return requests.map((r) => `  #${r.index} @${r.at} ${r.method} ${r.path} (${r.state})`).join('\n');
}

function parseBody(body: string | undefined): unknown {
  if (body === undefined) return undefined;
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

/**
 * A fake {@link Transport} for marble tests. Each request is logged lazily (on subscribe) with the
 * virtual time, answered by `handler`, and marked cancelled if the client unsubscribes first.
 * A request the handler does not script (returns `undefined`) fails with an error naming it.
 *
 * ```text
 * handler:  () => cold('--(r|)')
 * client:   subscribes at 5 ms, the answer arrives 2 ms later
 * log:      { at: 5, state: 'answered', endedAt: 7 }   subscriptions(): '5ms ^-!'
 * ```
 *
 * @example
 * testScheduler.run(({ cold, expectObservable }) => {
 *   const fake = createFakeTransport((req) =>
 *     req.route === 'run' ? cold('-r|', { r: json({ id: 'j1', status: 'IN_QUEUE' }) }) : undefined);
 *   const endpoint = createEndpoint({ apiKey: 'k', endpointId: 'ep', transport: fake.transport });
 *   expectObservable(endpoint.run({ input: {} })).toBe('-(r|)', { r: { id: 'j1', status: 'IN_QUEUE' } });
 * });
 * @param handler scripts each answer (`undefined`: not scripted).
 * @param scheduler the clock that stamps the log. @default asyncScheduler
 * @returns the transport, its request log and assertions.
 * @category testing
 */
export function createFakeTransport(handler: FakeHandler, scheduler: SchedulerLike = asyncScheduler): FakeTransport {
  const requests: LoggedRequest[] = [];
  const counts = new Map<string, number>();
  const views: { readonly select: (request: LoggedRequest) => boolean; readonly logs: RequestSubscriptionLog[] }[] = [];
  const refreshViews = () => {
    for (const { select, logs } of views) {
      logs.length = 0;
      for (const r of requests) {
        if (select(r)) logs.push({ subscribedFrame: r.at, unsubscribedFrame: r.endedAt ?? Infinity });
      }
    }
  };

  const transport: Transport = (request) =>
    new Observable<HttpResponse>((subscriber) => {
      const key = `${request.method} ${withoutQuery(request.path)}`;
      const count = counts.get(key) ?? 0;
      counts.set(key, count + 1);
      const entry: LoggedRequest = {
        at: scheduler.now(),
        method: request.method,
        path: request.path,
        route: request.route,
        body: parseBody(request.body),
        index: requests.length,
        state: 'open',
      };
      requests.push(entry);
      refreshViews();
      const end = (state: FakeRequestState) => {
        entry.state = state;
        entry.endedAt = scheduler.now();
        refreshViews();
      };
      let scripted: Observable<HttpResponse>;
      try {
        scripted =
          handler(request, count) ??
          throwError(() => new Error(`fake transport: no response scripted for ${key} (#${count})`));
      } catch (error) {
        // A handler that throws fails this request (logged as failed), never the test harness.
        scripted = throwError(() => error);
      }
      const subscription = scripted.subscribe({
        next: (response) => {
          if (entry.state === 'open') end('answered');
          subscriber.next(response);
        },
        error: (error: unknown) => {
          end('failed');
          subscriber.error(error);
        },
        complete: () => {
          if (entry.state === 'open') end('answered');
          subscriber.complete();
        },
      });
      return () => {
        if (entry.state === 'open') end('cancelled');
        subscription.unsubscribe();
      };
    });

  const selected = (matcher: RequestMatcher | undefined) =>
    matcher === undefined ? requests : requests.filter(toPredicate(matcher));

  return {
    transport,
    requests,
    match: (matcher) => requests.filter(toPredicate(matcher)),
    maxInFlight: (matcher) => maxAtOnce(selected(matcher).map((r) => ({ start: r.at, end: r.endedAt ?? Infinity }))),
    maxInWindow: (window, matcher) =>
      maxInWindow(
        selected(matcher).map((r) => r.at),
        window,
      ),
    expectOne(matcher, description) {
      const found = requests.filter(toPredicate(matcher));
      if (found.length !== 1) {
        const what = description ?? (typeof matcher === 'function' ? 'the predicate' : JSON.stringify(matcher));
        throw new Error(`expected one request matching ${what}, found ${found.length}:\n${describeLog(requests)}`);
      }
      return found[0];
    },
    expectNone(matcher, description) {
      const found = requests.filter(toPredicate(matcher));
      if (found.length > 0) {
        const what = description ?? (typeof matcher === 'function' ? 'the predicate' : JSON.stringify(matcher));
        throw new Error(`expected no request matching ${what}, found ${found.length}:\n${describeLog(requests)}`);
      }
    },
    verify() {
      const open = requests.filter((r) => r.state === 'open');
      if (open.length > 0) throw new Error(`${open.length} request(s) still open:\n${describeLog(open)}`);
    },
    subscriptions(matcher) {
      const view = { select: matcher === undefined ? () => true : toPredicate(matcher), logs: [] };
      views.push(view);
      refreshViews();
      return view.logs;
    },
  };
}
