/**
 * `npm run bench [-- --quick] [-- --only=a,w2] [-- --clients=runpod-rx]`: runpod-rx side by side with the official
 * runpod-sdk and a 1-second status poller (what runpod-python does), each client in its own child
 * process, each run against a fresh emulator in this process. Prints a table and writes
 * bench/results/latest.json.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as EmulatorModule from '../src/emulator/index';
import type * as LibraryModule from '../src/index';
import type * as NodeModule from '../src/node/index';
import { decodeThroughput } from './decode-throughput';
import { NO_FIGURES } from './no-figures';
import { SCENARIOS, type ClientKey, type Scenario } from './scenarios';
import { transportCost } from './transport-cost';

// The compiled package (npm run bench builds it first): what users run, without ts-node's cost.
const { startEmulator } = require('../dist/cjs/src/emulator/index.js') as typeof EmulatorModule;
const { JobStateCodec, createEndpoint, createFetchTransport } =
  require('../dist/cjs/src/index.js') as typeof LibraryModule;
const nodeEntry = require('../dist/cjs/src/node/index.js') as typeof NodeModule;

const API_KEY = 'bench-key';
const ENDPOINT = 'bench';
/** The child script of each client, and what it adds to the task. */
const CLIENTS: Record<ClientKey, { script: string; task?: Record<string, unknown> }> = {
  'runpod-rx': { script: 'runpod-rx.mjs' },
  'runpod-rx-node': { script: 'runpod-rx.mjs', task: { transport: 'node' } },
  // Every request charged to RunPod's limits (what a user can do today to stay under them).
  'runpod-rx-budget': { script: 'runpod-rx.mjs', task: { budget: { scale: 1, windowMs: 10_000 } } },
  'runpod-sdk': { script: 'runpod-sdk.mjs' },
  // runpod-sdk's long-polls from a pool of 400 (RunPod's status concurrency), 429s retried.
  'runpod-sdk-pool': { script: 'runpod-sdk.mjs', task: { watchPool: 400 } },
  'poller-1s': { script: 'poller-1s.mjs' },
};

/** One client's figures in one scenario; null where a measure does not apply. */
export interface ClientResult {
  requestsPerJob: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  cpuMsPerJob: number | null;
  rssMb: number | null;
  wallMs: number | null;
  /** Jobs that ended in an error instead of their terminal state. */
  errored: number | null;
  /** Jobs whose end the client never saw, nor any error for them. */
  lost: number | null;
  duplicated: number | null;
  [extra: string]: number | null | string;
}

interface ChildOutput {
  done: Record<string, { at: number; status: string }>;
  chunkLatencies: number[];
  /** The first error messages. */
  errors: string[];
  erroredJobs: number;
  /** Set when the task asked for `heapAtMs`. */
  liveHeapBytesPerJob?: number;
  extra: { webhookCallsDropped?: number; droppedJobIds?: string[] };
  wallMs: number;
  cpuMs: number;
  peakRssMb: number;
}

function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const round = (value: number | null, digits = 2) => (value === null ? null : Number(value.toFixed(digits)));

/** A promise and the function that resolves it. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open = () => undefined as void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** The longest a client may run: every scenario ends in under 2 minutes when nothing hangs. */
const CLIENT_LIMIT_MS = 10 * 60_000;

/** Runs a client child; `onStarted` when it has subscribed to everything (it says so over IPC). */
function runChild(script: string, task: object, dir: string, gc: boolean, onStarted: () => void): Promise<ChildOutput> {
  const taskFile = join(dir, `task-${Date.now()}-${Math.random()}.json`);
  const outFile = `${taskFile}.out`;
  writeFileSync(taskFile, JSON.stringify({ ...task, outFile }));
  return new Promise((resolve, reject) => {
    // Diagnostics for performance work: BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/p" is
    // passed to every client's node.
    const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
    const child = spawn(
      process.execPath,
      [...(gc ? ['--expose-gc'] : []), ...nodeArgs, join(__dirname, 'clients', script), taskFile],
      {
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      },
    );
    child.on('message', (message) => message === 'started' && onStarted());
    child.on('error', reject);
    // A client that has not ended after CLIENT_LIMIT_MS hangs: it is stopped and reported as such.
    let hung = false;
    const watchdog = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, CLIENT_LIMIT_MS);
    child.on('exit', (code) => {
      clearTimeout(watchdog);
      if (hung) return reject(new Error(`${script} hung: still running after ${CLIENT_LIMIT_MS / 1000} s, stopped`));
      if (code !== 0) return reject(new Error(`${script} exited with ${code}`));
      resolve(JSON.parse(readFileSync(outFile, 'utf8')) as ChildOutput);
    });
  });
}

async function runScenario(scenario: Scenario, client: ClientKey, dir: string): Promise<ClientResult> {
  const started = gate();
  const emulator = await startEmulator({ apiKey: API_KEY, seed: 14, ...scenario.emulator(started.opened) });
  try {
    const prepared = (await scenario.prepare?.(emulator.baseUrl, API_KEY, ENDPOINT)) ?? {};
    const before = emulator.stats();
    const output = await runChild(
      CLIENTS[client].script,
      {
        ...scenario.task,
        ...CLIENTS[client].task,
        ...prepared,
        workload: scenario.workload,
        jobs: scenario.jobs,
        heapAtMs: scenario.heapAtMs,
        baseUrl: emulator.baseUrl,
        apiKey: API_KEY,
        endpointId: ENDPOINT,
      },
      dir,
      scenario.heapAtMs !== undefined,
      started.open,
    );
    started.open();
    const after = emulator.stats();
    const requests = Object.entries(after.requests)
      .filter(([route]) => route !== 'preflight' && route !== 'unknown')
      .reduce((sum, [route, n]) => sum + n - (before.requests[route] ?? 0), 0);
    const jobs = scenario.jobs;
    const finished = Object.entries(output.done).filter(([, d]) => d.status !== 'ERROR');
    const latencies =
      scenario.workload === 'stream'
        ? output.chunkLatencies
        : finished.flatMap(([id, d]) => {
            const completedAt = emulator.job(id)?.completedAt;
            return completedAt === undefined ? [] : [d.at - completedAt];
          });
    const result: ClientResult = {
      requestsPerJob: round(requests / jobs),
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      cpuMsPerJob: round(output.cpuMs / jobs, 3),
      rssMb: round(output.peakRssMb, 1),
      wallMs: output.wallMs,
      errored: output.erroredJobs,
      lost: Math.max(0, jobs - finished.length - output.erroredJobs),
      duplicated: scenario.prepare ? 0 : Math.max(0, after.jobsCreated - before.jobsCreated - jobs),
    };
    const statusRequests = ['status', 'status-sync', 'stream'].reduce(
      (sum, route) => sum + (after.requests[route] ?? 0) - (before.requests[route] ?? 0),
      0,
    );
    if (scenario.workload === 'watch' || scenario.workload === 'webhook')
      result.statusRequestsPerJob = round(statusRequests / jobs);
    if (after.rateLimited > before.rateLimited) result.answered429 = after.rateLimited - before.rateLimited;
    if (output.liveHeapBytesPerJob !== undefined) result.liveHeapKbPerJob = round(output.liveHeapBytesPerJob / 1024, 2);
    if (scenario.latencyFloor !== undefined) {
      const { visitEveryMs, p50Ms, p99Ms } = scenario.latencyFloor;
      result.floorVisitEveryMs = visitEveryMs;
      result.floorP50Ms = p50Ms;
      result.floorP99Ms = p99Ms;
      if (result.p50Ms !== null && p50Ms > 0) result.p50OverFloor = round(result.p50Ms / p50Ms);
      if (result.p99Ms !== null && p99Ms > 0) result.p99OverFloor = round(result.p99Ms / p99Ms);
    }
    if (scenario.workload === 'webhook') {
      const webhooks = after.webhooks;
      result.webhookCalls = webhooks.attempts - before.webhooks.attempts;
      result.webhookCallsDropped = output.extra.webhookCallsDropped ?? 0;
      result.webhookGaveUp = webhooks.failed - before.webhooks.failed;
      // The latency of the jobs whose first call got through: what a receiver costs by itself.
      const dropped = new Set(output.extra.droppedJobIds ?? []);
      const firstCall = finished.flatMap(([id, d]) => {
        const completedAt = emulator.job(id)?.completedAt;
        return completedAt === undefined || dropped.has(id) ? [] : [d.at - completedAt];
      });
      result.firstCallP50Ms = percentile(firstCall, 50);
      result.firstCallP99Ms = percentile(firstCall, 99);
    }
    if (scenario.workload === 'stream') {
      result.requestsPerChunk = round(requests / Math.max(1, output.chunkLatencies.length));
      result.chunks = output.chunkLatencies.length;
    }
    if (scenario.floorMs !== undefined) result.wallOverFloor = round(output.wallMs / scenario.floorMs);
    if (output.errors.length > 0) result.firstError = output.errors[0]!;
    return result;
  } finally {
    await emulator.close();
  }
}

function table(results: Record<string, Record<string, ClientResult>>): string {
  const columns = [
    'requestsPerJob',
    'p50Ms',
    'p99Ms',
    'cpuMsPerJob',
    'rssMb',
    'wallMs',
    'errored',
    'lost',
    'duplicated',
  ];
  const rows = [['scenario', 'client', ...columns, 'extra']];
  for (const [scenario, clients] of Object.entries(results)) {
    for (const [client, r] of Object.entries(clients)) {
      const extra = Object.entries(r)
        .filter(([key]) => !columns.includes(key))
        .map(([key, value]) => `${key}=${value}`)
        .join(' ');
      rows.push([scenario, client, ...columns.map((c) => String(r[c] ?? '-')), extra]);
    }
  }
  const widths = rows[0].slice(0, -1).map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows
    .map((row) => row.map((cell, i) => (i < widths.length ? cell.padEnd(widths[i]) : cell)).join('  '))
    .join('\n');
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const only = process.argv
    .find((arg) => arg.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',');
  const clients = process.argv
    .find((arg) => arg.startsWith('--clients='))
    ?.slice('--clients='.length)
    .split(',');
  const dir = mkdtempSync(join(tmpdir(), 'runpod-rx-bench-'));
  const results: Record<string, Record<string, ClientResult>> = {};
  const started = Date.now();
  try {
    for (const scenario of SCENARIOS(quick)) {
      if (only && !only.includes(scenario.key)) continue;
      results[scenario.name] = {};
      for (const client of scenario.clients) {
        if (clients && !clients.includes(client)) continue;
        process.stderr.write(`${scenario.name} / ${client} ...\n`);
        try {
          results[scenario.name][client] = await runScenario(scenario, client, dir);
        } catch (error) {
          // One client's failure (a hang, a crash) is a result too: the others still run.
          process.stderr.write(`${scenario.name} / ${client} failed: ${String(error)}\n`);
          results[scenario.name][client] = { ...NO_FIGURES, failed: String(error) };
        }
      }
    }
    if (!only || only.includes('e')) results['e-decode'] = decodeThroughput(JobStateCodec, quick);
    if (!only || only.includes('t'))
      results['t-transport'] = await transportCost({ createEndpoint, createFetchTransport }, nodeEntry, quick);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(
    `${table(results)}\n\n(${quick ? 'quick' : 'full'} run, ${((Date.now() - started) / 1000).toFixed(1)} s)\n`,
  );
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(
    join(__dirname, 'results', 'latest.json'),
    `${JSON.stringify({ quick, date: new Date().toISOString(), scenarios: results }, null, 2)}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
