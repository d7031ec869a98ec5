import { map } from 'rxjs';
import type { HttpRequest } from 'runpod-rx';
import { createFakeEndpoint, jobTimeline } from 'runpod-rx/testing';
import { createManualClock, startEmulator, type Emulator, type ManualClock } from '../../src/emulator/index.js';
import { api, waitFor } from '../emulator/helpers';
import { createTestScheduler } from '../helpers/test-scheduler';

/**
 * The fake endpoint runs the emulator's routes and engine: the same `/stream` request gets the same
 * answer, at the same time, over loopback HTTP (manual clock) and through `createFakeEndpoint`
 * (virtual time). A change to how the emulator answers `/stream` shows on both sides.
 */

/** A job running from 0 that streams `a` at 200 ms, then runs on. */
const fakeJob = jobTimeline('p', { p: 'IN_PROGRESS' }, { id: 'j1', chunks: '200ms a' });

function get(path: string): HttpRequest {
  return { method: 'GET', url: `http://fake/v2${path}`, path, route: 'stream', headers: {} };
}

/** What the fake answers to `GET path`, with the virtual time of the answer (latency 0). */
function askFake(path: string): { at: number; status: number; body: unknown } {
  const rx = createTestScheduler();
  let seen: { at: number; status: number; body: unknown } | undefined;
  rx.run(({ flush }) => {
    const fake = createFakeEndpoint({ scheduler: rx, latency: 0, existingJobs: [fakeJob] });
    fake
      .transport(get(path))
      .pipe(map((res) => ({ at: rx.now(), status: res.status, body: JSON.parse(res.body) as unknown })))
      .subscribe((answer) => (seen = answer));
    flush();
  });
  if (seen === undefined) throw new Error(`the fake never answered ${path}`);
  return seen;
}

describe('one simulator: /stream over HTTP and through the fake endpoint', () => {
  let emu: Emulator;
  let clock: ManualClock;
  let jobId: string;

  beforeEach(async () => {
    clock = createManualClock();
    emu = await startEmulator({
      clock,
      apiKey: 'test-key',
      // The same job as `fakeJob`: running from 0, `a` at 200 ms, then on until cancelled.
      handler: async function* (_job, ctx) {
        await ctx.sleep(200);
        yield 'a';
        await ctx.sleep(1_000_000);
      },
    });
    jobId = ((await api(emu, 'POST', '/ep/run', { body: { input: {} } })).json as { id: string }).id;
    await waitFor(() => emu.job(jobId)?.status === 'IN_PROGRESS');
  });
  afterEach(() => emu.close());

  /** The emulator's answer to `GET path` (job id `j1` in the path stands for the real one), `advance` ms later. */
  async function askEmulator(path: string, advance: number): Promise<{ at: number; status: number; body: unknown }> {
    const pending = api(emu, 'GET', path.replace('j1', jobId));
    if (advance > 0) {
      await waitFor(() => emu.stats().longPollsOpen === 1);
      await clock.advanceAsync(advance);
    }
    const res = await pending;
    const body = JSON.parse(res.text.replace(jobId, 'j1')) as unknown;
    return { at: clock.now(), status: res.status, body };
  }

  it('a chunk produced during the hold answers it at once, with the chunk', async () => {
    const fake = askFake('/ep/stream/j1?wait=5000');
    expect(fake).toEqual({
      at: 200,
      status: 200,
      body: { id: 'j1', status: 'IN_PROGRESS', stream: [{ output: 'a' }] },
    });
    expect(await askEmulator('/ep/stream/j1?wait=5000', 200)).toEqual(fake);
  });

  it('a hold with nothing to give answers when its wait runs out, with an empty stream', async () => {
    const fake = askFake('/ep/stream/j1?wait=150');
    expect(fake).toEqual({ at: 150, status: 200, body: { id: 'j1', status: 'IN_PROGRESS', stream: [] } });
    expect(await askEmulator('/ep/stream/j1?wait=150', 150)).toEqual(fake);
  });

  it('a malformed wait and an unknown job get the same 400 and 404', async () => {
    const badWait = askFake('/ep/stream/j1?wait=soon');
    expect(badWait).toEqual({
      at: 0,
      status: 400,
      body: { error: '"wait" must be a non-negative number of milliseconds' },
    });
    expect(await askEmulator('/ep/stream/j1?wait=soon', 0)).toEqual(badWait);
    const unknown = askFake('/ep/stream/nope?wait=100');
    expect(unknown).toEqual({ at: 0, status: 404, body: { error: 'job not found' } });
    expect(await askEmulator('/ep/stream/nope?wait=100', 0)).toEqual(unknown);
  });
});
