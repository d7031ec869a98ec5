import { EMPTY, firstValueFrom, lastValueFrom, merge, mergeMap, of, tap, catchError, ignoreElements } from 'rxjs';
import {
  isJobCancelledError,
  isJobFailedError,
  isJobTimedOutError,
  isTerminal,
  isTimeoutError,
  jobEndedError,
  type JobState,
} from '../../index.js';
import { HELP, jsonValue, milliseconds, parseCommand } from '../args.js';
import { connect } from '../connect.js';
import { show } from '../format.js';
import { EXIT, UsageError, type CliIo } from '../io.js';
import { StatusLine } from '../status-line.js';

export const RUN_HELP = `Usage: runpod-rx run --input JSON [--stream] [--async] [--timeout MS]

Queues a job and follows it to the end, with a live status line on stderr.
The output (or, with --stream, each chunk as it arrives) goes to stdout.

Options:
  --input JSON    the job input, e.g. '{"prompt":"hi"}' (required)
  --stream        print each streamed chunk as it arrives
  --async         only queue the job and print its id and status
  --timeout MS    give up (and cancel the job) after MS milliseconds
  -h, --help      show this help

Exit code: 0 COMPLETED, 1 FAILED / CANCELLED / TIMED_OUT, 2 usage, 3 other errors.`;

const isJobEnded = (error: unknown) =>
  isJobFailedError(error) || isJobCancelledError(error) || isJobTimedOutError(error);

/** `runpod-rx run`. */
export async function runCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, help } = parseCommand(
    args,
    {
      ...HELP,
      input: { type: 'string' },
      stream: { type: 'boolean' },
      async: { type: 'boolean' },
      timeout: { type: 'string' },
    },
    0,
  );
  if (help) {
    io.stdout.write(`${RUN_HELP}\n`);
    return EXIT.ok;
  }
  if (values.input === undefined) throw new UsageError('--input is required');
  const request = { input: jsonValue('input', values.input) };
  const timeout = milliseconds('timeout', values.timeout);

  const connection = await connect(io);
  const { endpoint } = connection;
  try {
    if (values.async) {
      io.stdout.write(`${JSON.stringify(await firstValueFrom(endpoint.run(request)))}\n`);
      return EXIT.ok;
    }

    const line = new StatusLine(io);
    let jobId: string | undefined;
    let last: JobState | undefined;
    const printChunk = (output: unknown) => {
      line.clear();
      io.stdout.write(`${show(output)}\n`);
    };
    const follow$ = endpoint.submit(request, { timeout, cancelOnAbandon: false }).pipe(
      mergeMap((state) => {
        const first = jobId === undefined;
        jobId = state.id;
        if (!first || !values.stream) return of(state);
        const chunks$ = endpoint.stream(state.id).pipe(
          tap((chunk) => printChunk(chunk.output)),
          ignoreElements(),
          catchError((error: unknown) => (isJobEnded(error) ? EMPTY : Promise.reject(error))),
        );
        return merge(of(state), chunks$);
      }),
      tap((state) => {
        last = state;
        line.update(state.status);
      }),
    );

    const interrupted = io.interrupted.then(() => 'interrupted' as const);
    const outcome = await Promise.race([
      lastValueFrom(follow$, { defaultValue: undefined }).then(() => 'done' as const),
      interrupted,
    ])
      .catch((error: unknown) => {
        if (isTimeoutError(error)) return 'timeout' as const;
        throw error;
      })
      .finally(() => line.stop());

    if (outcome !== 'done' || last === undefined || !isTerminal(last)) {
      if (jobId !== undefined) {
        await firstValueFrom(endpoint.cancel(jobId)).catch(() => undefined);
        io.stderr.write(`${outcome === 'timeout' ? 'timed out' : 'interrupted'}: job ${jobId} cancelled\n`);
      }
      return outcome === 'timeout' ? EXIT.error : EXIT.jobFailed;
    }
    if (last.status !== 'COMPLETED') {
      // The typed error's message: a worker's JSON failure report shows as its error_message.
      io.stderr.write(`${jobEndedError(last).message}\n`);
      return EXIT.jobFailed;
    }
    if (!values.stream && last.output !== undefined) io.stdout.write(`${show(last.output)}\n`);
    return EXIT.ok;
  } finally {
    await connection.close();
  }
}
