/**
 * Chaos: 1,000 jobs (submit, runSync, run + stream) through an emulator that injects every fault
 * it knows (429, 500, connection reset, malformed and truncated 200s, latency) at fixed rates from
 * a fixed seed. Every job must reach its true terminal state (the emulator's own record), with its
 * output, every streamed chunk exactly once, no job created twice, and no unhandled rejection.
 *
 * What the client retries by itself is its retry table (docs/errors-and-retries.md). What it does
 * not retry reaches the caller, and the caller here behaves as a careful application would:
 * - after an error on a create route (/run, /runsync) it re-submits at once only when the error
 *   proves nothing was created (ThrottledError, NetworkError.refused);
 * - any other create error (500, reset, malformed or truncated 200) is ambiguous: the job may
 *   exist. The RunPod API offers no way to find out, so the test asks the emulator (its oracle,
 *   `emulator.jobs(endpointId)`): a job that exists is adopted, otherwise the caller re-submits.
 *   Every such case is counted; the emulator applies faults before executing a request, so the
 *   oracle always answers "not created" here. Each job has an endpoint id of its own so that
 *   the oracle's answer is exact.
 * - after an error once the job id is known (a status-sync or stream read answered with a
 *   malformed body, which reads do not retry), it resumes with `watch(id)` or `stream(id)`.
 * Set RELIABILITY_FIGURES=1 to print the figures (docs/reliability.md quotes them).
 */
import {
  createEndpoint,
  createFetchTransport,
  isJobCancelledError,
  isJobFailedError,
  isJobTimedOutError,
  isNetworkError,
  isRunpodError,
  isThrottledError,
  JobStateCodec,
  RunResponse,
  StreamChunkCodec,
  type Endpoint,
  type JobState,
  type RunpodEvent,
} from 'runpod-rx';
import { firstValueFrom, tap } from 'rxjs';
import { startEmulator, type Emulator, type EmulatorFaults } from 'runpod-rx/emulator';
import type { Transport } from 'runpod-rx';
import { eventually, outcome, pool, unhandledRejections } from './helpers';

const SEED = 20_240_606;
const JOBS = 1000; // i % 3: 0 submit (334), 1 runSync (333), 2 run + stream (333)
const CONCURRENCY = 48;
const FAILING_EVERY = 10; // every 10th job of each kind asks the mock worker for mock_error
const MAX_ATTEMPTS = 40;
const ABANDONED = 150; // second test: submits abandoned after their first state
const FAULTS: EmulatorFaults = {
  throttle: 0.05,
  serverError: 0.05,
  reset: 0.03,
  malformed: 0.03,
  truncated: 0.03,
  latency: { rate: 0.1, ms: 150 },
};

type Kind = 'submit' | 'runSync' | 'stream';
type Terminal = 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TIMED_OUT';

interface ChaosJob {
  readonly index: number;
  readonly kind: Kind;
  readonly endpointId: string;
  readonly input: Record<string, unknown>;
  readonly expected: Terminal;
  readonly expectedOutput: unknown;
  id?: string;
  observed?: Terminal;
  output?: unknown;
  readonly chunks: unknown[];
  attempts: number;
}

const bump = (counts: Record<string, number>, key: string, by = 1) => {
  counts[key] = (counts[key] ?? 0) + by;
};

describe('chaos: 1,000 jobs through injected faults', () => {
  let emulator: Emulator;
  const rejections = unhandledRejections();

  beforeAll(async () => {
    rejections.start();
    emulator = await startEmulator({
      seed: SEED,
      faults: FAULTS,
      rateLimits: false,
      // Keep runsync results for the final comparison (the cloud keeps them 60 s).
      retention: { runsyncMs: 30 * 60_000 },
    });
  });

  afterAll(async () => {
    await emulator.close();
    rejections.stop();
  });

  it('every job reaches its true terminal state, none is lost or duplicated, no rejection goes unhandled', async () => {
    const startedAt = Date.now();
    // A short body timeout: node-fetch would otherwise wait 30 s on each truncated body.
    const transport = createFetchTransport({ bodyTimeout: 500 });
    const clientRetries: Record<string, number> = {};
    const callerErrors: Record<string, number> = {};
    const resolutions: Record<string, number> = {};
    const untyped: unknown[] = [];
    const invalidValues: unknown[] = [];
    const onEvent = (event: RunpodEvent) => {
      if (event.type === 'retry') bump(clientRetries, `${event.route} ← ${event.reason.split(':')[0]}`);
    };
    const endpointFor = (endpointId: string): Endpoint =>
      createEndpoint({
        apiKey: 'chaos-key',
        endpointId,
        baseUrl: emulator.baseUrl,
        transport,
        env: {},
        retry: { count: 6, baseDelay: 20, maxDelay: 250, maxRetryAfter: 100 },
        requestTimeout: 10_000,
        longPollWait: 20_000,
        streamWait: 2_000,
        onEvent,
      });

    const jobs: ChaosJob[] = Array.from({ length: JOBS }, (_, index) => {
      const kind: Kind = (['submit', 'runSync', 'stream'] as const)[index % 3];
      const failing = Math.floor(index / 3) % FAILING_EVERY === FAILING_EVERY - 1;
      const mockReturn = kind === 'stream' ? [`${index}:a`, `${index}:b`, `${index}:c`] : `out-${index}`;
      return {
        index,
        kind,
        endpointId: `chaos-${kind}-${index}`,
        input: {
          mock_return: mockReturn,
          mock_delay: 0.005 + (index % 4) * 0.005,
          ...(failing && { mock_error: `boom ${index}` }),
        },
        expected: failing ? 'FAILED' : 'COMPLETED',
        expectedOutput: failing ? undefined : mockReturn,
        chunks: [],
        attempts: 0,
      };
    });

    const checkState = (state: JobState) => {
      if (!JobStateCodec.is(state)) invalidValues.push(state);
    };

    /** One more attempt for `job`, or the test fails. */
    const nextAttempt = (job: ChaosJob) => {
      job.attempts += 1;
      if (job.attempts > MAX_ATTEMPTS)
        throw new Error(`${job.endpointId}: still not terminal after ${MAX_ATTEMPTS} attempts`);
    };

    /** What the caller does after an error: see the header comment. */
    const afterError = (job: ChaosJob, error: unknown, phase: 'create' | 'follow') => {
      if (!isRunpodError(error)) {
        untyped.push(error);
        throw error;
      }
      bump(callerErrors, `${job.kind} ${phase}: ${error.name}`);
      if (phase === 'follow' && job.id !== undefined) {
        bump(resolutions, 'resumed with the known job id');
        return;
      }
      if (isThrottledError(error) || (isNetworkError(error) && error.refused)) {
        bump(resolutions, 're-submitted: the error proves no job was created');
        return;
      }
      const existing = emulator.jobs(job.endpointId);
      if (existing.length > 0) {
        job.id = existing[0].id;
        bump(resolutions, `ambiguous ${phase} error, the oracle found the job: adopted`);
      } else {
        bump(resolutions, `ambiguous ${phase} error, the oracle found no job: re-submitted`);
      }
    };

    const runSubmitOrRunSync = async (job: ChaosJob, endpoint: Endpoint) => {
      const request = { input: job.input };
      for (;;) {
        nextAttempt(job);
        const source =
          job.id !== undefined
            ? endpoint.watch(job.id)
            : job.kind === 'submit'
              ? endpoint.submit(request, { cancelOnAbandon: false })
              : endpoint.runSync(request, { cancelOnAbandon: false });
        const result = await outcome(source);
        for (const state of result.values) {
          checkState(state);
          if (job.kind === 'submit') job.id ??= state.id;
        }
        if (result.completed) {
          const last = result.values[result.values.length - 1];
          job.id ??= last.id;
          job.observed = last.status as Terminal;
          job.output = last.output;
          return;
        }
        // runSync never hands out the id before its terminal state: classify by the failing route.
        const onCreate =
          job.id === undefined &&
          (job.kind === 'submit' || /\/runsync\b/.test(String((result.error as Error | undefined)?.message)));
        afterError(job, result.error, onCreate ? 'create' : 'follow');
      }
    };

    const runStream = async (job: ChaosJob, endpoint: Endpoint) => {
      while (job.id === undefined) {
        nextAttempt(job);
        const result = await outcome(endpoint.run({ input: job.input }));
        if (result.completed) {
          if (!RunResponse.is(result.values[0])) invalidValues.push(result.values[0]);
          job.id = result.values[0].id;
        } else afterError(job, result.error, 'create');
      }
      for (;;) {
        nextAttempt(job);
        const result = await outcome(endpoint.stream(job.id));
        for (const chunk of result.values) {
          if (!StreamChunkCodec.is(chunk)) invalidValues.push(chunk);
          job.chunks.push(chunk.output);
        }
        if (result.completed) {
          job.observed = 'COMPLETED';
          return;
        }
        const error = result.error;
        if (isJobFailedError(error) || isJobCancelledError(error) || isJobTimedOutError(error)) {
          checkState(error.job);
          job.observed = error.job.status as Terminal;
          return;
        }
        afterError(job, error, 'follow');
      }
    };

    await pool(jobs.length, CONCURRENCY, async (index) => {
      const job = jobs[index];
      const endpoint = endpointFor(job.endpointId);
      if (job.kind === 'stream') await runStream(job, endpoint);
      else await runSubmitOrRunSync(job, endpoint);
    });
    const wallMs = Date.now() - startedAt;

    // Every job: the terminal state the caller saw is the one asked for, and the emulator's own.
    const mismatches: string[] = [];
    const duplicated: string[] = [];
    for (const job of jobs) {
      const records = emulator.jobs(job.endpointId);
      if (records.length !== 1) duplicated.push(`${job.endpointId}: ${records.length} jobs`);
      const record = emulator.job(job.id ?? '');
      const truth = record?.status;
      if (job.observed !== job.expected || truth !== job.expected) {
        mismatches.push(
          `${job.endpointId}: expected ${job.expected}, caller saw ${job.observed}, emulator has ${truth}`,
        );
      }
      if (job.expected === 'COMPLETED') {
        const got = job.kind === 'stream' ? job.chunks : job.output;
        if (JSON.stringify(got) !== JSON.stringify(job.expectedOutput)) {
          mismatches.push(
            `${job.endpointId}: output ${JSON.stringify(got)}, expected ${JSON.stringify(job.expectedOutput)}`,
          );
        }
      } else if (job.kind === 'stream' && job.chunks.length > 0) {
        mismatches.push(
          `${job.endpointId}: a job that failed before streaming gave chunks ${JSON.stringify(job.chunks)}`,
        );
      }
    }
    const stats = emulator.stats();
    const unhandled = rejections.stop();
    rejections.start();

    const figures = {
      jobs: { total: jobs.length, submit: 334, runSync: 333, stream: 333, concurrency: CONCURRENCY },
      terminal: {
        completed: jobs.filter((j) => j.observed === 'COMPLETED').length,
        failed: jobs.filter((j) => j.observed === 'FAILED').length,
      },
      lost: mismatches.length,
      duplicated: duplicated.length,
      jobsCreated: stats.jobsCreated,
      unhandledRejections: unhandled.length,
      untypedErrors: untyped.length,
      faultsInjected: stats.faults,
      emulatorRequests: stats.requests,
      emulatorResponses: stats.responses,
      clientRetries,
      callerErrors,
      resolutions,
      chunksStreamed: jobs.reduce((n, j) => n + j.chunks.length, 0),
      maxAttemptsOfOneJob: Math.max(...jobs.map((j) => j.attempts)),
      wallMs,
    };
    if (process.env.RELIABILITY_FIGURES) console.log(`chaos figures\n${JSON.stringify(figures, null, 2)}`);

    expect(untyped).toEqual([]);
    expect(invalidValues).toEqual([]);
    expect(mismatches).toEqual([]);
    expect(duplicated).toEqual([]);
    expect(stats.jobsCreated).toBe(JOBS);
    expect(unhandled).toEqual([]);
    // Every fault kind was exercised, and the faults were not a rounding error.
    for (const kind of ['throttle', 'serverError', 'reset', 'malformed', 'truncated', 'latency'] as const) {
      expect(stats.faults[kind]).toBeGreaterThan(10);
    }
    expect(jobs.filter((j) => j.observed === 'FAILED')).toHaveLength(99);
  }, 120_000);

  it('abandoned submits: POST /cancel is retried through faults; a job is left running only when its cancel failed for good', async () => {
    // Each POST /cancel exchange the client makes, per job id: did one of them get a real answer?
    const cancelAnswered = new Map<string, boolean>();
    const cancelFailures: Record<string, number> = {};
    let openCancels = 0;
    const inner = createFetchTransport({ bodyTimeout: 500 });
    const transport: Transport = (request) => {
      const match = /\/cancel\/([^/?]+)/.exec(request.path);
      if (match === null) return inner(request);
      const id = match[1];
      cancelAnswered.set(id, cancelAnswered.get(id) ?? false);
      openCancels += 1;
      let settled = false;
      const settle = (answered: boolean, failure?: string) => {
        if (settled) return;
        settled = true;
        openCancels -= 1;
        if (answered) cancelAnswered.set(id, true);
        if (failure) bump(cancelFailures, failure);
      };
      return inner(request).pipe(
        tap({
          next: (response) => {
            let ok = false;
            try {
              ok = response.status === 200 && JobStateCodec.is(JSON.parse(response.body));
            } catch {
              ok = false;
            }
            settle(ok, ok ? undefined : `HTTP ${response.status}${response.status === 200 ? ' (not JSON)' : ''}`);
          },
          error: (error: unknown) => settle(false, (error as Error).name),
          finalize: () => settle(false),
        }),
      );
    };
    const cancelEvents: string[] = [];
    const jobIds: string[] = [];
    const createErrors: Record<string, number> = {};

    await pool(ABANDONED, CONCURRENCY, async (index) => {
      const endpointId = `abandon-${index}`;
      const endpoint = createEndpoint({
        apiKey: 'chaos-key',
        endpointId,
        baseUrl: emulator.baseUrl,
        transport,
        env: {},
        retry: { count: 6, baseDelay: 20, maxDelay: 250, maxRetryAfter: 100 },
        onEvent: (event) => {
          if (event.type === 'cancel-on-abandon') cancelEvents.push(event.jobId);
        },
      });
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        // The first state is the /run answer; taking it and leaving abandons the job.
        const first = await firstValueFrom(endpoint.submit({ input: { mock_delay: 60 } })).catch((e: unknown) => e);
        if (JobStateCodec.is(first)) {
          jobIds.push(first.id);
          return;
        }
        if (!isRunpodError(first)) throw first;
        bump(createErrors, first.name);
        // As in the first test: re-submit only when no job exists (proved, or by the oracle).
        const existing = emulator.jobs(endpointId);
        if (existing.length > 0) throw new Error(`${endpointId}: a failed /run created a job`);
      }
      throw new Error(`${endpointId}: no job after ${MAX_ATTEMPTS} attempts`);
    });

    // Wait until no cancel is in flight or waiting for a retry (backoff ≤ 250 ms, Retry-After ≤ 100 ms).
    let quietSince = Date.now();
    await eventually(
      () => {
        if (openCancels > 0) quietSince = Date.now();
        return Date.now() - quietSince > 1_000;
      },
      30_000,
      'the cancels to settle',
    );

    const states: Record<string, number> = {};
    const inconsistent: string[] = [];
    for (const id of jobIds) {
      const status = emulator.job(id)?.status ?? 'missing';
      bump(states, status);
      const answered = cancelAnswered.get(id) === true;
      if ((status === 'CANCELLED') !== answered) inconsistent.push(`${id}: ${status}, cancel answered: ${answered}`);
    }
    const figures = {
      abandoned: jobIds.length,
      cancelOnAbandonEvents: cancelEvents.length,
      emulatorStates: states,
      cancelAttemptsThatFailed: cancelFailures,
      createErrors,
    };
    if (process.env.RELIABILITY_FIGURES) console.log(`abandon figures\n${JSON.stringify(figures, null, 2)}`);

    expect(jobIds).toHaveLength(ABANDONED);
    expect(new Set(cancelEvents)).toEqual(new Set(jobIds));
    // CANCELLED exactly when one POST /cancel got a real answer; never a job cancelled by nobody,
    // never a cancel answered 200 that left the job running.
    expect(inconsistent).toEqual([]);
    expect(states.CANCELLED).toBeGreaterThan(ABANDONED * 0.8);
  }, 60_000);
});
