/**
 * RunPod's rules have one home, src/runpod-rules.ts: these specs check that the client, the
 * emulator and the test kit's fake endpoint each follow the same numbers from it, at the edges.
 */
import fc from 'fast-check';
import { createEndpoint, isConfigError, isPayloadTooLargeError } from 'runpod-rx';
import { createManualClock } from 'runpod-rx/emulator';
import { createFakeEndpoint, endlessJob } from 'runpod-rx/testing';
import { encodeJobRequest } from '../../src/codecs/job-request';
import { parseJobRequest } from '../../src/emulator/job-request';
import { RateLimiter } from '../../src/emulator/rate-limiter';
import {
  LONG_POLL_WAITS,
  PAYLOAD_LIMITS,
  POLICY_RANGES,
  RUNPOD_RATE_LIMITS,
  RUNPOD_RATE_WINDOW,
  RUNPOD_RETENTION,
  type LongPollRoute,
  type RouteGroup,
} from '../../src/runpod-rules';
import { api, emulatorPool, waitFor } from '../emulator/helpers';
import { createTestScheduler } from '../helpers/test-scheduler';

const pool = emulatorPool();
afterEach(() => pool.closeAll());

const clientAccepts = (policy: Record<string, unknown>): boolean => {
  try {
    encodeJobRequest({ input: 1, policy }, (input) => input, Number.MAX_SAFE_INTEGER);
    return true;
  } catch {
    return false;
  }
};
const emulatorAccepts = (policy: Record<string, unknown>): boolean => parseJobRequest({ input: 1, policy }).ok;

/** A `/run` or `/runsync` body of exactly `bytes` bytes: `{"input":"xx…x"}`. */
const bodyOf = (bytes: number): string => `{"input":"${'x'.repeat(bytes - 12)}"}`;

describe('RunPod rules: the client, the emulator and the test kit read one source', () => {
  describe.each(['executionTimeout', 'ttl'] as const)('policy.%s', (field) => {
    const { min, max } = POLICY_RANGES[field];

    it('the client and the emulator take exactly RunPod range, edges included', () => {
      for (const [value, inRange] of [
        [min - 1, false],
        [min, true],
        [max, true],
        [max + 1, false],
      ] as const) {
        expect([value, clientAccepts({ [field]: value })]).toEqual([value, inRange]);
        expect([value, emulatorAccepts({ [field]: value })]).toEqual([value, inRange]);
      }
    });

    it('they agree on any whole number of ms', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 2 * max }), (value) => {
          expect(clientAccepts({ [field]: value })).toBe(emulatorAccepts({ [field]: value }));
        }),
        { numRuns: 300 },
      );
    });
  });

  it("the emulator applies the policy's defaults when none is given", () => {
    const parsed = parseJobRequest({ input: 1 });
    expect(parsed).toEqual({
      ok: true,
      value: {
        input: 1,
        executionTimeoutMs: POLICY_RANGES.executionTimeout.default,
        ttlMs: POLICY_RANGES.ttl.default,
      },
    });
  });

  it.each(['run', 'runsync'] as const)(
    'payload of /%s: both take a body of exactly the limit and refuse one byte more',
    async (route) => {
      const emu = await pool.start({ clock: createManualClock() });
      const limit = PAYLOAD_LIMITS[route];
      const atLimit = await api(emu, 'POST', `/ep/${route}?wait=1000`, { rawBody: bodyOf(limit) });
      expect(atLimit.status).toBe(200);
      const over = await api(emu, 'POST', `/ep/${route}?wait=1000`, { rawBody: bodyOf(limit + 1) });
      expect(over.status).toBe(413);

      const endpoint = createEndpoint({ apiKey: 'test-key', endpointId: 'ep', baseUrl: emu.baseUrl, retry: false });
      const before = emu.stats().requests[route] ?? 0;
      const call = route === 'run' ? endpoint.run : endpoint.runSync;
      const error = await new Promise((resolve) =>
        call({ input: 'x'.repeat(limit + 1 - 12) }).subscribe({ error: resolve, complete: () => resolve(undefined) }),
      );
      expect(isPayloadTooLargeError(error)).toBe(true);
      expect(emu.stats().requests[route] ?? 0).toBe(before);
    },
  );

  it("runsyncWait: the client's config takes RunPod's range, edges included", () => {
    const { min, max } = LONG_POLL_WAITS.runsync;
    const accepts = (runsyncWait: number): boolean => {
      try {
        createEndpoint({ apiKey: 'k', endpointId: 'ep', runsyncWait });
        return true;
      } catch (error) {
        expect(isConfigError(error)).toBe(true);
        return false;
      }
    };
    expect([min - 1, min, max, max + 1].map(accepts)).toEqual([false, true, true, false]);
  });

  it('runsync ?wait=: the emulator holds no less than the minimum and no more than the maximum', async () => {
    const { min, max } = LONG_POLL_WAITS.runsync;
    const clock = createManualClock();
    const emu = await pool.start({ clock });
    for (const [asked, held] of [
      [0, min],
      [max + 60_000, max],
    ]) {
      const pending = api(emu, 'POST', `/ep/runsync?wait=${asked}`, { body: { input: { mock_delay: 3600 } } });
      await waitFor(() => emu.stats().longPollsOpen === 1);
      await clock.advanceAsync(held - 1);
      expect(emu.stats().longPollsOpen).toBe(1);
      await clock.advanceAsync(1);
      expect((await pending).json.status).toBe('IN_PROGRESS');
    }
  });

  describe.each(['status-sync', 'stream'] as const)('/%s without ?wait=', (route: LongPollRoute) => {
    const hold = LONG_POLL_WAITS[route].default;

    it("the emulator holds RunPod's default", async () => {
      const clock = createManualClock();
      const emu = await pool.start({ clock });
      const run = await api(emu, 'POST', '/ep/run', { body: { input: { mock_delay: 3600 } } });
      const pending = api(emu, 'GET', `/ep/${route}/${run.json.id}`);
      await waitFor(() => emu.stats().longPollsOpen === 1);
      await clock.advanceAsync(hold - 1);
      expect(emu.stats().longPollsOpen).toBe(1);
      await clock.advanceAsync(1);
      expect((await pending).status).toBe(200);
    });

    it('the fake endpoint holds the same default', () => {
      const rx = createTestScheduler();
      rx.run(({ flush }) => {
        const fake = createFakeEndpoint({ scheduler: rx, latency: 0, existingJobs: [endlessJob({ id: 'j1' })] });
        let answeredAt: number | undefined;
        fake
          .transport({ method: 'GET', url: `https://fake/ep/${route}/j1`, path: `/ep/${route}/j1`, route, headers: {} })
          .subscribe(() => (answeredAt = rx.now()));
        flush();
        expect(answeredAt).toBe(hold);
      });
    });
  });

  it("the client's default waits ask for the default holds", () => {
    const rx = createTestScheduler();
    rx.run(({ flush }) => {
      const fake = createFakeEndpoint({ scheduler: rx, existingJobs: [endlessJob({ id: 'j1' })] });
      const watching = fake.endpoint.watch('j1').subscribe();
      const streaming = fake.endpoint.stream('j1').subscribe();
      rx.schedule(() => {
        watching.unsubscribe();
        streaming.unsubscribe();
      }, 1000);
      flush();
      const waitOf = (route: LongPollRoute) =>
        fake.match({ route }).map((request) => new URL(request.path, 'https://fake').searchParams.get('wait'));
      expect(waitOf('status-sync')[0]).toBe(String(LONG_POLL_WAITS['status-sync'].default));
      expect(waitOf('stream')[0]).toBe(String(LONG_POLL_WAITS.stream.default));
    });
  });

  it('the emulator starts every rate-limit group from RunPod limits and window', async () => {
    const limiter = new RateLimiter(createManualClock());
    for (const group of Object.keys(RUNPOD_RATE_LIMITS) as RouteGroup[]) {
      expect([group, limiter.limitOf(group)]).toEqual([group, RUNPOD_RATE_LIMITS[group]]);
    }
    const clock = createManualClock();
    const emu = await pool.start({ clock });
    const purge = () => api(emu, 'POST', '/ep/purge-queue');
    for (let i = 0; i < RUNPOD_RATE_LIMITS['purge-queue']; i++) expect((await purge()).status).toBe(200);
    expect((await purge()).status).toBe(429);
    await clock.advanceAsync(RUNPOD_RATE_WINDOW);
    expect((await purge()).status).toBe(200);
  });

  it.each(['run', 'runsync'] as const)('the emulator keeps a finished /%s job for RunPod retention', async (route) => {
    const clock = createManualClock();
    const emu = await pool.start({ clock });
    const created = await api(emu, 'POST', `/ep/${route}`, { body: { input: {} } });
    const id = created.json.id as string;
    await waitFor(() => emu.job(id)?.status === 'COMPLETED');
    await clock.advanceAsync(RUNPOD_RETENTION[route] - 1);
    expect((await api(emu, 'GET', `/ep/status/${id}`)).status).toBe(200);
    await clock.advanceAsync(1);
    expect((await api(emu, 'GET', `/ep/status/${id}`)).status).toBe(404);
  });
});
