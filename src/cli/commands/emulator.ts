import { startEmulator } from '../../emulator/index.js';
import { HELP, parseCommand, wholeNumber } from '../args.js';
import { EXIT, type CliIo } from '../io.js';

export const EMULATOR_HELP = `Usage: runpod-rx emulator [--port N] [--api-key K] [--workers N]

Serves a local RunPod-compatible API on 127.0.0.1 until interrupted (Ctrl-C).
Point any client at the printed URL, e.g. RUNPOD_ENDPOINT_BASE_URL.

Options:
  --port N       TCP port; 0 picks a free one (default 8787)
  --api-key K    key clients must send (default: any non-empty key)
  --workers N    workers per endpoint (default 2)
  -h, --help     show this help`;

/** `runpod-rx emulator`. */
export async function emulatorCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, help } = parseCommand(
    args,
    { ...HELP, port: { type: 'string' }, 'api-key': { type: 'string' }, workers: { type: 'string' } },
    0,
  );
  if (help) {
    io.stdout.write(`${EMULATOR_HELP}\n`);
    return EXIT.ok;
  }
  const emulator = await startEmulator({
    port: wholeNumber('port', values.port, 0) ?? 8787,
    workers: wholeNumber('workers', values.workers),
    ...(values['api-key'] !== undefined && { apiKey: values['api-key'] }),
  });
  io.stdout.write(`listening on ${emulator.baseUrl}\n`);
  await io.interrupted;
  await emulator.close();
  return EXIT.ok;
}
