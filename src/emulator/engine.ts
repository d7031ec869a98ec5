import type { EmulatorClock } from './clock.js';
import { EndpointRuntime, type HealthBody } from './endpoint-runtime.js';
import type { IdSource } from './ids.js';
import { isTerminal, type JobStatus } from '../codecs/job-status.js';
import { snapshotOf, statusBody, type JobRecord, type JobRun, type StatusBody, type WorkerSlot } from './job.js';
import type { JobPlayer, ScriptMove } from './job-player.js';
import type { ParsedJobRequest } from './job-request.js';
import { executeHandler } from './job-runner.js';
import { errorText } from './json-value.js';
import { JobStore } from './job-store.js';
import { jsonBytes, RetainedBytes, utf8 } from './retained-bytes.js';
import type { StatsCollector } from './stats.js';
import type { TimerSet } from './timers.js';
import type { EmulatorEndpointOptions, EmulatorHandler, EmulatorJobSnapshot } from './types.js';
import type { WebhookPoster } from './webhook-url.js';

/** What the engine needs. */
export interface EngineDeps {
  clock: EmulatorClock;
  timers: TimerSet;
  stats: StatsCollector;
  /** Worker ids. */
  ids: IdSource;
  /** The id of a new job (the emulator's `<uuid>-u1`, `sync-<uuid>-e1`…). */
  newJobId(request: ParsedJobRequest, sync: boolean): string;
  webhooks: WebhookPoster;
  /**
   * Plays jobs from scripts instead of workers running the handler (the test kit's fake
   * endpoint); such jobs have no `policy.ttl` and no execution timeout: their script says when
   * they end. @default workers run the handler
   */
  player?: JobPlayer | undefined;
  defaultWorkers: number;
  defaultHandler: EmulatorHandler;
  endpoints: Record<string, EmulatorEndpointOptions>;
  /** Default of {@link EmulatorEndpointOptions.returnAggregateStream}. */
  returnAggregateStream: boolean;
  retention: { runMs: number; runsyncMs: number };
  /** Cap of the bytes of inputs and outputs held (see {@link RetainedBytes}). */
  maxRetainedBytes: number;
}

/** An endpoint with no live job and no request for this long is forgotten (10 min). */
export const ENDPOINT_IDLE_MS = 10 * 60_000;
/** How often (clock time, checked on use) idle endpoints are looked for. */
const ENDPOINT_SWEEP_MS = 60_000;

/** Why a job is deleted. */
type DeleteReason = 'expired' | 'evicted';

const abortError = (message: string): DOMException => new DOMException(message, 'AbortError');

/**
 * The job state machine: submission, dispatch to workers, completion, cancel,
 * retry, purge, worker crashes, ttl and retention expiry. Free of transports and of Node
 * built-ins: the emulator runs it, and so does the test kit's fake endpoint (jobs from a {@link JobPlayer}).
 */
export class Engine {
  /** Live jobs. */
  readonly store = new JobStore();
  private readonly endpoints = new Map<string, EndpointRuntime>();
  private readonly retained: RetainedBytes;
  private lastSweep: number;
  private closed = false;

  /** @param deps collaborators and settings. */
  constructor(private readonly deps: EngineDeps) {
    this.retained = new RetainedBytes(deps.maxRetainedBytes);
    this.lastSweep = deps.clock.now();
  }

  /** The options given for `endpointId`, if any. */
  private ownOptions(endpointId: string): EmulatorEndpointOptions | undefined {
    return Object.prototype.hasOwnProperty.call(this.deps.endpoints, endpointId)
      ? this.deps.endpoints[endpointId]
      : undefined;
  }

  /**
   * The runtime of `endpointId`, created on first use. Each use counts as activity; endpoints
   * idle for {@link ENDPOINT_IDLE_MS} with no live job are forgotten (their `/health`
   * counters start again from 0), so endpoint ids never seen again cost nothing.
   */
  endpoint(endpointId: string): EndpointRuntime {
    const now = this.deps.clock.now();
    if (now - this.lastSweep >= ENDPOINT_SWEEP_MS) this.forgetIdleEndpoints(now);
    let ep = this.endpoints.get(endpointId);
    if (!ep) {
      const own = this.ownOptions(endpointId);
      ep = new EndpointRuntime(
        endpointId,
        own?.handler ?? this.deps.defaultHandler,
        own?.workers ?? this.deps.defaultWorkers,
        this.deps.ids,
        (job, worker) => this.start(job, worker),
      );
      this.endpoints.set(endpointId, ep);
      this.deps.stats.data.endpoints = this.endpoints.size;
    }
    ep.lastUsedAt = now;
    return ep;
  }

  private forgetIdleEndpoints(now: number): void {
    this.lastSweep = now;
    for (const [id, ep] of this.endpoints) {
      if (ep.liveJobs === 0 && now - ep.lastUsedAt >= ENDPOINT_IDLE_MS) this.endpoints.delete(id);
    }
    this.deps.stats.data.endpoints = this.endpoints.size;
  }

  /**
   * Creates a job and queues it. Its input counts against the retained-bytes cap: the oldest
   * finished jobs are forgotten to make room; when the inputs of live jobs alone would pass the
   * cap, no job is created and `undefined` is returned (the route answers 429, queue full).
   */
  submit(endpointId: string, request: ParsedJobRequest, sync: boolean): JobRecord | undefined {
    const inputJson = utf8(JSON.stringify(request.input) ?? 'null');
    // Refused before anything is forgotten: finished jobs are only given up for a job that fits.
    if (!this.retained.fitsBesideLiveJobs(inputJson.length)) {
      this.deps.stats.data.queueFull += 1;
      return undefined;
    }
    this.makeRoom(inputJson.length);
    this.retained.add(inputJson.length);
    this.publishRetained();
    const now = this.deps.clock.now();
    const job: JobRecord = {
      id: this.deps.newJobId(request, sync),
      endpointId,
      sync,
      inputJson,
      outputBytes: 0,
      executionTimeoutMs: request.executionTimeoutMs,
      ttlMs: request.ttlMs,
      status: 'IN_QUEUE',
      acceptedStatus: 'IN_QUEUE',
      createdAt: now,
      queuedAt: now,
      attempts: 0,
      crashes: 0,
      streamBuffer: [],
      chunksProduced: 0,
      timers: {},
      listeners: new Set(),
      deleted: false,
    };
    if (request.webhook !== undefined) (job as { webhook?: string }).webhook = request.webhook;
    this.store.add(job);
    this.deps.stats.data.jobsCreated += 1;
    const ep = this.endpoint(endpointId);
    ep.liveJobs += 1;
    if (this.deps.player) {
      this.play(job, this.deps.player);
      job.acceptedStatus = job.status;
      return job;
    }
    // policy.ttl: total lifetime from submission; the job is deleted in any state.
    job.timers.ttl = this.deps.timers.set(() => this.expire(job), job.ttlMs);
    ep.enqueue(job);
    return job;
  }

  /** Forgets the oldest finished jobs until `more` bytes fit under the cap (or none is left). */
  private makeRoom(more: number): void {
    while (!this.retained.fits(more)) {
      const oldest = this.retained.oldestFinished();
      if (!oldest) return;
      this.expire(oldest, 'evicted');
    }
  }

  /** Forgets the oldest finished jobs while the cap is passed (after a large output). */
  private trimRetained(): void {
    while (this.retained.over) {
      const oldest = this.retained.oldestFinished();
      if (!oldest) return;
      this.expire(oldest, 'evicted');
    }
  }

  private setOutputBytes(job: JobRecord, bytes: number): void {
    this.retained.add(bytes - job.outputBytes);
    job.outputBytes = bytes;
  }

  private dropInput(job: JobRecord): void {
    if (!job.inputJson) return;
    this.retained.add(-job.inputJson.length);
    job.inputJson = undefined;
  }

  private publishRetained(): void {
    this.deps.stats.data.retainedBytes = this.retained.bytes;
  }

  /** Status body of a job now (a scripted job shows its script's state). */
  body(job: JobRecord): StatusBody {
    return job.shown === undefined
      ? statusBody(job, this.deps.clock.now())
      : ({ ...job.shown, id: job.id } as StatusBody);
  }

  /**
   * Plays a scripted job: each move adds its chunks, then shows its state, and a terminal state
   * ends the job through {@link Engine.finish}, as a worker's result would.
   */
  private play(job: JobRecord, player: JobPlayer): void {
    const move = (step: ScriptMove): void => {
      if (job.deleted || isTerminal(job.status) || this.closed) return;
      for (const output of step.chunks ?? []) {
        job.streamBuffer.push({ output });
        job.chunksProduced += 1;
      }
      const state = step.state;
      if (state === undefined) {
        this.notify(job);
        return;
      }
      job.shown = state;
      if (!isTerminal(state.status)) {
        if (state.status === 'IN_PROGRESS' && job.startedAt === undefined) job.startedAt = this.deps.clock.now();
        job.status = state.status;
        this.notify(job);
        return;
      }
      // The script's own state is what the job shows: no output or error of the engine's.
      this.finish(job, state.status, { streamed: true });
    };
    job.script = player.play(job, move);
    // A script that ended at 0 ms was stopped before `play` returned.
    if (isTerminal(job.status)) job.script.stop();
  }

  /**
   * Cancels a queued or running job (running handlers get their signal aborted).
   * A terminal job is left as it is.
   */
  cancel(job: JobRecord): void {
    if (job.deleted || isTerminal(job.status)) return;
    if (job.script) job.shown = job.script.cancelled();
    else if (job.status === 'IN_QUEUE') this.endpoint(job.endpointId).dequeue(job);
    this.finish(job, 'CANCELLED', {}, 'Job cancelled');
  }

  /**
   * Requeues a FAILED or TIMED_OUT job (same id); false for any other state.
   * GUESS: `policy.ttl` keeps counting from the original submission; a retried job
   * gets a fresh crash allowance and fires its webhook again when it ends.
   */
  retry(job: JobRecord): boolean {
    if (job.deleted || (job.status !== 'FAILED' && job.status !== 'TIMED_OUT')) return false;
    this.deps.timers.clear(job.timers.retention);
    job.timers.retention = undefined;
    job.expiresAt = undefined;
    job.crashes = 0;
    this.retained.forget(job);
    this.requeue(job);
    this.deps.stats.data.jobsRetried += 1;
    this.endpoint(job.endpointId).counters.retried += 1;
    this.notify(job);
    if (this.deps.player) this.play(job, this.deps.player);
    else this.endpoint(job.endpointId).enqueue(job);
    return true;
  }

  /**
   * Removes every queued job of an endpoint; running jobs continue.
   * GUESS: purged jobs become CANCELLED (rather than vanishing) so that watchers end.
   */
  purge(endpointId: string): number {
    const removed = this.endpoint(endpointId).purge();
    for (const job of removed) {
      this.finish(job, 'CANCELLED', {}, 'Job purged', true);
    }
    this.deps.stats.data.jobsPurged += removed.length;
    return removed.length;
  }

  /**
   * `/status?ttl=ms`: GUESS: keeps the result at most `ms` more after completion
   * (from now when already terminal). It can only shorten retention.
   */
  shortenRetention(job: JobRecord, ms: number): void {
    job.retentionOverrideMs = Math.min(job.retentionOverrideMs ?? Number.POSITIVE_INFINITY, ms);
    if (isTerminal(job.status)) {
      const deadline = this.deps.clock.now() + ms;
      if (job.expiresAt === undefined || deadline < job.expiresAt) this.scheduleRetention(job, deadline);
    }
  }

  /** `/health` of an endpoint. */
  health(endpointId: string): HealthBody {
    const ep = this.endpoint(endpointId);
    const player = this.deps.player;
    if (!player) return ep.health();
    // Scripted jobs use no worker: count them by status.
    const jobs = {
      completed: ep.counters.completed,
      failed: ep.counters.failed,
      inProgress: 0,
      inQueue: 0,
      retried: ep.counters.retried,
    };
    for (const job of this.store.all()) {
      if (job.endpointId !== endpointId) continue;
      if (job.status === 'IN_PROGRESS') jobs.inProgress += 1;
      else if (job.status === 'IN_QUEUE') jobs.inQueue += 1;
    }
    return { jobs, workers: player.workers(jobs.inProgress) };
  }

  /** Snapshots of live jobs. */
  snapshots(endpointId?: string): EmulatorJobSnapshot[] {
    const out: EmulatorJobSnapshot[] = [];
    for (const job of this.store.all()) {
      if (endpointId === undefined || job.endpointId === endpointId) out.push(snapshotOf(job));
    }
    return out;
  }

  /** Aborts every running handler and stops dispatching. Timers are cleared by the caller. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const job of this.store.all()) {
      job.script?.stop();
      const run = job.run;
      if (!run) continue;
      job.run = undefined;
      run.controller.abort(abortError('Emulator closed'));
    }
    for (const job of this.store.all()) job.listeners.clear();
  }

  private notify(job: JobRecord): void {
    this.store.notify(job);
  }

  /** Puts a job back in the IN_QUEUE state, forgetting its previous attempt. */
  private requeue(job: JobRecord): void {
    job.status = 'IN_QUEUE';
    job.queuedAt = this.deps.clock.now();
    job.startedAt = undefined;
    job.completedAt = undefined;
    job.workerId = undefined;
    job.output = undefined;
    this.setOutputBytes(job, 0);
    this.publishRetained();
    job.error = undefined;
    job.progress = undefined;
    job.streamBuffer = [];
    job.chunksProduced = 0;
    job.shown = undefined;
    job.script = undefined;
  }

  private start(job: JobRecord, worker: WorkerSlot): void {
    if (this.closed) return;
    const now = this.deps.clock.now();
    job.status = 'IN_PROGRESS';
    job.startedAt = now;
    job.workerId = worker.id;
    job.attempts += 1;
    worker.job = job;
    const run: JobRun = { controller: new AbortController(), worker };
    job.run = run;
    job.timers.execution = this.deps.timers.set(
      () => this.finish(job, 'TIMED_OUT', {}, 'Job timed out (policy.executionTimeout)'),
      job.executionTimeoutMs,
    );
    this.notify(job);
    const ep = this.endpoint(job.endpointId);
    // The handler gets its own copy of the input; should that copy fail, the job fails (in the
    // handler's asynchronous turn, like any handler error), never the request that queued it.
    let input: unknown;
    let handler = ep.handler;
    try {
      if (!job.inputJson) throw new Error('the input is no longer held');
      input = JSON.parse(new TextDecoder().decode(job.inputJson)) as unknown;
    } catch (err) {
      handler = () => {
        throw new Error(`the input could not be handed to the worker: ${errorText(err)}`);
      };
    }
    executeHandler(
      handler,
      { id: job.id, input, endpointId: job.endpointId },
      run.controller.signal,
      this.deps.timers,
      {
        workerId: worker.id,
        returnAggregateStream:
          this.ownOptions(job.endpointId)?.returnAggregateStream ?? this.deps.returnAggregateStream,
      },
      {
        isCurrent: () => job.run === run && !this.closed && !job.deleted,
        progress: (update) => {
          job.progress = update;
          this.notify(job);
        },
        chunk: (item) => {
          job.streamBuffer.push({ output: item });
          job.chunksProduced += 1;
          this.notify(job);
        },
        complete: (output, streamed) => this.finish(job, 'COMPLETED', { output, streamed }),
        fail: (message) => this.finish(job, 'FAILED', { error: message }),
        crash: (message) => this.crash(job, message),
      },
    );
  }

  /** Moves a non-terminal job to a terminal state. */
  private finish(
    job: JobRecord,
    status: JobStatus,
    fields: { output?: unknown; error?: string; streamed?: boolean },
    abortMessage?: string,
    purged = false,
  ): void {
    if (job.deleted || isTerminal(job.status)) return;
    const { stats, timers, clock } = this.deps;
    const ep = this.endpoint(job.endpointId);
    timers.clear(job.timers.execution);
    job.timers.execution = undefined;
    const run = job.run;
    job.run = undefined;
    if (run) ep.release(run.worker, false);
    job.script?.stop();

    job.status = status;
    job.completedAt = clock.now();
    job.progress = undefined;
    job.output = status === 'COMPLETED' ? fields.output : undefined;
    job.error = status === 'FAILED' ? fields.error : undefined;
    if (status === 'COMPLETED' && !fields.streamed && fields.output !== undefined && job.chunksProduced === 0) {
      // GUESS: a non-generator job's output is also readable once from /stream, as one chunk.
      job.streamBuffer.push({ output: fields.output });
    }
    switch (status) {
      case 'COMPLETED':
        stats.data.jobsCompleted += 1;
        ep.counters.completed += 1;
        break;
      case 'FAILED':
        stats.data.jobsFailed += 1;
        ep.counters.failed += 1;
        break;
      case 'TIMED_OUT':
        stats.data.jobsTimedOut += 1;
        // GUESS: /health counts TIMED_OUT jobs as failed.
        ep.counters.failed += 1;
        break;
      case 'CANCELLED':
        if (!purged) stats.data.jobsCancelled += 1;
        break;
      default:
        break;
    }
    // Only FAILED and TIMED_OUT jobs can be retried: the others need their input no more.
    if (status === 'COMPLETED' || status === 'CANCELLED') this.dropInput(job);
    this.setOutputBytes(job, jsonBytes(job.output));
    this.retained.finishedJob(job, job.outputBytes + (job.inputJson?.length ?? 0));
    this.publishRetained();
    const base = job.sync ? this.deps.retention.runsyncMs : this.deps.retention.runMs;
    this.scheduleRetention(job, job.completedAt + Math.min(base, job.retentionOverrideMs ?? base));
    if (run && abortMessage) run.controller.abort(abortError(abortMessage));
    // GUESS: webhooks fire for every terminal state, CANCELLED included.
    if (job.webhook !== undefined) this.deps.webhooks.send(job.webhook, this.body(job));
    this.notify(job);
    // After the answer above (a held /runsync gets its output): past the cap, forget the oldest.
    this.trimRetained();
    ep.pump();
  }

  /**
   * A worker died while running `job`. The worker is replaced (new id). GUESS: the
   * platform requeues the job once (at the head of the queue, counted in
   * `health.jobs.retried`); a second crash of the same submission makes it FAILED.
   */
  private crash(job: JobRecord, message: string): void {
    const run = job.run;
    if (!run || job.deleted) return;
    const ep = this.endpoint(job.endpointId);
    this.deps.timers.clear(job.timers.execution);
    job.timers.execution = undefined;
    job.run = undefined;
    ep.release(run.worker, true);
    this.deps.stats.data.workerCrashes += 1;
    if (job.crashes === 0) {
      job.crashes = 1;
      this.requeue(job);
      this.deps.stats.data.jobsRetried += 1;
      ep.counters.retried += 1;
      this.notify(job);
      ep.enqueue(job, true);
      return;
    }
    // GUESS: the error text of a job whose worker died twice (the platform's, not a worker report).
    this.finish(job, 'FAILED', { error: `Worker exited unexpectedly: ${message}` });
  }

  private scheduleRetention(job: JobRecord, deadline: number): void {
    this.deps.timers.clear(job.timers.retention);
    job.expiresAt = deadline;
    job.timers.retention = this.deps.timers.set(() => this.expire(job), Math.max(0, deadline - this.deps.clock.now()));
  }

  /**
   * Deletes a job (ttl or retention expiry, or evicted early to keep retained bytes under the
   * cap): `/status` answers 404 afterwards.
   */
  private expire(job: JobRecord, reason: DeleteReason = 'expired'): void {
    if (job.deleted) return;
    job.deleted = true;
    const ep = this.endpoint(job.endpointId);
    ep.liveJobs -= 1;
    ep.dequeue(job);
    this.retained.forget(job);
    this.dropInput(job);
    this.setOutputBytes(job, 0);
    job.output = undefined;
    this.publishRetained();
    const { timers } = this.deps;
    timers.clear(job.timers.ttl);
    timers.clear(job.timers.retention);
    timers.clear(job.timers.execution);
    job.script?.stop();
    const run = job.run;
    job.run = undefined;
    if (run) {
      ep.release(run.worker, false);
      run.controller.abort(abortError('Job expired (policy.ttl)'));
    }
    this.store.remove(job);
    if (reason === 'evicted') this.deps.stats.data.jobsEvicted += 1;
    else this.deps.stats.data.jobsExpired += 1;
    this.notify(job);
    job.listeners.clear();
    ep.pump();
  }
}
