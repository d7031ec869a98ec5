import type { SchedulerLike } from 'rxjs';
import { Engine, type EngineDeps } from '../emulator/engine.js';
import { LongPolls } from '../emulator/long-poll.js';
import { RateLimiter } from '../emulator/rate-limiter.js';
import { Simulator } from '../emulator/simulator.js';
import { StatsCollector } from '../emulator/stats.js';
import { TimerSet } from '../emulator/timers.js';
import type { FakeEndpointOptions } from './fake-endpoint.js';
import { schedulerClock } from './scheduler-clock.js';
import { timelinePlayer } from './timeline-player.js';
import type { JobTimeline } from './timelines.js';

/** The simulated RunPod that answers a fake endpoint: the emulator's engine and routes, on the scheduler. */
export interface SimulatedRunPod {
  readonly engine: Engine;
  readonly simulator: Simulator;
}

/**
 * The emulator's engine, long-polls, rate limiter and routes on an rxjs scheduler, with jobs played
 * from timelines: what answers a fake endpoint.
 * @param scheduler the virtual clock.
 * @param rateLimits the fake's `rateLimits` option.
 * @param newJobId names each job created.
 * @param timelineOf the timeline of a job, by id.
 */
export function simulatedRunPod(
  scheduler: SchedulerLike,
  rateLimits: FakeEndpointOptions['rateLimits'],
  newJobId: EngineDeps['newJobId'],
  timelineOf: (jobId: string) => JobTimeline,
): SimulatedRunPod {
  const clock = schedulerClock(scheduler);
  const timers = new TimerSet(clock);
  const stats = new StatsCollector();
  const engine = new Engine({
    clock,
    timers,
    stats,
    // Scripted jobs run on no worker: the endpoint's single worker slot stays idle.
    ids: { uuid: () => '', workerId: () => 'scripted', jobSuffix: () => '' },
    newJobId,
    webhooks: { send: () => undefined },
    player: timelinePlayer(scheduler, timelineOf),
    defaultWorkers: 1,
    defaultHandler: () => {
      throw new Error('fake endpoint: its jobs follow timelines, no handler runs');
    },
    endpoints: {},
    returnAggregateStream: false,
    // The fake keeps every job until the test ends.
    retention: { runMs: Infinity, runsyncMs: Infinity },
    maxRetainedBytes: Infinity,
  });
  const rate = rateLimits === undefined || rateLimits === false ? undefined : rateLimits === true ? {} : rateLimits;
  const simulator = new Simulator({
    engine,
    longPolls: new LongPolls(engine.store, timers, stats),
    stats,
    rateLimiter:
      rate === undefined
        ? undefined
        : new RateLimiter(clock, { ...rate.limits, ...(rate.window !== undefined && { windowMs: rate.window }) }),
    maxQueuedJobs: Infinity,
  });
  return { engine, simulator };
}
