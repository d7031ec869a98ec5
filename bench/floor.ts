/**
 * The completion-latency floors a rate limit sets for a client that polls without webhooks:
 * `rate` requests a second over a sliding window of `windowMs`, `concurrency` at once. A client
 * that must read each job's first state (to learn which jobs run) spends those first reads at 0
 * from the same status budget.
 */
export interface LatencyFloor {
  /** Each job can be visited once every this many ms while all are unfinished (jobs / rate). */
  readonly visitEveryMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/**
 * A sliding-window log of spent tokens, `limit` per `windowMs`, in which `firstReads` tokens are
 * spent first, as early as the window allows (from 0).
 */
function tokenLog(limit: number, windowMs: number, firstReads: number) {
  const spent: number[] = [];
  /** The earliest time at or after `t` at which a token is free. */
  const freeAt = (t: number) => (spent.length < limit ? t : Math.max(t, spent[spent.length - limit]! + windowMs));
  for (let i = 0; i < firstReads; i++) spent.push(freeAt(0));
  return { freeAt, spend: (t: number) => void spent.push(t) };
}

function percentiles(latencies: number[], jobs: number, rate: number): LatencyFloor {
  latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
  return { visitEveryMs: (jobs / rate) * 1000, p50Ms: Math.round(at(0.5)), p99Ms: Math.round(at(0.99)) };
}

/**
 * W1's floor: every job in progress, completing `completionsMs` after the start. The ideal client
 * visits the unfinished jobs in turn, at most `rate` a second (and within the window once the
 * first reads are counted), each visit a long-poll held `concurrency / rate` s so that the rate is
 * spent exactly; a visit at `t` sees a completion at `c` at `max(t, c)` when `c <= t + hold`; a job
 * not seen goes back to the end of the line, visitable again once its hold ends. With
 * `windowMs`, each job's first read is spent at 0 first; without it, the first visit is a
 * long-poll: the floor for any client.
 */
export function rateFloor(
  completionsMs: readonly number[],
  rate: number,
  concurrency: number,
  windowMs?: number,
): LatencyFloor {
  const step = 1000 / rate;
  const hold = (concurrency / rate) * 1000;
  const tokens =
    windowMs === undefined ? undefined : tokenLog((rate * windowMs) / 1000, windowMs, completionsMs.length);
  // A ring of [completion, visitable-again-at] in visiting order.
  let line = completionsMs.map((completion) => ({ completion, free: 0 }));
  const latencies: number[] = [];
  let t = 0;
  while (line.length > 0) {
    const next: typeof line = [];
    for (const job of line) {
      t = Math.max(t + step, job.free);
      if (tokens !== undefined) {
        t = tokens.freeAt(t);
        tokens.spend(t);
      }
      if (job.completion <= t + hold) latencies.push(Math.max(0, t - job.completion));
      else next.push({ completion: job.completion, free: t + hold });
    }
    line = next;
  }
  return percentiles(latencies, completionsMs.length, rate);
}

/**
 * W2's floor: jobs of `durationsMs` in a first-in-first-out queue served by `workers` workers from
 * 0. The ideal client sends one long-poll per job as soon as a token and one of the `concurrency`
 * slots are free, and holds it until the job ends. Without `random` it knows the queue's order and
 * follows it from each job's first request: 1 status request per job. With `random` (a watch order
 * the client cannot map to the queue's, e.g. shuffled), it reads every job's first state first
 * (spent at 0), and knows only which jobs those reads found running: it takes those first, then
 * any job at random, since no unheld job tells it more without a request it has no token to
 * spare for (2 requests per job).
 */
export function fifoFloor(
  durationsMs: readonly number[],
  workers: number,
  rate: number,
  concurrency: number,
  windowMs: number,
  random?: () => number,
): LatencyFloor {
  const freeWorkers: number[] = Array.from({ length: workers }, () => 0);
  const starts: number[] = [];
  const completions = durationsMs.map((duration) => {
    freeWorkers.sort((a, b) => a - b);
    starts.push(freeWorkers[0]!);
    const end = freeWorkers[0]! + duration;
    freeWorkers[0] = end;
    return end;
  });
  const tokens = tokenLog((rate * windowMs) / 1000, windowMs, random === undefined ? 0 : durationsMs.length);
  /** The jobs without a long-poll yet, in queue order (only its front matters when `random` is set). */
  const unheld = completions.map((_, job) => job);
  const pick = (): number => {
    if (random === undefined || starts[unheld[0]!] === 0) return unheld.shift()!;
    const at = Math.floor(random() * unheld.length);
    const job = unheld[at]!;
    unheld[at] = unheld[unheld.length - 1]!;
    unheld.pop();
    return job;
  };
  /** The ends of the long-polls in flight, at most `concurrency`. */
  const held: number[] = [];
  const latencies: number[] = [];
  while (unheld.length > 0) {
    let t = 0;
    if (held.length >= concurrency) {
      held.sort((a, b) => a - b);
      t = held.shift()!;
    }
    const completion = completions[pick()]!;
    t = tokens.freeAt(t);
    tokens.spend(t);
    held.push(Math.max(t, completion));
    latencies.push(Math.max(0, t - completion));
  }
  return percentiles(latencies, durationsMs.length, rate);
}
