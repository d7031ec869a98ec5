import {
  connect,
  ignoreElements,
  map,
  merge,
  reduce,
  switchMap,
  take,
  type Observable,
  type SchedulerLike,
} from 'rxjs';
import { JobFailedError, TimeoutError, type Endpoint } from 'runpod-rx';
import { retryOnThrottle } from 'runpod-rx/operators';
import { createFakeEndpoint, createTestScheduler, endlessJob, streamingJob } from 'runpod-rx/testing';

// ---- your code -------------------------------------------------------------------------------

export interface GenerateOptions {
  /** Overall deadline in ms: past it, `TimeoutError` and the job is cancelled. */
  readonly deadline: number;
  /** Clock of the retry delays; tests pass their TestScheduler. */
  readonly scheduler?: SchedulerLike;
}

/**
 * Submits a prompt and emits the generated text chunk by chunk. Unsubscribing, or the deadline
 * passing, cancels the job; a job that fails errors after its last chunk.
 */
export function generate(
  endpoint: Endpoint<{ prompt: string }, string[], string>,
  prompt: string,
  { deadline, scheduler }: GenerateOptions,
): Observable<string> {
  return endpoint.submit({ input: { prompt } }, { timeout: deadline }).pipe(
    connect((states$) =>
      states$.pipe(
        take(1), // the /run answer: the job exists and has an id
        switchMap(({ id }) =>
          merge(
            endpoint.stream(id).pipe(
              // more patience than the client's 3 built-in retries of each read
              retryOnThrottle({ count: 5, scheduler }),
              map((chunk) => chunk.output),
            ),
            // keeps submit subscribed: it owns the job (deadline, cancel on unsubscribe)
            states$.pipe(ignoreElements()),
          ),
        ),
      ),
    ),
  );
}

// ---- its tests -------------------------------------------------------------------------------

describe('generate', () => {
  let rx: ReturnType<typeof createTestScheduler>;
  beforeEach(() => {
    rx = createTestScheduler(); // class-aware deep equality, any test framework
  });

  it('streams the chunks as the job produces them, then completes', () => {
    rx.run(({ expectObservable, expectSubscriptions, flush }) => {
      const fake = createFakeEndpoint<{ prompt: string }, string[], string>({
        scheduler: rx,
        jobs: streamingJob({ id: 'j1', chunks: ['Hel', 'lo', '!'] }), // a chunk at 200, 300, 400 ms
      });
      expectObservable(generate(fake.endpoint, 'hi', { deadline: 60_000, scheduler: rx })).toBe(
        '201ms a 99ms b 99ms c|',
        { a: 'Hel', b: 'lo', c: '!' },
      );
      expectSubscriptions(fake.subscriptions('GET /ep/status-sync/j1')).toBe('-^ 399ms !');
      flush();
      expect(fake.expectOne('POST /ep/run').body).toEqual({ input: { prompt: 'hi' } });
      fake.expectNone('POST /ep/cancel/*');
      fake.verify();
    });
  });

  it('rides out a burst of 429s on /stream, waiting what Retry-After asks', () => {
    rx.run(({ expectObservable, expectSubscriptions, flush }) => {
      const fake = createFakeEndpoint<{ prompt: string }, string[], string>({
        scheduler: rx,
        jobs: streamingJob({ id: 'j1', chunks: ['Hel', 'lo', '!'] }),
        throttle: { route: 'stream', times: 4, retryAfter: 1 }, // one more than the client retries
      });
      const text$ = generate(fake.endpoint, 'hi', { deadline: 60_000, scheduler: rx }).pipe(
        reduce((text, chunk) => text + chunk, ''),
      );
      expectObservable(text$).toBe('4007ms (t|)', { t: 'Hello!' });
      expectSubscriptions(fake.subscriptions('GET /ep/stream/j1')).toBe([
        '-^!', //        429
        '1002ms ^!', //  429, client retry 1
        '2003ms ^!', //  429, client retry 2
        '3004ms ^!', //  429, client retry 3: the client gives up
        '4005ms ^!', //  retryOnThrottle, 1 s later: all three chunks
        '4006ms ^!', //  the job is over and drained
      ]);
      flush();
      fake.expectNone('POST /ep/cancel/*');
    });
  });

  it('cancels the job when the subscriber leaves', () => {
    rx.run(({ expectObservable, expectSubscriptions, flush }) => {
      const fake = createFakeEndpoint<{ prompt: string }, string[], string>({
        scheduler: rx,
        jobs: streamingJob({ id: 'j1', chunks: ['Hel', 'lo', '!'] }),
      });
      expectObservable(generate(fake.endpoint, 'hi', { deadline: 60_000, scheduler: rx }), '^ 250ms !').toBe(
        '201ms a',
        { a: 'Hel' },
      );
      expectSubscriptions(fake.subscriptions('POST /ep/cancel/j1')).toBe('251ms ^!');
      flush();
      expect(fake.stateOf('j1')?.status).toBe('CANCELLED');
      fake.verify(); // nothing left open: the long-poll was aborted; the stream read, left to finish so
      // that its chunks are kept for a later stream(id), answered when the job was cancelled
    });
  });

  it('errors with TimeoutError at the deadline and cancels the job', () => {
    rx.run(({ expectObservable, expectSubscriptions, flush }) => {
      const fake = createFakeEndpoint<{ prompt: string }, string[], string>({
        scheduler: rx,
        jobs: endlessJob({ id: 'j1' }),
      });
      expectObservable(generate(fake.endpoint, 'hi', { deadline: 5000, scheduler: rx })).toBe(
        '5s #',
        undefined,
        new TimeoutError('job not finished within 5000 ms', 'j1'),
      );
      expectSubscriptions(fake.subscriptions('POST /ep/cancel/j1')).toBe('5s ^!');
      flush();
      expect(fake.stateOf('j1')?.status).toBe('CANCELLED');
    });
  });

  it('delivers every chunk of a failed job, then its JobFailedError', () => {
    rx.run(({ expectObservable, expectSubscriptions }) => {
      const fake = createFakeEndpoint<{ prompt: string }, string[], string>({
        scheduler: rx,
        jobs: streamingJob({ id: 'j1', chunks: ['Hel', 'lo'], end: 'FAILED', error: 'out of memory' }),
      });
      expectObservable(generate(fake.endpoint, 'hi', { deadline: 60_000, scheduler: rx })).toBe(
        '201ms a 99ms b-#',
        { a: 'Hel', b: 'lo' },
        // the whole failed state: errors compare by class, message and every field
        new JobFailedError({ id: 'j1', status: 'FAILED', error: 'out of memory', delayTime: 100, executionTime: 200 }),
      );
      expectSubscriptions(fake.subscriptions('GET /ep/status/j1')).toBe('302ms ^!');
    });
  });
});

// ---- not part of docs/testing.md: keeps that page and this file in sync -----------------------

describe('docs/testing.md', () => {
  it('shows this file, verbatim, as its complete example', () => {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { readFileSync } = require('node:fs') as typeof import('node:fs');
    const { join } = require('node:path') as typeof import('node:path');
    const page = readFileSync(join(__dirname, '../../docs/testing.md'), 'utf8');
    const marker = '<!-- This block is test/docs/testing-example.spec.ts, verbatim';
    const start = page.indexOf('```ts\n', page.indexOf(marker)) + '```ts\n'.length;
    const block = page.slice(start, page.indexOf('```\n', start));
    const self = readFileSync(__filename, 'utf8');
    const example = self.slice(0, self.indexOf('\n// ---- not part of docs/testing.md'));
    expect(page.indexOf(marker)).toBeGreaterThan(-1);
    expect(block).toBe(example);
  });
});
