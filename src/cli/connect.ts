import { createEndpoint, type Endpoint, type EndpointConfig } from '../index.js';
import { startEmulator, type Emulator } from '../emulator/index.js';
import type { CliIo } from './io.js';

/** An endpoint for one CLI command, and what to close when it is done. */
export interface Connection {
  readonly endpoint: Endpoint;
  /** The embedded emulator, when no API key was configured. */
  readonly emulator?: Emulator;
  close(): Promise<void>;
}

/** The endpoint id used against the embedded emulator when none is configured. */
export const EMBEDDED_ENDPOINT_ID = 'local';

/**
 * Connects to RunPod with the environment's key (RUNPOD_API_KEY / RP_API_KEY) or, with no key,
 * starts an emulator in this process and says so on stderr.
 */
export async function connect(io: CliIo, config: EndpointConfig = {}): Promise<Connection> {
  const hasKey = Boolean(io.env.RUNPOD_API_KEY || io.env.RP_API_KEY);
  if (hasKey) {
    const endpoint = createEndpoint({ env: io.env, ...config });
    return { endpoint, close: async () => undefined };
  }
  const emulator = await startEmulator({ apiKey: 'local-emulator-key' });
  const endpointId = io.env.RUNPOD_ENDPOINT_ID || io.env.RP_ENDPOINT_ID || EMBEDDED_ENDPOINT_ID;
  io.stderr.write(
    `no RUNPOD_API_KEY set: using an embedded emulator at ${emulator.baseUrl} (endpoint "${endpointId}")\n`,
  );
  const endpoint = createEndpoint({
    env: {},
    ...config,
    apiKey: 'local-emulator-key',
    endpointId,
    baseUrl: emulator.baseUrl,
  });
  return { endpoint, emulator, close: () => emulator.close() };
}
