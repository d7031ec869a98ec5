import type { EmulatorFaultKind, EmulatorStats } from './types.js';

/** Mutable counters behind {@link EmulatorStats}. */
export class StatsCollector {
  /** The live counters; mutate through the helpers or directly. */
  readonly data: EmulatorStats = {
    requests: {},
    responses: {},
    faults: { throttle: 0, serverError: 0, reset: 0, malformed: 0, truncated: 0, latency: 0 },
    rateLimited: 0,
    concurrencyLimited: 0,
    queueFull: 0,
    jobsCreated: 0,
    jobsCompleted: 0,
    jobsFailed: 0,
    jobsTimedOut: 0,
    jobsCancelled: 0,
    jobsRetried: 0,
    jobsPurged: 0,
    jobsExpired: 0,
    jobsEvicted: 0,
    retainedBytes: 0,
    endpoints: 0,
    workerCrashes: 0,
    webhooks: { attempts: 0, delivered: 0, failed: 0, refused: 0, retrying: 0 },
    longPollsOpen: 0,
    longPollsPeak: 0,
  };

  /** Counts one request to `route`. */
  request(route: string): void {
    this.data.requests[route] = (this.data.requests[route] ?? 0) + 1;
  }

  /** Counts one response with `code`. */
  response(code: number): void {
    const key = String(code);
    this.data.responses[key] = (this.data.responses[key] ?? 0) + 1;
  }

  /** Counts one injected fault. */
  fault(kind: EmulatorFaultKind): void {
    this.data.faults[kind] += 1;
  }

  /** Records the current number of held long-polls. */
  longPolls(open: number): void {
    this.data.longPollsOpen = open;
    if (open > this.data.longPollsPeak) this.data.longPollsPeak = open;
  }

  /** A deep copy of the counters. */
  snapshot(): EmulatorStats {
    const d = this.data;
    return {
      ...d,
      requests: { ...d.requests },
      responses: { ...d.responses },
      faults: { ...d.faults },
      webhooks: { ...d.webhooks },
    };
  }
}
