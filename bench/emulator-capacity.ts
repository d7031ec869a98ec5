/**
 * Emulator capacity benchmark (not a test: prints figures, asserts zero errors).
 *
 * One emulator, rate limits off, real clock. Phase 1 queues 10,000 jobs with
 * `mock_delay: 3600` (2 run, the rest stay queued) from 64 concurrent clients.
 * Phase 2 holds 1,000 concurrent `/status-sync?wait=60000` long-polls on queued
 * jobs, measures `/status` throughput while they are held, then purges the queue,
 * which must release every held request with a CANCELLED status body.
 *
 * Run (it loads the compiled emulator from dist/):
 *   npx tsc -p tsconfig.build.json && npx ts-node --transpile-only bench/emulator-capacity.ts
 */
import { Agent, request } from 'node:http';
import { resolve } from 'node:path';
import type * as EmulatorModule from '../src/emulator/index.js';

const { startEmulator } = require(resolve(__dirname, '../dist/cjs/src/emulator/index.js')) as typeof EmulatorModule;

const JOBS = 10_000;
const LONG_POLLS = 1_000;
const CLIENTS = 64;
const STATUS_PROBES = 5_000;

interface Answer {
  status: number;
  body: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: LONG_POLLS + CLIENTS + 16 });

function call(baseUrl: string, method: string, path: string, body?: unknown): Promise<Answer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((done, fail) => {
    const req = request(
      `${baseUrl}${path}`,
      {
        method,
        agent,
        headers: {
          authorization: 'Bearer bench',
          ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => done({ status: res.statusCode ?? 0, body: text }));
        res.on('error', fail);
      },
    );
    req.on('error', fail);
    req.end(payload);
  });
}

async function pool<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        out[i] = await task(i);
      }
    }),
  );
  return out;
}

async function main(): Promise<void> {
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 50);
  // Limits off: 1,000 held long-polls are over RunPod's 400 concurrent status-group requests.
  const emu = await startEmulator({ rateLimits: false, concurrencyLimits: false });
  let errors = 0;
  const check = (ok: boolean, what: string): void => {
    if (!ok) {
      errors += 1;
      if (errors <= 5) process.stderr.write(`error: ${what}\n`);
    }
  };

  // Phase 1: queue 10,000 jobs.
  const t0 = performance.now();
  const ids = await pool(JOBS, CLIENTS, async () => {
    const res = await call(emu.baseUrl, 'POST', '/bench/run', { input: { mock_delay: 3600 } });
    check(res.status === 200, `run answered ${res.status}`);
    return (JSON.parse(res.body) as { id: string }).id;
  });
  const queueMs = performance.now() - t0;
  const health = JSON.parse((await call(emu.baseUrl, 'GET', '/bench/health')).body) as {
    jobs: { inQueue: number; inProgress: number };
  };
  check(health.jobs.inQueue === JOBS - 2 && health.jobs.inProgress === 2, `health ${JSON.stringify(health.jobs)}`);

  // Phase 2: hold 1,000 status-sync long-polls on queued jobs.
  const t1 = performance.now();
  const held = ids
    .slice(100, 100 + LONG_POLLS)
    .map((id) => call(emu.baseUrl, 'GET', `/bench/status-sync/${id}?wait=60000`));
  while (emu.stats().longPollsOpen < LONG_POLLS) await new Promise((r) => setTimeout(r, 10));
  const holdMs = performance.now() - t1;
  const heldOpen = emu.stats().longPollsOpen;

  // Throughput of /status while they are held.
  const t2 = performance.now();
  await pool(STATUS_PROBES, CLIENTS, async (i) => {
    const res = await call(emu.baseUrl, 'GET', `/bench/status/${ids[i % JOBS]}`);
    check(res.status === 200, `status answered ${res.status}`);
  });
  const statusMs = performance.now() - t2;

  // Release: purge cancels every queued job, which answers every held long-poll.
  const t3 = performance.now();
  const purge = JSON.parse((await call(emu.baseUrl, 'POST', '/bench/purge-queue', {})).body) as { removed: number };
  check(purge.removed === JOBS - 2, `purge removed ${purge.removed}`);
  const answers = await Promise.all(held);
  const releaseMs = performance.now() - t3;
  for (const a of answers) {
    check(
      a.status === 200 && (JSON.parse(a.body) as { status: string }).status === 'CANCELLED',
      `long-poll ${a.status} ${a.body}`,
    );
  }
  const stats = emu.stats();
  check(stats.longPollsOpen === 0, `longPollsOpen ${stats.longPollsOpen} after release`);

  clearInterval(sampler);
  agent.destroy();
  await emu.close();

  const figures = {
    node: process.version,
    jobsQueued: JOBS,
    queueSeconds: +(queueMs / 1000).toFixed(2),
    runRequestsPerSecond: Math.round(JOBS / (queueMs / 1000)),
    longPollsHeld: heldOpen,
    longPollsPeak: stats.longPollsPeak,
    secondsToHoldLongPolls: +(holdMs / 1000).toFixed(2),
    statusRequestsPerSecondWhileHeld: Math.round(STATUS_PROBES / (statusMs / 1000)),
    msToReleaseAllLongPolls: Math.round(releaseMs),
    peakRssMB: Math.round(peakRss / (1024 * 1024)),
    errors,
  };
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
  if (errors > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
