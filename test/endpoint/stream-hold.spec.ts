/**
 * `/stream` drains what it answers, so chunks that reached the client must not be lost when a
 * subscriber leaves: those not yet emitted, and those of the read in flight (which completes
 * detached), wait for the next `stream(id)` of the same endpoint object, bounded in time and bytes.
 * Virtual time, fake transport.
 */
import { take, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { ConfigError, createEndpoint, type Endpoint, type RunpodEvent, type StreamChunk } from 'runpod-rx';
import { createFakeTransport, json, type FakeHandler } from 'runpod-rx/testing';
import { API_KEY, fakeEndpoint } from '../helpers/endpoint';
import { createTestScheduler } from '../helpers/test-scheduler';

const chunk = (output: string) => ({ output });
const answer = (status: string, ...outputs: string[]) => json({ status, stream: outputs.map(chunk) });
/** `{"output":"a"}`: 14 bytes of JSON. */
const ONE_CHUNK_BYTES = 14;

describe('stream hold', () => {
  let rx: TestScheduler;
  let log: string[];
  let events: RunpodEvent[];
  beforeEach(() => {
    rx = createTestScheduler();
    log = [];
    events = [];
  });

  /** Subscribes `name` at `at` (virtual ms), unsubscribing at `until`, logging `time name value`. */
  const subscribeAt = (at: number, name: string, source: () => Observable<StreamChunk>, until?: number) => {
    rx.schedule(() => {
      const subscription = source().subscribe({
        next: (c) => log.push(`${rx.now()} ${name} ${String(c.output)}`),
        error: (e: Error) => log.push(`${rx.now()} ${name} ${e.name}`),
        complete: () => log.push(`${rx.now()} ${name} done`),
      });
      if (until !== undefined) rx.schedule(() => subscription.unsubscribe(), until - at);
    }, at);
  };
  const setup = (handler: FakeHandler, streamHold?: { maxAge?: number; maxBytes?: number }) =>
    fakeEndpoint(rx, handler, { streamHold, onEvent: (e) => events.push(e) });
  const streamTimes = (fake: ReturnType<typeof setup>['fake'], id = 'j1') =>
    fake.match(`GET /ep1/stream/${id}`).map((r) => r.at);

  it('chunks of an answer not yet emitted when the subscriber left come first to the next stream, no request', () => {
    rx.run(({ cold, flush }) => {
      const reads = [answer('IN_PROGRESS', 'a', 'b', 'c'), answer('COMPLETED', 'd'), answer('COMPLETED')];
      const { fake, endpoint } = setup((_req, n) => cold('-r|', { r: reads[n] }));
      subscribeAt(0, 'first', () => endpoint.stream('j1').pipe(take(2)));
      subscribeAt(10, 'second', () => endpoint.stream('j1'));
      flush();
      expect(log).toEqual(['1 first a', '1 first b', '1 first done', '10 second c', '11 second d', '12 second done']);
      expect(streamTimes(fake)).toEqual([0, 10, 11]);
    });
  });

  it('the read in flight when the subscriber left completes detached; its chunks wait for the next stream', () => {
    rx.run(({ cold, flush }) => {
      const reads = [answer('IN_PROGRESS', 'a'), answer('IN_PROGRESS', 'b', 'c'), answer('COMPLETED')];
      const { fake, endpoint } = setup((_req, n) => cold(n === 1 ? '5ms r|' : '-r|', { r: reads[n] }));
      subscribeAt(0, 'first', () => endpoint.stream('j1'), 3);
      subscribeAt(10, 'second', () => endpoint.stream('j1'));
      flush();
      expect(log).toEqual(['1 first a', '10 second b', '10 second c', '11 second done']);
      expect(fake.requests.map((r) => [r.at, r.state, r.endedAt])).toEqual([
        [0, 'answered', 1],
        [1, 'answered', 6],
        [10, 'answered', 11],
      ]);
    });
  });

  it('a stream opened while the detached read is in flight waits for it instead of reading beside it', () => {
    rx.run(({ cold, flush }) => {
      const reads = [answer('IN_PROGRESS', 'a'), answer('IN_PROGRESS', 'b'), answer('COMPLETED')];
      const { fake, endpoint } = setup((_req, n) => cold(n === 1 ? '10ms r|' : '-r|', { r: reads[n] }));
      subscribeAt(0, 'first', () => endpoint.stream('j1'), 3);
      subscribeAt(5, 'second', () => endpoint.stream('j1'));
      flush();
      expect(log).toEqual(['1 first a', '11 second b', '12 second done']);
      expect(streamTimes(fake)).toEqual([0, 1, 11]);
    });
  });

  it('a stream resubscribed from the complete callback (before the last one tore down) keeps the order', () => {
    rx.run(({ cold, flush }) => {
      const reads = [answer('IN_PROGRESS', 'a', 'b', 'c'), answer('COMPLETED', 'd'), answer('COMPLETED')];
      const { fake, endpoint } = setup((_req, n) => cold('-r|', { r: reads[n] }));
      rx.schedule(() => {
        endpoint
          .stream('j1')
          .pipe(take(1))
          .subscribe({
            next: (c) => log.push(`${rx.now()} first ${String(c.output)}`),
            complete: () =>
              endpoint.stream('j1').subscribe({
                next: (c) => log.push(`${rx.now()} second ${String(c.output)}`),
                complete: () => log.push(`${rx.now()} second done`),
              }),
          });
      }, 0);
      flush();
      expect(log).toEqual(['1 first a', '1 second b', '1 second c', '2 second d', '3 second done']);
      expect(streamTimes(fake)).toEqual([0, 1, 2]);
    });
  });

  it('two streams of one job at once take turns: the second starts when the first has ended', () => {
    rx.run(({ cold, flush }) => {
      const reads = [answer('IN_PROGRESS', 'a'), answer('COMPLETED', 'b'), answer('COMPLETED')];
      const { fake, endpoint } = setup((_req, n) => cold('5ms r|', { r: reads[Math.min(n, 2)] }));
      subscribeAt(0, 'first', () => endpoint.stream('j1'));
      subscribeAt(1, 'second', () => endpoint.stream('j1'));
      flush();
      expect(log).toEqual(['5 first a', '10 first b', '15 first done', '20 second done']);
      expect(streamTimes(fake)).toEqual([0, 5, 10, 15]);
    });
  });

  it('a detached read that fails holds nothing; a stream waiting for it reads on its own', () => {
    rx.run(({ cold, flush }) => {
      const { fake, endpoint } = setup((_req, n) =>
        n === 0
          ? cold('-r|', { r: answer('IN_PROGRESS', 'a') })
          : n === 1
            ? cold('5ms r|', { r: json({ error: 'gone' }, 404) })
            : cold('-r|', { r: n === 2 ? answer('COMPLETED', 'b') : answer('COMPLETED') }),
      );
      subscribeAt(0, 'first', () => endpoint.stream('j1'), 3);
      subscribeAt(4, 'second', () => endpoint.stream('j1'));
      flush();
      expect(log).toEqual(['1 first a', '7 second b', '8 second done']);
      expect(streamTimes(fake)).toEqual([0, 1, 6, 7]);
    });
  });

  it.each([
    [1_000, ['1 first a', '1 first done', '1000 second b', '1001 second done'], []],
    [
      1_001,
      ['1 first a', '1 first done', '1002 second done'],
      [{ type: 'stream-chunks-dropped', jobId: 'j1', chunks: 1, reason: 'expired' }],
    ],
  ])('held chunks expire after maxAge (second stream at %i ms)', (at, expected, dropped) => {
    rx.run(({ cold, flush }) => {
      const reads = [answer('IN_PROGRESS', 'a', 'b'), answer('COMPLETED')];
      const { endpoint } = setup((_req, n) => cold('-r|', { r: reads[n] }), { maxAge: 1_000 });
      subscribeAt(0, 'first', () => endpoint.stream('j1').pipe(take(1)));
      subscribeAt(at, 'second', () => endpoint.stream('j1'));
      flush();
      expect(log).toEqual(expected);
      expect(events.filter((e) => e.type === 'stream-chunks-dropped')).toEqual(dropped);
    });
  });

  it('past maxBytes the job held longest is dropped first; a job alone over the cap is dropped whole', () => {
    rx.run(({ cold, flush }) => {
      const first: Record<string, ReturnType<typeof answer>> = {
        '/ep1/stream/j1': answer('IN_PROGRESS', 'a', 'b'),
        '/ep1/stream/j2': answer('IN_PROGRESS', 'c', 'd', 'e'),
        '/ep1/stream/j3': answer('IN_PROGRESS', 'w', 'x', 'y', 'z'),
      };
      const { endpoint } = setup(
        (req, n) => cold('-r|', { r: n === 0 ? first[req.path.split('?')[0]] : answer('COMPLETED') }),
        { maxBytes: 2 * ONE_CHUNK_BYTES + 2 },
      );
      subscribeAt(0, 'j1', () => endpoint.stream('j1').pipe(take(1))); // holds b
      subscribeAt(2, 'j2', () => endpoint.stream('j2').pipe(take(1))); // holds d, e: j1's b goes
      subscribeAt(4, 'j3', () => endpoint.stream('j3').pipe(take(1))); // x, y, z alone pass the cap
      subscribeAt(10, 'j1', () => endpoint.stream('j1'));
      subscribeAt(10, 'j2', () => endpoint.stream('j2'));
      subscribeAt(10, 'j3', () => endpoint.stream('j3'));
      flush();
      expect(log.filter((line) => line.startsWith('1') && !line.startsWith('1 '))).toEqual([
        '10 j2 d',
        '10 j2 e',
        '11 j1 done',
        '11 j2 done',
        '11 j3 done',
      ]);
      expect(events.filter((e) => e.type === 'stream-chunks-dropped')).toEqual([
        { type: 'stream-chunks-dropped', jobId: 'j1', chunks: 1, reason: 'max-bytes' },
        { type: 'stream-chunks-dropped', jobId: 'j3', chunks: 3, reason: 'max-bytes' },
      ]);
    });
  });

  it('maxBytes 0 holds nothing', () => {
    rx.run(({ cold, flush }) => {
      const reads = [answer('IN_PROGRESS', 'a', 'b'), answer('COMPLETED')];
      const { endpoint } = setup((_req, n) => cold('-r|', { r: reads[n] }), { maxBytes: 0 });
      subscribeAt(0, 'first', () => endpoint.stream('j1').pipe(take(1)));
      subscribeAt(10, 'second', () => endpoint.stream('j1'));
      flush();
      expect(log).toEqual(['1 first a', '1 first done', '11 second done']);
      expect(events.filter((e) => e.type === 'stream-chunks-dropped')).toHaveLength(1);
    });
  });

  it('the hold belongs to one endpoint object: another one does not see its chunks', () => {
    rx.run(({ cold, flush }) => {
      const reads = [answer('IN_PROGRESS', 'a', 'b'), answer('COMPLETED')];
      const fake = createFakeTransport((_req, n) => cold('-r|', { r: reads[Math.min(n, 1)] }), rx);
      const connect = (): Endpoint =>
        createEndpoint({ apiKey: API_KEY, endpointId: 'ep1', scheduler: rx, transport: fake.transport, env: {} });
      const one = connect();
      const other = connect();
      subscribeAt(0, 'one', () => one.stream('j1').pipe(take(1)));
      subscribeAt(10, 'other', () => other.stream('j1'));
      subscribeAt(20, 'one', () => one.stream('j1'));
      flush();
      expect(log).toEqual(['1 one a', '1 one done', '11 other done', '20 one b', '21 one done']);
    });
  });

  it.each([{ maxBytes: -1 }, { maxBytes: 1.5 }, { maxAge: 0 }, { maxAge: -5 }])(
    'streamHold %j is a ConfigError',
    (streamHold) => {
      expect(() => createEndpoint({ apiKey: API_KEY, endpointId: 'ep1', env: {}, streamHold })).toThrow(ConfigError);
    },
  );
});
