/**
 * The completion-latency floor a rate limit sets for a client that polls without webhooks: the
 * best any client can do when every job is in progress and it may send `rate` requests a second,
 * `concurrency` of them at once (long-polls, each held `concurrency / rate` s so that the rate is
 * spent exactly). The ideal client visits the unfinished jobs in turn; a visit at `t` held until
 * `t + hold` sees a completion at `c` at `max(t, c)` when `c <= t + hold`; a job not seen goes
 * back to the end of the line, visitable again once its hold ends.
 */
export interface LatencyFloor {
  /** Each job can be visited once every this many ms while all are unfinished (jobs / rate). */
  readonly visitEveryMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** Floor for jobs completing `completionsMs` after the start, visited first in the order given. */
export function rateFloor(completionsMs: readonly number[], rate: number, concurrency: number): LatencyFloor {
  const step = 1000 / rate;
  const hold = (concurrency / rate) * 1000;
  // A ring of [completion, visitable-again-at] in visiting order.
  let line = completionsMs.map((completion) => ({ completion, free: 0 }));
  const latencies: number[] = [];
  let t = 0;
  while (line.length > 0) {
    const next: typeof line = [];
    for (const job of line) {
      t = Math.max(t + step, job.free);
      if (job.completion <= t + hold) latencies.push(Math.max(0, t - job.completion));
      else next.push({ completion: job.completion, free: t + hold });
    }
    line = next;
  }
  latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  return {
    visitEveryMs: (completionsMs.length / rate) * 1000,
    p50Ms: Math.round(at(0.5)),
    p99Ms: Math.round(at(0.99)),
  };
}
