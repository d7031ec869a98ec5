import type { Command } from 'commander';
import { Option } from 'commander';
import { startEmulator } from '../../emulator/index.js';
import { corsOrigin, port, wholeNumber } from '../args.js';
import { EXIT, type CliContext } from '../io.js';
import { randomApiKey } from '../random-key.js';

/** The flags of `runpod-rx emulator`, as commander parses them. */
interface EmulatorCommandOptions {
  readonly port: number;
  readonly apiKey?: string;
  readonly anyKey?: true;
  readonly workers?: number;
  readonly cors?: readonly string[];
  readonly returnAggregateStream?: true;
}

/**
 * Registers `runpod-rx emulator`. Without `--api-key` it makes a random key and prints it under
 * the listening line (the one line of the CLI that shows a key: the emulator's own, so that the
 * developer can use it); `--any-key` accepts any key instead.
 */
export function defineEmulator(program: Command, { io, exit }: CliContext): void {
  const command = program
    .command('emulator')
    .summary('serve a local RunPod-compatible API')
    .description(
      'Serves a local RunPod-compatible API on 127.0.0.1 until interrupted (Ctrl-C). Point any client ' +
        'at the printed URL (e.g. RUNPOD_ENDPOINT_BASE_URL) with the printed key (RUNPOD_API_KEY); ' +
        'any endpoint id works.',
    )
    .option('--port <n>', 'TCP port; 0 picks a free one', port, 8787)
    .addOption(
      new Option('--api-key <key>', 'key clients must send (default: a random key, printed)').conflicts('anyKey'),
    )
    .option('--any-key', 'accept any non-empty key (anyone who can reach the port can use it)')
    .option('--workers <n>', 'workers per endpoint (default 2)', wholeNumber('--workers', 1))
    .option('--cors <origin>', 'also allow this browser origin (repeatable; * allows any)', corsOrigin)
    .option(
      '--return-aggregate-stream',
      "keep a streaming job's chunks as its output (RunPod's return_aggregate_stream)",
    )
    .action(async () => {
      const options = command.opts<EmulatorCommandOptions>();
      const generatedKey = options.apiKey === undefined && !options.anyKey ? randomApiKey() : undefined;
      const apiKey = options.apiKey ?? generatedKey;
      const emulator = await startEmulator({
        port: options.port,
        ...(apiKey !== undefined && { apiKey }),
        ...(options.workers !== undefined && { workers: options.workers }),
        ...(options.cors !== undefined && { corsOrigins: options.cors }),
        ...(options.returnAggregateStream && { returnAggregateStream: true }),
      });
      io.stdout.write(`listening on ${emulator.baseUrl}\n`);
      if (generatedKey !== undefined) io.stdout.write(`api key: ${generatedKey}\n`);
      if (options.anyKey) io.stdout.write('api key: any (--any-key)\n');
      await io.interrupted;
      await emulator.close();
      exit(EXIT.ok);
    });
}
