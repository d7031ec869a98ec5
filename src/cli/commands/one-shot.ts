import { firstValueFrom, type Observable } from 'rxjs';
import type { Endpoint } from '../../index.js';
import { HELP, parseCommand } from '../args.js';
import { connect } from '../connect.js';
import { EXIT, type CliIo } from '../io.js';

/** A command that sends one request and prints the answer as JSON. */
interface OneShot {
  readonly usage: string;
  readonly summary: string;
  readonly takesId: boolean;
  readonly call: (endpoint: Endpoint, id: string) => Observable<unknown>;
}

/** `status`, `cancel`, `retry`, `health` and `purge-queue`. */
export const ONE_SHOT_COMMANDS: Readonly<Record<string, OneShot>> = {
  status: {
    usage: 'runpod-rx status ID',
    summary: "print a job's current status body",
    takesId: true,
    call: (endpoint, id) => endpoint.status(id),
  },
  cancel: {
    usage: 'runpod-rx cancel ID',
    summary: 'cancel a queued or running job and print its state',
    takesId: true,
    call: (endpoint, id) => endpoint.cancel(id),
  },
  retry: {
    usage: 'runpod-rx retry ID',
    summary: 're-queue a FAILED or TIMED_OUT job under the same id',
    takesId: true,
    call: (endpoint, id) => endpoint.retry(id),
  },
  health: {
    usage: 'runpod-rx health',
    summary: "print the endpoint's job and worker counters",
    takesId: false,
    call: (endpoint) => endpoint.health(),
  },
  'purge-queue': {
    usage: 'runpod-rx purge-queue',
    summary: 'remove every queued job (running jobs go on)',
    takesId: false,
    call: (endpoint) => endpoint.purgeQueue(),
  },
};

/** Help text of a one-shot command. */
export function oneShotHelp(command: OneShot): string {
  return `Usage: ${command.usage}\n\n${command.summary[0].toUpperCase()}${command.summary.slice(1)}.\nThe answer is printed as JSON on stdout.\n\nOptions:\n  -h, --help  show this help`;
}

/** Runs one of {@link ONE_SHOT_COMMANDS}. */
export async function oneShotCommand(command: OneShot, args: readonly string[], io: CliIo): Promise<number> {
  const { positionals, help } = parseCommand(args, { ...HELP }, command.takesId ? 1 : 0);
  if (help) {
    io.stdout.write(`${oneShotHelp(command)}\n`);
    return EXIT.ok;
  }
  const connection = await connect(io);
  try {
    const answer = await firstValueFrom(command.call(connection.endpoint, positionals[0]));
    io.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
    return EXIT.ok;
  } finally {
    await connection.close();
  }
}
