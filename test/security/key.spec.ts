/**
 * The API key never shows (issue 11, point 1). A key with a character outside visible ASCII is
 * refused by `createEndpoint` with a `ConfigError` that names the kind of character and its
 * position; whatever a fetch or a transport throws, and whatever a server echoes in an error
 * answer, no error message, cause, stack, `inspect` output, event or CLI line holds the key or
 * a piece of it. Over real loopback HTTP with cross-fetch and with the platform `fetch`.
 */
import crossFetch from 'cross-fetch';
import { firstValueFrom, Observable, throwError } from 'rxjs';
import {
  createEndpoint,
  createFetchTransport,
  isConfigError,
  isHttpError,
  isNetworkError,
  isUnauthorizedError,
  NetworkError,
  type EndpointConfig,
  type FetchLike,
  type RunpodEvent,
  type Transport,
} from 'runpod-rx';
import { main, type CliIo } from '../../src/cli/main';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server';
import { everyText, outcome } from '../reliability/helpers';

const KEY = 'rpa_SECURITY_KEY_3c5d7e9f1a4b';

/** Every run of 8 characters of the key that `value` shows, in any of its renderings. */
function leaks(value: unknown, key = KEY): string[] {
  const text = typeof value === 'string' ? value : everyText(value);
  const found = new Set<string>();
  for (let i = 0; i + 8 <= key.length; i++) if (text.includes(key.slice(i, i + 8))) found.add(key.slice(i, i + 8));
  return [...found];
}

/** The ConfigError `createEndpoint` throws for `config`, or a failure if it throws none. */
function configError(config: EndpointConfig): Error {
  try {
    createEndpoint({ endpointId: 'ep', env: {}, ...config });
  } catch (error) {
    expect(isConfigError(error)).toBe(true);
    return error as Error;
  }
  throw new Error('createEndpoint accepted the key');
}

describe('a key with a character outside visible ASCII is refused at config, naming kind and place', () => {
  const at = (position: number) => KEY.slice(0, position);
  it.each([
    ['a zero-width space at the end', `${KEY}\u200b`, /a zero-width or invisible character at position 29 \(the last/],
    ['a BOM at the start', `\ufeff${KEY}`, /a zero-width or invisible character at position 0 \(the first/],
    ['a zero-width joiner inside', `${at(5)}\u200d${KEY.slice(5)}`, /zero-width or invisible character at position 5 /],
    ['an emoji', `${at(10)}🔑${KEY.slice(10)}`, /has an emoji at position 10 \(counting from 0\)/],
    ['a Cyrillic look-alike (а for a)', KEY.replace('a', '\u0430'), /a non-ASCII letter \(a look-alike/],
    ['a Greek look-alike (Κ for K)', KEY.replace('K', '\u039a'), /a non-ASCII letter/],
    ['a trailing newline', `${KEY}\n`, /has a line break at position 29 \(the last character\)/],
    ['a trailing CRLF', `${KEY}\r\n`, /a line break at position 29 \(counting from 0\), and 1 more character/],
    ['a space', `${at(4)} ${KEY.slice(4)}`, /has a space at position 4/],
    ['a tab', `${KEY}\t`, /has a tab at position 29/],
    ['a no-break space', `${KEY}\u00a0`, /a non-breaking or other Unicode space/],
    ['a control character', `${at(3)}\u0007${KEY.slice(3)}`, /a control character at position 3/],
    ['an accented letter', KEY.replace('E', '\u00c9'), /a non-ASCII letter/],
    ['a full-width digit', KEY.replace('3', '\uff13'), /a non-ASCII digit/],
    ['a combining accent', `${at(6)}\u0301${KEY.slice(6)}`, /a combining mark/],
    ['a Bearer prefix', `Bearer ${KEY}`, /a space at position 6 .*without the "Bearer " prefix/],
  ])('%s', (_what, apiKey, message) => {
    const error = configError({ apiKey });
    expect(error.message).toMatch(message);
    expect(error.message).toMatch(/^the API key \(passed as apiKey\) has /);
    expect(leaks(error)).toEqual([]);
    expect(leaks(error, apiKey)).toEqual([]);
  });

  it('says which variable held the key when it came from the environment', () => {
    const fromMain = configError({ env: { RUNPOD_API_KEY: `${KEY}\u200b` } });
    expect(fromMain.message).toMatch(/^the API key \(from RUNPOD_API_KEY\) has a zero-width/);
    const fromAlias = configError({ env: { RP_API_KEY: `${KEY}\n` } });
    expect(fromAlias.message).toMatch(/^the API key \(from RP_API_KEY\) has a line break/);
    expect(leaks([fromMain, fromAlias])).toEqual([]);
  });

  it('accepts every visible ASCII character', () => {
    const every = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i)).join('');
    expect(() => createEndpoint({ apiKey: every, endpointId: 'ep', env: {} })).not.toThrow();
  });
});

/** A fetch that fails as `fail` says, after recording that it was called. */
function failingFetch(fail: (authorization: string) => unknown, calls: string[] = []): FetchLike {
  return (_url, init) => {
    calls.push(init.method);
    return Promise.reject(fail(init.headers.authorization));
  };
}

/** An endpoint with fast retries, recording its events. */
function endpointWith(config: EndpointConfig, events: RunpodEvent[]) {
  return createEndpoint({
    apiKey: KEY,
    endpointId: 'ep',
    baseUrl: 'http://127.0.0.1:9/v2',
    env: {},
    retry: { count: 2, baseDelay: 2, maxDelay: 4 },
    onEvent: (event) => events.push(event),
    ...config,
  });
}

describe('a foreign fetch that puts the key in its error: redacted before it is wrapped', () => {
  const cases: [string, (authorization: string) => unknown][] = [
    ['in the message', (auth) => new TypeError(`${auth} is not a legal HTTP header value`)],
    [
      'in the stack only',
      () => {
        const error = new Error('request failed');
        error.stack = `Error: request failed\n    at send (${KEY}.js:1:1)`;
        return error;
      },
    ],
    ['in the cause', (auth) => new Error('fetch failed', { cause: new Error(`header authorization: ${auth}`) })],
    [
      'three causes deep',
      (auth) =>
        new Error('fetch failed', { cause: new Error('a', { cause: new Error('b', { cause: new Error(auth) }) }) }),
    ],
    ['cut short', () => new TypeError(`invalid header value "Bearer ${KEY.slice(0, 14)}…"`)],
    ['split by the bad character', () => new TypeError(`"${KEY.slice(0, 12)}\u200b${KEY.slice(12)}" is invalid`)],
    ['with a code', (auth) => Object.assign(new Error(`connect ECONNREFUSED (${auth})`), { code: 'ECONNREFUSED' })],
  ];

  it.each(cases)('%s', async (_what, fail) => {
    const events: RunpodEvent[] = [];
    const calls: string[] = [];
    const endpoint = endpointWith({ fetch: failingFetch(fail, calls) }, events);
    const { error } = await outcome(endpoint.health());
    expect(isNetworkError(error)).toBe(true);
    expect(leaks(error)).toEqual([]);
    // Retried as a network error: three attempts, three retry events, none showing the key.
    expect(calls).toHaveLength(3);
    expect(events.filter((event) => event.type === 'retry')).toHaveLength(2);
    expect(leaks(events)).toEqual([]);
  });

  it('keeps what is not the key: the code and the rest of the message, and "refused"', async () => {
    const endpoint = endpointWith(
      {
        retry: false,
        fetch: failingFetch((auth) =>
          Object.assign(new Error(`connect ECONNREFUSED 127.0.0.1:9 sending ${auth}`), { code: 'ECONNREFUSED' }),
        ),
      },
      [],
    );
    const { error } = await outcome(endpoint.run({ input: {} }));
    expect(error).toEqual(expect.any(NetworkError));
    expect((error as NetworkError).message).toBe(
      'network error: ECONNREFUSED connect ECONNREFUSED 127.0.0.1:9 sending Bearer [redacted] (POST /ep/run)',
    );
    expect((error as NetworkError).refused).toBe(true);
  });

  it('a fetch that throws synchronously, or rejects with a string, is wrapped the same way', async () => {
    const throwing: FetchLike = (_url, init) => {
      throw new TypeError(`${init.headers.authorization} is not a legal HTTP header value`);
    };
    const rejecting: FetchLike = (_url, init) => Promise.reject(`bad header ${init.headers.authorization}`);
    for (const fetch of [throwing, rejecting]) {
      const { error } = await outcome(endpointWith({ fetch, retry: false }, []).status('j1'));
      expect(isNetworkError(error)).toBe(true);
      expect(leaks(error)).toEqual([]);
    }
  });

  it('a fetch error whose message getter throws still ends in a NetworkError', async () => {
    const hostile = Object.create(Error.prototype, {
      message: {
        get() {
          throw new Error(KEY);
        },
      },
    }) as Error;
    const { error } = await outcome(endpointWith({ fetch: failingFetch(() => hostile), retry: false }, []).health());
    expect(isNetworkError(error)).toBe(true);
    expect(leaks(error)).toEqual([]);
  });
});

describe('a transport given in the options: an error that shows the key is replaced', () => {
  it('by a NetworkError with the key redacted; other errors pass through as they are', async () => {
    const plain = new Error('socket hang up');
    const errors: unknown[] = [];
    for (const fail of [
      (auth: string) => new Error(`proxy refused ${auth}`),
      () => Object.assign(new Error('boom'), { cause: new Error(KEY) }),
      () => plain,
    ]) {
      const transport: Transport = (request) => throwError(() => fail(request.headers.authorization));
      const { error } = await outcome(endpointWith({ transport, retry: false }, []).health());
      errors.push(error);
    }
    expect(errors.slice(0, 2).map((error) => [isNetworkError(error), (error as Error).message])).toEqual([
      [true, 'network error: proxy refused Bearer [redacted] (GET /ep/health)'],
      [true, 'network error: boom [redacted] (GET /ep/health)'],
    ]);
    expect(errors[2]).toBe(plain);
    expect(leaks(errors)).toEqual([]);
  });

  it('a transport that throws when called is covered too', async () => {
    const transport: Transport = (request) => {
      throw new Error(`cannot send ${request.headers.authorization}`);
    };
    const { error } = await outcome(endpointWith({ transport, retry: false }, []).health());
    expect(isNetworkError(error)).toBe(true);
    expect(leaks(error)).toEqual([]);
  });

  it('responses pass through untouched, and unsubscribing reaches the transport', async () => {
    let unsubscribed = 0;
    const transport: Transport = () =>
      new Observable((subscriber) => {
        subscriber.next({
          status: 200,
          headers: {},
          body: JSON.stringify({ id: 'j1', status: 'COMPLETED', output: KEY }),
        });
        subscriber.complete();
        return () => unsubscribed++;
      });
    const state = await firstValueFrom(endpointWith({ transport, retry: false }, []).status('j1'));
    // Job output is the caller's data, not an error: it is never rewritten.
    expect(state).toEqual({ id: 'j1', status: 'COMPLETED', output: KEY });
    expect(unsubscribed).toBe(1);
  });
});

const FETCHES: [string, FetchLike | undefined][] = [
  ['cross-fetch', undefined],
  ['the platform fetch', globalThis.fetch as unknown as FetchLike],
];

describe.each(FETCHES)('over real loopback HTTP with %s', (_name, realFetch) => {
  let server: LoopbackServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  /** The real fetch (cross-fetch when `realFetch` is undefined, as the default transport). */
  const send: FetchLike = realFetch ?? (crossFetch as unknown as FetchLike);

  it('a header-value error from the real fetch (the key corrupted on its way) never shows the key', async () => {
    server = await startLoopbackServer((_req, res) => res.end('{}'));
    const foreign: unknown[] = [];
    const corrupting: FetchLike = async (url, init) => {
      try {
        return await send(url, {
          ...init,
          headers: { ...init.headers, authorization: `${init.headers.authorization}\u200b` },
        });
      } catch (error) {
        foreign.push(error);
        throw error;
      }
    };
    const events: RunpodEvent[] = [];
    const endpoint = endpointWith({ baseUrl: server.baseUrl, fetch: corrupting }, events);
    const { error } = await outcome(endpoint.health());
    expect(isNetworkError(error)).toBe(true);
    expect(foreign).toHaveLength(3);
    // cross-fetch (node-fetch) quotes the whole header in its TypeError; the platform fetch does not.
    expect(leaks(foreign).length > 0).toBe(realFetch === undefined);
    expect(leaks(error)).toEqual([]);
    expect(leaks(events)).toEqual([]);
    // Nothing reached the server: the header never left.
    expect(server.received).toEqual([]);
  });

  it('a wrapping fetch that rethrows a reset with the key in message, stack and cause: redacted', async () => {
    server = await startLoopbackServer((req) => req.socket.destroy());
    const noisy: FetchLike = async (url, init) => {
      try {
        return await send(url, init);
      } catch (cause) {
        const error = new Error(`request with authorization=${init.headers.authorization} failed`, {
          cause: Object.assign(new Error(`${(cause as Error).message} [${init.headers.authorization}]`), {
            code: 'ECONNRESET',
          }),
        });
        error.stack = `${error.stack ?? ''}\n    at audit (${init.headers.authorization})`;
        throw error;
      }
    };
    const events: RunpodEvent[] = [];
    const { error } = await outcome(endpointWith({ baseUrl: server.baseUrl, fetch: noisy }, events).status('j1'));
    expect(isNetworkError(error)).toBe(true);
    expect((error as Error).message).toContain('[redacted]');
    expect((error as Error).message).toContain('ECONNRESET');
    expect(server.received).toHaveLength(3);
    expect(leaks(error)).toEqual([]);
    expect(leaks(events)).toEqual([]);
  });

  it('a server that echoes the key in its error answers: the HttpError body is redacted', async () => {
    server = await startLoopbackServer((req, res) => {
      const status = req.url?.endsWith('/health') ? 401 : 500;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: `invalid key: ${req.headers.authorization ?? ''}` }));
    });
    const events: RunpodEvent[] = [];
    const endpoint = endpointWith({ baseUrl: server.baseUrl, ...(realFetch && { fetch: realFetch }) }, events);
    const unauthorized = await outcome(endpoint.health());
    const failed = await outcome(endpoint.run({ input: {} }));
    expect(isUnauthorizedError(unauthorized.error)).toBe(true);
    expect(isHttpError(failed.error)).toBe(true);
    expect((failed.error as Error).message).toBe('HTTP 500: invalid key: Bearer [redacted] (POST /ep/run)');
    expect(server.received.map((r) => r.headers.authorization)).toEqual([`Bearer ${KEY}`, `Bearer ${KEY}`]);
    expect(leaks([unauthorized.error, failed.error, events])).toEqual([]);
  });

  it(`sends User-Agent: runpod-rx/VERSION in Node`, async () => {
    server = await startLoopbackServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'j1', status: 'IN_QUEUE' }));
    });
    const { version } = jest.requireActual<{ version: string }>('../../package.json');
    const endpoint = endpointWith({ baseUrl: server.baseUrl, ...(realFetch && { fetch: realFetch }) }, []);
    await firstValueFrom(endpoint.run({ input: {} }));
    await firstValueFrom(endpoint.status('j1'));
    expect(server.received.map((r) => r.headers['user-agent'])).toEqual([
      `runpod-rx/${version}`,
      `runpod-rx/${version}`,
    ]);
  });

  it('sends no runpod-rx User-Agent where a page runs (a document exists): browsers forbid it', async () => {
    server = await startLoopbackServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'j1', status: 'IN_QUEUE' }));
    });
    const seen: string[][] = [];
    const spy: FetchLike = (url, init) => {
      seen.push(Object.keys(init.headers).map((name) => name.toLowerCase()));
      return send(url, init);
    };
    const scope = globalThis as { document?: unknown };
    scope.document = {};
    let inPage: Transport;
    try {
      inPage = createFetchTransport({ fetch: spy });
    } finally {
      delete scope.document;
    }
    await firstValueFrom(
      endpointWith({ baseUrl: server.baseUrl, transport: inPage, retry: false }, []).run({ input: {} }),
    );
    expect(seen).toEqual([['authorization', 'accept', 'content-type']]);
    expect(server.received[0].headers['user-agent']).not.toMatch(/runpod-rx/);
  });
});

describe('the CLI never prints the key', () => {
  function capture(env: Record<string, string>): { io: CliIo; lines: () => string[] } {
    let out = '';
    const write = { write: (text: string) => (out += text) };
    return {
      io: { stdout: write, stderr: write, isTTY: false, env, interrupted: new Promise<void>(() => undefined) },
      lines: () => out.split('\n'),
    };
  }

  it('a key with a zero-width space from the environment: a usage error naming the character, exit 2', async () => {
    for (const key of [`${KEY}\u200b`, `${KEY}\n`, KEY.replace('a', '\u0430'), `${KEY}🔑`]) {
      const c = capture({
        RUNPOD_API_KEY: key,
        RUNPOD_ENDPOINT_ID: 'ep',
        RUNPOD_ENDPOINT_BASE_URL: 'http://127.0.0.1:9/v2',
      });
      expect(await main(['health'], c.io)).toBe(2);
      expect(c.lines().join('\n')).toMatch(/the API key \(from RUNPOD_API_KEY\) has (a|an) /);
      expect(c.lines().filter((line) => leaks(line).length > 0)).toEqual([]);
    }
  });

  it('a server that echoes the key, and one that resets: no line shows the key', async () => {
    const echo = await startLoopbackServer((req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: `bad key ${req.headers.authorization ?? ''}` }));
    });
    const reset = await startLoopbackServer((req) => req.socket.destroy());
    try {
      for (const server of [echo, reset]) {
        const c = capture({ RUNPOD_API_KEY: KEY, RUNPOD_ENDPOINT_ID: 'ep', RUNPOD_ENDPOINT_BASE_URL: server.baseUrl });
        expect(await main(['run', '--async', '--input', '{}'], c.io)).not.toBe(0);
        expect(c.lines().join('\n')).toMatch(
          server === echo ? /HttpError: HTTP 500: bad key Bearer \[redacted\]/ : /NetworkError/,
        );
        expect(c.lines().filter((line) => leaks(line).length > 0)).toEqual([]);
      }
      expect(echo.received.map((r) => r.headers.authorization)).toEqual([`Bearer ${KEY}`]);
    } finally {
      await Promise.all([echo.close(), reset.close()]);
    }
  });
});
