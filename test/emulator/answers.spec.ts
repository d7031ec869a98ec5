import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorAnswer, isHeld, okAnswer, type Answer, type RouteReply } from '../../src/emulator/answer.js';
import { createManualClock } from '../../src/emulator/clock.js';
import { createAnswerWriter, writeReply } from '../../src/emulator/http-io.js';
import type { JobRecord } from '../../src/emulator/job.js';
import { JobStore } from '../../src/emulator/job-store.js';
import { LongPolls } from '../../src/emulator/long-poll.js';
import { StatsCollector } from '../../src/emulator/stats.js';
import { TimerSet } from '../../src/emulator/timers.js';
import { waitFor } from './helpers';
import { closeServers } from '../helpers/loopback-server';

/** A job record with only what LongPolls reads. */
function jobRecord(): JobRecord {
  return { id: 'j1', status: 'IN_QUEUE', deleted: false, listeners: new Set() } as unknown as JobRecord;
}

function longPolls() {
  const clock = createManualClock();
  const store = new JobStore();
  const stats = new StatsCollector();
  return { clock, store, stats, polls: new LongPolls(store, new TimerSet(clock), stats) };
}

/** Starts a hold and returns what it delivers and its cancel function. */
function start(reply: RouteReply): { delivered: Answer[]; cancel: () => void } {
  if (!isHeld(reply)) throw new Error('expected a held answer');
  const delivered: Answer[] = [];
  const cancel = reply.held((answer) => delivered.push(answer));
  return { delivered, cancel };
}

describe('held answers (LongPolls)', () => {
  it('answers at once when the job is already ready, holding nothing', () => {
    const { clock, polls } = longPolls();
    const reply = polls.hold(
      jobRecord(),
      5000,
      () => true,
      () => okAnswer('now'),
    );
    expect(reply).toEqual({ status: 200, body: 'now' });
    expect(clock.pending).toBe(0);
    expect(polls.open).toBe(0);
  });

  it('delivers once when the wait runs out, on the clock, then holds nothing', () => {
    const { clock, polls } = longPolls();
    const { delivered } = start(
      polls.hold(
        jobRecord(),
        5000,
        () => false,
        () => okAnswer('late'),
      ),
    );
    expect(polls.open).toBe(1);
    clock.advance(4999);
    expect(delivered).toEqual([]);
    clock.advance(1);
    expect(delivered).toEqual([{ status: 200, body: 'late' }]);
    expect(clock.pending).toBe(0);
    expect(polls.open).toBe(0);
  });

  it('delivers when the job becomes ready, clearing its timer and listener', () => {
    const { clock, store, polls } = longPolls();
    const job = jobRecord();
    let ready = false;
    const { delivered } = start(
      polls.hold(
        job,
        5000,
        () => ready,
        () => okAnswer('ready'),
      ),
    );
    store.notify(job); // a change that is not what it waits for
    expect(delivered).toEqual([]);
    ready = true;
    store.notify(job);
    expect(delivered).toEqual([{ status: 200, body: 'ready' }]);
    expect(clock.pending).toBe(0);
    expect(job.listeners.size).toBe(0);
  });

  it('a cancelled hold leaves no timer and no listener, and never delivers', () => {
    const { clock, store, stats, polls } = longPolls();
    const job = jobRecord();
    const { delivered, cancel } = start(
      polls.hold(
        job,
        5000,
        () => true && job.deleted,
        () => okAnswer('x'),
      ),
    );
    expect(clock.pending).toBe(1);
    expect(job.listeners.size).toBe(1);
    cancel();
    expect(clock.pending).toBe(0);
    expect(job.listeners.size).toBe(0);
    expect(polls.open).toBe(0);
    expect(stats.snapshot().longPollsOpen).toBe(0);
    job.deleted = true;
    store.notify(job);
    clock.advance(10_000);
    expect(delivered).toEqual([]);
    cancel(); // twice is harmless
    expect(stats.snapshot().longPollsPeak).toBe(1);
  });

  it('dropAll forgets every hold', () => {
    const { clock, polls } = longPolls();
    start(
      polls.hold(
        jobRecord(),
        5000,
        () => false,
        () => okAnswer(1),
      ),
    );
    start(
      polls.hold(
        jobRecord(),
        7000,
        () => false,
        () => okAnswer(2),
      ),
    );
    expect(clock.pending).toBe(2);
    polls.dropAll();
    expect(clock.pending).toBe(0);
    expect(polls.open).toBe(0);
  });
});

describe('the answer writer (the only place answers reach a socket)', () => {
  const servers: Server[] = [];
  afterEach(() => closeServers(servers));

  /** A loopback server that writes `reply()` for every request; `codes` gets each status written. */
  async function serve(reply: () => RouteReply): Promise<{ url: string; codes: number[] }> {
    const codes: number[] = [];
    const write = createAnswerWriter((code) => codes.push(code));
    const server = createServer((_req, res) => writeReply(res, reply(), write));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, codes };
  }

  it('writes JSON with its exact status, Content-Type, Content-Length and the answer headers', async () => {
    const { url, codes } = await serve(() => errorAnswer(429, 'slow down', { 'Retry-After': '3' }));
    const res = await fetch(url);
    const text = await res.text();
    expect(res.status).toBe(429);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
    expect(res.headers.get('retry-after')).toBe('3');
    expect(JSON.parse(text)).toEqual({ error: 'slow down' });
    expect(codes).toEqual([429]);
  });

  it('answers 500 in JSON when the body is not JSON (never throws)', async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const { url, codes } = await serve(() => okAnswer(cyclic));
    const res = await fetch(url);
    expect(res.status).toBe(500);
    expect(((await res.json()) as { error: string }).error).toMatch(/^internal emulator error: the answer is not JSON/);
    expect(codes).toEqual([500]);
  });

  it('writes a held answer when it is delivered', async () => {
    let deliver: ((answer: Answer) => void) | undefined;
    const { url } = await serve(() => ({
      held: (d) => {
        deliver = d;
        return () => undefined;
      },
    }));
    const pending = fetch(url);
    await waitFor(() => deliver !== undefined);
    deliver?.(okAnswer({ id: 'j1', status: 'COMPLETED' }));
    const res = await pending;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: 'j1', status: 'COMPLETED' });
  });

  it('cancels a held answer when the client goes away, leaving no timer', async () => {
    const { clock, polls } = longPolls();
    const { url, codes } = await serve(() =>
      polls.hold(
        jobRecord(),
        60_000,
        () => false,
        () => okAnswer('late'),
      ),
    );
    const controller = new AbortController();
    const pending = fetch(url, { signal: controller.signal }).catch((err: unknown) => err);
    await waitFor(() => polls.open === 1);
    expect(clock.pending).toBe(1);
    controller.abort();
    await pending;
    await waitFor(() => polls.open === 0);
    expect(clock.pending).toBe(0);
    clock.advance(60_000);
    expect(codes).toEqual([]);
  });
});
