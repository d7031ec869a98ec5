import { isConfigError, isRunpodError } from '../index.js';
import { demoCommand, DEMO_HELP } from './commands/demo.js';
import { emulatorCommand, EMULATOR_HELP } from './commands/emulator.js';
import { ONE_SHOT_COMMANDS, oneShotCommand, oneShotHelp } from './commands/one-shot.js';
import { runCommand, RUN_HELP } from './commands/run.js';
import { EXIT, UsageError, type CliIo } from './io.js';

export type { CliIo } from './io.js';
export { EXIT } from './io.js';

const COMMANDS: Readonly<
  Record<string, { summary: string; help: string; run: (args: readonly string[], io: CliIo) => Promise<number> }>
> = {
  run: { summary: 'queue a job and follow it (--stream, --async, --timeout)', help: RUN_HELP, run: runCommand },
  ...Object.fromEntries(
    Object.entries(ONE_SHOT_COMMANDS).map(([name, command]) => [
      name,
      {
        summary: command.summary,
        help: oneShotHelp(command),
        run: (args: readonly string[], io: CliIo) => oneShotCommand(command, args, io),
      },
    ]),
  ),
  emulator: { summary: 'serve a local RunPod-compatible API', help: EMULATOR_HELP, run: emulatorCommand },
  demo: { summary: 'run every operation against an embedded emulator', help: DEMO_HELP, run: demoCommand },
};

const MAIN_HELP = `Usage: runpod-rx <command> [options]

A command line for RunPod Serverless endpoints, built on runpod-rx.
Reads RUNPOD_API_KEY (or RP_API_KEY), RUNPOD_ENDPOINT_ID (or RP_ENDPOINT_ID) and
RUNPOD_ENDPOINT_BASE_URL. With no API key it starts an embedded emulator and says so.

Commands:
${Object.entries(COMMANDS)
  .map(([name, command]) => `  ${name.padEnd(12)} ${command.summary}`)
  .join('\n')}

Run 'runpod-rx <command> --help' for a command's options.`;

/**
 * Runs the CLI with `argv` (without `node` and the script) and returns the exit code. Never
 * throws: errors are printed on stderr.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(`${MAIN_HELP}\n`);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    io.stderr.write(`runpod-rx: unknown command '${name}'\n\n${MAIN_HELP}\n`);
    return EXIT.usage;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof UsageError || isConfigError(error)) {
      io.stderr.write(`runpod-rx ${name}: ${(error as Error).message}\nRun 'runpod-rx ${name} --help' for usage.\n`);
      return EXIT.usage;
    }
    const label = isRunpodError(error) ? error.name : 'Error';
    io.stderr.write(`runpod-rx ${name}: ${label}: ${(error as Error)?.message ?? String(error)}\n`);
    return EXIT.error;
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
