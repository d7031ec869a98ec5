/**
 * What every transport of runpod-rx promises, over real loopback HTTP, run by each transport's
 * spec: an unsubscribe aborts, timeouts fire, a bad body is a typed error, a refused connection is
 * told from a reset one, and no error carries the key.
 */
import { createServer, type AddressInfo } from 'node:net';
import { lastValueFrom } from 'rxjs';
import {
  createEndpoint,
  DecodeError,
  isNetworkError,
  isTimeoutError,
  type EndpointConfig,
  type NetworkError,
  type Transport,
} from 'runpod-rx';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server';

/** How a transport's spec runs the contract. */
export interface TransportContract {
  /** The transport under test, with the body timeout given. */
  readonly transport: (config: { bodyTimeout?: number }) => Transport;
  readonly key: string;
  /** The transport closes the socket of a body it gave up on (checked when true). */
  readonly closesCutBody: boolean;
  /** Text a refused connection's message must contain, if any. */
  readonly refusedMessage?: string;
}

/** Declares the contract's tests inside the caller's `describe`. */
export function itKeepsTheTransportContract(contract: TransportContract): void {
  let server: LoopbackServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const endpointFor = (baseUrl: string, config: EndpointConfig = {}, bodyTimeout?: number) =>
    createEndpoint({
      apiKey: contract.key,
      endpointId: 'ep1',
      baseUrl,
      retry: false,
      env: {},
      transport: contract.transport(bodyTimeout === undefined ? {} : { bodyTimeout }),
      ...config,
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
    const error = await lastValueFrom(endpointFor(server.baseUrl, {}, 100).status('j1')).catch((e: unknown) => e);
    expect(isTimeoutError(error)).toBe(true);
    expect((error as Error).message).toBe('reading the response body took over 100 ms (/ep1/status/j1)');
    if (contract.closesCutBody) await server.closed(0);
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

  it('a refused connection is a NetworkError marked refused, without the key', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const error = await lastValueFrom(endpointFor(`http://127.0.0.1:${port}/v2`).run({ input: 1 })).catch(
      (e: unknown) => e,
    );
    expect(isNetworkError(error)).toBe(true);
    expect((error as NetworkError).refused).toBe(true);
    if (contract.refusedMessage !== undefined) expect((error as Error).message).toContain(contract.refusedMessage);
    expect((error as Error).message).not.toContain(contract.key);
  });

  it("hands on the answer's headers with lower-case names, a repeated one joined with ', '", async () => {
    server = await startLoopbackServer((_req, res) => {
      res.setHeader('Set-Cookie', ['a=1', 'b=2']);
      res.writeHead(429, { 'Retry-After': '3', 'Content-Type': 'application/json' });
      res.end('{}');
    });
    const request = {
      method: 'GET',
      url: `${server.baseUrl}/ep1/health`,
      path: '/ep1/health',
      route: 'health',
    } as const;
    const response = await lastValueFrom(contract.transport({})({ ...request, headers: {} }));
    expect(response.status).toBe(429);
    expect(response.headers).toMatchObject({
      'set-cookie': 'a=1, b=2',
      'retry-after': '3',
      'content-type': 'application/json',
    });
  });

  it('a reset connection is a NetworkError not marked refused, so POST /run is not retried', async () => {
    server = await startLoopbackServer((req) => req.socket.destroy());
    const endpoint = endpointFor(server.baseUrl, { retry: { count: 3, baseDelay: 1 } });
    const error = await lastValueFrom(endpoint.run({ input: 1 })).catch((e: unknown) => e);
    expect(isNetworkError(error)).toBe(true);
    expect((error as NetworkError).refused).toBe(false);
    expect(server.received).toHaveLength(1);
  });
}
