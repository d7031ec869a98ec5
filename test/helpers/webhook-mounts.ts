import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWebhookReceiver, type WebhookReceiver, type WebhookReceiverConfig } from 'runpod-rx/webhooks';
import { closeServers } from './loopback-server';

/**
 * Webhook receivers on loopback servers for one spec file, and their cleanup: `close()` (in an
 * `afterEach`) closes every receiver, whose held early calls wait on a timer (60 s by default)
 * until then, and every server.
 */
export function webhookMounts() {
  const servers: Server[] = [];
  let receivers: WebhookReceiver[] = [];

  /** Serves `handle` on 127.0.0.1:0; resolves with its origin. */
  const serve = async (handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> => {
    const server = createServer(handle);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };

  /** `createWebhookReceiver`, closed by `close()`. */
  const receiver = (config: WebhookReceiverConfig): WebhookReceiver => {
    const created = createWebhookReceiver(config);
    receivers.push(created);
    return created;
  };

  /** A receiver mounted at `/hooks/<token>` of a loopback server; `drop` makes the server cut every call. */
  const mount = async (config: Omit<WebhookReceiverConfig, 'publicUrl'> = {}, drop = false) => {
    const mounted: { receiver?: WebhookReceiver } = {};
    const origin = await serve((req, res) => {
      if (drop) req.socket.destroy();
      else mounted.receiver!.handle(req, res);
    });
    mounted.receiver = receiver({ ...config, publicUrl: `${origin}/hooks` });
    return { receiver: mounted.receiver, origin };
  };

  const close = async (): Promise<void> => {
    for (const created of receivers) created.close();
    receivers = [];
    await closeServers(servers);
  };

  return { serve, receiver, mount, close };
}
