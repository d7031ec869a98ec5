import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import {
  createEndpoint,
  createFetchTransport,
  DecodeError,
  isNetworkError,
  isTimeoutError,
  NetworkError,
  type EndpointConfig,
} from 'runpod-rx';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server';

const KEY = 'rpa_TRANSPORT_KEY';

describe('fetch transport over real loopback HTTP', () => {
  let server: LoopbackServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const endpointFor = (baseUrl: string, config: EndpointConfig = {}) =>
    createEndpoint({ apiKey: KEY, endpointId: 'ep1', baseUrl, retry: false, env: {}, ...config });

  it('sends the Bearer key, JSON headers and body, and decodes the answer', async () => {
    server = await startLoopbackServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'X-Extra': 'yes' });
      res.end(JSON.stringify({ id: 'j1-u1', status: 'IN_QUEUE' }));
    });
    const result = await firstValueFrom(endpointFor(server.baseUrl).run({ input: { prompt: 'hi' } }));
    expect(result).toEqual({ id: 'j1-u1', status: 'IN_QUEUE' });
    const [sent] = server.received;
    expect(sent.method).toBe('POST');
    expect(sent.url).toBe('/v2/ep1/run');
    expect(sent.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(sent.headers['content-type']).toBe('application/json');
    expect(JSON.parse(sent.body)).toEqual({ input: { prompt: 'hi' } });
  });

  it('works with the platform fetch injected instead of cross-fetch', async () => {
    server = await startLoopbackServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ id: 'j1', status: 'COMPLETED', output: 3 }));
    });
    const endpoint = endpointFor(server.baseUrl, { fetch: globalThis.fetch as never });
    expect(await firstValueFrom(endpoint.status('j1'))).toEqual({ id: 'j1', status: 'COMPLETED', output: 3 });
  });

  it('unsubscribing aborts the request: the server sees the connection close', async () => {
    server = await startLoopbackServer(() => undefined); // never answers
    const subscription = endpointFor(server.baseUrl).watch('j1').subscribe();
    while (server.received.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    subscription.unsubscribe();
    await server.closed(0);
    expect(server.received).toHaveLength(1);
  });

  it('a request timeout fires and closes the request', async () => {
    server = await startLoopbackServer(() => undefined);
    const error = await lastValueFrom(endpointFor(server.baseUrl, { requestTimeout: 100 }).health()).catch(
      (e: unknown) => e,
    );
    expect(isTimeoutError(error)).toBe(true);
    expect((error as Error).message).toBe('no answer within 100 ms (GET /ep1/health)');
    await server.closed(0);
  });

  it('a body cut short under its Content-Length gives a TimeoutError, not a hang', async () => {
    server = await startLoopbackServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '1000' });
      res.write('{"id":"j1","sta'); // and never more
    });
    const transport = createFetchTransport({ bodyTimeout: 100 });
    const error = await lastValueFrom(endpointFor(server.baseUrl, { transport }).status('j1')).catch((e: unknown) => e);
    expect(isTimeoutError(error)).toBe(true);
    expect((error as Error).message).toBe('reading the response body took over 100 ms (/ep1/status/j1)');
  });

  it('a non-JSON body is a DecodeError', async () => {
    server = await startLoopbackServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<h1>hello</h1>');
    });
    const error = await lastValueFrom(endpointFor(server.baseUrl).status('j1')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DecodeError);
    expect((error as DecodeError).errors).toEqual(['response body is not JSON (text/html): "<h1>hello</h1>"']);
  });

  it('a refused connection is a NetworkError marked refused', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const error = await lastValueFrom(endpointFor(`http://127.0.0.1:${port}/v2`).run({ input: 1 })).catch(
      (e: unknown) => e,
    );
    expect(isNetworkError(error)).toBe(true);
    expect((error as NetworkError).refused).toBe(true);
    expect((error as Error).message).not.toContain(KEY);
  });

  it('a reset connection is a NetworkError not marked refused, so POST /run is not retried', async () => {
    server = await startLoopbackServer((req) => req.socket.destroy());
    const endpoint = endpointFor(server.baseUrl, { retry: { count: 3, baseDelay: 1 } });
    const error = await lastValueFrom(endpoint.run({ input: 1 })).catch((e: unknown) => e);
    expect(isNetworkError(error)).toBe(true);
    expect((error as NetworkError).refused).toBe(false);
    expect(server.received).toHaveLength(1);
  });
});
