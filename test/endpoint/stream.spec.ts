import * as t from 'io-ts';
import { TestScheduler } from 'rxjs/testing';
import { DecodeError, JobCancelledError, JobFailedError, JobTimedOutError, TimeoutError } from 'runpod-rx';
import { json } from 'runpod-rx/testing';
import { fakeEndpoint } from '../helpers/endpoint';
import { createTestScheduler } from '../helpers/test-scheduler';

const chunk = (output: unknown) => ({ output });

describe('stream', () => {
  let rx: TestScheduler;
  beforeEach(() => {
    rx = createTestScheduler();
  });

  it('emits each chunk in order across drain-on-read answers, completing when terminal and drained', () => {
    rx.run(({ cold, expectObservable, flush }) => {
      const reads = [
        { status: 'IN_PROGRESS', stream: [chunk('a'), chunk('b')] },
        { status: 'IN_PROGRESS', stream: [chunk('c')] },
        { status: 'COMPLETED', stream: [chunk('d')] },
        { status: 'COMPLETED', stream: [] },
      ];
      const { fake, endpoint } = fakeEndpoint(rx, (_req, n) => cold('10ms r|', { r: json(reads[n]) }));
      expectObservable(endpoint.stream('j1')).toBe('10ms (ab) 6ms c 9ms d 9ms |', {
        a: chunk('a'),
        b: chunk('b'),
        c: chunk('c'),
        d: chunk('d'),
      });
      flush();
      expect(fake.requests.map((r) => `${r.at} ${r.path}`)).toEqual([
        '0 /ep1/stream/j1?wait=3000',
        '10 /ep1/stream/j1?wait=3000',
        '20 /ep1/stream/j1?wait=3000',
        '30 /ep1/stream/j1?wait=3000',
      ]);
      fake.expectNone('GET /ep1/status/*');
    });
  });

  it('keeps extra chunk fields, reads a missing stream array as empty', () => {
    rx.run(({ cold, expectObservable }) => {
      const reads = [
        { status: 'IN_PROGRESS', stream: [{ output: 'x', metrics: { tokens: 3 } }] },
        { status: 'COMPLETED' },
      ];
      const { endpoint } = fakeEndpoint(rx, (_req, n) => cold('-r|', { r: json(reads[n]) }));
      expectObservable(endpoint.stream('j1')).toBe('-a|', { a: { output: 'x', metrics: { tokens: 3 } } });
    });
  });

  it('delivers every chunk produced before a failure, then errors with JobFailedError carrying /status', () => {
    rx.run(({ cold, expectObservable, flush }) => {
      const reads = [
        { status: 'IN_PROGRESS', stream: [chunk(1)] },
        { status: 'FAILED', stream: [chunk(2)] },
        { status: 'FAILED', stream: [] },
      ];
      const failed = { id: 'j1', status: 'FAILED', error: 'worker exploded' };
      const { fake, endpoint } = fakeEndpoint(rx, (req, n) =>
        req.route === 'stream' ? cold('-r|', { r: json(reads[n]) }) : cold('-r|', { r: json(failed) }),
      );
      expectObservable(endpoint.stream('j1')).toBe(
        '-ab-#',
        { a: chunk(1), b: chunk(2) },
        new JobFailedError(failed as never),
      );
      flush();
      fake.expectOne('GET /ep1/status/j1');
    });
  });

  it.each([
    ['CANCELLED', JobCancelledError],
    ['TIMED_OUT', JobTimedOutError],
  ] as const)('a %s job errors with its typed error', (status, Type) => {
    rx.run(({ cold, expectObservable }) => {
      const { endpoint } = fakeEndpoint(rx, (req) =>
        req.route === 'stream'
          ? cold('-r|', { r: json({ status, stream: [] }) })
          : cold('-r|', { r: json({ id: 'j1', status }) }),
      );
      expectObservable(endpoint.stream('j1')).toBe('--#', undefined, new Type({ id: 'j1', status }));
    });
  });

  it('uses the stream status when /status no longer knows the job', () => {
    rx.run(({ cold, expectObservable }) => {
      const { endpoint } = fakeEndpoint(rx, (req) =>
        req.route === 'stream'
          ? cold('-r|', { r: json({ status: 'FAILED', stream: [] }) })
          : cold('-r|', { r: json({ error: 'gone' }, 404) }),
      );
      expectObservable(endpoint.stream('j1')).toBe(
        '--#',
        undefined,
        new JobFailedError({ id: 'j1', status: 'FAILED' }),
      );
    });
  });

  it('backs off when a server answers empty at once instead of holding the read', () => {
    rx.run(({ cold, expectObservable, flush }) => {
      const reads = [
        { status: 'IN_QUEUE', stream: [] },
        { status: 'IN_QUEUE', stream: [] },
        { status: 'IN_PROGRESS', stream: [chunk('a')] },
        { status: 'COMPLETED', stream: [] },
      ];
      const { fake, endpoint } = fakeEndpoint(rx, (_req, n) => cold('-r|', { r: json(reads[n]) }));
      expectObservable(endpoint.stream('j1')).toBe('- 1252ms a|', { a: chunk('a') });
      flush();
      expect(fake.requests.map((r) => r.at)).toEqual([0, 501, 1252, 1253]);
    });
  });

  it('decodes chunk outputs with codecs.chunk; a mismatch is a DecodeError with the path', () => {
    rx.run(({ cold, expectObservable }) => {
      const Token = t.type({ token: t.string }, 'Token');
      const reads = [{ status: 'IN_PROGRESS', stream: [chunk({ token: 'hi' }), chunk({ token: 7 })] }];
      const { endpoint } = fakeEndpoint(rx, (_req, n) => cold('-r|', { r: json(reads[n]) }), {
        codecs: { chunk: Token },
      });
      expectObservable(endpoint.stream('j1')).toBe(
        '-(a#)',
        { a: chunk({ token: 'hi' }) },
        new DecodeError(['Invalid value 7 supplied to : stream[1].output/Token/token: string']),
      );
    });
  });

  it('the deadline errors with TimeoutError carrying the job id; the read completes detached', () => {
    rx.run(({ cold, expectObservable, flush }) => {
      const { fake, endpoint } = fakeEndpoint(rx, () =>
        cold('3s r|', { r: json({ status: 'IN_PROGRESS', stream: [] }) }),
      );
      expectObservable(endpoint.stream('j1', { timeout: 1000 })).toBe(
        '1s #',
        undefined,
        new TimeoutError('stream not finished within 1000 ms', 'j1'),
      );
      flush();
      // Its answer may hold chunks the server drained: it is read to the end and kept (see stream-hold.spec).
      expect(fake.expectOne('GET /ep1/stream/j1')).toMatchObject({ state: 'answered', endedAt: 3000 });
      fake.expectNone('POST /ep1/cancel/*');
    });
  });
});
