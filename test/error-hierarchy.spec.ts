import { firstValueFrom } from 'rxjs';
import {
  DecodeError,
  HttpError,
  NetworkError,
  NotFoundError,
  ThrottledError,
  TimeoutError,
  UnauthorizedError,
  createEndpoint,
  isDecodeError,
  isHttpError,
  isNetworkError,
  isNotFoundError,
  isRunpodError,
  isThrottledError,
  isTimeoutError,
  isUnauthorizedError,
} from 'runpod-rx';
import { startLoopbackServer } from './helpers/loopback-server';

const request = { method: 'GET', path: '/ep/status/j1' };

describe('the error hierarchy', () => {
  it('every status error is an HttpError carrying its status', () => {
    const errors = [
      new UnauthorizedError(request, 403),
      new NotFoundError(request, 'j1'),
      new ThrottledError(request, 1_000),
      new HttpError(request, 502, 'bad gateway'),
    ];
    for (const error of errors) {
      expect(isHttpError(error)).toBe(true);
      expect(error).toBeInstanceOf(HttpError);
    }
    expect(errors.map((error) => error.status)).toEqual([403, 404, 429, 502]);
    expect(errors.map((error) => error.name)).toEqual([
      'UnauthorizedError',
      'NotFoundError',
      'ThrottledError',
      'HttpError',
    ]);
    expect(errors[1]!.message).toBe('job j1 not found or expired (GET /ep/status/j1)');
  });

  it('a guard accepts subclasses, and only them', () => {
    class MyThrottle extends ThrottledError {}
    const mine = new MyThrottle(request, undefined);
    expect([isThrottledError(mine), isHttpError(mine), isRunpodError(mine)]).toEqual([true, true, true]);
    expect([isNotFoundError(mine), isUnauthorizedError(mine), isNetworkError(mine)]).toEqual([false, false, false]);
    expect(isThrottledError(new HttpError(request, 429, ''))).toBe(false); // a base is not its subclass
  });

  it('guards read kinds, not names: an error renamed by its user keeps its kind; a lookalike object has none', () => {
    const renamed = new NotFoundError(request);
    Object.defineProperty(renamed, 'name', { value: 'Whatever' });
    expect(isNotFoundError(renamed)).toBe(true);
    expect(isHttpError({ name: 'HttpError', status: 500 })).toBe(false);
  });

  it('TimeoutError tells a request timeout from the overall deadline', () => {
    expect(new TimeoutError('late', 'j1').scope).toBe('deadline');
    expect(new TimeoutError('no answer', undefined, 'request').scope).toBe('request');
  });

  it('a body that is not JSON is a DecodeError whose cause is the parser error', async () => {
    const server = await startLoopbackServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>proxy</html>');
    });
    try {
      const endpoint = createEndpoint({ apiKey: 'k', endpointId: 'ep', baseUrl: server.baseUrl, env: {} });
      const error = await firstValueFrom(endpoint.health()).catch((e: unknown) => e);
      expect(isDecodeError(error)).toBe(true);
      expect((error as DecodeError).cause).toBeInstanceOf(SyntaxError);
    } finally {
      await server.close();
    }
  });

  it('a NetworkError keeps a cause with the code and message of what failed, never the key', async () => {
    const key = 'rpa_KEY_THAT_MUST_NOT_SHOW_0123456789';
    const failing = async () => {
      throw Object.assign(new TypeError(`fetch failed for Bearer ${key}`), { code: 'ECONNRESET' });
    };
    const endpoint = createEndpoint({ apiKey: key, endpointId: 'ep', env: {}, fetch: failing, retry: false });
    const error = await firstValueFrom(endpoint.health()).catch((e: unknown) => e);
    expect(isNetworkError(error)).toBe(true);
    const cause = (error as NetworkError).cause as Error & { code?: string };
    expect(cause).toBeInstanceOf(Error);
    expect(cause.name).toBe('TypeError');
    expect(cause.code).toBe('ECONNRESET');
    expect(cause.message).toContain('fetch failed for Bearer');
    for (const text of [cause.message, cause.stack ?? '', (error as Error).message]) expect(text).not.toContain(key);
    expect(isTimeoutError(error)).toBe(false);
  });
});
