import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emulatorPool } from './helpers.js';

const pool = emulatorPool();
afterAll(() => pool.closeAll());

/** Runs the runpod-sdk driver against `baseUrl`; resolves with its results. */
function runDriver(
  baseUrl: string,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the driver's JSON, checked field by field below
): Promise<Record<string, { ok: boolean; value?: any; error?: string; status?: number }>> {
  const dir = mkdtempSync(join(tmpdir(), 'rp-conformance-'));
  const out = join(dir, 'results.json');
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [join(__dirname, 'conformance', 'driver.mjs'), baseUrl, out],
      { timeout: 30_000 },
      (err, _stdout, stderr) => {
        try {
          if (err) throw new Error(`driver failed: ${err.message}\n${stderr}`);
          resolve(JSON.parse(readFileSync(out, 'utf8')));
        } catch (e) {
          reject(e);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    );
  });
}

describe('emulator: conformance with the official runpod-sdk@1.1.2', () => {
  let results: Awaited<ReturnType<typeof runDriver>>;
  let requests: Record<string, number>;

  beforeAll(async () => {
    const emu = await pool.start({ endpoints: { 'single-worker': { workers: 1 } } });
    results = await runDriver(emu.baseUrl);
    requests = emu.stats().requests;
  }, 40_000);

  it('runSync of a 0.1 s job gives COMPLETED with the mock output', () => {
    const r = results.runSyncFast;
    expect(r.ok).toBe(true);
    expect(r.value).toMatchObject({
      status: 'COMPLETED',
      output: 'sdk-ok',
      started: true,
      completed: true,
      succeeded: true,
    });
    expect(r.value.id).toMatch(/^sync-.*-[ue]\d+$/);
    expect(r.value.executionTime).toBeGreaterThanOrEqual(100);
  });

  it('runSync falls back to /status-sync when /runsync returns before the end', () => {
    expect(results.runSyncViaStatusSync.value).toMatchObject({ status: 'COMPLETED', output: 'late', succeeded: true });
    expect(requests['status-sync']).toBeGreaterThanOrEqual(2);
  });

  it('runSync of a failing job gives FAILED with an error', () => {
    expect(results.runSyncFailed.value).toMatchObject({ status: 'FAILED', succeeded: false });
    expect(JSON.parse(results.runSyncFailed.value.error)).toMatchObject({
      error_type: expect.any(String),
      error_message: 'Mock error',
    });
  });

  it('stream yields every chunk of a list, in order, then stops on the terminal status', () => {
    const { run, chunks, status } = results.streamList.value;
    expect(run).toEqual({ id: expect.stringMatching(/-[ue]\d+$/), status: 'IN_QUEUE' });
    expect(chunks).toEqual([{ output: 'a' }, { output: 'b' }, { output: 'c' }]);
    expect(status).toMatchObject({ status: 'COMPLETED', completed: true });
    expect(status.output).toBeUndefined();
  });

  it('cancel gives CANCELLED', () => {
    const { before, cancel, after } = results.cancelRunning.value;
    expect(before.status).toBe('IN_PROGRESS');
    expect(cancel).toMatchObject({ status: 'CANCELLED' });
    expect(after).toMatchObject({ status: 'CANCELLED', completed: true, succeeded: false });
  });

  it('statusSync long-polls to the terminal state', () => {
    expect(results.statusSync.value).toMatchObject({ status: 'COMPLETED', output: 'ss' });
  });

  it('purgeQueue gives the removed count and health reflects it', () => {
    const { purge, healthBefore, healthAfter } = results.purgeQueue.value;
    expect(purge).toEqual({ removed: 3, status: 'completed' });
    expect(healthBefore.jobs).toMatchObject({ inQueue: 3, inProgress: 1 });
    expect(healthAfter.jobs).toMatchObject({ inQueue: 0, inProgress: 1 });
  });

  it('health has the fields the SDK types declare', () => {
    const h = results.health.value;
    for (const k of ['completed', 'failed', 'inProgress', 'inQueue', 'retried'])
      expect(typeof h.jobs[k]).toBe('number');
    for (const k of ['idle', 'initializing', 'ready', 'running', 'throttled'])
      expect(typeof h.workers[k]).toBe('number');
  });

  it('an unknown job is a 404 the SDK surfaces as an error', () => {
    expect(results.unknownStatus.ok).toBe(false);
    expect(results.unknownStatus.status).toBe(404);
  });
});
