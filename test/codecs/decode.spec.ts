import * as t from 'io-ts';
import { isRight } from 'fp-ts/Either';
import { TestScheduler } from 'rxjs/testing';
import { DecodeError, isTerminal, JobStateCodec, JobStatus } from 'runpod-rx';
import { json, text } from 'runpod-rx/testing';
import { fakeEndpoint } from '../helpers/endpoint';
import { createTestScheduler } from '../helpers/test-scheduler';

const info = { method: 'GET', path: '/ep1/status/j1' };

describe('codecs', () => {
  it('JobStatus: the six statuses; RUNNING is read as IN_PROGRESS; anything else fails', () => {
    for (const status of ['IN_QUEUE', 'IN_PROGRESS', 'COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT']) {
      expect(JobStatus.decode(status)).toEqual({ _tag: 'Right', right: status });
    }
    expect(JobStatus.decode('RUNNING')).toEqual({ _tag: 'Right', right: 'IN_PROGRESS' });
    expect(isRight(JobStatus.decode('DONE'))).toBe(false);
    expect(isRight(JobStatus.decode(3))).toBe(false);
  });

  it('isTerminal: COMPLETED, FAILED, CANCELLED and TIMED_OUT only', () => {
    expect(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT'].every((s) => isTerminal(s as JobStatus))).toBe(true);
    expect(isTerminal('IN_QUEUE')).toBe(false);
    expect(isTerminal({ status: 'IN_PROGRESS' })).toBe(false);
  });

  it('JobState keeps unknown fields, reads null optional fields as absent, and turns an object error into text', () => {
    const decoded = JobStateCodec.decode({
      id: 'j',
      status: 'FAILED',
      error: { error_type: 'ValueError', error_message: 'nope' },
      workerId: null,
      extra: [1],
    });
    expect(decoded).toEqual({
      _tag: 'Right',
      right: {
        id: 'j',
        status: 'FAILED',
        error: '{"error_type":"ValueError","error_message":"nope"}',
        workerId: undefined,
        extra: [1],
      },
    });
  });
});

describe('decoding responses', () => {
  let rx: TestScheduler;
  beforeEach(() => {
    rx = createTestScheduler();
  });

  const expectDecodeError = (body: unknown, lines: string[]) =>
    rx.run(({ cold, expectObservable }) => {
      const { endpoint } = fakeEndpoint(rx, () => cold('-r|', { r: json(body) }));
      expectObservable(endpoint.status('j1')).toBe('-#', undefined, new DecodeError(lines, info));
    });

  it('an unknown status is a DecodeError, never "still running"', () =>
    expectDecodeError({ id: 'j1', status: 'DONE' }, [
      'Invalid value "DONE" supplied to : JobState/0: { id: string, status: JobStatus }/status: JobStatus',
    ]));

  it('a missing id is a DecodeError', () =>
    expectDecodeError({ status: 'COMPLETED' }, [
      'Invalid value undefined supplied to : JobState/0: { id: string, status: JobStatus }/id: string',
    ]));

  it('wrong types are DecodeErrors, one line per mismatch', () =>
    expectDecodeError({ id: 7, status: 'COMPLETED', delayTime: 'soon' }, [
      'Invalid value 7 supplied to : JobState/0: { id: string, status: JobStatus }/id: string',
      'Invalid value "soon" supplied to : JobState/1: Partial<{ delayTime: number, executionTime: number, output: unknown, error: ErrorText, workerId: string, retries: number }>/delayTime: number',
    ]));

  it('values are cut to 80 characters in the message', () => {
    rx.run(({ cold, expectObservable }) => {
      const { endpoint } = fakeEndpoint(rx, () => cold('-r|', { r: json({ id: 'j1', status: 'x'.repeat(1000) }) }));
      expectObservable(endpoint.status('j1')).toBe(
        '-#',
        undefined,
        new DecodeError(
          [
            `Invalid value "${'x'.repeat(79)}… (922 more characters) supplied to : JobState/0: { id: string, status: JobStatus }/status: JobStatus`,
          ],
          info,
        ),
      );
    });
  });

  it('a non-JSON body is a DecodeError naming the content type', () => {
    rx.run(({ cold, expectObservable }) => {
      const { endpoint } = fakeEndpoint(rx, () =>
        cold('-r|', { r: text('<html>502 Bad Gateway</html>', 200, 'text/html') }),
      );
      expectObservable(endpoint.status('j1')).toBe(
        '-#',
        undefined,
        // The parser's error is kept as the cause.
        new DecodeError(
          ['response body is not JSON (text/html): "<html>502 Bad Gateway</html>"'],
          info,
          expect.any(SyntaxError),
        ),
      );
    });
  });

  it('a decode error is not retried', () => {
    rx.run(({ cold, flush }) => {
      const { fake, endpoint } = fakeEndpoint(rx, () => cold('-r|', { r: json({ nope: true }) }));
      endpoint.health().subscribe({ error: () => undefined });
      flush();
      expect(fake.requests).toHaveLength(1);
    });
  });

  it('codecs.output types the COMPLETED output; a mismatch is a DecodeError with the output path', () => {
    rx.run(({ cold, expectObservable }) => {
      const Image = t.type({ url: t.string }, 'Image');
      const good = { id: 'j1', status: 'COMPLETED', output: { url: 'https://x/y.png' } };
      const progress = { id: 'j1', status: 'IN_PROGRESS', output: { percent: 50 } };
      const bad = { id: 'j1', status: 'COMPLETED', output: { url: 42 } };
      const missing = { id: 'j1', status: 'COMPLETED' };
      const answers = [good, progress, bad, missing];
      const { endpoint } = fakeEndpoint(rx, (_req, n) => cold('-r|', { r: json(answers[n]) }), {
        codecs: { output: Image },
      });
      expectObservable(endpoint.status('j1')).toBe('-(a|)', { a: good });
      expectObservable(endpoint.status('j1')).toBe('-(a|)', { a: progress });
      expectObservable(endpoint.status('j1')).toBe(
        '-#',
        undefined,
        new DecodeError(['Invalid value 42 supplied to : JobState/output: Image/url: string']),
      );
      expectObservable(endpoint.status('j1')).toBe(
        '-#',
        undefined,
        new DecodeError(['Invalid value undefined supplied to : JobState/output: Image']),
      );
    });
  });

  it('health requires the documented counters', () => {
    rx.run(({ cold, expectObservable }) => {
      const { endpoint } = fakeEndpoint(rx, () =>
        cold('-r|', { r: json({ jobs: {}, workers: { idle: 0, running: 0 } }) }),
      );
      expectObservable(endpoint.health()).toBe(
        '-#',
        undefined,
        new DecodeError(
          ['completed', 'failed', 'inProgress', 'inQueue', 'retried'].map(
            (field) =>
              `Invalid value undefined supplied to : EndpointHealth/jobs: { completed: number, failed: number, inProgress: number, inQueue: number, retried: number }/${field}: number`,
          ),
          { method: 'GET', path: '/ep1/health' },
        ),
      );
    });
  });
});
