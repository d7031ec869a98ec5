import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** Settings of the HTTP server. */
export interface ServerSettings {
  host: string;
  port: number;
  /** `server.headersTimeout`. */
  headersTimeoutMs: number;
  /** `server.requestTimeout`. */
  requestTimeoutMs: number;
  /** Told the status code of each protocol-level error answer (400, 408, 431). */
  onClientError?: (code: number) => void;
}

/** Status code for a client (protocol) error. */
function clientErrorCode(err: NodeJS.ErrnoException): number {
  if (err.code === 'HPE_HEADER_OVERFLOW') return 431;
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  return 400;
}

/** A listening server and the port it got. */
export interface ListeningServer {
  server: Server;
  port: number;
  /** Closes the server and destroys every connection (held long-polls included). */
  close(): Promise<void>;
}

/**
 * Starts a `node:http` server with slowloris protection (headers and whole
 * request must arrive in time, checked every second).
 */
export function listen(
  listener: (req: IncomingMessage, res: ServerResponse) => void,
  settings: ServerSettings,
): Promise<ListeningServer> {
  const server = createServer(
    {
      headersTimeout: settings.headersTimeoutMs,
      requestTimeout: settings.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, settings.headersTimeoutMs),
      keepAliveTimeout: 5000,
    },
    listener,
  );
  // Protocol errors (garbage, oversized headers, slow requests): a JSON error, then close.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code !== 'ECONNRESET' && socket.writable && (socket as Socket).bytesWritten === 0) {
      const code = clientErrorCode(err);
      const body = JSON.stringify({ error: `bad request (${err.code ?? 'client error'})` });
      socket.end(
        `HTTP/1.1 ${code} ${STATUS_CODES[code] ?? 'Error'}\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
      settings.onClientError?.(code);
      // Give the answer a moment to flush, then make sure the socket is gone.
      setTimeout(() => socket.destroy(), 1000).unref();
      return;
    }
    socket.destroy();
  });
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(settings.port, settings.host, () => {
      server.off('error', onError);
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : settings.port;
      let closing: Promise<void> | undefined;
      resolve({
        server,
        port,
        close() {
          closing ??= new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          });
          return closing;
        },
      });
    });
  });
}
