/**
 * Bad client input: a typed error on subscribe, before any request is sent, and never a throw
 * from the method call. Complements test/endpoint/*.spec.ts, which already covers BigInt, cycles
 * and functions in runSync/submit, 20 MB on runSync and 10 MB on run, the ids '', 'a/b', '..' and
 * 42, a policy.executionTimeout of 1 s and a NaN ttl, and timeouts of -1 and NaN.
 */
import * as t from 'io-ts';
import { delay, of, type Observable } from 'rxjs';
import {
  createEndpoint,
  isConfigError,
  isInvalidInputError,
  isPayloadTooLargeError,
  isRunpodError,
  type Endpoint,
  type EndpointConfig,
  type HttpRequest,
  type HttpResponse,
  type JobRequest,
} from 'runpod-rx';
import { startEmulator, type Emulator } from 'runpod-rx/emulator';
import { countingTransport, outcome } from './helpers';

// RunPod's "10 MB" and "20 MB", read as decimal megabytes.
const RUN_LIMIT = 10_000_000;
const RUNSYNC_LIMIT = 20_000_000;
const NOT_CALLED = Symbol('no error');

/** The job a request is about (answers must name it): its last path segment, or `j1` for a new job. */
function jobIdOf(request: HttpRequest): string {
  return ['run', 'runsync', 'health', 'purge-queue'].includes(request.route)
    ? 'j1'
    : request.path.split('?')[0].split('/').pop()!;
}

/** A valid answer for each route, after `ms` of real time. */
function answers(ms = 0, state = 'COMPLETED') {
  return (request: HttpRequest): Observable<HttpResponse> => {
    const id = jobIdOf(request);
    const body =
      request.route === 'stream'
        ? { id, status: state, stream: [] }
        : request.route === 'health'
          ? {
              jobs: { completed: 0, failed: 0, inProgress: 0, inQueue: 0, retried: 0 },
              workers: { idle: 1, running: 0 },
            }
          : request.route === 'purge-queue'
            ? { removed: 0, status: 'completed' }
            : { id, status: request.route === 'run' || request.route === 'retry' ? 'IN_QUEUE' : state };
    const response = { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
    return ms > 0 ? of(response).pipe(delay(ms)) : of(response);
  };
}

/** Answers after `ms` that make every long-running call take its second step: /status says IN_PROGRESS, status-sync COMPLETED. */
function following(ms: number) {
  const base = answers(ms);
  return (request: HttpRequest): Observable<HttpResponse> => {
    if (request.route !== 'status') return base(request);
    const response = {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: jobIdOf(request), status: 'IN_PROGRESS' }),
    };
    return of(response).pipe(delay(ms));
  };
}

function endpointWith(config: EndpointConfig = {}, answer = answers()) {
  const counting = countingTransport(answer);
  const endpoint = createEndpoint({
    apiKey: 'k',
    endpointId: 'ep',
    env: {},
    retry: false,
    ...config,
    transport: counting.transport,
  });
  return { endpoint, sent: counting.sent };
}

/** The error a call gives synchronously on subscribe (the call itself must not throw). */
function errorOnSubscribe(make: () => Observable<unknown>): unknown {
  let call: Observable<unknown>;
  try {
    call = make();
  } catch (error) {
    return new Error(`the method threw instead of erroring on subscribe: ${String(error)}`);
  }
  let error: unknown = NOT_CALLED;
  call.subscribe({ error: (e: unknown) => (error = e) }).unsubscribe();
  return error;
}

/** The three calls that send a job request, with their byte limit. */
const CREATORS: [string, (e: Endpoint, r: JobRequest) => Observable<unknown>, number][] = [
  ['run', (e, r) => e.run(r), RUN_LIMIT],
  ['submit', (e, r) => e.submit(r), RUN_LIMIT],
  ['runSync', (e, r) => e.runSync(r), RUNSYNC_LIMIT],
  // A deadline too short for RunPod's smallest runsync wait: runSync starts with /run, and its limit.
  ['runSync (starting with /run)', (e, r) => e.runSync(r, { timeout: 1_200 }), RUN_LIMIT],
];
/** The calls that take a job id. */
const BY_ID: [string, (e: Endpoint, id: string) => Observable<unknown>][] = [
  ['status', (e, id) => e.status(id)],
  ['watch', (e, id) => e.watch(id)],
  ['stream', (e, id) => e.stream(id)],
  ['cancel', (e, id) => e.cancel(id)],
  ['retry', (e, id) => e.retry(id)],
];
/** Every call, with a `timeout` option. */
const WITH_TIMEOUT: [string, (e: Endpoint, timeout: number) => Observable<unknown>][] = [
  ['run', (e, timeout) => e.run({ input: 1 }, { timeout })],
  ['runSync', (e, timeout) => e.runSync({ input: 1 }, { timeout })],
  ['submit', (e, timeout) => e.submit({ input: 1 }, { timeout })],
  ['status', (e, timeout) => e.status('j1', { timeout })],
  ['watch', (e, timeout) => e.watch('j1', { timeout })],
  ['stream', (e, timeout) => e.stream('j1', { timeout })],
  ['cancel', (e, timeout) => e.cancel('j1', { timeout })],
  ['retry', (e, timeout) => e.retry('j1', { timeout })],
  ['health', (e, timeout) => e.health({ timeout })],
  ['purgeQueue', (e, timeout) => e.purgeQueue({ timeout })],
];

describe('bad client input: a typed error before any request', () => {
  // Creating requests abandoned on the wire finish detached, at their (short) timeouts: let them.
  afterAll(() => new Promise((resolve) => setTimeout(resolve, 1_200)));

  describe('input JSON cannot carry', () => {
    const cyclicArray: unknown[] = [1];
    cyclicArray.push(cyclicArray);
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const inputs: [string, unknown][] = [
      ['a symbol', { s: Symbol('s') }],
      ['a symbol as the whole input', Symbol('s')],
      ['NaN', { n: Number.NaN }],
      ['Infinity', { n: Number.POSITIVE_INFINITY }],
      ['-Infinity in an array', [1, Number.NEGATIVE_INFINITY]],
      ['a BigInt in an array', [1n]],
      ['a function in an array', [() => 1]],
      ['a function as the whole input', () => 1],
      ['a cycle through an array', cyclicArray],
      [
        'a getter that throws',
        {
          get x(): number {
            throw new Error('no x');
          },
        },
      ],
      [
        'a toJSON that throws',
        {
          toJSON: () => {
            throw new Error('no JSON');
          },
        },
      ],
      ['a toJSON that returns a BigInt', { toJSON: () => 5n }],
      ['100,000 levels of nesting', deep],
    ];
    it.each(CREATORS)('%s refuses each of them with InvalidInputError', (_, call) => {
      const { endpoint, sent } = endpointWith();
      for (const [what, input] of inputs) {
        const error = errorOnSubscribe(() => call(endpoint, { input }));
        expect([what, isInvalidInputError(error)]).toEqual([what, true]);
      }
      expect(sent()).toBe(0);
    });

    it('an input codec that throws, or encodes to something JSON cannot carry, is an InvalidInputError', () => {
      const exploding = new t.Type<number, unknown, unknown>(
        'Exploding',
        (u): u is number => typeof u === 'number',
        (u, c) => (typeof u === 'number' ? t.success(u) : t.failure(u, c)),
        () => {
          throw new Error('encoder exploded');
        },
      );
      const toBigInt = new t.Type<number, unknown, unknown>('ToBigInt', t.number.is, t.number.validate, (n) =>
        BigInt(n),
      );
      for (const input of [exploding, toBigInt]) {
        const { endpoint, sent } = endpointWith({ codecs: { input } } as EndpointConfig);
        for (const [, call] of CREATORS) {
          const error = errorOnSubscribe(() => call(endpoint, { input: 3 }));
          expect(isInvalidInputError(error)).toBe(true);
        }
        expect(sent()).toBe(0);
      }
    });
  });

  describe('payload size', () => {
    // `{"input":"…"}` around a string of n characters.
    const OVERHEAD = '{"input":""}'.length;
    it.each(CREATORS)('%s: a body of exactly the limit is sent, one byte more is refused', (_, call, limit) => {
      // Answers that never come in time: only the create request is sent, then abandoned (it
      // finishes detached, at a short timeout).
      const { endpoint, sent } = endpointWith({ requestTimeout: 100, runsyncWait: 1_000 }, answers(60_000));
      const over = errorOnSubscribe(() => call(endpoint, { input: 'x'.repeat(limit - OVERHEAD + 1) }));
      expect(isPayloadTooLargeError(over)).toBe(true);
      expect(over).toMatchObject({ bytes: limit + 1, limit });
      expect(sent()).toBe(0);
      const atLimit = errorOnSubscribe(() => call(endpoint, { input: 'x'.repeat(limit - OVERHEAD) }));
      expect(atLimit).toBe(NOT_CALLED);
      expect(sent()).toBe(1);
    });

    it('counts UTF-8 bytes, not characters: 3-byte and 4-byte characters over 10 MB are refused', () => {
      const { endpoint, sent } = endpointWith();
      // Each € is one UTF-16 unit and 3 bytes; each 😀 is two units and 4 bytes.
      for (const [char, bytes] of [
        ['€', 3],
        ['😀', 4],
      ] as const) {
        const count = Math.floor(RUN_LIMIT / bytes) + 1;
        const error = errorOnSubscribe(() => endpoint.run({ input: char.repeat(count) }));
        expect(isPayloadTooLargeError(error)).toBe(true);
        expect(error).toMatchObject({ bytes: count * bytes + 12, limit: RUN_LIMIT });
      }
      expect(sent()).toBe(0);
    });

    it('against the emulator: one byte over the limit never reaches it, the limit itself creates the job', async () => {
      const emulator: Emulator = await startEmulator({ rateLimits: false });
      try {
        const endpoint = createEndpoint({ apiKey: 'k', endpointId: 'ep', baseUrl: emulator.baseUrl, env: {} });
        const tooBig = await outcome(endpoint.run({ input: 'x'.repeat(RUN_LIMIT - 11) }));
        expect(isPayloadTooLargeError(tooBig.error)).toBe(true);
        expect(emulator.stats().requests).toEqual({});
        const fits = await outcome(endpoint.run({ input: 'x'.repeat(RUN_LIMIT - 12) }));
        expect(fits.completed).toBe(true);
        expect(emulator.stats().jobsCreated).toBe(1);
      } finally {
        await emulator.close();
      }
    });
  });

  describe('job ids', () => {
    const ids: [string, unknown][] = [
      ['a backslash', 'a\\b'],
      ['a question mark', 'a?b'],
      ['a hash', 'a#b'],
      ['a percent (an encoded "/" or "..")', '%2e%2e'],
      ['a space', 'a b'],
      ['a new line', 'a\nb'],
      ['a NUL', 'a\u0000b'],
      ['a tab', '\t'],
      ['".." inside', 'a..b'],
      ['"/.."', '/..'],
      ['513 characters', 'x'.repeat(513)],
      ['100,000 characters', 'x'.repeat(100_000)],
      ['null', null],
      ['undefined', undefined],
      ['an object', { id: 'j1' }],
      ['an array', ['j1']],
      ['a String object', new String('j1')],
    ];
    it.each(BY_ID)('%s refuses each of them with InvalidInputError', (_, call) => {
      const { endpoint, sent } = endpointWith();
      for (const [what, id] of ids) {
        const error = errorOnSubscribe(() => call(endpoint, id as string));
        expect([what, isInvalidInputError(error)]).toEqual([what, true]);
      }
      expect(sent()).toBe(0);
    });

    it.each(BY_ID)('%s accepts an id of exactly 512 characters', async (_, call) => {
      const { endpoint, sent } = endpointWith();
      let error: unknown = NOT_CALLED;
      const subscription = call(endpoint, 'x'.repeat(512)).subscribe({ error: (e: unknown) => (error = e) });
      // `watch` sends its first request once the code that subscribed has run (a scheduled action).
      await new Promise((resolve) => setTimeout(resolve, 0));
      subscription.unsubscribe();
      expect(error).toBe(NOT_CALLED);
      expect(sent()).toBe(1);
    });

    it('"." (a dot segment: URL parsing turns /status/. into /status/) is refused by every call that takes an id', () => {
      const accepted: string[] = [];
      for (const [name, call] of BY_ID) {
        const { endpoint, sent } = endpointWith();
        const error = errorOnSubscribe(() => call(endpoint, '.'));
        if (!isInvalidInputError(error) || sent() > 0) accepted.push(`${name} sent ${sent()} request(s)`);
      }
      expect(accepted).toEqual([]);
    });
  });

  describe('timeouts and poll intervals', () => {
    const bad: [string, unknown][] = [
      ['-1', -1],
      ['0', 0],
      ['-0', -0],
      ['NaN', Number.NaN],
      ['-Infinity', Number.NEGATIVE_INFINITY],
      ['a string', '100'],
      ['null', null],
      ['an object', {}],
    ];
    it.each(WITH_TIMEOUT)('%s refuses a timeout that is not a positive number', (_, call) => {
      const { endpoint, sent } = endpointWith();
      for (const [what, timeout] of bad) {
        const error = errorOnSubscribe(() => call(endpoint, timeout as number));
        expect([what, isInvalidInputError(error)]).toEqual([what, true]);
      }
      expect(sent()).toBe(0);
    });

    it.each([
      ['watch', (e: Endpoint, pollInterval: number) => e.watch('j1', { pollInterval })],
      ['submit', (e: Endpoint, pollInterval: number) => e.submit({ input: 1 }, { pollInterval })],
    ] as const)('%s refuses a pollInterval that is not a positive number', (_, call) => {
      const { endpoint, sent } = endpointWith();
      for (const [what, pollInterval] of bad) {
        const error = errorOnSubscribe(() => call(endpoint, pollInterval as number));
        expect([what, isInvalidInputError(error)]).toEqual([what, true]);
      }
      expect(sent()).toBe(0);
    });

    // Node timers hold at most 2^31 - 1 ms (24.8 days); a longer delay fires after 1 ms.
    const BEYOND_TIMERS: [string, number][] = [
      ['2^31 ms', 2 ** 31],
      ['Infinity', Number.POSITIVE_INFINITY],
    ];
    it('a timeout beyond what a timer holds is refused up front or honoured by every call, never fired at once', async () => {
      const problems: string[] = [];
      for (const [name, call] of WITH_TIMEOUT) {
        for (const [what, timeout] of BEYOND_TIMERS) {
          const { endpoint, sent } = endpointWith({}, answers(40));
          const result = await outcome(call(endpoint, timeout));
          const refused = isInvalidInputError(result.error) && sent() === 0;
          if (!refused && !result.completed) {
            problems.push(
              `${name} with timeout ${what}: ${(result.error as Error).name}: ${(result.error as Error).message}`,
            );
          }
        }
      }
      expect(problems).toEqual([]);
    });

    it('a pollInterval beyond what a timer holds is refused up front or honoured, never a hot loop', async () => {
      const calls = [
        ['watch', (e: Endpoint, pollInterval: number) => e.watch('j1', { pollInterval })],
        ['submit', (e: Endpoint, pollInterval: number) => e.submit({ input: 1 }, { pollInterval })],
      ] as const;
      const problems: string[] = [];
      for (const [name, call] of calls) {
        for (const [what, pollInterval] of BEYOND_TIMERS) {
          const { endpoint, sent } = endpointWith({}, answers(0, 'IN_PROGRESS'));
          let error: unknown;
          const subscription = call(endpoint, pollInterval).subscribe({ error: (e: unknown) => (error = e) });
          await new Promise((resolve) => setTimeout(resolve, 150));
          const count = sent();
          subscription.unsubscribe();
          const refused = isInvalidInputError(error) && count === 0;
          // Honoured: the first state (run, or status) and nothing more, the next poll being days away.
          if (!refused && count !== 1) problems.push(`${name} with pollInterval ${what}: ${count} requests in 150 ms`);
        }
      }
      expect(problems).toEqual([]);
    });
  });

  describe('endpoint settings', () => {
    it('requestTimeout, longPollWait and streamWait beyond what a timer holds are refused by createEndpoint or honoured', async () => {
      const settings = [
        ['requestTimeout', { requestTimeout: 2 ** 31 }],
        ['longPollWait', { longPollWait: 2 ** 31 }],
        ['streamWait', { streamWait: 2 ** 31 }],
      ] as const;
      const problems: string[] = [];
      for (const [name, config] of settings) {
        let endpoint: Endpoint;
        try {
          endpoint = endpointWith(config, following(40)).endpoint;
        } catch (error) {
          if (!isConfigError(error)) problems.push(`${name}: createEndpoint threw ${String(error)}`);
          continue;
        }
        const calls: [string, Observable<unknown>][] = [
          ['status', endpoint.status('j1')],
          ['watch', endpoint.watch('j1')],
          ['stream', endpoint.stream('j1')],
          ['submit', endpoint.submit({ input: 1 })],
        ];
        for (const [call, source] of calls) {
          const result = await outcome(source);
          if (!result.completed) problems.push(`${name} 2^31 ms, ${call}: ${(result.error as Error).name}`);
        }
      }
      expect(problems).toEqual([]);
    });

    it('retry settings that are not numbers in range (or a random that is no function) are a ConfigError', () => {
      const settings = [
        ['baseDelay NaN', { baseDelay: Number.NaN }],
        ['baseDelay -1', { baseDelay: -1 }],
        ['maxDelay NaN', { maxDelay: Number.NaN }],
        ['maxRetryAfter -5', { maxRetryAfter: -5 }],
        ['random 0.5', { random: 0.5 as unknown as () => number }],
      ] as const;
      const accepted: string[] = [];
      for (const [name, retry] of settings) {
        let thrown: unknown = NOT_CALLED;
        try {
          endpointWith({ retry });
        } catch (error) {
          thrown = error;
        }
        if (!isConfigError(thrown)) accepted.push(name);
      }
      expect(accepted).toEqual([]);
    });
  });

  describe('policy, webhook, s3Config and the request itself', () => {
    const DAY = 86_400_000;
    const policies: [string, unknown][] = [
      ['executionTimeout 4,999 ms', { executionTimeout: 4_999 }],
      ['executionTimeout 7 days + 1 ms', { executionTimeout: 7 * DAY + 1 }],
      ['executionTimeout 5,000.5 ms', { executionTimeout: 5_000.5 }],
      ['executionTimeout as a string', { executionTimeout: '6000' }],
      ['executionTimeout -1', { executionTimeout: -1 }],
      ['executionTimeout Infinity', { executionTimeout: Number.POSITIVE_INFINITY }],
      ['executionTimeout null', { executionTimeout: null }],
      ['ttl 9,999 ms', { ttl: 9_999 }],
      ['ttl 7 days + 1 ms', { ttl: 7 * DAY + 1 }],
      ['ttl 0', { ttl: 0 }],
      ['ttl as a string', { ttl: '20000' }],
      ['lowPriority "yes"', { lowPriority: 'yes' }],
      ['a null policy', null],
      ['a string policy', 'fast'],
      ['an array policy', [5_000]],
    ];
    const requests: [string, unknown][] = [
      ['no request', undefined],
      ['null', null],
      ['a string', '{"input":1}'],
      ['an array', [{ input: 1 }]],
      ['no input', {}],
      ['input undefined', { input: undefined }],
      ['a webhook that is not a string', { input: 1, webhook: 42 }],
      ['a webhook object', { input: 1, webhook: { url: 'http://x' } }],
      ['an s3Config that is not an object', { input: 1, s3Config: 'bucket' }],
      [
        'an s3Config without its strings',
        { input: 1, s3Config: { accessId: 1, accessSecret: 's', bucketName: 'b', endpointUrl: 'u' } },
      ],
    ];
    it.each(CREATORS)('%s refuses policies outside RunPod ranges and malformed requests', (_, call) => {
      const { endpoint, sent } = endpointWith();
      for (const [what, policy] of policies) {
        const error = errorOnSubscribe(() => call(endpoint, { input: 1, policy } as JobRequest));
        expect([what, isInvalidInputError(error)]).toEqual([what, true]);
      }
      for (const [what, request] of requests) {
        const error = errorOnSubscribe(() => call(endpoint, request as JobRequest));
        expect([what, isInvalidInputError(error)]).toEqual([what, true]);
      }
      expect(sent()).toBe(0);
    });

    it.each(CREATORS)('%s accepts the edges of RunPod ranges', (_, call) => {
      // A creating request on the wire finishes detached when its subscriber leaves: short
      // timeouts end these within about a second instead of keeping jest's worker alive 30 s.
      const { endpoint, sent } = endpointWith({ requestTimeout: 100, runsyncWait: 1_000 }, answers(60_000));
      const edges = [
        { executionTimeout: 5_000, ttl: 10_000 },
        { executionTimeout: 7 * DAY, ttl: 7 * DAY, lowPriority: true },
      ];
      for (const policy of edges) expect(errorOnSubscribe(() => call(endpoint, { input: 1, policy }))).toBe(NOT_CALLED);
      expect(sent()).toBe(edges.length);
    });
  });

  it('against the emulator: none of the bad inputs above sends a single request', async () => {
    const emulator = await startEmulator({ rateLimits: false });
    try {
      const endpoint = createEndpoint({ apiKey: 'k', endpointId: 'ep', baseUrl: emulator.baseUrl, env: {} });
      const calls: Observable<unknown>[] = [
        endpoint.run({ input: { n: Number.NaN } }),
        endpoint.runSync({ input: Symbol('s') }),
        endpoint.submit({ input: 1, policy: { ttl: 1 } }),
        endpoint.runSync({ input: 'x'.repeat(RUNSYNC_LIMIT) }),
        endpoint.status('a?b'),
        endpoint.watch('x'.repeat(513)),
        endpoint.stream('a b'),
        endpoint.cancel('%2e%2e'),
        endpoint.retry(null as unknown as string),
        endpoint.health({ timeout: -1 }),
        endpoint.purgeQueue({ timeout: Number.NaN }),
        endpoint.watch('j1', { pollInterval: 0 }),
        endpoint.submit({} as JobRequest),
      ];
      for (const call of calls) {
        const result = await outcome(call);
        expect(isRunpodError(result.error)).toBe(true);
      }
      expect(emulator.stats().requests).toEqual({});
      expect(emulator.stats().jobsCreated).toBe(0);
    } finally {
      await emulator.close();
    }
  });
});
