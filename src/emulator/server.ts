import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** Settings of the HTTP server. */
export interface ServerSettings {
  host: string;
  port: number;
  /** `server.headersTimeout`. */
  headersTimeoutMs: number;
  /** `server.requestTimeout`. */
  requestTimeoutMs: number;
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
