/**
 * A server that answers `/status-sync` at once with a changed state each time (progress updates)
 * must not turn one followed job into a hot loop: at most about ten requests a second, every change
 * still emitted. In virtual time (counts per second), then over loopback HTTP against a node:http
 * server that answers at once.
 */
import type { ServerResponse } from 'node:http';
import { TestScheduler } from 'rxjs/testing';
import { createEndpoint, type JobState } from 'runpod-rx';
import { json } from 'runpod-rx/testing';
import { API_KEY, fakeEndpoint } from '../helpers/endpoint';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server';
import { createTestScheduler } from '../helpers/test-scheduler';

const progress = (step: number): JobState => ({ id: 'j1', status: 'IN_PROGRESS', output: { step } });

/** How many of `times` (ms) fall in each whole second from 0 up to `seconds`. */
const perSecond = (times: readonly number[], seconds: number) =>
  Array.from({ length: seconds }, (_, s) => times.filter((t) => t >= s * 1000 && t < (s + 1) * 1000).length);

describe('pacing of quick, changing answers (virtual time)', () => {
  let rx: TestScheduler;
  beforeEach(() => {
    rx = createTestScheduler();
  });

  it('watch: a status-sync answering after 1 ms with a new state each time draws ten requests a second, each state emitted', () => {
    rx.run(({ cold, flush }) => {
      const { fake, endpoint } = fakeEndpoint(rx, (req, n) =>
        req.route === 'status' ? cold('-r|', { r: json(progress(0)) }) : cold('-r|', { r: json(progress(n + 1)) }),
      );
      const states: JobState[] = [];
      const subscription = endpoint.watch('j1').subscribe((s) => states.push(s));
      rx.schedule(() => subscription.unsubscribe(), 5_000);
      flush();
      const syncs = fake.match('GET /ep1/status-sync/*');
      // The first long-poll follows /status at once; then one every 100 ms.
      expect(
        perSecond(
          fake.requests.map((r) => r.at),
          5,
        ),
      ).toEqual([11, 10, 10, 10, 10]);
      expect(syncs.slice(0, 4).map((r) => r.at)).toEqual([1, 101, 201, 301]);
      // Every change seen is emitted, in order: each answer's step, none skipped.
      expect(states.map((s) => (s.output as { step: number }).step)).toEqual(
        Array.from({ length: syncs.filter((r) => r.state === 'answered').length + 1 }, (_, i) => i),
      );
    });
  });

  it('submit: the same server still leaves a slow one alone, and the terminal state ends it', () => {
    rx.run(({ cold, expectObservable, flush }) => {
      const answers = [progress(1), progress(2), { id: 'j1', status: 'COMPLETED', output: 'done' }];
      const { fake, endpoint } = fakeEndpoint(rx, (req, n) =>
        req.route === 'run'
          ? cold('-r|', { r: json({ id: 'j1', status: 'IN_QUEUE' }) })
          : cold('300ms r|', { r: json(answers[n]) }),
      );
      expectObservable(endpoint.submit({ input: {} })).toBe('-a 299ms b 299ms c 299ms (d|)', {
        a: { id: 'j1', status: 'IN_QUEUE' },
        b: progress(1),
        c: progress(2),
        d: answers[2],
      });
      flush();
      expect(fake.requests.map((r) => r.at)).toEqual([0, 1, 301, 601]);
    });
  });

  it('a quick unchanged answer still backs off from 500 ms, not 100 ms', () => {
    rx.run(({ cold, flush }) => {
      const { fake, endpoint } = fakeEndpoint(rx, (req) =>
        req.route === 'status' ? cold('-r|', { r: json(progress(0)) }) : cold('-r|', { r: json(progress(0)) }),
      );
      const subscription = endpoint.watch('j1').subscribe();
      rx.schedule(() => subscription.unsubscribe(), 3_000);
      flush();
      expect(fake.match('GET /ep1/status-sync/*').map((r) => r.at)).toEqual([1, 502, 1253, 2379]);
    });
  });
});

describe('pacing of quick, changing answers (loopback HTTP)', () => {
  let server: LoopbackServer;
  let step = 0;
  beforeAll(async () => {
    server = await startLoopbackServer((_req, res: ServerResponse) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(progress(step++)));
    });
  });
  afterAll(() => server.close());

  it('one watch over ~2 s of a server answering at once with new progress sends about twenty requests', async () => {
    const endpoint = createEndpoint({ apiKey: API_KEY, endpointId: 'ep1', baseUrl: server.baseUrl, env: {} });
    const states: JobState[] = [];
    const subscription = endpoint.watch('j1').subscribe((s) => states.push(s));
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    subscription.unsubscribe();
    const requests = server.received.length;
    // 1 /status + at most one status-sync per 100 ms over 2 s (+1 for timer slack); without pacing, thousands.
    expect(requests).toBeGreaterThanOrEqual(5);
    expect(requests).toBeLessThanOrEqual(22);
    // Every answer that arrived while subscribed was a change, and each one was emitted, in order.
    const steps = states.map((s) => (s.output as { step: number }).step);
    expect(steps).toEqual(Array.from({ length: steps.length }, (_, i) => i));
    expect(steps.length).toBeGreaterThanOrEqual(requests - 1);
    if (process.env.RELIABILITY_FIGURES)
      process.stdout.write(`pacing figure: ${requests} requests in 2 s, ${steps.length} states emitted\n`);
  });
});
