// Shared by every benchmark client child process: reads the task, measures CPU, RSS and wall
// time around the workload, and writes the result file. Each client runs in its own process so
// that its CPU time and memory are its own.
import { readFileSync, writeFileSync } from 'node:fs';

/** Runs `workload(task, record)` and writes `{ ...measures, ...recorded }` to task.outFile. */
export async function runClient(workload) {
  const task = JSON.parse(readFileSync(process.argv[2], 'utf8'));
  const recorded = { done: {}, chunkLatencies: [], errors: [], erroredJobs: 0, extra: {} };
  const record = {
    /** The client saw job `id` reach its terminal state `status` now. */
    done: (id, status) => {
      recorded.done[id] ??= { at: Date.now(), status };
    },
    /** A chunk produced at `producedAt` (epoch ms) arrived now. */
    chunk: (producedAt) => recorded.chunkLatencies.push(Date.now() - producedAt),
    /** A job ended in an error instead of its terminal state (the first 20 messages are kept). */
    error: (error) => {
      recorded.erroredJobs += 1;
      if (recorded.errors.length < 20) recorded.errors.push(String(error?.message ?? error).slice(0, 200));
    },
    /** A figure of the client's own (e.g. webhook calls dropped). */
    extra: (name, value) => {
      recorded.extra[name] = value;
    },
  };
  let peakRss = process.memoryUsage().rss;
  let peak = process.memoryUsage();
  let peakAt = 0;
  const sampler = setInterval(() => {
    const now = process.memoryUsage();
    if (now.rss > peakRss) {
      peak = now;
      peakAt = Date.now();
    }
    peakRss = Math.max(peakRss, now.rss);
  }, 50);
  // Diagnostics for performance work: BENCH_HEAP_SNAPSHOT_AT=ms writes a heap snapshot of each
  // client to the temp folder that long into its workload.
  if (process.env.BENCH_HEAP_SNAPSHOT_AT) {
    const { writeHeapSnapshot } = await import('node:v8');
    const { tmpdir } = await import('node:os');
    const file = `${tmpdir()}/${process.argv[1].split('/').pop()}.heapsnapshot`;
    setTimeout(
      () => process.stderr.write(`heap snapshot: ${writeHeapSnapshot(file)}\n`),
      Number(process.env.BENCH_HEAP_SNAPSHOT_AT),
    );
  }
  // Live heap per job (task.heapAtMs, run with --expose-gc): the heap after a full GC that long
  // into the workload, less the heap after a full GC before it.
  const liveHeap = () => {
    globalThis.gc();
    return process.memoryUsage().heapUsed;
  };
  const heapBefore = task.heapAtMs === undefined ? 0 : liveHeap();
  let heapTimer;
  const cpuBefore = process.cpuUsage();
  const startedAt = Date.now();
  const finished = workload(task, record);
  // Everything is subscribed: the bench opens the gate that holds the jobs' handlers.
  process.send?.('started');
  if (task.heapAtMs !== undefined)
    heapTimer = setTimeout(() => {
      const rssBefore = process.memoryUsage().rss;
      recorded.liveHeapBytesPerJob = (liveHeap() - heapBefore) / task.jobs;
      if (process.env.BENCH_MEMORY_DETAIL)
        process.stderr.write(
          `live heap measured at ${task.heapAtMs} ms: RSS ${Math.round(rssBefore / 2 ** 20)} MB before the full GC, ${Math.round(process.memoryUsage().rss / 2 ** 20)} MB after\n`,
        );
    }, task.heapAtMs);
  await finished;
  clearTimeout(heapTimer);
  const wallMs = Date.now() - startedAt;
  const cpu = process.cpuUsage(cpuBefore);
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  // BENCH_MEMORY_DETAIL=1 prints the heap figures at the moment of peak RSS, and when it was.
  if (process.env.BENCH_MEMORY_DETAIL)
    process.stderr.write(
      `peak memory: ${JSON.stringify(Object.fromEntries(Object.entries(peak).map(([k, v]) => [k, Math.round(v / 2 ** 20)])))} MB, ${peakAt - startedAt} ms into the workload\n`,
    );
  writeFileSync(
    task.outFile,
    JSON.stringify({ ...recorded, wallMs, cpuMs: (cpu.user + cpu.system) / 1000, peakRssMb: peakRss / 2 ** 20 }),
  );
  process.exit(0);
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function pool(items, limit, fn) {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++];
      await fn(item);
    }
  });
  await Promise.all(lanes);
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT']);
