import * as t from 'io-ts';
import { firstValueFrom, lastValueFrom, skipWhile, tap } from 'rxjs';
import {
  createEndpoint,
  isDecodeError,
  isTimeoutError,
  type Endpoint,
  type EndpointConfig,
  type JobState,
} from '../../index.js';
import { startEmulator } from '../../emulator/index.js';
import { parseJobFailure } from '../../errors.js';
import { duration, show } from '../format.js';
import { EXIT, type CliIo } from '../io.js';

/** What `runpod-rx demo --help` says. */
export const DEMO_HELP =
  'Runs every operation of the endpoint API against an emulator started in this process, and prints ' +
  'what happens: runSync, run then status polling, submit, stream, cancel, a deadline, an execution ' +
  'policy, failure and retry, health and purge-queue. Takes about 10 seconds; needs no API key and no network.';

const DEMO_KEY = 'demo-key';

/** What each demo step gets: the endpoint, a way to make a typed one, and a printer. */
interface StepContext {
  readonly endpoint: Endpoint;
  readonly typed: <O>(output: t.Decoder<unknown, O>) => Endpoint<unknown, O>;
  readonly say: (line: string) => void;
}

/** One section of the demo: a title, and the work that prints under it. */
interface Step {
  readonly title: string;
  readonly run: (context: StepContext) => Promise<void>;
}

/** A FAILED job's error: a worker report (the emulator's mock worker sends one) as its type and message. */
const describeError = (error: unknown) => {
  const report = parseJobFailure(error);
  return report ? `worker report ${report.type}: ${JSON.stringify(report.message)}` : JSON.stringify(error);
};

const describeState = (state: JobState) =>
  state.status +
  (state.output !== undefined ? ` output=${show(state.output)}` : '') +
  (state.error !== undefined ? ` error=${describeError(state.error)}` : '');

const STEPS: readonly Step[] = [
  {
    title: 'runSync: a short job answered within the wait',
    run: async ({ endpoint, say }) => {
      const started = Date.now();
      const job = await firstValueFrom(endpoint.runSync({ input: { mock_return: 'Hello World!', mock_delay: 0.2 } }));
      say(`${job.id} ${describeState(job)} after ${duration(Date.now() - started)}`);
    },
  },
  {
    title: 'run, then status polling every 150 ms (watch with pollInterval)',
    run: async ({ endpoint, say }) => {
      const queued = await firstValueFrom(
        endpoint.run({ input: { mock_progress: { updates: ['loading model', 'sampling'], wait_time: 0.3 } } }),
      );
      say(`run → ${queued.id} ${queued.status}`);
      await lastValueFrom(
        endpoint.watch(queued.id, { pollInterval: 150 }).pipe(tap((s) => say(`status: ${describeState(s)}`))),
      );
    },
  },
  {
    title: 'submit: run + long-poll status-sync, each changed state',
    run: async ({ endpoint, say }) => {
      await lastValueFrom(
        endpoint
          .submit({ input: { mock_return: { answer: 42 }, mock_delay: 0.3 } })
          .pipe(tap((s) => say(describeState(s)))),
      );
    },
  },
  {
    title: 'stream: chunks printed as they arrive',
    run: async ({ endpoint, say }) => {
      const { id } = await firstValueFrom(
        endpoint.run({ input: { mock_return: ['The', 'quick', 'brown', 'fox'], mock_delay: 0.15 } }),
      );
      const started = Date.now();
      await lastValueFrom(
        endpoint.stream(id).pipe(tap((chunk) => say(`+${duration(Date.now() - started)}  ${show(chunk.output)}`))),
      );
      say('stream complete: job COMPLETED and buffer drained');
      // The demo's emulator keeps RunPod's default: no return_aggregate_stream (returnAggregateStream).
      const final = await firstValueFrom(endpoint.status(id));
      say(`final state: ${describeState(final)} (no aggregate output: returnAggregateStream is off)`);
    },
  },
  {
    title: 'cancel: a running job is cancelled',
    run: async ({ endpoint, say }) => {
      const { id } = await firstValueFrom(endpoint.run({ input: { mock_delay: 30 } }));
      await firstValueFrom(endpoint.watch(id).pipe(skipWhile((s) => s.status === 'IN_QUEUE')));
      say(`${id} is IN_PROGRESS; cancelling`);
      say(`cancel → ${describeState(await firstValueFrom(endpoint.cancel(id)))}`);
      say(`status → ${describeState(await firstValueFrom(endpoint.status(id)))}`);
    },
  },
  {
    title: 'timeout: a 500 ms deadline on a 30 s job; the abandoned job is cancelled',
    run: async ({ endpoint, say }) => {
      let id = '';
      const error = await lastValueFrom(
        endpoint.submit({ input: { mock_delay: 30 } }, { timeout: 500 }).pipe(tap((s) => (id = s.id))),
      ).catch((e: unknown) => e);
      say(`${isTimeoutError(error) ? 'TimeoutError' : 'unexpected'}: ${(error as Error).message} (job ${id})`);
      const cancelled = await lastValueFrom(endpoint.watch(id));
      say(`status → ${describeState(cancelled)}`);
    },
  },
  {
    title: 'execution policy: executionTimeout 5 s on a 10 s job (waits 5 s)',
    run: async ({ endpoint, say }) => {
      const job = await firstValueFrom(
        endpoint.runSync({
          input: { mock_delay: 10 },
          policy: { executionTimeout: 5_000, lowPriority: true, ttl: 60_000 },
        }),
      );
      say(`${job.id} ${describeState(job)} after executionTime=${job.executionTime} ms`);
    },
  },
  {
    title: 'failure as data, then retry of the FAILED job',
    run: async ({ endpoint, say }) => {
      const failed = await firstValueFrom(endpoint.runSync({ input: { mock_error: true } }));
      say(`runSync → ${describeState(failed)}`);
      const { id } = await firstValueFrom(endpoint.run({ input: { mock_error: true } }));
      const first = await lastValueFrom(endpoint.watch(id));
      say(`run ${id} → ${first.status}`);
      say(`retry → ${JSON.stringify(await firstValueFrom(endpoint.retry(id)))}`);
      say(`after retry → ${(await lastValueFrom(endpoint.watch(id))).status}`);
    },
  },
  {
    title: 'typed output: an io-ts codec checks the COMPLETED output',
    run: async ({ typed, say }) => {
      const Answer = t.type({ answer: t.number }, 'Answer');
      const endpoint = typed(Answer);
      const job = await firstValueFrom(endpoint.runSync({ input: { mock_return: { answer: 42 } } }));
      if (job.status === 'COMPLETED')
        say(`output.answer + 1 = ${(job.output?.answer ?? 0) + 1} (output typed as Answer)`);
      const error = await firstValueFrom(endpoint.runSync({ input: { mock_return: { answer: 'many' } } })).catch(
        (e: unknown) => e,
      );
      say(`a mismatching output → ${isDecodeError(error) ? `DecodeError: ${error.errors.join('; ')}` : 'unexpected'}`);
    },
  },
  {
    title: 'purge-queue: two busy workers, three queued jobs removed',
    run: async ({ endpoint, say }) => {
      const busy = await Promise.all([1, 2].map(() => firstValueFrom(endpoint.run({ input: { mock_delay: 30 } }))));
      await Promise.all(
        busy.map(({ id }) => firstValueFrom(endpoint.watch(id).pipe(skipWhile((s) => s.status === 'IN_QUEUE')))),
      );
      const queued = await Promise.all([1, 2, 3].map(() => firstValueFrom(endpoint.run({ input: { mock_delay: 1 } }))));
      say(`queued ${queued.length} jobs behind 2 running ones`);
      say(`purge-queue → ${JSON.stringify(await firstValueFrom(endpoint.purgeQueue()))}`);
      await Promise.all(busy.map(({ id }) => firstValueFrom(endpoint.cancel(id))));
    },
  },
  {
    title: 'health: job and worker counters',
    run: async ({ endpoint, say }) => {
      say(JSON.stringify(await firstValueFrom(endpoint.health())));
    },
  },
];

/** `runpod-rx demo`: every operation against an in-process emulator; resolves to the exit code. */
export async function demoCommand(io: CliIo): Promise<number> {
  const emulator = await startEmulator({ apiKey: DEMO_KEY });
  let requests = 0;
  const config: EndpointConfig = {
    apiKey: DEMO_KEY,
    endpointId: 'demo',
    baseUrl: emulator.baseUrl,
    env: {},
    onEvent: (event) => {
      if (event.type === 'request') requests++;
    },
  };
  const endpoint = createEndpoint(config);
  const typed = <O>(output: t.Decoder<unknown, O>) => createEndpoint<unknown, O>({ ...config, codecs: { output } });
  const out = (line: string) => io.stdout.write(`${line}\n`);
  out(`runpod-rx demo: an embedded RunPod emulator at ${emulator.baseUrl}, endpoint "demo"\n`);
  try {
    for (const [index, step] of STEPS.entries()) {
      const before = requests;
      out(`${index + 1}. ${step.title}`);
      await step.run({ endpoint, typed, say: (line) => out(`   ${line}`) });
      out(`   (${requests - before} HTTP request${requests - before === 1 ? '' : 's'})\n`);
    }
    out('done: every operation worked against the emulator.');
    return EXIT.ok;
  } finally {
    await emulator.close();
  }
}
