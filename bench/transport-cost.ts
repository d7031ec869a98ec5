import { spawn } from 'node:child_process';
import { lastValueFrom, of } from 'rxjs';
import type * as LibraryModule from '../src/index';
import type * as NodeModule from '../src/node/index';
import { NO_FIGURES } from './no-figures';
import type { ClientResult } from './run';

/** A server answering every request with one status body, in its own process: only the client's CPU is counted. */
const SERVER = `
const body = JSON.stringify({ id: 'job-u1', status: 'COMPLETED', output: { text: 'x'.repeat(200) } });
require('node:http')
  .createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  })
  .listen(0, '127.0.0.1', function () { process.send(this.address().port); });
`;

/** Client CPU per call of `call`, `calls` times, `concurrency` at once, in ms. */
async function cpuPerCall(call: () => Promise<unknown>, calls: number, concurrency: number): Promise<number> {
  let next = 0;
  const before = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < calls) await call();
    }),
  );
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / calls;
}

/**
 * The client's own CPU per `status` call, HTTP left out: the endpoint over an in-memory transport
 * that answers at once, with the request limits off (so nothing waits). What the endpoint adds
 * to each call on top of its transport: events, slot pool, timeout, retry loop, decoding.
 */
async function endpointOwnCost(library: Pick<typeof LibraryModule, 'createEndpoint'>, calls: number): Promise<number> {
  const body = JSON.stringify({ id: 'job-u1', status: 'IN_PROGRESS' });
  const endpoint = library.createEndpoint({
    apiKey: 'bench-key',
    endpointId: 'ep',
    transport: () => of({ status: 200, headers: { 'content-type': 'application/json' }, body }),
    statusRateLimit: false,
    concurrency: false,
  });
  return cpuPerCall(() => lastValueFrom(endpoint.status('job-u1')), calls, 1);
}

/**
 * Scenario (t): the transports alone, in this process: `status` requests straight through each
 * transport (no endpoint around it), 50 at a time, against a trivial server in a child process;
 * and the endpoint alone, over an in-memory transport. The median CPU per call of three rounds,
 * after a warm-up round.
 */
export async function transportCost(
  library: Pick<typeof LibraryModule, 'createEndpoint' | 'createFetchTransport'>,
  node: typeof NodeModule,
  quick: boolean,
): Promise<Record<string, ClientResult>> {
  const calls = quick ? 2_000 : 10_000;
  const server = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  try {
    const port = await new Promise<number>((resolve) => server.once('message', (port) => resolve(port as number)));
    const request = {
      method: 'GET' as const,
      url: `http://127.0.0.1:${port}/v2/ep/status/job-u1`,
      path: '/ep/status/job-u1',
      route: 'status' as const,
      headers: { authorization: 'Bearer bench-key' },
    };
    const transports = {
      'runpod-rx': library.createFetchTransport(),
      'runpod-rx-node': node.createNodeHttpTransport(),
    };
    const rounds: Record<string, number[]> = { 'runpod-rx': [], 'runpod-rx-node': [], 'endpoint-in-memory': [] };
    for (let round = 0; round < 4; round++) {
      for (const [name, transport] of Object.entries(transports)) {
        const cpu = await cpuPerCall(() => lastValueFrom(transport(request)), calls, 50);
        if (round > 0) rounds[name]!.push(cpu);
      }
      const cpu = await endpointOwnCost(library, calls * 10);
      if (round > 0) rounds['endpoint-in-memory']!.push(cpu);
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[1]!;
    return Object.fromEntries(
      Object.entries(rounds).map(([name, values]) => [
        name,
        {
          ...NO_FIGURES,
          requestsPerJob: 1,
          cpuMsPerJob: Number(median(values).toFixed(4)),
          transport: { 'runpod-rx': 'cross-fetch', 'runpod-rx-node': 'node:http' }[name] ?? 'in memory',
        },
      ]),
    );
  } finally {
    server.kill();
  }
}
