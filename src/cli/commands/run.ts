import { Option, type Command } from 'commander';
import {
  catchError,
  EMPTY,
  filter,
  firstValueFrom,
  from,
  ignoreElements,
  lastValueFrom,
  merge,
  mergeMap,
  of,
  share,
  takeUntil,
  tap,
} from 'rxjs';
import {
  isJobCancelledError,
  isJobFailedError,
  isJobTimedOutError,
  isTerminal,
  isTimeoutError,
  type Endpoint,
  type JobRequest,
  jobEndedError,
  type JobState,
} from '../../index.js';
import { httpUrl, milliseconds } from '../args.js';
import { addConnectionOptions, connect, type ConnectionOptions } from '../connect.js';
import { show } from '../format.js';
import { readJobInput } from '../input.js';
import { EXIT, type CliContext, type CliIo } from '../io.js';
import { StatusLine } from '../status-line.js';

/** The flags of `runpod-rx run`, as commander parses them. */
interface RunOptions extends ConnectionOptions {
  readonly input: string;
  readonly stream?: true;
  readonly async?: true;
  readonly timeout?: number;
  readonly executionTimeout?: number;
  readonly ttl?: number;
  readonly lowPriority?: true;
  readonly webhook?: string;
}

/**
 * Gap between the `/status` reads that show IN_PROGRESS and progress updates on the status line;
 * the end of the job is seen at once by submit's long-poll, not by these reads.
 */
const PROGRESS_POLL_MS = 500;

const isJobEnded = (error: unknown) =>
  isJobFailedError(error) || isJobCancelledError(error) || isJobTimedOutError(error);

/** The request body the flags describe. */
async function jobRequest(options: RunOptions, io: CliIo): Promise<JobRequest> {
  const policy = {
    ...(options.executionTimeout !== undefined && { executionTimeout: options.executionTimeout }),
    ...(options.ttl !== undefined && { ttl: options.ttl }),
    ...(options.lowPriority && { lowPriority: true }),
  };
  return {
    input: await readJobInput(options.input, io),
    ...(options.webhook !== undefined && { webhook: options.webhook }),
    ...(Object.keys(policy).length > 0 && { policy }),
  };
}

/** Submits the job and shows its states, chunks and result; resolves to the exit code. */
async function follow(endpoint: Endpoint, request: JobRequest, options: RunOptions, io: CliIo): Promise<number> {
  const line = new StatusLine(io);
  let jobId: string | undefined;
  let last: JobState | undefined;
  let interrupted = false;
  const printChunk = (output: unknown) => {
    line.clear();
    io.stdout.write(`${show(output)}\n`);
  };
  const submitted$ = endpoint
    .submit(request, { ...(options.timeout !== undefined && { timeout: options.timeout }), cancelOnAbandon: false })
    .pipe(share());
  const ended$ = submitted$.pipe(filter(isTerminal));
  // Reads of /status between submit's long-polls, only for the status line: best effort.
  const progress$ = (id: string) =>
    endpoint.watch(id, { pollInterval: PROGRESS_POLL_MS }).pipe(
      takeUntil(ended$),
      catchError(() => EMPTY),
    );
  const chunks$ = (id: string) =>
    endpoint.stream(id).pipe(
      tap((chunk) => printChunk(chunk.output)),
      ignoreElements(),
      catchError((error: unknown) => (isJobEnded(error) ? EMPTY : Promise.reject(error))),
    );
  const follow$ = submitted$.pipe(
    mergeMap((state, index) => {
      if (index > 0) return of(state);
      jobId = state.id;
      return merge(of(state), progress$(state.id), options.stream ? chunks$(state.id) : EMPTY);
    }),
    tap((state) => {
      last = state;
      line.update(state);
    }),
    takeUntil(from(io.interrupted).pipe(tap(() => (interrupted = true)))),
  );

  const outcome = await lastValueFrom(follow$, { defaultValue: undefined })
    .then(() => (interrupted ? ('interrupted' as const) : ('done' as const)))
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
  if (!options.stream && last.output !== undefined) io.stdout.write(`${show(last.output)}\n`);
  return EXIT.ok;
}

/** Registers `runpod-rx run` on the program. */
export function defineRun(program: Command, { io, exit }: CliContext): void {
  const command = program
    .command('run')
    .summary('queue a job and follow it to the end (--stream, --async, --timeout, policy)')
    .description(
      'Queues a job and follows it to the end, with a live status line on stderr (every state, ' +
        'progress updates, elapsed time). The output (or, with --stream, each chunk as it arrives) ' +
        'goes to stdout.',
    )
    .requiredOption(
      '--input <json>',
      'the job input: a JSON object such as \'{"prompt":"hi"}\', @file.json, or - (stdin)',
    )
    .addOption(new Option('--stream', 'print each streamed chunk as it arrives').conflicts('async'))
    .option('--async', 'only queue the job and print its id and status')
    .option('--timeout <ms>', 'give up (and cancel the job) after this many milliseconds', milliseconds('--timeout'))
    .option(
      '--execution-timeout <ms>',
      'policy.executionTimeout: longest run time (RunPod: ≥ 5000)',
      milliseconds('--execution-timeout'),
    )
    .option('--ttl <ms>', 'policy.ttl: lifetime from submission (RunPod: ≥ 10000)', milliseconds('--ttl'))
    .option('--low-priority', 'policy.lowPriority: this job does not scale workers up')
    .option('--webhook <url>', 'URL that receives the final status body (POST)', httpUrl('--webhook'));
  addConnectionOptions(command)
    .addHelpText('after', '\nExit code: 0 COMPLETED, 1 FAILED / CANCELLED / TIMED_OUT, 2 usage, 3 other errors.')
    .action(async () => {
      const options = command.opts<RunOptions>();
      const request = await jobRequest(options, io);
      const connection = await connect(io, options);
      try {
        if (options.async) {
          io.stdout.write(`${JSON.stringify(await firstValueFrom(connection.endpoint.run(request)))}\n`);
          exit(EXIT.ok);
        } else {
          exit(await follow(connection.endpoint, request, options, io));
        }
      } finally {
        await connection.close();
      }
    });
}
