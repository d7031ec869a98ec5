import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { createEndpoint, isDecodeError, isHttpError, type EndpointConfig, type HttpError } from 'runpod-rx';
import { startEmulator } from 'runpod-rx/emulator';
import { createNodeHttpTransport, type NodeHttpTransportConfig } from 'runpod-rx/node';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server';
import { itKeepsTheTransportContract } from './transport-contract';

const KEY = 'rpa_NODE_HTTP_TRANSPORT_KEY_5e1c';

describe('node:http transport over real loopback HTTP', () => {
  let server: LoopbackServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const endpointFor = (baseUrl: string, config: EndpointConfig = {}, transport: NodeHttpTransportConfig = {}) =>
    createEndpoint({
      apiKey: KEY,
      endpointId: 'ep1',
      baseUrl,
      retry: false,
      env: {},
      transport: createNodeHttpTransport(transport),
      ...config,
    });

  itKeepsTheTransportContract({
    transport: (config) => createNodeHttpTransport(config),
    key: KEY,
    closesCutBody: true,
    refusedMessage: 'ECONNREFUSED',
  });

  it('sends the Bearer key, JSON headers, a Content-Length and the body, names itself, and decodes the answer', async () => {
    server = await startLoopbackServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'X-Extra': 'yes' });
      res.end(JSON.stringify({ id: 'j1-u1', status: 'IN_QUEUE' }));
    });
    const result = await firstValueFrom(endpointFor(server.baseUrl).run({ input: { prompt: 'héllo' } }));
    expect(result).toEqual({ id: 'j1-u1', status: 'IN_QUEUE' });
    const [sent] = server.received;
    expect(sent.method).toBe('POST');
    expect(sent.url).toBe('/v2/ep1/run');
    expect(sent.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(sent.headers['content-type']).toBe('application/json');
    expect(sent.headers['user-agent']).toMatch(/^runpod-rx\//);
    expect(sent.headers['content-length']).toBe(String(Buffer.byteLength(sent.body)));
    expect(sent.headers['transfer-encoding']).toBeUndefined();
    expect(JSON.parse(sent.body)).toEqual({ input: { prompt: 'héllo' } });
  });

  it('keeps the connection alive: three calls in a row share one socket', async () => {
    const ports = new Set<number>();
    server = await startLoopbackServer((req, res) => {
      ports.add(req.socket.remotePort ?? -1);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ id: 'j1', status: 'IN_PROGRESS' }));
    });
    const endpoint = endpointFor(server.baseUrl);
    for (let i = 0; i < 3; i++) await firstValueFrom(endpoint.status('j1'));
    expect(server.received).toHaveLength(3);
    expect(ports.size).toBe(1);
  });

  it('maxSockets bounds the connections: five calls at once over two sockets, all answered', async () => {
    const ports = new Set<number>();
    server = await startLoopbackServer((req, res) => {
      ports.add(req.socket.remotePort ?? -1);
      setTimeout(() => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ id: 'j1', status: 'IN_PROGRESS' }));
      }, 20);
    });
    const endpoint = endpointFor(server.baseUrl, {}, { maxSockets: 2 });
    const states = await Promise.all([1, 2, 3, 4, 5].map(() => firstValueFrom(endpoint.status('j1'))));
    expect(states.map((state) => state.status)).toEqual(Array(5).fill('IN_PROGRESS'));
    expect(server.received).toHaveLength(5);
    expect(ports.size).toBe(2);
  });

  it('idleSocketTimeout closes idle sockets only: a long answer on a busy socket still arrives', async () => {
    server = await startLoopbackServer((_req, res) => {
      setTimeout(() => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ id: 'j1', status: 'COMPLETED', output: 1 }));
      }, 300);
    });
    const endpoint = endpointFor(server.baseUrl, {}, { idleSocketTimeout: 50 });
    expect(await firstValueFrom(endpoint.status('j1'))).toEqual({ id: 'j1', status: 'COMPLETED', output: 1 });
    await server.closed(0); // and once idle, the socket is closed
  });

  it('a multi-byte character split across chunks is decoded whole', async () => {
    server = await startLoopbackServer((_req, res) => {
      const body = Buffer.from(JSON.stringify({ id: 'j1', status: 'COMPLETED', output: 'naïve ☃' }));
      const cut = body.indexOf(Buffer.from('☃')) + 1;
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(body.length) });
      res.write(body.subarray(0, cut));
      setTimeout(() => res.end(body.subarray(cut)), 20);
    });
    const job = await firstValueFrom(endpointFor(server.baseUrl).status('j1'));
    expect(job.output).toBe('naïve ☃');
  });

  it('a body over maxBodyBytes is a DecodeError, streamed or announced, and the socket is closed', async () => {
    server = await startLoopbackServer((req, res) => {
      if (req.url?.endsWith('/announced')) {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '5000' });
        res.write('{"id":"');
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }); // chunked, no length
      res.write(`{"id":"${'x'.repeat(3000)}`);
    });
    const endpoint = endpointFor(server.baseUrl, {}, { maxBodyBytes: 1024 });
    const streamed = await lastValueFrom(endpoint.status('streamed')).catch((e: unknown) => e);
    expect(isDecodeError(streamed)).toBe(true);
    expect((streamed as Error).message).toContain('over the limit of 1024 bytes');
    await server.closed(0);
    const announced = await lastValueFrom(endpoint.status('announced')).catch((e: unknown) => e);
    expect(isDecodeError(announced)).toBe(true);
    expect((announced as Error).message).toContain('announces 5000 bytes');
    await server.closed(1);
  });

  it('an error answer that echoes the key reaches the caller with the key redacted', async () => {
    server = await startLoopbackServer((req, res) => {
      res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: `bad token ${req.headers.authorization ?? ''}` }));
    });
    const error = await lastValueFrom(endpointFor(server.baseUrl).health()).catch((e: unknown) => e);
    expect(isHttpError(error)).toBe(true);
    expect((error as HttpError).status).toBe(500);
    expect((error as HttpError).body).toContain('[redacted]');
    expect(JSON.stringify(error) + String((error as Error).stack)).not.toContain(KEY);
  });

  it('a redirect is not followed: the answer is an HttpError and the other server sees nothing', async () => {
    const received: string[] = [];
    const other = createHttpServer((req, res) => {
      received.push(`${req.method} ${req.url}`);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"id":"stolen","status":"IN_QUEUE"}');
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const otherPort = (other.address() as AddressInfo).port;
      server = await startLoopbackServer((_req, res) => {
        res.writeHead(307, { location: `http://127.0.0.1:${otherPort}/v2/ep1/run` });
        res.end();
      });
      const error = await lastValueFrom(endpointFor(server.baseUrl).run({ input: { secret: 'job' } })).catch(
        (e: unknown) => e,
      );
      expect(isHttpError(error)).toBe(true);
      expect((error as HttpError).status).toBe(307);
      expect(received).toEqual([]);
    } finally {
      other.closeAllConnections();
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it('refuses a maxSockets or idleSocketTimeout that is not a positive number', () => {
    expect(() => createNodeHttpTransport({ maxSockets: 0 })).toThrow(RangeError);
    expect(() => createNodeHttpTransport({ idleSocketTimeout: -1 })).toThrow(RangeError);
    expect(() => createNodeHttpTransport({ maxBodyBytes: 0 })).toThrow(RangeError);
  });
});

describe('node:http transport against the emulator', () => {
  it('runs, follows and streams jobs end to end', async () => {
    const emulator = await startEmulator({
      apiKey: KEY,
      seed: 14,
      workers: 4,
      // The final output of a streamed job is the list of its chunks, as with return_aggregate_stream.
      returnAggregateStream: true,
      handler: async function* (job) {
        const { n } = job.input as { n: number };
        for (let i = 0; i < n; i++) yield { i };
      },
    });
    try {
      const endpoint = createEndpoint<{ n: number }>({
        apiKey: KEY,
        endpointId: 'ep1',
        baseUrl: emulator.baseUrl,
        env: {},
        transport: createNodeHttpTransport({ maxSockets: 2 }),
      });
      const jobs = await Promise.all([1, 2, 3, 4, 5].map((n) => lastValueFrom(endpoint.submit({ input: { n } }))));
      expect(jobs.map((job) => [job.status, job.output])).toEqual(
        [1, 2, 3, 4, 5].map((n) => ['COMPLETED', Array.from({ length: n }, (_, i) => ({ i }))]),
      );
      const { id } = await firstValueFrom(endpoint.run({ input: { n: 3 } }));
      const chunks = await lastValueFrom(endpoint.stream(id).pipe(toArray()));
      expect(chunks.map((chunk) => chunk.output)).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }]);
    } finally {
      await emulator.close();
    }
  });
});
