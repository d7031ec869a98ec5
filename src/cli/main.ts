import { Command, CommanderError } from 'commander';
import { isConfigError, isInvalidInputError, isRunpodError } from '../index.js';
import { usageMessage } from './args.js';
import { demoCommand, DEMO_HELP } from './commands/demo.js';
import { defineEmulator } from './commands/emulator.js';
import { defineOneShots } from './commands/one-shot.js';
import { defineRun } from './commands/run.js';
import { EXIT, UsageError, type CliContext, type CliIo } from './io.js';

export type { CliIo } from './io.js';
export { EXIT } from './io.js';

const DESCRIPTION =
  'A command line for RunPod Serverless endpoints, built on runpod-rx. Reads RUNPOD_API_KEY (or ' +
  'RP_API_KEY), RUNPOD_ENDPOINT_ID (or RP_ENDPOINT_ID) and RUNPOD_ENDPOINT_BASE_URL. With none of them ' +
  '(and no --endpoint-id or --base-url) a command starts an embedded emulator of its own and says so; ' +
  'an endpoint id or base URL without a key is a usage error.';

/** The `runpod-rx` program, its commands recording their exit code in `context`. */
function program(context: CliContext, onCommand: (name: string) => void): Command {
  const { io } = context;
  const root = new Command('runpod-rx')
    .description(DESCRIPTION)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // Parse errors are printed by main, in one clean line.
      outputError: () => undefined,
    })
    .hook('preSubcommand', (_, command) => onCommand(command.name()));
  defineRun(root, context);
  defineOneShots(root, context);
  defineEmulator(root, context);
  root
    .command('demo')
    .summary('run every operation against an embedded emulator')
    .description(DEMO_HELP)
    .action(async () => context.exit(await demoCommand(io)));
  return root;
}

/** `text` with the configured API keys replaced: a last guard, since no CLI line may show one. */
function redactKeys(text: string, env: CliIo['env']): string {
  return [env.RUNPOD_API_KEY, env.RP_API_KEY].reduce<string>(
    (redacted, key) => (key !== undefined && key.trim().length >= 4 ? redacted.split(key).join('[key]') : redacted),
    text,
  );
}

/** Prints an error the way the CLI reports it and returns the exit code. */
function report(error: unknown, prefix: string, io: CliIo): number {
  if (error instanceof CommanderError && error.exitCode === 0) return EXIT.ok; // --help, help
  const usage =
    error instanceof CommanderError
      ? usageMessage(error)
      : error instanceof UsageError || isConfigError(error) || isInvalidInputError(error)
        ? error.message
        : undefined;
  if (usage !== undefined) {
    io.stderr.write(`${prefix}: ${redactKeys(usage, io.env)}\nRun '${prefix} --help' for usage.\n`);
    return EXIT.usage;
  }
  const label = isRunpodError(error) ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(`${prefix}: ${label}: ${redactKeys(message, io.env)}\n`);
  return EXIT.error;
}

/**
 * Runs the CLI with `argv` (without `node` and the script) and returns the exit code. Never
 * throws: errors are printed on stderr.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let code: number = EXIT.ok;
  let prefix = 'runpod-rx';
  const cli = program({ io, exit: (exitCode) => (code = exitCode) }, (name) => (prefix = `runpod-rx ${name}`));
  if (argv.length === 0) {
    io.stderr.write(cli.helpInformation());
    return EXIT.usage;
  }
  try {
    await cli.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    return report(error, prefix, io);
  }
}

/** Wires {@link main} to the real process: stdio, environment, Ctrl-C and the exit code. */
export function runAsProcess(): void {
  const interrupted = new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    // Opened only when `--input -` reads it, so that an unread stdin never holds the process.
    stdin: { [Symbol.asyncIterator]: () => process.stdin[Symbol.asyncIterator]() },
    isTTY: process.stderr.isTTY === true,
    env: process.env,
    interrupted,
  }).then((code) => {
    process.exitCode = code;
    // Signal listeners and the interrupt promise must not keep the process alive.
    process.removeAllListeners('SIGINT');
    process.removeAllListeners('SIGTERM');
  });
}
