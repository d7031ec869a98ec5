import { firstValueFrom } from 'rxjs';
import { createEndpoint, createFetchTransport, type EndpointConfig } from 'runpod-rx';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server';
import { itKeepsTheTransportContract } from './transport-contract';

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

  itKeepsTheTransportContract({
    transport: (config) => createFetchTransport(config),
    key: KEY,
    closesCutBody: false,
  });
});
