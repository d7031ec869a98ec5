import type { Command } from 'commander';
import { firstValueFrom, type Observable } from 'rxjs';
import type { Endpoint } from '../../index.js';
import { addConnectionOptions, connect, embeddedIdHint, resolveTarget, type ConnectionOptions } from '../connect.js';
import { EXIT, UsageError, type CliContext } from '../io.js';

/** A command that sends one request and prints the answer as JSON. */
interface OneShot {
  readonly summary: string;
  readonly takesId: boolean;
  readonly call: (endpoint: Endpoint, id: string) => Observable<unknown>;
}

/** `status`, `cancel`, `retry`, `health` and `purge-queue`. */
const ONE_SHOT_COMMANDS: Readonly<Record<string, OneShot>> = {
  status: {
    summary: "print a job's current status body",
    takesId: true,
    call: (endpoint, id) => endpoint.status(id),
  },
  cancel: {
    summary: 'cancel a queued or running job and print its state',
    takesId: true,
    call: (endpoint, id) => endpoint.cancel(id),
  },
  retry: {
    summary: 're-queue a FAILED or TIMED_OUT job under the same id',
    takesId: true,
    call: (endpoint, id) => endpoint.retry(id),
  },
  health: {
    summary: "print the endpoint's job and worker counters",
    takesId: false,
    call: (endpoint) => endpoint.health(),
  },
  'purge-queue': {
    summary: 'remove every queued job (running jobs go on)',
    takesId: false,
    call: (endpoint) => endpoint.purgeQueue(),
  },
};

/**
 * Registers the one-shot commands on the program. With nothing configured, a command that takes
 * a job id explains why no id can be known (each command would start a fresh emulator) instead of
 * asking one.
 */
export function defineOneShots(program: Command, { io, exit }: CliContext): void {
  for (const [name, oneShot] of Object.entries(ONE_SHOT_COMMANDS)) {
    const command = program
      .command(name)
      .summary(oneShot.summary)
      .description(
        `${oneShot.summary[0].toUpperCase()}${oneShot.summary.slice(1)}. The answer is printed as JSON on stdout.`,
      );
    if (oneShot.takesId) command.argument('<id>', 'the job id');
    addConnectionOptions(command).action(async (...args: unknown[]) => {
      const id = oneShot.takesId ? String(args[0]) : '';
      const options = command.opts<ConnectionOptions>();
      if (oneShot.takesId && resolveTarget(io, options).kind === 'embedded')
        throw new UsageError(embeddedIdHint(name, id));
      const connection = await connect(io, options);
      try {
        const answer = await firstValueFrom(oneShot.call(connection.endpoint, id));
        io.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
        exit(EXIT.ok);
      } finally {
        await connection.close();
      }
    });
  }
}
