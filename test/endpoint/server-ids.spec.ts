/**
 * Job ids that come from the server are checked like callers' ids, and an answer about a job must
 * name that job: otherwise the answer is a DecodeError, and the id is never followed, cancelled or
 * handed out (fake transport in virtual time, then a raw node:http server over loopback).
 */
import type { Observable } from 'rxjs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TestScheduler } from 'rxjs/testing';
import { createEndpoint, isDecodeError, type Endpoint, type JobState } from 'runpod-rx';
import { json } from 'runpod-rx/testing';
import { API_KEY, fakeEndpoint } from '../helpers/endpoint';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server';
import { createTestScheduler } from '../helpers/test-scheduler';
import { eventually } from '../reliability/helpers';

const HOSTILE_ID = '../../other-endpoint/status/x';
const queued = { id: 'j1', status: 'IN_QUEUE' };
const running = { id: 'j1', status: 'IN_PROGRESS' };

/** Runs `call` to its end and returns what it emitted and how it ended. */
function settle<T>(call: Observable<T>): Promise<{ values: T[]; error: unknown }> {
  const values: T[] = [];
  return new Promise((resolve) => {
    call.subscribe({
      next: (value) => values.push(value),
      error: (error: unknown) => resolve({ values, error }),
      complete: () => resolve({ values, error: undefined }),
    });
  });
}

describe('server ids (fake transport)', () => {
  let rx: TestScheduler;
  beforeEach(() => {
    rx = createTestScheduler();
  });

  it.each([
    ['submit', (e: Endpoint) => e.submit({ input: {} })],
    ['runSync', (e: Endpoint) => e.runSync({ input: {} })],
    ['run', (e: Endpoint) => e.run({ input: {} })],
  ] as const)(
    '%s: a creating answer naming "../../other-endpoint/status/x" is a DecodeError, never followed',
    (_name, call) => {
      rx.run(({ cold, flush }) => {
        const { fake, endpoint } = fakeEndpoint(rx, () =>
          cold('-r|', { r: json({ id: HOSTILE_ID, status: 'IN_QUEUE' }) }),
        );
        const values: unknown[] = [];
        let error: unknown;
        call(endpoint).subscribe({ next: (v) => values.push(v), error: (e: unknown) => (error = e) });
        flush();
        expect(values).toEqual([]);
        expect(isDecodeError(error)).toBe(true);
        expect((error as Error).message).toContain('Invalid value "../../other-endpoint/status/x"');
        // One creating request and nothing else: no status, no cancel.
        expect(fake.requests).toHaveLength(1);
        expect(fake.requests[0].route).toMatch(/^run(sync)?$/);
      });
    },
  );

  it('submit: a status-sync answer naming another job is a DecodeError; nothing is sent for that job', () => {
    rx.run(({ cold, flush }) => {
      const { fake, endpoint } = fakeEndpoint(rx, (req) =>
        req.route === 'run'
          ? cold('-r|', { r: json(queued) })
          : cold('-r|', { r: json({ ...running, id: 'other-job-u1' }) }),
      );
      const states: JobState[] = [];
      let error: unknown;
      endpoint.submit({ input: {} }).subscribe({ next: (s) => states.push(s), error: (e: unknown) => (error = e) });
      flush();
      expect(states).toEqual([queued]);
      expect(isDecodeError(error)).toBe(true);
      expect((error as Error).message).toContain('an answer about job j1 names another job');
      expect(fake.match((r) => r.path.includes('other-job'))).toEqual([]);
      // Whether or not the error cancels the job, a cancel targets the job the creating answer named.
      expect(fake.match('POST /ep1/cancel/*').every((r) => r.path === '/ep1/cancel/j1')).toBe(true);
    });
  });

  it('submit abandoned after a bad status answer never cancels the job that answer named', () => {
    rx.run(({ cold, flush }) => {
      const { fake, endpoint } = fakeEndpoint(rx, (req) =>
        req.route === 'run'
          ? cold('-r|', { r: json(queued) })
          : req.route === 'cancel'
            ? cold('-r|', { r: json({ id: 'j1', status: 'CANCELLED' }) })
            : cold('-r|', { r: json({ ...running, id: 'victim-u1' }) }),
      );
      const subscription = endpoint.submit({ input: {} }).subscribe({ error: () => undefined });
      rx.schedule(() => subscription.unsubscribe(), 5);
      flush();
      expect(fake.match((r) => r.path.includes('victim'))).toEqual([]);
      expect(fake.match('POST /ep1/cancel/*').every((r) => r.path === '/ep1/cancel/j1')).toBe(true);
    });
  });

  it.each([
    ['status', (e: Endpoint) => e.status('j1')],
    ['watch', (e: Endpoint) => e.watch('j1')],
    ['cancel', (e: Endpoint) => e.cancel('j1')],
  ] as const)('%s: an answer naming another job is a DecodeError', (_name, call) => {
    rx.run(({ cold, flush }) => {
      const { fake, endpoint } = fakeEndpoint(rx, () => cold('-r|', { r: json({ id: 'j2', status: 'CANCELLED' }) }), {
        retry: false,
      });
      let error: unknown;
      call(endpoint).subscribe({ error: (e: unknown) => (error = e) });
      flush();
      expect(isDecodeError(error)).toBe(true);
      expect(fake.requests).toHaveLength(1);
      expect(fake.requests[0].path).toMatch(/\/j1(\?|$)/);
    });
  });

  it('watch: a later status-sync answer naming another job ends it with a DecodeError after the good states', () => {
    rx.run(({ cold, flush }) => {
      const { fake, endpoint } = fakeEndpoint(rx, (req) =>
        req.route === 'status' ? cold('-r|', { r: json(queued) }) : cold('-r|', { r: json({ ...running, id: 'j2' }) }),
      );
      const states: JobState[] = [];
      let error: unknown;
      endpoint.watch('j1').subscribe({ next: (s) => states.push(s), error: (e: unknown) => (error = e) });
      flush();
      expect(states).toEqual([queued]);
      expect(isDecodeError(error)).toBe(true);
      expect(fake.requests.map((r) => r.path)).toEqual(['/ep1/status/j1', '/ep1/status-sync/j1?wait=90000']);
    });
  });

  it('retry: an answer naming another job is a DecodeError; stream: a body naming another job too', () => {
    rx.run(({ cold, flush }) => {
      const { endpoint } = fakeEndpoint(rx, () =>
        cold('-r|', { r: json({ id: 'j2', status: 'IN_QUEUE', stream: [] }) }),
      );
      const errors: unknown[] = [];
      endpoint.retry('j1').subscribe({ error: (e: unknown) => errors.push(e) });
      endpoint.stream('j1').subscribe({ error: (e: unknown) => errors.push(e) });
      flush();
      expect(errors.map(isDecodeError)).toEqual([true, true]);
    });
  });

  it('stream: a body without an id is accepted (RunPod may omit it)', () => {
    rx.run(({ cold, expectObservable }) => {
      const { endpoint } = fakeEndpoint(rx, () => cold('-r|', { r: json({ status: 'COMPLETED', stream: [] }) }));
      expectObservable(endpoint.stream('j1')).toBe('-|');
    });
  });

  it.each([
    ['empty', ''],
    ['513 characters', 'a'.repeat(513)],
    ...['x?y', 'x#y', 'x%2Fy', 'x y', 'x\\y', '.', 7, null].map((id) => [JSON.stringify(id), id]),
  ])('a /run answer with id %s is a DecodeError', (_label, id) => {
    rx.run(({ cold, flush }) => {
      const { fake, endpoint } = fakeEndpoint(rx, () => cold('-r|', { r: json({ id, status: 'IN_QUEUE' }) }));
      let error: unknown;
      endpoint.submit({ input: {} }).subscribe({ error: (e: unknown) => (error = e) });
      flush();
      expect(isDecodeError(error)).toBe(true);
      expect(fake.requests).toHaveLength(1);
    });
  });
});

describe('server ids (loopback HTTP)', () => {
  let server: LoopbackServer;
  let answer: (req: IncomingMessage, res: ServerResponse) => void;
  beforeAll(async () => {
    server = await startLoopbackServer((req, res) => answer(req, res));
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.received.length = 0;
  });

  const endpoint = () =>
    createEndpoint({ apiKey: API_KEY, endpointId: 'ep1', baseUrl: server.baseUrl, env: {}, retry: false });
  const send = (res: ServerResponse, body: unknown) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  it('submit: /run answering with id "../../other-endpoint/status/x" is a DecodeError, no other request', async () => {
    answer = (_req, res) => send(res, { id: HOSTILE_ID, status: 'IN_QUEUE' });
    const { values, error } = await settle(endpoint().submit({ input: {} }));
    expect(values).toEqual([]);
    expect(isDecodeError(error)).toBe(true);
    expect(server.received.map((r) => `${r.method} ${r.url}`)).toEqual(['POST /v2/ep1/run']);
  });

  it('submit: status answers naming another job are a DecodeError; no request names that job', async () => {
    answer = (req, res) =>
      req.url?.includes('/run')
        ? send(res, queued)
        : req.url?.includes('/cancel/')
          ? send(res, { id: 'j1', status: 'CANCELLED' })
          : send(res, { id: 'victim-u1', status: 'IN_PROGRESS' });
    const { values, error } = await settle(endpoint().submit({ input: {} }));
    expect(values).toEqual([queued]);
    expect(isDecodeError(error)).toBe(true);
    // The job the /run answer named is owned: the error cancels it (detached, so wait for it).
    await eventually(
      () => server.received.some((r) => r.url === '/v2/ep1/cancel/j1'),
      5_000,
      'the cancel of the owned job',
    );
    const urls = server.received.map((r) => r.url);
    expect(urls.slice(0, 2)).toEqual(['/v2/ep1/run', '/v2/ep1/status-sync/j1?wait=90000']);
    expect(urls.filter((url) => url.includes('victim'))).toEqual([]);
    expect(urls.slice(2).every((url) => url === '/v2/ep1/cancel/j1')).toBe(true);
  });

  it('runSync: a /runsync answer naming a path is a DecodeError, no other request', async () => {
    answer = (_req, res) => send(res, { id: HOSTILE_ID, status: 'IN_PROGRESS' });
    const { error } = await settle(endpoint().runSync({ input: {} }));
    expect(isDecodeError(error)).toBe(true);
    expect(server.received).toHaveLength(1);
  });
});
