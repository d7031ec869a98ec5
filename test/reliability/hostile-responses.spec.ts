/**
 * Hostile server responses: random and malformed bodies (random JSON, random bytes, wrong types at
 * every field, cut-off JSON, huge strings, deep nesting), every status code, wrong content types,
 * odd Retry-After values, huge bodies and slow drips, fed to every operation of an endpoint:
 * - through a fake transport, in virtual time (fast-check, fixed seed, bounded runs);
 * - through the real fetch transport, from a raw loopback server.
 * Whatever comes back, the operation ends (no hang), with values that satisfy the codecs' `.is`,
 * or with a typed `RunpodError` whose guard matches its name; never a crash or an untyped error.
 * Set RELIABILITY_FIGURES=1 to print how many inputs each property tried.
 */
import fc from 'fast-check';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import * as t from 'io-ts';
import { delay, lastValueFrom, NEVER, of, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import {
  createEndpoint,
  createFetchTransport,
  EndpointHealthCodec,
  isDecodeError,
  isHttpError,
  isJobCancelledError,
  isJobFailedError,
  isJobTimedOutError,
  isNetworkError,
  isNotFoundError,
  isRunpodError,
  isThrottledError,
  isTimeoutError,
  isUnauthorizedError,
  JobStateCodec,
  PurgeQueueResponseCodec,
  RunResponse,
  StreamChunkCodec,
  type Endpoint,
  type EndpointConfig,
  type HttpResponse,
  type RouteName,
} from 'runpod-rx';
import { createFakeTransport } from 'runpod-rx/testing';
import { outcome } from './helpers';

const SEED = 1_717_171;
const FAKE_RUNS = 300; // per operation: 10 operations → 3,000 scripted cases
const BIG_RUNS = 12; // per operation, huge bodies and deep nesting
const HTTP_RUNS = 40; // per operation, over real loopback HTTP

/** Every operation, how to call it, and what its values must be. */
interface Operation {
  readonly name: string;
  readonly call: (endpoint: Endpoint) => Observable<unknown>;
  readonly is: (value: unknown) => boolean;
  /** Errors this operation may end with, besides the HTTP and decode ones. */
  readonly jobErrors?: boolean;
}

const deadline = { timeout: 120_000 };
const OPERATIONS: readonly Operation[] = [
  { name: 'run', call: (e) => e.run({ input: { n: 1 } }), is: RunResponse.is },
  { name: 'runSync', call: (e) => e.runSync({ input: { n: 1 } }, deadline), is: JobStateCodec.is },
  { name: 'status', call: (e) => e.status('job-1'), is: JobStateCodec.is },
  { name: 'watch', call: (e) => e.watch('job-1', deadline), is: JobStateCodec.is },
  { name: 'stream', call: (e) => e.stream('job-1', deadline), is: StreamChunkCodec.is, jobErrors: true },
  { name: 'submit', call: (e) => e.submit({ input: { n: 1 } }, deadline), is: JobStateCodec.is },
  { name: 'cancel', call: (e) => e.cancel('job-1'), is: JobStateCodec.is },
  { name: 'retry', call: (e) => e.retry('job-1'), is: RunResponse.is },
  { name: 'health', call: (e) => e.health(), is: EndpointHealthCodec.is },
  { name: 'purgeQueue', call: (e) => e.purgeQueue(), is: PurgeQueueResponseCodec.is },
];

/** A well-formed answer for each route, so that scripted flows get past their first request. */
const VALID: Record<RouteName, unknown> = {
  run: { id: 'job-1', status: 'IN_QUEUE' },
  runsync: { id: 'sync-job-1', status: 'IN_PROGRESS', delayTime: 3, workerId: 'w1' },
  status: { id: 'job-1', status: 'IN_PROGRESS', delayTime: 3, executionTime: 10, workerId: 'w1', output: { p: 1 } },
  'status-sync': { id: 'job-1', status: 'IN_PROGRESS', delayTime: 3, executionTime: 20, output: { p: 2 } },
  stream: { id: 'job-1', status: 'IN_PROGRESS', stream: [{ output: 'a' }, { output: 'b', extra: { n: 1 } }] },
  cancel: { id: 'job-1', status: 'CANCELLED', delayTime: 3 },
  retry: { id: 'job-1', status: 'IN_QUEUE' },
  health: {
    jobs: { completed: 1, failed: 0, inProgress: 1, inQueue: 2, retried: 0 },
    workers: { idle: 1, running: 1, initializing: 0, ready: 1, throttled: 0, unhealthy: 0 },
  },
  'purge-queue': { removed: 2, status: 'completed' },
};
const ROUTES = Object.keys(VALID) as RouteName[];

/** Every field path of a valid body: where a wrong type goes. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== 'object' || value === null) return [prefix];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return [prefix, ...entries.flatMap(([key, inner]) => paths(inner, [...prefix, key]))];
}

/** A deep copy of `value` with `path` set to `replacement` (`undefined` deletes it). */
function mutate(value: unknown, path: (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const copy = JSON.parse(JSON.stringify(value)) as Record<string | number, unknown>;
  let holder = copy;
  for (const key of path.slice(0, -1)) holder = holder[key] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (replacement === undefined) delete holder[last];
  else holder[last] = replacement;
  return copy;
}

const wrongValue = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ maxLength: 20 }),
  fc.constantFrom('RUNNING', 'DONE', 'completed', '', 'IN_QUEUE ', 'in_queue'),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
);

const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'text/html',
  'text/plain',
  'application/octet-stream',
  '',
  'application/problem+json',
  'image/png',
);

const statusCode = fc.oneof(
  { weight: 8, arbitrary: fc.constant(200) },
  { weight: 1, arbitrary: fc.constantFrom(201, 202, 204, 206) },
  { weight: 4, arbitrary: fc.constantFrom(400, 401, 403, 404, 405, 408, 409, 410, 413, 422, 429, 500, 502, 503, 504) },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 599 }) },
);

const retryAfter = fc.option(
  fc.oneof(
    fc.constantFrom('0', '1', '0.5', '-1', '1e309', 'NaN', '99999999999', ' 2 ', 'Wed, 21 Oct 2015 07:28:00 GMT'),
    fc.constantFrom('Fri, 31 Dec 9999 23:59:59 GMT', 'tomorrow'),
    fc.string({ maxLength: 12 }),
  ),
  { nil: undefined },
);

/** A body: random JSON, random bytes, a valid body of any route with one field wrong, or cut short. */
const hostileBody = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 120 }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 120 }).map((b) => Buffer.from(b).toString('latin1')) },
  {
    weight: 5,
    arbitrary: fc
      .constantFrom(...ROUTES)
      .chain((route) =>
        fc
          .tuple(fc.constantFrom(...paths(VALID[route])), wrongValue)
          .map(([path, value]) => JSON.stringify(mutate(VALID[route], path, value)) ?? ''),
      ),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.constantFrom(...ROUTES), fc.nat()).map(([route, cut]) => {
      const text = JSON.stringify(VALID[route]);
      return text.slice(0, cut % text.length);
    }),
  },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', 'null', '[]', '{}', '"text"', '0', 'true', '<html>502</html>') },
);

const hostileResponse: fc.Arbitrary<HttpResponse> = fc
  .record({ status: statusCode, type: contentType, body: hostileBody, retryAfter })
  .map(({ status, type, body, retryAfter: after }) => ({
    status,
    headers: { 'content-type': type, ...(after !== undefined && { 'retry-after': after }) },
    body,
  }));

/**
 * Slot of a script: a well-formed answer for whatever route asked, a terminal one, no answer at
 * all (the request timeout must end it), or a hostile one. Once a script is used up, every further
 * request gets a terminal answer, so that flows end (a script of endless valid states would only
 * measure the deadline).
 */
type Slot = 'valid' | 'terminal' | 'silence' | HttpResponse;
const slot: fc.Arbitrary<Slot> = fc.oneof(
  { weight: 2, arbitrary: fc.constant<Slot>('valid') },
  { weight: 1, arbitrary: fc.constant<Slot>('terminal') },
  { weight: 1, arbitrary: fc.constant<Slot>('silence') },
  { weight: 5, arbitrary: hostileResponse },
);
const script = fc.array(slot, { minLength: 1, maxLength: 8 });

function answer(route: RouteName, item: Exclude<Slot, 'silence'>): HttpResponse {
  if (item === 'valid' || item === 'terminal') {
    let body = VALID[route];
    if (item === 'terminal' && (route === 'status' || route === 'status-sync' || route === 'runsync')) {
      body = { id: route === 'runsync' ? 'sync-job-1' : 'job-1', status: 'COMPLETED', output: 7 };
    }
    if (item === 'terminal' && route === 'stream') body = { id: 'job-1', status: 'COMPLETED', stream: [] };
    return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
  }
  return item;
}

const TYPED_GUARDS: Record<string, (e: unknown) => boolean> = {
  DecodeError: isDecodeError,
  HttpError: isHttpError,
  UnauthorizedError: isUnauthorizedError,
  NotFoundError: isNotFoundError,
  ThrottledError: isThrottledError,
  TimeoutError: isTimeoutError,
  NetworkError: isNetworkError,
  JobFailedError: isJobFailedError,
  JobCancelledError: isJobCancelledError,
  JobTimedOutError: isJobTimedOutError,
};

const TYPED_RUNS = 150; // per operation, with codecs.output and codecs.chunk
const TYPED_CODECS = { output: t.number, chunk: t.string };

/** With TYPED_CODECS: a COMPLETED state's output is a number, a chunk's output a string. */
function typedVerdict(op: Operation, values: unknown[]): string | undefined {
  for (const value of values) {
    const state = value as { status?: unknown; output?: unknown };
    if (op.name === 'stream') {
      if (typeof state.output !== 'string')
        return `${op.name}: chunk output ${JSON.stringify(state.output)} is no string`;
    } else if (JobStateCodec.is(value) && state.status === 'COMPLETED' && typeof state.output !== 'number') {
      return `${op.name}: COMPLETED output ${JSON.stringify(state.output)} is no number`;
    }
  }
  return undefined;
}

/** Why an outcome is not acceptable, or undefined when it is. */
function verdict(op: Operation, result: { values: unknown[]; error?: unknown; done: boolean }): string | undefined {
  if (!result.done) return `${op.name}: never ended`;
  const bad = result.values.find((value) => !op.is(value));
  if (bad !== undefined) return `${op.name}: emitted a value its codec rejects: ${JSON.stringify(bad)?.slice(0, 200)}`;
  if (result.error === undefined) return undefined;
  const error = result.error;
  if (!isRunpodError(error)) return `${op.name}: untyped error ${String(error)}`;
  const guard = TYPED_GUARDS[error.name];
  if (guard === undefined || !guard(error)) return `${op.name}: unexpected error kind ${error.name}`;
  if (!op.jobErrors && /^Job(Failed|Cancelled|TimedOut)Error$/.test(error.name)) {
    return `${op.name}: job error ${error.name} outside stream`;
  }
  if (error.message.length > 20_000) return `${op.name}: a ${error.message.length}-character error message`;
  if (isDecodeError(error) && error.errors.length > 21) return `${op.name}: ${error.errors.length} decode lines`;
  return undefined;
}

/** Runs `op` against a scripted fake in virtual time; every answer takes 1 ms. */
function runScripted(op: Operation, items: readonly Slot[], config: EndpointConfig = {}) {
  const rx = new TestScheduler(() => undefined);
  const result: { values: unknown[]; error?: unknown; done: boolean; requests: number } = {
    values: [],
    done: false,
    requests: 0,
  };
  rx.run(() => {
    let index = 0;
    const fake = createFakeTransport((request) => {
      const item = index < items.length ? items[index] : 'terminal';
      index += 1;
      return item === 'silence' ? NEVER : of(answer(request.route, item)).pipe(delay(1, rx));
    }, rx);
    const endpoint = createEndpoint({
      apiKey: 'hostile-key',
      endpointId: 'ep',
      transport: fake.transport,
      scheduler: rx,
      env: {},
      retry: { count: 2, baseDelay: 10, maxDelay: 100, maxRetryAfter: 1000, random: () => 0.5 },
      cancelPatience: 1_000,
      ...config,
    });
    try {
      op.call(endpoint).subscribe({
        next: (value) => result.values.push(value),
        error: (error: unknown) => {
          result.error = error;
          result.done = true;
        },
        complete: () => {
          result.done = true;
        },
      });
    } catch (error) {
      result.error = new Error(`threw on subscribe: ${String(error)}`);
    }
    rx.flush();
    result.requests = fake.requests.length;
  });
  return result;
}

const figures: Record<string, unknown> = {};
afterAll(() => {
  if (process.env.RELIABILITY_FIGURES) console.log(`hostile figures\n${JSON.stringify(figures, null, 2)}`);
});

describe('hostile responses through a fake transport (virtual time)', () => {
  it.each(OPERATIONS.map((op) => [op.name, op] as const))(
    '%s: random, malformed and mistyped answers end in values its codec accepts or a typed error',
    (name, op) => {
      let cases = 0;
      let responses = 0;
      const kinds: Record<string, number> = {};
      fc.assert(
        fc.property(script, (items) => {
          const result = runScripted(op, items);
          cases += 1;
          responses += result.requests;
          const kind = result.error === undefined ? 'values' : (result.error as Error).name;
          kinds[kind] = (kinds[kind] ?? 0) + 1;
          const problem = verdict(op, result);
          if (problem !== undefined) throw new Error(problem);
        }),
        { seed: SEED + OPERATIONS.indexOf(op), numRuns: FAKE_RUNS },
      );
      figures[`fake ${name}`] = { cases, responses, endings: kinds };
      expect(cases).toBe(FAKE_RUNS);
    },
  );

  it.each(OPERATIONS.map((op) => [op.name, op] as const))(
    '%s with codecs.output (number) and codecs.chunk (string): nothing emitted escapes the codecs',
    (name, op) => {
      let cases = 0;
      fc.assert(
        fc.property(script, (items) => {
          const result = runScripted(op, items, { codecs: TYPED_CODECS });
          cases += 1;
          const problem = verdict(op, result) ?? typedVerdict(op, result.values);
          if (problem !== undefined) throw new Error(problem);
        }),
        { seed: SEED + 100 + OPERATIONS.indexOf(op), numRuns: TYPED_RUNS },
      );
      figures[`typed ${name}`] = { cases };
    },
  );

  it('submit, and runSync when it starts with /run, decode a terminal /run answer with codecs.output', () => {
    // A /run answer that is already terminal is emitted as the job's state: it must be decoded
    // like every other state, or a value of the wrong type comes out typed as O.
    const lying: Slot = {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'job-1', status: 'COMPLETED', output: 'not a number' }),
    };
    const problems: string[] = [];
    const cases: [Operation, EndpointConfig][] = [
      [OPERATIONS.find((o) => o.name === 'submit') as Operation, {}],
      [
        {
          name: 'runSync',
          // A deadline too short for RunPod's smallest runsync wait (1 s): runSync starts with /run.
          call: (e) => e.runSync({ input: 1 }, { timeout: 1_200 }),
          is: JobStateCodec.is,
        },
        {},
      ],
    ];
    for (const [op, config] of cases) {
      const result = runScripted(op, [lying], { ...config, codecs: TYPED_CODECS });
      const problem = verdict(op, result) ?? typedVerdict(op, result.values);
      if (problem !== undefined) problems.push(problem);
    }
    expect(problems).toEqual([]);
  });

  it('a wrong type at every field of every route, for every operation that reads it', () => {
    const wrongs: unknown[] = [undefined, null, true, 0, -1.5, '', 'x', 'DONE', [], [1], {}, { a: 1 }];
    let cases = 0;
    const problems: string[] = [];
    for (const route of ROUTES) {
      for (const path of paths(VALID[route])) {
        for (const wrong of wrongs) {
          const body = JSON.stringify(mutate(VALID[route], path, wrong)) ?? '';
          const hostile: HttpResponse = { status: 200, headers: { 'content-type': 'application/json' }, body };
          for (const op of OPERATIONS) {
            // Hostile answer for this route only; every other route answers well.
            const rx = runScriptedForRoute(op, route, hostile);
            cases += 1;
            const problem = verdict(op, rx);
            if (problem !== undefined)
              problems.push(`${route} ${JSON.stringify(path)} = ${JSON.stringify(wrong)}: ${problem}`);
          }
        }
      }
    }
    figures['every field × every wrong type'] = { cases };
    expect(problems).toEqual([]);
  });

  it.each(OPERATIONS.map((op) => [op.name, op] as const))(
    '%s: huge strings and deeply nested values (up to 10,000 levels) anywhere in an answer',
    (name, op) => {
      let cases = 0;
      const big = fc.record({
        route: fc.constantFrom(...ROUTES),
        path: fc.nat(),
        shape: fc.constantFrom('string', 'array-nest', 'object-nest', 'wide-array'),
        size: fc.constantFrom(1_000, 10_000, 1_000_000, 4_000_000),
      });
      fc.assert(
        fc.property(big, ({ route, path, shape, size }) => {
          const fields = paths(VALID[route]);
          const at = fields[path % fields.length];
          const depth = Math.min(size, 10_000);
          const marker = '"__HOLE__"';
          const hole =
            shape === 'string'
              ? JSON.stringify('x'.repeat(size))
              : shape === 'array-nest'
                ? '['.repeat(depth) + ']'.repeat(depth)
                : shape === 'object-nest'
                  ? '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)
                  : `[${Array.from({ length: Math.min(size, 200_000) }, () => '1').join(',')}]`;
          const body = (JSON.stringify(mutate(VALID[route], at, '__HOLE__')) ?? marker).replace(marker, hole);
          const hostile: HttpResponse = { status: 200, headers: { 'content-type': 'application/json' }, body };
          const result = runScriptedForRoute(op, route, hostile);
          cases += 1;
          const problem = verdict(op, result);
          if (problem !== undefined) throw new Error(problem);
        }),
        { seed: SEED + 200 + OPERATIONS.indexOf(op), numRuns: BIG_RUNS },
      );
      figures[`big ${name}`] = { cases };
    },
  );

  it('watch and submit: a progress output nested 100,000 levels deep, seen twice, is a value or a typed error (not a RangeError)', () => {
    // A 200 KB answer. The states are compared with a recursive deep equality (src/internal/same-state.ts),
    // which overflows the stack: the operation errors with a plain RangeError.
    const depth = 100_000;
    const deep = '['.repeat(depth) + ']'.repeat(depth);
    const progress = `{"id":"job-1","status":"IN_PROGRESS","output":${deep}}`;
    const items: Slot[] = [
      'valid',
      { status: 200, headers: {}, body: progress },
      { status: 200, headers: {}, body: progress },
      'terminal',
    ];
    const problems: string[] = [];
    for (const op of OPERATIONS.filter((o) => o.name === 'watch' || o.name === 'submit')) {
      const result = runScripted(op, items, { polling: { initialInterval: 10, maxInterval: 10 } });
      const problem = verdict(op, result);
      if (problem !== undefined) problems.push(problem);
    }
    expect(problems).toEqual([]);
  });
});

/** `op` against a fake where `route` answers `hostile` (once, then well) and other routes answer well. */
function runScriptedForRoute(op: Operation, route: RouteName, hostile: HttpResponse) {
  const rx = new TestScheduler(() => undefined);
  const result: { values: unknown[]; error?: unknown; done: boolean; requests: number } = {
    values: [],
    done: false,
    requests: 0,
  };
  rx.run(() => {
    const fake = createFakeTransport(
      (request, count) =>
        of(
          request.route === route && count === 0 ? hostile : answer(request.route, count > 2 ? 'terminal' : 'valid'),
        ).pipe(delay(1, rx)),
      rx,
    );
    const endpoint = createEndpoint({
      apiKey: 'hostile-key',
      endpointId: 'ep',
      transport: fake.transport,
      scheduler: rx,
      env: {},
      retry: { count: 1, baseDelay: 10, maxDelay: 10, random: () => 0.5 },
      // An abandoned job's cancel retries for cancelPatience: a short one keeps each case small.
      cancelPatience: 1_000,
    });
    op.call(endpoint).subscribe({
      next: (value) => result.values.push(value),
      error: (error: unknown) => {
        result.error = error;
        result.done = true;
      },
      complete: () => {
        result.done = true;
      },
    });
    rx.flush();
    result.requests = fake.requests.length;
  });
  return result;
}

/** How the raw loopback server answers one request. */
interface Plan {
  readonly status: number;
  readonly type: string;
  readonly body: string;
  readonly mode:
    | 'normal'
    | 'chunked'
    | 'drip-body'
    | 'drip-headers'
    | 'short-then-hold'
    | 'short-then-close'
    | 'close-at-once'
    | 'never-answer'
    | 'huge'
    | 'huge-announced'
    | 'redirect';
}

/**
 * A raw TCP server speaking just enough HTTP/1.1 to misbehave: one request per connection, then
 * it plays the next plan (the last one repeats). Tracks its sockets so that close() leaves none.
 */
async function startRawServer(): Promise<{
  baseUrl: string;
  plans: Plan[];
  served: number;
  openSockets(): number;
  /** What each open socket was told to do (`idle` before a request arrived). */
  openModes(): string[];
  close(): Promise<void>;
}> {
  const sockets = new Set<Socket>();
  const modes = new WeakMap<Socket, string>();
  const timers = new Set<NodeJS.Timeout>();
  const state = { plans: [] as Plan[], served: 0 };
  const play = (socket: Socket, plan: Plan) => {
    modes.set(socket, plan.mode);
    const head = (extra: string) =>
      `HTTP/1.1 ${plan.status} X\r\nContent-Type: ${plan.type}\r\nConnection: close\r\n${extra}\r\n`;
    const bytes = Buffer.from(plan.body, 'utf8');
    const drip = (text: Buffer, everyMs: number) => {
      let at = 0;
      const timer = setInterval(() => {
        if (at >= text.length || socket.destroyed) {
          clearInterval(timer);
          timers.delete(timer);
          if (!socket.destroyed) socket.end();
          return;
        }
        socket.write(text.subarray(at, at + 1));
        at += 1;
      }, everyMs);
      timers.add(timer);
    };
    switch (plan.mode) {
      case 'normal':
        socket.end(Buffer.concat([Buffer.from(head(`Content-Length: ${bytes.length}\r\n`)), bytes]));
        return;
      case 'chunked':
        socket.end(
          Buffer.concat([
            Buffer.from(head('Transfer-Encoding: chunked\r\n')),
            Buffer.from(`${bytes.length.toString(16)}\r\n`),
            bytes,
            Buffer.from('\r\n0\r\n\r\n'),
          ]),
        );
        return;
      case 'drip-body':
        socket.write(head(`Content-Length: ${bytes.length + 100}\r\n`));
        drip(Buffer.concat([bytes, Buffer.alloc(100, 0x20)]), 10);
        return;
      case 'drip-headers':
        drip(Buffer.concat([Buffer.from(head(`Content-Length: ${bytes.length}\r\n`)), bytes]), 10);
        return;
      case 'short-then-hold':
        socket.write(Buffer.concat([Buffer.from(head(`Content-Length: ${bytes.length + 500}\r\n`)), bytes]));
        return;
      case 'short-then-close':
        socket.end(Buffer.concat([Buffer.from(head(`Content-Length: ${bytes.length + 500}\r\n`)), bytes]));
        return;
      case 'close-at-once':
        socket.destroy();
        return;
      case 'never-answer':
        return;
      case 'huge': {
        // 3 MB, chunked, for a client capped at 64 KB: it must stop reading and hang up.
        socket.write(head('Transfer-Encoding: chunked\r\n'));
        const chunk = Buffer.alloc(64 * 1024, 0x31);
        let sent = 0;
        const pump = () => {
          while (sent < 48 && !socket.destroyed) {
            sent += 1;
            const ok = socket.write(`${chunk.length.toString(16)}\r\n`) && socket.write(chunk) && socket.write('\r\n');
            if (!ok) {
              socket.once('drain', pump);
              return;
            }
          }
          if (!socket.destroyed) socket.end('0\r\n\r\n');
        };
        pump();
        return;
      }
      case 'huge-announced':
        socket.write(head(`Content-Length: ${200 * 1024 * 1024}\r\n`));
        socket.write(bytes);
        return;
      case 'redirect':
        socket.end(head(`Location: http://127.0.0.1:1/v2/elsewhere\r\nContent-Length: 0\r\n`));
        return;
    }
  };
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let received = Buffer.alloc(0);
    const onData = (data: Buffer) => {
      received = Buffer.concat([received, data]);
      const end = received.indexOf('\r\n\r\n');
      if (end === -1) return;
      const length = Number(/content-length:\s*(\d+)/i.exec(received.subarray(0, end).toString('latin1'))?.[1] ?? 0);
      if (received.length < end + 4 + length) return;
      socket.off('data', onData);
      const plan = state.plans[Math.min(state.served, state.plans.length - 1)];
      state.served += 1;
      play(socket, plan);
    };
    socket.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v2`,
    get plans() {
      return state.plans;
    },
    set plans(value: Plan[]) {
      state.plans = value;
      state.served = 0;
    },
    get served() {
      return state.served;
    },
    openSockets: () => sockets.size,
    openModes: () => [...sockets].map((socket) => modes.get(socket) ?? 'idle'),
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearInterval(timer);
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('hostile responses through the real fetch transport (loopback HTTP)', () => {
  let server: Awaited<ReturnType<typeof startRawServer>>;
  beforeAll(async () => {
    server = await startRawServer();
  });
  afterAll(async () => {
    await server.close();
  });

  const MAX_BODY = 64 * 1024;
  const endpointFor = (fetch?: typeof globalThis.fetch) =>
    createEndpoint({
      apiKey: 'hostile-key',
      endpointId: 'ep',
      baseUrl: server.baseUrl,
      env: {},
      transport: createFetchTransport({
        bodyTimeout: 150,
        maxBodyBytes: MAX_BODY,
        ...(fetch && { fetch: fetch as never }),
      }),
      requestTimeout: 200,
      retry: { count: 1, baseDelay: 5, maxDelay: 5, maxRetryAfter: 5 },
      longPollWait: 100,
      streamWait: 100,
      polling: { initialInterval: 20, maxInterval: 20 },
      // The cancels of the jobs abandoned at the deadline give up within the spec, not after 5 min.
      cancelPatience: 1_000,
    });
  const liveDeadline = { timeout: 600 };
  const liveCall: Record<string, (e: Endpoint) => Observable<unknown>> = {
    runSync: (e) => e.runSync({ input: 1 }, liveDeadline),
    watch: (e) => e.watch('job-1', liveDeadline),
    stream: (e) => e.stream('job-1', liveDeadline),
    submit: (e) => e.submit({ input: 1 }, liveDeadline),
  };

  const mode = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom<Plan['mode']>('normal', 'chunked') },
    {
      weight: 3,
      arbitrary: fc.constantFrom<Plan['mode']>(
        'drip-body',
        'drip-headers',
        'short-then-hold',
        'short-then-close',
        'close-at-once',
        'never-answer',
        'huge',
        'huge-announced',
        'redirect',
      ),
    },
  );
  const plan: fc.Arbitrary<Plan> = fc.oneof(
    {
      weight: 1,
      arbitrary: fc.constantFrom(...ROUTES).map((route) => ({
        status: 200,
        type: 'application/json',
        body: JSON.stringify(VALID[route]),
        mode: 'normal' as const,
      })),
    },
    { weight: 3, arbitrary: fc.record({ status: statusCode, type: contentType, body: hostileBody, mode }) },
  );

  it.each(OPERATIONS.map((op) => [op.name, op] as const))(
    '%s: drips, cut bodies, resets, floods, redirects and garbage end in values or a typed error, leaving no socket',
    async (name, op) => {
      let cases = 0;
      const kinds: Record<string, number> = {};
      await fc.assert(
        fc.asyncProperty(fc.array(plan, { minLength: 1, maxLength: 4 }), fc.boolean(), async (plans, platformFetch) => {
          server.plans = plans;
          const endpoint = endpointFor(platformFetch ? globalThis.fetch : undefined);
          const call = liveCall[op.name] ?? op.call;
          const result = await outcome(call(endpoint));
          cases += 1;
          const kind = result.error === undefined ? 'values' : (result.error as Error).name;
          kinds[kind] = (kinds[kind] ?? 0) + 1;
          const problem = verdict(op, { ...result, done: true });
          if (problem !== undefined) throw new Error(`${problem} (plans ${JSON.stringify(plans).slice(0, 300)})`);
        }),
        { seed: SEED + 300 + OPERATIONS.indexOf(op), numRuns: HTTP_RUNS },
      );
      // Every connection that carried a request was closed: none held by a drip or a flood. (A
      // connection the client's pool opened and never used is closed by its keep-alive timeout:
      // checked once, at the end.)
      const busy = () => server.openModes().filter((mode) => mode !== 'idle');
      const deadlineAt = Date.now() + 3_000;
      while (busy().length > 0 && Date.now() < deadlineAt) await new Promise((r) => setTimeout(r, 20));
      expect(busy()).toEqual([]);
      figures[`http ${name}`] = { cases, endings: kinds };
    },
    30_000,
  );

  it('idle connections of the client pools are closed by their keep-alive timeout: no socket is left', async () => {
    const deadlineAt = Date.now() + 8_000;
    while (server.openSockets() > 0 && Date.now() < deadlineAt) await new Promise((r) => setTimeout(r, 50));
    expect(server.openModes()).toEqual([]);
  }, 10_000);

  it('a body over maxBodyBytes is a DecodeError, at once when Content-Length announces it; an error body is cut, not refused', async () => {
    server.plans = [{ status: 200, type: 'application/json', body: '{"id":', mode: 'huge-announced' }];
    const announced = await lastValueFrom(endpointFor().status('job-1')).catch((e: unknown) => e);
    expect(isDecodeError(announced)).toBe(true);
    expect((announced as Error).message).toContain(`announces ${200 * 1024 * 1024} bytes`);

    server.plans = [{ status: 200, type: 'application/json', body: '', mode: 'huge' }];
    const streamed = await lastValueFrom(endpointFor().health()).catch((e: unknown) => e);
    expect(isDecodeError(streamed)).toBe(true);
    expect((streamed as Error).message).toContain(`over the limit of ${MAX_BODY} bytes`);

    server.plans = [{ status: 500, type: 'text/plain', body: 'x'.repeat(200_000), mode: 'normal' }];
    const failed = await lastValueFrom(
      createEndpoint({ apiKey: 'k', endpointId: 'ep', baseUrl: server.baseUrl, env: {}, retry: false }).health(),
    ).catch((e: unknown) => e);
    expect(isHttpError(failed)).toBe(true);
    expect((failed as { body: string }).body.length).toBeLessThan(1_000);

    // The default limit (64 MiB) holds too, without reading the body.
    server.plans = [{ status: 200, type: 'application/json', body: '{', mode: 'huge-announced' }];
    const byDefault = await lastValueFrom(
      createEndpoint({ apiKey: 'k', endpointId: 'ep', baseUrl: server.baseUrl, env: {}, retry: false }).status('job-1'),
    ).catch((e: unknown) => e);
    expect(isDecodeError(byDefault)).toBe(true);
    const deadlineAt = Date.now() + 3_000;
    while (server.openSockets() > 0 && Date.now() < deadlineAt) await new Promise((r) => setTimeout(r, 20));
    expect(server.openSockets()).toBe(0);
  });
});
