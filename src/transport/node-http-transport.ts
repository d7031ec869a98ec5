import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { createFetchTransport, type FetchLike, type FetchTransportConfig } from './fetch-transport.js';
import type { Transport } from './transport.js';

/** Options of {@link createNodeHttpTransport}. @category transport */
export interface NodeHttpTransportConfig extends Omit<FetchTransportConfig, 'fetch'> {
  /**
   * Most sockets open at once per host (the agents' `maxSockets`). RunPod allows 400 concurrent
   * requests per endpoint on `/status`, `/status-sync` and `/stream`; the endpoint keeps to its
   * own `concurrency`, so the default sets no extra limit. @default Infinity
   */
  readonly maxSockets?: number;
  /** How long an idle keep-alive socket stays open, in ms (the agents' `timeout`). @default 30000 */
  readonly idleSocketTimeout?: number;
}

/** A `node:http` response as the part of a fetch `Response` that the fetch transport reads. */
function asFetchResponse(response: IncomingMessage): Awaited<ReturnType<FetchLike>> {
  return {
    status: response.statusCode ?? 0,
    headers: {
      forEach: (callback) => {
        for (const [name, value] of Object.entries(response.headers)) {
          if (value !== undefined) callback(Array.isArray(value) ? value.join(', ') : value, name);
        }
      },
    },
    // A Node readable is an async iterable: the fetch transport reads it chunk by chunk, under its
    // size limit and body timeout, and destroys it (and so the socket) when it stops early.
    body: response,
    text: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of response) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}

/**
 * A {@link FetchLike} over `node:http` and `node:https` with keep-alive agents: one request per
 * call, aborted by the signal, never following a redirect (Node's `request` has no redirect
 * handling, so a 3xx answer comes back as it is).
 */
function nodeHttpFetch(config: NodeHttpTransportConfig): FetchLike {
  const options = {
    keepAlive: true,
    maxSockets: config.maxSockets ?? Infinity,
    timeout: config.idleSocketTimeout ?? 30_000,
  };
  if (!(options.maxSockets > 0)) throw new RangeError('maxSockets must be a positive number');
  if (!(options.timeout > 0)) throw new RangeError('idleSocketTimeout must be a positive number of ms');
  const httpAgent = new HttpAgent(options);
  const httpsAgent = new HttpsAgent(options);

  return (url, init) =>
    new Promise((resolve, reject) => {
      const target = new URL(url);
      const secure = target.protocol === 'https:';
      if (!secure && target.protocol !== 'http:') {
        reject(new TypeError(`unsupported protocol ${target.protocol}`));
        return;
      }
      const headers: Record<string, string> = { ...init.headers };
      if (init.body !== undefined) headers['content-length'] = String(Buffer.byteLength(init.body));
      const request = (secure ? httpsRequest : httpRequest)(target, {
        method: init.method,
        headers,
        agent: secure ? httpsAgent : httpAgent,
        signal: init.signal,
      });
      request.once('response', (response) => resolve(asFetchResponse(response)));
      request.once('error', reject);
      request.end(init.body);
    });
}

/**
 * A transport over Node's own `http`/`https` modules instead of cross-fetch: the same contract
 * and safeguards as {@link createFetchTransport} (it is that transport with a `node:http` fetch
 * under it: abort on unsubscribe, body timeout, body size limit, redirects handed up as errors,
 * the key redacted from every error), with keep-alive agents of its own. It spends less CPU per
 * request than cross-fetch (node-fetch) under load; see docs/performance.md. Node only, hence its
 * own entry point; cross-fetch stays the default.
 *
 * @throws {RangeError} for a `maxSockets`, `idleSocketTimeout` or `maxBodyBytes` that is not a
 * positive number.
 * @example
 * import { createEndpoint } from 'runpod-rx';
 * import { createNodeHttpTransport } from 'runpod-rx/node';
 *
 * const endpoint = createEndpoint({ endpointId: 'abc123', transport: createNodeHttpTransport() });
 * @category transport
 */
export function createNodeHttpTransport(config: NodeHttpTransportConfig = {}): Transport {
  return createFetchTransport({ ...config, fetch: nodeHttpFetch(config) });
}
