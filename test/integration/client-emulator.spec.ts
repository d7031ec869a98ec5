import * as t from 'io-ts';
import { firstValueFrom, lastValueFrom, skipWhile, take, toArray } from 'rxjs';
import {
  createEndpoint,
  createFetchTransport,
  isJobCancelledError,
  isJobFailedError,
  isJobTimedOutError,
  isNotFoundError,
  isTimeoutError,
  type Endpoint,
  type EndpointConfig,
  type JobState,
  type RunpodEvent,
} from 'runpod-rx';
import { startEmulator, type Emulator } from 'runpod-rx/emulator';

const KEY = 'integration-key';

/** The runpod-rx client against the emulator over real loopback HTTP: every operation, every terminal state. */
describe('runpod-rx against the emulator', () => {
  let emulator: Emulator;
  const events: RunpodEvent[] = [];
  let endpoint: Endpoint;

  const connect = <O = unknown>(config: EndpointConfig<unknown, O> = {}) =>
    createEndpoint<unknown, O>({
      apiKey: KEY,
      endpointId: 'it',
      baseUrl: emulator.baseUrl,
      env: {},
      onEvent: (e) => events.push(e),
      ...config,
    });
  const requestsSince = (mark: number) => events.slice(mark).filter((e) => e.type === 'request').length;

  beforeAll(async () => {
    emulator = await startEmulator({
      apiKey: KEY,
      workers: 4,
      endpoints: {
        purge: { workers: 2 },
        streaming: {
          handler: async function* (job) {
            const { words } = job.input as { words: string[] };
            for (const word of words) yield { token: word };
          },
        },
      },
    });
    endpoint = connect();
  });
  afterAll(() => emulator.close());

  it('runSync of a job shorter than the wait costs exactly one request', async () => {
    const mark = events.length;
    const job = await firstValueFrom(endpoint.runSync({ input: { mock_return: 'hi', mock_delay: 0.05 } }));
    expect(job).toMatchObject({ status: 'COMPLETED', output: 'hi', id: expect.stringMatching(/^sync-.+-[ue]\d+$/) });
    expect(job.delayTime).toEqual(expect.any(Number));
    expect(job.executionTime).toEqual(expect.any(Number));
    expect(requestsSince(mark)).toBe(1);
  });

  it('runSync of a job longer than the wait long-polls status-sync until it ends', async () => {
    const slow = connect({ longPollWait: 1000 });
    const job = await firstValueFrom(slow.runSync({ input: { mock_return: 'late', mock_delay: 1.5 } }));
    expect(job).toMatchObject({ status: 'COMPLETED', output: 'late' });
  });

  it('submit costs two requests and emits IN_QUEUE first, COMPLETED last', async () => {
    const mark = events.length;
    const states = await lastValueFrom(
      endpoint.submit({ input: { mock_return: [1, 2], mock_delay: 0.05 } }).pipe(toArray()),
    );
    expect(states[0].status).toBe('IN_QUEUE');
    // A streamed job has no combined output unless the endpoint sets returnAggregateStream.
    expect(states[states.length - 1]).toMatchObject({ status: 'COMPLETED' });
    expect(states[states.length - 1].output).toBeUndefined();
    expect(requestsSince(mark)).toBe(2);
  });

  it('webhookV2 and unknown top-level and policy keys reach the emulator unchanged; it accepts them', async () => {
    const bodies: unknown[] = [];
    const fetchTransport = createFetchTransport();
    const recording = connect({
      transport: (request) => {
        if (request.body !== undefined) bodies.push(JSON.parse(request.body));
        return fetchTransport(request);
      },
    });
    // Built outside the call, as a caller forwarding fields this version does not name would.
    const request = {
      input: { mock_return: 'kept' },
      webhookV2: 'http://127.0.0.1:9/v2',
      policy: { ttl: 60_000, futurePolicy: { level: 2 } },
      futureField: ['a', 1],
    };
    const job = await firstValueFrom(recording.runSync(request));
    expect(job).toMatchObject({ status: 'COMPLETED', output: 'kept' });
    expect(bodies).toEqual([request]);
  });

  it('run + status + watch follow a job to COMPLETED with progress updates', async () => {
    const { id, status } = await firstValueFrom(
      endpoint.run({ input: { mock_progress: { updates: ['one', 'two'], wait_time: 0.1 } } }),
    );
    expect(status).toBe('IN_QUEUE');
    const states = await lastValueFrom(endpoint.watch(id, { pollInterval: 30 }).pipe(toArray()));
    expect(states.map((s) => s.output)).toEqual(expect.arrayContaining(['one', 'two']));
    expect(states[states.length - 1].status).toBe('COMPLETED');
    expect((await firstValueFrom(endpoint.status(id))).status).toBe('COMPLETED');
  });

  it('a FAILED job is data for submit, an error for stream, and can be retried', async () => {
    const states = await lastValueFrom(endpoint.submit({ input: { mock_error: true } }).pipe(toArray()));
    const failed = states[states.length - 1];
    expect(failed).toMatchObject({ status: 'FAILED', error: expect.any(String) });
    const streamError = await lastValueFrom(endpoint.stream(failed.id)).catch((e: unknown) => e);
    expect(isJobFailedError(streamError)).toBe(true);
    expect(await firstValueFrom(endpoint.retry(failed.id))).toEqual({ id: failed.id, status: 'IN_QUEUE' });
    expect((await lastValueFrom(endpoint.watch(failed.id))).status).toBe('FAILED');
  });

  it('an executionTimeout ends the job TIMED_OUT, which stream reports as JobTimedOutError', async () => {
    const { id } = await firstValueFrom(
      endpoint.run({ input: { mock_delay: 8 }, policy: { executionTimeout: 5_000 } }),
    );
    const error = await lastValueFrom(endpoint.stream(id)).catch((e: unknown) => e);
    expect(isJobTimedOutError(error)).toBe(true);
    expect((error as { job: JobState }).job.status).toBe('TIMED_OUT');
  }, 15_000);

  it('cancel stops a running job; stream then errors with JobCancelledError', async () => {
    const { id } = await firstValueFrom(endpoint.run({ input: { mock_delay: 30 } }));
    await firstValueFrom(endpoint.watch(id, { pollInterval: 20 }).pipe(skipWhile((s) => s.status === 'IN_QUEUE')));
    expect(await firstValueFrom(endpoint.cancel(id))).toMatchObject({ id, status: 'CANCELLED' });
    const error = await lastValueFrom(endpoint.stream(id)).catch((e: unknown) => e);
    expect(isJobCancelledError(error)).toBe(true);
  });

  it('unsubscribing from submit cancels the job on the server', async () => {
    const first = await firstValueFrom(endpoint.submit({ input: { mock_delay: 30 } }));
    // firstValueFrom unsubscribed after IN_QUEUE: the client sent POST /cancel.
    const ended = await lastValueFrom(endpoint.watch(first.id, { timeout: 5_000 }));
    expect(ended.status).toBe('CANCELLED');
  });

  it('a runSync deadline errors with TimeoutError and cancels the job', async () => {
    let jobId: string | undefined;
    const quick = connect({ onEvent: (e) => e.type === 'cancel-on-abandon' && (jobId = e.jobId) });
    const error = await firstValueFrom(quick.runSync({ input: { mock_delay: 30 } }, { timeout: 1200 })).catch(
      (e: unknown) => e,
    );
    expect(isTimeoutError(error)).toBe(true);
    expect(jobId).toBeDefined();
    expect((await lastValueFrom(endpoint.watch(jobId!, { timeout: 5_000 }))).status).toBe('CANCELLED');
  });

  it('stream delivers every chunk in order from the mock worker and from an async-iterable handler', async () => {
    const words = Array.from({ length: 30 }, (_, i) => `w${i}`);
    const { id } = await firstValueFrom(endpoint.run({ input: { mock_return: words, mock_delay: 0.01 } }));
    const chunks = await lastValueFrom(endpoint.stream(id).pipe(toArray()));
    expect(chunks.map((c) => c.output)).toEqual(words);

    const Token = t.type({ token: t.string });
    const typed = createEndpoint<unknown, unknown, t.TypeOf<typeof Token>>({
      apiKey: KEY,
      endpointId: 'streaming',
      baseUrl: emulator.baseUrl,
      env: {},
      codecs: { chunk: Token },
    });
    const job = await firstValueFrom(typed.run({ input: { words: ['a', 'b', 'c'] } }));
    const tokens = await lastValueFrom(typed.stream(job.id).pipe(toArray()));
    expect(tokens.map((c) => c.output.token)).toEqual(['a', 'b', 'c']);
  });

  it('typed outputs decode through codecs.output', async () => {
    const typed = connect({ codecs: { output: t.type({ n: t.number }) } });
    const job = await firstValueFrom(typed.runSync({ input: { mock_return: { n: 5 } } }));
    expect(job.status === 'COMPLETED' && job.output?.n).toBe(5);
  });

  it('health and purgeQueue report the queue', async () => {
    const busy = connect({ endpointId: 'purge' });
    const running = await Promise.all([1, 2].map(() => firstValueFrom(busy.run({ input: { mock_delay: 30 } }))));
    await Promise.all(
      running.map(({ id }) =>
        firstValueFrom(busy.watch(id, { pollInterval: 20 }).pipe(skipWhile((s) => s.status === 'IN_QUEUE'))),
      ),
    );
    await lastValueFrom(busy.run({ input: { mock_delay: 1 } }).pipe(take(1)));
    const health = await firstValueFrom(busy.health());
    expect(health.jobs).toMatchObject({ inProgress: 2, inQueue: 1 });
    expect(await firstValueFrom(busy.purgeQueue())).toEqual({ removed: 1, status: 'completed' });
    await Promise.all(running.map(({ id }) => firstValueFrom(busy.cancel(id))));
  });

  it('an unknown job is a NotFoundError for status, watch and stream', async () => {
    for (const call of [endpoint.status('unknown-u1'), endpoint.watch('unknown-u1'), endpoint.stream('unknown-u1')]) {
      expect(isNotFoundError(await lastValueFrom(call as never).catch((e: unknown) => e))).toBe(true);
    }
  });
});
