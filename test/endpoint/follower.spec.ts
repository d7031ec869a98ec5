import { NEVER, switchMap, take, type SchedulerAction, type SchedulerLike } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { TimeoutError, type JobState } from 'runpod-rx';
import { json } from 'runpod-rx/testing';
import { createFollower, type FollowerDeps } from '../../src/endpoint/follower';
import { createDeadlineBoard } from '../../src/internal/deadline-board';
import { createRateWindow } from '../../src/internal/rate-window';
import { maxInWindow } from '../../src/testing/peaks';
import { fakeEndpoint } from '../helpers/endpoint';
import { createTestScheduler } from '../helpers/test-scheduler';

const queued: JobState = { id: 'j1', status: 'IN_QUEUE' };
const completed: JobState = { id: 'j1', status: 'COMPLETED', output: 'done' };
const state = (id: string, status: JobState['status']): JobState => ({ id, status });
/** A status rate for a follower in these specs: `limit` tokens, each back `hold` ms after it was spent. */
interface Rate {
  readonly limit: number;
  readonly hold: number;
}

/**
 * The follower's reads behind a rate window of `rate`, as the endpoint's request path puts them:
 * each request spends a token of the window the follower sizes its requests from.
 */
function metered(
  answer: Pick<FollowerDeps<unknown>, 'status' | 'statusSync'>,
  rate: Rate | false,
  scheduler: SchedulerLike,
): Pick<FollowerDeps<unknown>, 'status' | 'statusSync' | 'rate'> {
  if (rate === false) return { ...answer, rate };
  const window = createRateWindow(rate.limit, rate.hold, scheduler);
  return {
    status: (id, deadlineAt) => window.acquire().pipe(switchMap(() => answer.status(id, deadlineAt))),
    statusSync: (id, wait, deadlineAt) =>
      window.acquire().pipe(switchMap(() => answer.statusSync(id, wait, deadlineAt))),
    rate: window,
  };
}

/** The follower's times in these specs: RunPod's long-poll wait and a 2 s contended hold. */
const TIMES = {
  polling: { initialInterval: 500, maxInterval: 5000 },
  longPollWait: 90_000,
  contendedWait: 2000,
} as const;

describe('the follower: one registry and one request loop per endpoint object', () => {
  let rx: TestScheduler;
  beforeEach(() => {
    rx = createTestScheduler();
  });

  /** A follower whose reads are logged in `calls` as `time route id wait`. */
  const logged = (
    answer: Pick<FollowerDeps<unknown>, 'status' | 'statusSync'>,
    slots: number,
    rate: Rate | false = false,
  ) => {
    const calls: string[] = [];
    const reads = metered(
      {
        status: (id, deadlineAt) => {
          calls.push(`${Math.round(rx.now())} status ${id}`);
          return answer.status(id, deadlineAt);
        },
        statusSync: (id, wait, deadlineAt) => {
          calls.push(`${Math.round(rx.now())} sync ${id} ${Math.round(wait)}`);
          return answer.statusSync(id, wait, deadlineAt);
        },
      },
      rate,
      rx,
    );
    const follower = createFollower<unknown>({ ...reads, ...TIMES, scheduler: rx, slots });
    return { calls, follower, window: reads.rate };
  };

  /** A logged follower of one slot whose `/status` answers `firstStatus` in 10 ms. */
  const oneSlot = (
    statusSync: FollowerDeps<unknown>['statusSync'],
    rate: Rate | false = false,
    firstStatus: JobState['status'] = 'COMPLETED',
  ) =>
    logged({ status: (id) => rx.createColdObservable('10ms r|', { r: state(id, firstStatus) }), statusSync }, 1, rate);

  it('picks new entries first, then IN_PROGRESS jobs, then the oldest queued one; holds briefly while others wait', () => {
    rx.run(({ cold, flush }) => {
      const { calls, follower } = oneSlot((id) => cold('10ms r|', { r: state(id, 'COMPLETED') }));
      const ended: string[] = [];
      const follow = (id: string, first?: JobState) =>
        follower.follow(id, first, Infinity).subscribe({ complete: () => ended.push(id) });
      follow('holder');
      follow('q1', state('q1', 'IN_QUEUE'));
      follow('q2', state('q2', 'IN_QUEUE'));
      follow('p', state('p', 'IN_PROGRESS'));
      follow('n');
      expect(follower.followed()).toBe(5);
      flush();
      expect(calls).toEqual([
        '0 status holder',
        '10 status n', // a new entry: its first state
        '20 sync p 2000', // IN_PROGRESS before the queue; q1 and q2 wait, so a short hold
        '30 sync q1 2000', // the queue's head before the younger q2
        '40 sync q2 90000', // nobody else waits: the full hold
      ]);
      expect(ended).toEqual(['holder', 'n', 'p', 'q1', 'q2']);
      expect(follower.followed()).toBe(0);
      expect(follower.inFlight()).toBe(0);
    });
  });

  it('jobs found running get their long-polls before new entries, within half the slots', () => {
    rx.run(({ cold, flush }) => {
      const { calls, follower } = logged(
        {
          status: (id) => cold('10ms r|', { r: state(id, id.startsWith('r') ? 'IN_PROGRESS' : 'IN_QUEUE') }),
          statusSync: (id) => cold('1000ms r|', { r: state(id, 'COMPLETED') }),
        },
        4,
        false,
      );
      for (const id of ['r1', 'r2', 'r3', 'n1', 'n2', 'n3']) follower.follow(id, undefined, Infinity).subscribe();
      flush();
      expect(calls.slice(0, 10)).toEqual([
        '0 status r1',
        '0 status r2',
        '0 status r3',
        '0 status n1',
        // r1 and r2 take half the slots (each held to give the 2 jobs waiting a turn within 2 s:
        // 2,000 × 4 slots / 2); r3 waits behind the first reads of n2 and n3.
        '10 sync r1 4000',
        '10 sync r2 4000',
        '10 status n2',
        '10 status n3',
        '20 sync r3 4000',
        '20 sync n1 4000',
      ]);
    });
  });

  it('one pick in ten goes to the job waiting longest, so a queued job is not starved by a running one', () => {
    rx.run(({ cold, flush }) => {
      // p stays IN_PROGRESS through every short hold and ends on its first full one; q ends at once.
      const { calls, follower } = oneSlot((id, wait) =>
        cold(`${Math.min(wait, 2000)}ms r|`, {
          r: state(id, id === 'p' && wait === 2000 ? 'IN_PROGRESS' : 'COMPLETED'),
        }),
      );
      follower.follow('holder', undefined, Infinity).subscribe();
      follower.follow('p', state('p', 'IN_PROGRESS'), Infinity).subscribe();
      follower.follow('q', state('q', 'IN_QUEUE'), Infinity).subscribe();
      flush();
      // Picks 2-9 go to the running p; pick 10 sweeps up q, which has waited since the start.
      expect(calls).toEqual([
        '0 status holder',
        ...Array.from({ length: 8 }, (_, i) => `${10 + 2000 * i} sync p 2000`),
        '16010 sync q 2000',
        '18010 sync p 90000',
      ]);
    });
  });

  it('a job arriving while every slot holds long gets one after the hold time: the long-poll is stopped and sent again', () => {
    rx.run(({ cold, flush }) => {
      const { calls, follower } = oneSlot((id) => cold('5000ms r|', { r: state(id, 'COMPLETED') }));
      const ended: string[] = [];
      follower
        .follow('p', state('p', 'IN_PROGRESS'), Infinity)
        .subscribe({ complete: () => ended.push(`p@${rx.now()}`) });
      cold('100ms x').subscribe(() =>
        follower.follow('n', undefined, Infinity).subscribe({ complete: () => ended.push(`n@${rx.now()}`) }),
      );
      flush();
      expect(calls).toEqual(['0 sync p 90000', '2100 status n', '2110 sync p 90000']);
      expect(ended).toEqual(['n@2110', 'p@7110']);
    });
  });

  it('holds every long-poll to the end of its job while the free tokens are no more than the followed jobs', () => {
    rx.run(({ cold, flush }) => {
      // 4 requests per 10 s; the first reads of a and b leave 2 tokens for 2 jobs: none to spare.
      const { calls, follower } = oneSlot(
        (id) => cold(`${id === 'a' ? 5000 : 3000}ms r|`, { r: state(id, 'COMPLETED') }),
        { limit: 4, hold: 10_300 },
        'IN_QUEUE',
      );
      const ended: string[] = [];
      for (const id of ['a', 'b'])
        follower.follow(id, undefined, Infinity).subscribe({ complete: () => ended.push(id) });
      flush();
      // Without the rate, a's hold would end at 2,000 ms (b waits) and cost a third long-poll.
      expect(calls).toEqual(['0 status a', '10 status b', '20 sync a 90000', '5020 sync b 90000']);
      expect(ended).toEqual(['a', 'b']);
    });
  });

  it('with more running jobs than slots, sizes contended holds to spread the free tokens until the oldest comes back', () => {
    rx.run(({ cold, flush }) => {
      // 6 requests per 10 s (a first read and an end for each job), one slot; every long-poll ends
      // at its hold; p3, and any sent from 10 s on, COMPLETED.
      const { calls, follower } = oneSlot(
        (id, wait) =>
          cold(`${wait}ms r|`, { r: state(id, id === 'p3' || rx.now() >= 10_000 ? 'COMPLETED' : 'IN_PROGRESS') }),
        { limit: 6, hold: 10_300 },
        'IN_PROGRESS',
      );
      for (const id of ['p1', 'p2', 'p3']) follower.follow(id, undefined, Infinity).subscribe();
      flush();
      expect(calls.slice(0, 6)).toEqual([
        '0 status p1',
        '10 status p2',
        '20 status p3',
        // 3 tokens free, the oldest back at 10,300 (each token is held 10,300 ms here): 1 slot ×
        // 10,270 ms / 3.
        '30 sync p1 3423',
        // 2 tokens free, the oldest back at 10,300: 1 × 6,847 / 2.
        '3453 sync p2 3423',
        // 1 token free, the oldest back at 10,300: 1 × 3,423 / 1.
        '6877 sync p3 3423',
      ]);
      // At 10,300 the first reads' tokens come back: holds fall to the contended 2,000 ms.
      expect(calls[6]).toBe('10300 sync p1 2000');
    });
  });

  it('a hold spreads only the tokens the first reads still due leave over', () => {
    rx.run(({ cold, flush }) => {
      const { calls, follower } = logged(
        {
          status: (id) => cold('10ms r|', { r: state(id, 'IN_PROGRESS') }),
          statusSync: (id, wait) => {
            return cold(`${wait}ms r|`, { r: state(id, 'COMPLETED') });
          },
        },
        2,
        { limit: 10, hold: 10_300 },
      );
      for (const id of ['n1', 'n2', 'n3', 'n4']) follower.follow(id, undefined, Infinity).subscribe();
      flush();
      expect(calls.slice(0, 6)).toEqual([
        '0 status n1',
        '0 status n2',
        // 8 tokens free, 2 of them due to the first reads of n3 and n4: 2 slots × 10,290 ms / 6
        // (the oldest token is back at 10,300), where all 8 would give 2,573.
        '10 sync n1 3430',
        '10 status n3',
        '20 status n4',
        // No first read due any more: the 5 tokens free are all spare, 2 × 10,270 / 5.
        '30 sync n2 4108',
      ]);
    });
  });

  it('a hand-over waits for a free token: cutting a hold without one would only queue the new request', () => {
    rx.run(({ cold, flush }) => {
      // 1 request per 10 s, one slot, two running jobs: the slot cannot cover both, so holds rotate.
      const { calls, follower } = oneSlot(
        (id, wait) => cold(`${Math.min(wait, 30_000)}ms r|`, { r: state(id, 'COMPLETED') }),
        { limit: 1, hold: 10_300 },
      );
      follower.follow('p1', state('p1', 'IN_PROGRESS'), Infinity).subscribe();
      cold('100ms x').subscribe(() => follower.follow('p2', state('p2', 'IN_PROGRESS'), Infinity).subscribe());
      flush();
      // p1 holds long (nobody waited); p2 waits from 100 ms, but the token of 0 is back only at
      // 10,300 (the token's hold): the hand-over due at 2,100 cuts nothing and looks again then.
      expect(calls.slice(0, 2)).toEqual(['0 sync p1 90000', '10300 sync p2 2000']);
    });
  });

  it('starts a request only while a token is free, even with slots free: the pick waits for the token', () => {
    rx.run(({ cold, flush }) => {
      const { calls, follower } = logged(
        {
          status: (id) => cold('10ms r|', { r: state(id, 'IN_QUEUE') }),
          statusSync: (id) => cold('10ms r|', { r: state(id, 'COMPLETED') }),
        },
        3,
        { limit: 2, hold: 10_300 },
      );
      for (const id of ['a', 'b', 'c']) follower.follow(id, undefined, Infinity).subscribe();
      flush();
      // 2 tokens, each held 10,300 ms: c's first read waits for the tokens of 0. When
      // they come back, a and b (found queued, registered first: the queue's head) go first, and
      // c's first read waits for the tokens of 10,300.
      expect(calls).toEqual([
        '0 status a',
        '0 status b',
        '10300 sync a 90000',
        '10300 sync b 90000',
        '20600 status c',
        '20610 sync c 90000',
      ]);
      expect(follower.followed()).toBe(0);
    });
  });

  it("in the queue's order, with the budget short, a job found running goes before the queued ones", () => {
    rx.run(({ cold, flush }) => {
      // One slot, 2 tokens per 10 s; every long-poll ends its job in 100 ms.
      const { calls, follower } = oneSlot((id) => cold('100ms r|', { r: state(id, 'COMPLETED') }), {
        limit: 2,
        hold: 10_300,
      });
      follower.follow('a', state('a', 'IN_QUEUE'), Infinity).subscribe();
      rx.schedule(() => {
        // p, registered before q, runs: in a FIFO queue it is ahead of q, and ends first.
        follower.follow('p', state('p', 'IN_PROGRESS'), Infinity).subscribe();
        follower.follow('q', state('q', 'IN_QUEUE'), Infinity).subscribe();
      }, 1);
      flush();
      // When a's slot frees, 1 token is left for 2 jobs: the budget is short. p gets it, not q.
      expect(calls).toEqual(['0 sync a 90000', '100 sync p 90000', '10300 sync q 90000']);
    });
  });

  it("counts the tokens the endpoint's other requests spend: it starts none that would only wait for one", () => {
    rx.run(({ cold, flush }) => {
      const { calls, follower, window } = logged(
        {
          status: (id) => cold('10ms r|', { r: state(id, 'IN_PROGRESS') }),
          statusSync: (id) => cold('10ms r|', { r: state(id, 'COMPLETED') }),
        },
        2,
        { limit: 2, hold: 1000 },
      );
      // Two plain `status` calls spend the window at 0 (as the endpoint's request path would).
      if (window === false) throw new Error('the spec needs a rate');
      window.acquire().subscribe();
      window.acquire().subscribe();
      follower.follow('a', undefined, Infinity).subscribe();
      flush();
      // Its slots are free, but a's first read goes only when those tokens come back.
      expect(calls).toEqual(['1000 status a', '1010 sync a 90000']);
    });
  });

  it("sends a long-poll as a job's first request once the free tokens cannot pay a first read and an end for every job", () => {
    rx.run(({ cold, flush }) => {
      const seen: string[] = [];
      const { calls, follower } = logged(
        {
          status: (id) => cold('10ms r|', { r: state(id, rx.now() < 1000 ? 'IN_QUEUE' : 'COMPLETED') }),
          // Every job ends at 1,000 ms.
          statusSync: (id, wait) => {
            const left = 1000 - rx.now();
            return left <= wait
              ? cold(`${Math.max(0, left)}ms r|`, { r: state(id, 'COMPLETED') })
              : cold(`${wait}ms r|`, { r: state(id, 'IN_QUEUE') });
          },
        },
        3,
        { limit: 2, hold: 10_300 },
      );
      const follow = (id: string, first?: JobState) =>
        follower.follow(id, first, Infinity).subscribe((s) => seen.push(`${rx.now()} ${s.id} ${s.status}`));
      // a comes with its state (as from `submit`'s /run answer): there is a queue.
      follow('a', state('a', 'IN_QUEUE'));
      follow('b');
      follow('c');
      flush();
      // a: 2 tokens pay its long-poll, held to its end. b: 1 token cannot pay b's and c's first
      // reads and the ends of all three, so its first request is a long-poll, held as long as the
      // queue's head's (4 turns of 2,000 ms). c waits for the token of 0 (back at 10,300); alone
      // by then, it gets its first read.
      expect(calls).toEqual(['0 sync a 90000', '0 sync b 8000', '10300 status c']);
      // One request each; b's first state is its end.
      expect(seen).toEqual(['0 a IN_QUEUE', '1000 a COMPLETED', '1000 b COMPLETED', '10310 c COMPLETED']);
    });
  });

  it('sends first reads again once fewer than half the long-polls for jobs not seen running see their end within the hold', () => {
    rx.run(({ cold, flush }) => {
      // One slot, few tokens: every first request is a long-poll. The `end` jobs end 500 ms into
      // it; the `stuck` ones stay queued until 20 s, and are left after their first state.
      const { calls, follower } = oneSlot(
        (id, wait) =>
          id.startsWith('end') || rx.now() >= 20_000
            ? cold('500ms r|', { r: state(id, 'COMPLETED') })
            : cold(`${wait}ms r|`, { r: state(id, 'IN_QUEUE') }),
        { limit: 7, hold: 103_000 },
        'IN_QUEUE',
      );
      for (const id of ['end1', 'end2', 'stuck1', 'stuck2', 'stuck3', 'end3'])
        follower.follow(id, undefined, Infinity).pipe(take(1)).subscribe();
      flush();
      expect(calls.slice(0, 6)).toEqual([
        '0 status end1', // alone when it came: 7 tokens pay its first read and its end; queued
        '10 sync end2 8000', // no long-poll has answered yet: the jobs are taken to come in order
        '510 sync stuck1 8000', // 1 of 1 saw its end
        '8510 sync stuck2 8000', // 1 of 2, halved every 2 answers (2 × the slots): still half
        '16510 status stuck3', // 0.5 of 2: fewer than half, the order is not the queue's
        '16520 status end3',
      ]);
    });
  });

  it('goes on when a timer fires before the clock shows its due time (Node: a millisecond early)', () => {
    // Timers fire on time but the first clock reading in each is 1 ms behind, as `Date.now()` can
    // be when Node runs a timer: a token due back at t still looks spent at the first reading.
    let lag = 0;
    const lagging: SchedulerLike = {
      now: () => {
        const now = rx.now() - lag;
        lag = 0;
        return now;
      },
      schedule: (work, delay, state) =>
        rx.schedule(
          function (this: SchedulerAction<unknown>, value?: unknown) {
            lag = 1;
            work.call(this, value as never);
          },
          delay,
          state,
        ),
    };
    rx.run(({ cold, flush }) => {
      const follower = createFollower<unknown>({
        ...metered(
          {
            status: (id) => cold('5ms r|', { r: state(id, 'IN_PROGRESS') }),
            statusSync: (id) => cold('5ms r|', { r: state(id, 'COMPLETED') }),
          },
          { limit: 2, hold: 100 },
          lagging,
        ),
        ...TIMES,
        scheduler: lagging,
        slots: 2,
      });
      const ended: string[] = [];
      for (const id of ['a', 'b', 'c', 'd', 'e', 'f']) {
        follower.follow(id, undefined, Infinity).subscribe({ complete: () => ended.push(id) });
      }
      flush();
      // 12 requests at 2 per window: every job ends, none is left waiting for a wake-up that never comes
      expect(ended.sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
      expect(follower.followed()).toBe(0);
    });
  });

  it('two subscribers of one job share its requests, a late one gets the known state at once', () => {
    rx.run(({ cold, expectObservable, flush }) => {
      const { fake, endpoint } = fakeEndpoint(rx, (req) =>
        req.route === 'status' ? cold('-r|', { r: json(queued) }) : cold('---r|', { r: json(completed) }),
      );
      expectObservable(endpoint.watch('j1')).toBe('-a--(b|)', { a: queued, b: completed });
      expectObservable(endpoint.watch('j1')).toBe('-a--(b|)', { a: queued, b: completed });
      expectObservable(endpoint.watch('j1'), '--^').toBe('--a-(b|)', { a: queued, b: completed });
      flush();
      expect(fake.requests.map((r) => `${r.at} ${r.path}`)).toEqual([
        '0 /ep1/status/j1',
        '1 /ep1/status-sync/j1?wait=90000',
      ]);
      fake.verify();
    });
  });

  it('starts the requests of jobs subscribed in one loop once the loop has run, and spends their tokens then', () => {
    rx.run(({ cold, flush }) => {
      const done = (id: string) => cold('10ms r|', { r: state(id, 'COMPLETED') });
      const { calls, follower, window } = logged({ status: done, statusSync: done }, 2, { limit: 10, hold: 1000 });
      if (window === false) throw new Error('the spec needs a rate');
      for (const id of ['a', 'b', 'c']) follower.follow(id, undefined, Infinity).subscribe();
      // While the loop runs, nothing is sent and no token is spent: a server counts a request when
      // it arrives, and these would arrive only after the loop.
      expect(calls).toEqual([]);
      expect(window.used()).toBe(0);
      flush();
      expect(calls).toEqual(['0 status a', '0 status b', '10 status c']);
    });
  });

  it('sends nothing for a subscription that leaves in the moment it came, and leaves no action behind', () => {
    rx.run(({ cold, flush }) => {
      const done = (id: string) => cold('10ms r|', { r: state(id, 'COMPLETED') });
      const { calls, follower } = logged({ status: done, statusSync: done }, 2);
      follower.follow('a', undefined, Infinity).subscribe().unsubscribe();
      expect(rx.actions).toHaveLength(0);
      flush();
      expect(calls).toEqual([]);
      expect(follower.followed()).toBe(0);
    });
  });

  it("bounds a job's long-polls by the latest deadline of the subscribers still there", () => {
    rx.run(({ cold, flush }) => {
      const { calls, follower } = oneSlot((id) => cold('1000ms r|', { r: state(id, 'IN_QUEUE') }));
      const follow = (deadlineAt: number, first?: JobState) => follower.follow('j', first, deadlineAt).subscribe();
      const early = follow(5000, state('j', 'IN_QUEUE'));
      const late = follow(60_000);
      const middle = follow(30_000);
      rx.schedule(() => late.unsubscribe(), 1500);
      rx.schedule(() => middle.unsubscribe(), 2500);
      rx.schedule(() => early.unsubscribe(), 3500);
      flush();
      expect(calls).toEqual([
        '0 sync j 60000', // sent once the subscribers of that moment have joined
        '1000 sync j 59000',
        '2000 sync j 28000', // the latest left
        '3000 sync j 2000', // one subscriber left
      ]);
      expect(follower.followed()).toBe(0);
      expect(follower.inFlight()).toBe(0);
    });
  });

  it('one subscriber leaving keeps the shared request', () => {
    rx.run(({ cold, expectObservable, flush }) => {
      const { fake, endpoint } = fakeEndpoint(rx, (req) =>
        req.route === 'status' ? cold('-r|', { r: json(queued) }) : cold('9ms r|', { r: json(completed) }),
      );
      expectObservable(endpoint.watch('j1'), '^-!').toBe('-a', { a: queued });
      expectObservable(endpoint.watch('j1')).toBe('-a 8ms (b|)', { a: queued, b: completed });
      flush();
      expect(fake.expectOne('GET /ep1/status-sync/j1').state).toBe('answered');
    });
  });

  it('the last subscriber leaving aborts the shared request', () => {
    rx.run(({ cold, expectObservable, flush }) => {
      const { fake, endpoint } = fakeEndpoint(rx, (req) =>
        req.route === 'status' ? cold('-r|', { r: json(queued) }) : cold('9ms r|', { r: json(completed) }),
      );
      expectObservable(endpoint.watch('j1'), '^-!').toBe('-a', { a: queued });
      expectObservable(endpoint.watch('j1'), '^--!').toBe('-a', { a: queued });
      flush();
      const longPoll = fake.expectOne('GET /ep1/status-sync/j1');
      expect(longPoll.state).toBe('cancelled');
      expect(longPoll.endedAt).toBe(3);
      fake.verify();
    });
  });

  it('shares the status group budget, slots and rate, between followed jobs and plain status calls', () => {
    rx.run(({ cold, flush }) => {
      const { fake, endpoint } = fakeEndpoint(
        rx,
        (req) => {
          const id = req.path.split('/')[3].split('?')[0];
          if (req.route === 'status') return cold('10ms r|', { r: json(state(id, 'IN_QUEUE')) });
          return cold('300ms r|', { r: json(state(id, 'COMPLETED')) });
        },
        { concurrency: { status: 2 }, statusRateLimit: { limit: 4, window: 1000 } },
      );
      const ended: string[] = [];
      for (const id of ['a', 'b', 'c', 'd', 'e']) endpoint.watch(id).subscribe({ complete: () => ended.push(id) });
      endpoint.status('x').subscribe({ complete: () => ended.push('x') });
      flush();
      expect(ended.sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'x']);
      // a and b get a first read, x its status; then the free tokens no longer pay for a first
      // read and an end for every job: c, d and e get a long-poll as their first request (held
      // long, capped by the endpoint while others wait), which sees their end, and so do a and b.
      expect(fake.requests.map((r) => `${r.route} ${r.path.split('/')[3]}`).sort()).toEqual([
        'status a',
        'status b',
        'status x',
        'status-sync a?wait=90000',
        'status-sync b?wait=90000',
        'status-sync c?wait=2000',
        'status-sync d?wait=2000',
        'status-sync e?wait=2000',
      ]);
      expect(fake.maxInFlight()).toBe(2);
      // 4 per 1,000 ms window (plus the 2 % margin the client keeps): never a fifth.
      expect(
        maxInWindow(
          fake.requests.map((r) => r.at),
          1020,
        ),
      ).toBe(4);
    });
  });
  it("keeps RunPod's status rate by default: the 2,001st status-group request within 10 s waits for the window", () => {
    rx.run(({ cold, flush }) => {
      const { fake, endpoint } = fakeEndpoint(rx, () => cold('1ms r|', { r: json(completed) }), {
        concurrency: false,
      });
      for (let i = 0; i < 2001; i++) endpoint.status('j1').subscribe();
      flush();
      const starts = fake.requests.map((r) => r.at);
      expect(starts.filter((at) => at === 0)).toHaveLength(2000);
      // The window plus the 2 % margin the client keeps for requests that arrive late.
      expect(starts[2000]).toBe(10_200);
    });
  });
});

describe('the deadline board: every deadline on one timer', () => {
  it('errors each subscription at its own deadline, with at most one timer pending at any time', () => {
    const rx = createTestScheduler();
    let pending = 0;
    let mostPending = 0;
    type Work = (this: SchedulerAction<unknown>, state?: unknown) => void;
    const schedule = (work: Work, delay?: number, value?: unknown) => {
      let open = true;
      const close = () => {
        if (open) pending--;
        open = false;
      };
      pending++;
      mostPending = Math.max(mostPending, pending);
      const action = rx.schedule(
        function (this: SchedulerAction<unknown>, arg?: unknown) {
          close();
          work.call(this, arg);
        },
        delay,
        value,
      );
      action.add(close);
      return action;
    };
    const counted: SchedulerLike = { now: () => rx.now(), schedule: schedule as SchedulerLike['schedule'] };
    rx.run(({ cold, expectObservable }) => {
      const board = createDeadlineBoard(counted);
      const within = (ms: number, id: string) =>
        NEVER.pipe(board.within(ms, () => new TimeoutError(`job not finished within ${ms} ms`, id)));
      const error = (ms: number, id: string) => new TimeoutError(`job not finished within ${ms} ms`, id);
      expectObservable(within(3000, 'c')).toBe('3000ms #', undefined, error(3000, 'c'));
      expectObservable(within(1000, 'a')).toBe('1000ms #', undefined, error(1000, 'a'));
      expectObservable(within(2000, 'b'), '^ 1499ms !').toBe('');
      expectObservable(within(1000, 'a2')).toBe('1000ms #', undefined, error(1000, 'a2'));
      expectObservable(within(Infinity, 'never'), '^ 9999ms !').toBe('');
      // Subscribed at 500 ms, so due at 2,500 ms, between the others.
      expectObservable(cold('500ms x').pipe(switchMap(() => within(2000, 'late')))).toBe(
        '2500ms #',
        undefined,
        error(2000, 'late'),
      );
    });
    expect(mostPending).toBe(1);
    expect(pending).toBe(0);
  });
});
