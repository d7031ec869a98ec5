import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface LoopbackServer {
  readonly baseUrl: string;
  readonly port: number;
  /** Requests received so far, with their bodies. */
  readonly received: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[];
  /** Resolves when the client side of request #index closes its connection. */
  closed(index: number): Promise<void>;
  close(): Promise<void>;
}

/** A tiny HTTP server on 127.0.0.1:0 whose answers a test scripts; closes every socket on close(). */
export async function startLoopbackServer(
  handle: (req: IncomingMessage, res: ServerResponse, body: string) => void,
): Promise<LoopbackServer> {
  const sockets = new Set<Socket>();
  const received: LoopbackServer['received'] = [];
  const closedPromises: Promise<void>[] = [];
  const server = createServer((req, res) => {
    const closed = new Promise<void>((resolve) => req.socket.once('close', () => resolve()));
    closedPromises.push(closed);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handle(req, res, body);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v2`,
    port,
    received,
    closed: async (index) => {
      while (closedPromises.length <= index) await new Promise((resolve) => setTimeout(resolve, 5));
      await closedPromises[index];
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Closes every server in `servers` (dropping their open connections) and empties the list. */
export async function closeServers(servers: Server[]): Promise<void> {
  const closing = servers.splice(0);
  await Promise.all(
    closing.map(
      (server) =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    ),
  );
}
