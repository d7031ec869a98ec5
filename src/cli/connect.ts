import type { Command } from 'commander';
import { createEndpoint, type Endpoint } from '../index.js';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { UsageError, type CliIo } from './io.js';
import { randomApiKey } from './random-key.js';

/** The connection flags every client command takes. */
export interface ConnectionOptions {
  /** `--endpoint-id`: wins over RUNPOD_ENDPOINT_ID / RP_ENDPOINT_ID. */
  readonly endpointId?: string;
  /** `--base-url`: wins over RUNPOD_ENDPOINT_BASE_URL. */
  readonly baseUrl?: string;
}

/** An endpoint for one CLI command, and what to close when it is done. */
export interface Connection {
  readonly endpoint: Endpoint;
  /** The embedded emulator, when nothing at all was configured. */
  readonly emulator?: Emulator;
  close(): Promise<void>;
}

/** Where a command's requests go: a configured endpoint, or an emulator of its own. */
export type Target =
  | {
      readonly kind: 'configured';
      /** The environment variable the key came from, and the key. */
      readonly apiKey: readonly [variable: string, key: string];
      readonly endpointId: string;
      readonly baseUrl?: string;
    }
  | { readonly kind: 'embedded' };

/** The endpoint id used against the embedded emulator. */
export const EMBEDDED_ENDPOINT_ID = 'local';

const KEY_VARIABLES = 'RUNPOD_API_KEY (or RP_API_KEY)';

function firstSet(...values: (readonly [string, string | undefined])[]): readonly [string, string] | undefined {
  const found = values.find(([, value]) => value !== undefined && value !== '');
  return found as readonly [string, string] | undefined;
}

/**
 * Decides where requests go. The embedded emulator is used only when no key, no endpoint id and
 * no base URL are configured at all (environment or flags); any of them without a key is a
 * {@link UsageError} naming the missing key, never a silent mock. The key is never in a message.
 */
export function resolveTarget(io: CliIo, options: ConnectionOptions): Target {
  const { env } = io;
  const key = firstSet(['RUNPOD_API_KEY', env.RUNPOD_API_KEY], ['RP_API_KEY', env.RP_API_KEY]);
  const endpointId = firstSet(
    ['--endpoint-id', options.endpointId],
    ['RUNPOD_ENDPOINT_ID', env.RUNPOD_ENDPOINT_ID],
    ['RP_ENDPOINT_ID', env.RP_ENDPOINT_ID],
  );
  const baseUrl = firstSet(['--base-url', options.baseUrl], ['RUNPOD_ENDPOINT_BASE_URL', env.RUNPOD_ENDPOINT_BASE_URL]);
  if (key === undefined) {
    if (endpointId === undefined && baseUrl === undefined) return { kind: 'embedded' };
    const given = [endpointId, baseUrl].filter((entry) => entry !== undefined).map(([source]) => source);
    throw new UsageError(
      `no API key: ${given.join(' and ')} ${given.length === 1 ? 'is' : 'are'} set, so runpod-rx will not ` +
        `use an embedded emulator; set ${KEY_VARIABLES}`,
    );
  }
  if (endpointId === undefined) {
    throw new UsageError(
      `no endpoint id: ${key[0]} is set; pass --endpoint-id or set RUNPOD_ENDPOINT_ID (or RP_ENDPOINT_ID)`,
    );
  }
  return { kind: 'configured', apiKey: key, endpointId: endpointId[1], ...(baseUrl && { baseUrl: baseUrl[1] }) };
}

/**
 * Connects to the configured endpoint or, with nothing configured, starts an emulator in this
 * process (with a random key) and says so on stderr.
 */
export async function connect(io: CliIo, options: ConnectionOptions): Promise<Connection> {
  const target = resolveTarget(io, options);
  if (target.kind === 'configured') {
    const { apiKey, endpointId, baseUrl } = target;
    // The key goes in as the variable it came from, so that a ConfigError names that variable.
    const [variable, key] = apiKey;
    const endpoint = createEndpoint({
      env: { [variable]: key },
      endpointId,
      ...(baseUrl !== undefined && { baseUrl }),
    });
    return { endpoint, close: async () => undefined };
  }
  const apiKey = randomApiKey();
  const emulator = await startEmulator({ apiKey });
  io.stderr.write(
    `no API key, endpoint id or base URL configured: using an embedded emulator at ${emulator.baseUrl} ` +
      `(endpoint "${EMBEDDED_ENDPOINT_ID}"), which stops when this command ends\n`,
  );
  const endpoint = createEndpoint({ env: {}, apiKey, endpointId: EMBEDDED_ENDPOINT_ID, baseUrl: emulator.baseUrl });
  return { endpoint, emulator, close: () => emulator.close() };
}

/**
 * Why `status`, `cancel` or `retry` cannot know a job id when nothing is configured, and how to
 * keep jobs between commands.
 */
export function embeddedIdHint(command: string, id: string): string {
  return [
    `job ${id} is unknown here: no API key, endpoint id or base URL is configured, so each command`,
    'would start a fresh emulator in its own process, which knows no job from an earlier command.',
    'To keep jobs between commands, run one emulator and point every command at it:',
    '  runpod-rx emulator --port 8787        (prints its URL and api key)',
    `  RUNPOD_ENDPOINT_BASE_URL=http://127.0.0.1:8787/v2 RUNPOD_API_KEY=<printed key> \\`,
    `  RUNPOD_ENDPOINT_ID=${EMBEDDED_ENDPOINT_ID} runpod-rx ${command} ${id}`,
    'To reach RunPod, set RUNPOD_API_KEY and RUNPOD_ENDPOINT_ID instead.',
  ].join('\n');
}

/** Adds `--endpoint-id` and `--base-url` to a client command. */
export function addConnectionOptions(command: Command): Command {
  return command
    .option('--endpoint-id <id>', 'endpoint id (default: env RUNPOD_ENDPOINT_ID, then RP_ENDPOINT_ID)')
    .option('--base-url <url>', 'API root (default: env RUNPOD_ENDPOINT_BASE_URL, then https://api.runpod.ai/v2)');
}
