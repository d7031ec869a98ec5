import { NEVER, switchMap, type SchedulerAction, type SchedulerLike } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { TimeoutError, type JobState } from 'runpod-rx';
import { json } from 'runpod-rx/testing';
import { createFollower, type FollowerDeps } from '../../src/endpoint/follower';
import { createDeadlineBoard } from '../../src/internal/deadline-board';
import { maxInWindow } from '../../src/testing/peaks';
import { fakeEndpoint } from '../helpers/endpoint';
import { createTestScheduler } from '../helpers/test-scheduler';

const queued: JobState = { id: 'j1', status: 'IN_QUEUE' };
const completed: JobState = { id: 'j1', status: 'COMPLETED', output: 'done' };
const state = (id: string, status: JobState['status']): JobState => ({ id, status });

describe('the follower: one registry and one request loop per endpoint object', () => {
  let rx: TestScheduler;
  beforeEach(() => {
    rx = createTestScheduler();
  });

  /** A follower of one slot whose reads are logged as `time route id wait`. */
  const oneSlot = (
    answer: FollowerDeps<unknown>['statusSync'],
    rate: FollowerDeps<unknown>['rate'] = false,
    firstStatus: JobState['status'] = 'COMPLETED',
  ) => {
    const calls: string[] = [];
    const follower = createFollower<unknown>({
      status: (id) => {
        calls.push(`${rx.now()} status ${id}`);
        return rx.createColdObservable('10ms r|', { r: state(id, firstStatus) });
      },
      statusSync: (id, wait, deadlineAt) => {
        calls.push(`${rx.now()} sync ${id} ${wait}`);
        return answer(id, wait, deadlineAt);
      },
      scheduler: rx,
      polling: { initialInterval: 500, maxInterval: 5000 },
      longPollWait: 90_000,
      slots: 1,
      contendedWait: 2000,
      rate,
    });
    return { calls, follower };
  };

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
      const calls: string[] = [];
      const follower = createFollower<unknown>({
        status: (id) => {
          calls.push(`${rx.now()} status ${id}`);
          return cold('10ms r|', { r: state(id, id.startsWith('r') ? 'IN_PROGRESS' : 'IN_QUEUE') });
        },
        statusSync: (id, wait) => {
          calls.push(`${rx.now()} sync ${id} ${wait}`);
          return cold('1000ms r|', { r: state(id, 'COMPLETED') });
        },
        scheduler: rx,
        polling: { initialInterval: 500, maxInterval: 5000 },
        longPollWait: 90_000,
        slots: 4,
        contendedWait: 2000,
        rate: false,
      });
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
        { limit: 4, window: 10_000 },
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
      // 5 requests per 10 s, one slot; every long-poll ends at its hold; p3, and any sent from 10 s on, COMPLETED.
      const { calls, follower } = oneSlot(
        (id, wait) =>
          cold(`${wait}ms r|`, { r: state(id, id === 'p3' || rx.now() >= 10_000 ? 'COMPLETED' : 'IN_PROGRESS') }),
        { limit: 5, window: 10_000 },
        'IN_PROGRESS',
      );
      for (const id of ['p1', 'p2', 'p3']) follower.follow(id, undefined, Infinity).subscribe();
      flush();
      expect(calls.slice(0, 5)).toEqual([
        '0 status p1',
        '10 status p2',
        '20 status p3',
        // 2 tokens free, the oldest back at 10,300 (the follower counts a token 3 % longer than
        // the window, for requests in transit): 1 slot × 10,270 ms / 2.
        '30 sync p1 5135',
        // 1 token free, the oldest back at 10,300: 1 × 5,135 / 1.
        '5165 sync p2 5135',
      ]);
      // At 10,300 the first reads' tokens come back: holds fall to the contended 2,000 ms.
      expect(calls[5]).toBe('10300 sync p3 2000');
    });
  });

  it('a hold spreads only the tokens the first reads still due leave over', () => {
    rx.run(({ cold, flush }) => {
      const calls: string[] = [];
      const follower = createFollower<unknown>({
        status: (id) => {
          calls.push(`${rx.now()} status ${id}`);
          return cold('10ms r|', { r: state(id, 'IN_PROGRESS') });
        },
        statusSync: (id, wait) => {
          calls.push(`${rx.now()} sync ${id} ${Math.round(wait)}`);
          return cold(`${wait}ms r|`, { r: state(id, 'COMPLETED') });
        },
        scheduler: rx,
        polling: { initialInterval: 500, maxInterval: 5000 },
        longPollWait: 90_000,
        slots: 2,
        contendedWait: 2000,
        rate: { limit: 8, window: 10_000 },
      });
      for (const id of ['n1', 'n2', 'n3', 'n4']) follower.follow(id, undefined, Infinity).subscribe();
      flush();
      expect(calls.slice(0, 6)).toEqual([
        '0 status n1',
        '0 status n2',
        // 6 tokens free, 2 of them due to the first reads of n3 and n4: 2 slots × 10,290 ms / 4
        // (the oldest token is back at 10,300), where all 6 would give 3,430.
        '10 sync n1 5145',
        '10 status n3',
        '20 status n4',
        // No first read due any more: the 3 tokens free are all spare, 2 × 10,270 / 3.
        '30 sync n2 6847',
      ]);
    });
  });

  it('a hand-over waits for a free token: cutting a hold without one would only queue the new request', () => {
    rx.run(({ cold, flush }) => {
      // 1 request per 10 s, one slot, two running jobs: the slot cannot cover both, so holds rotate.
      const { calls, follower } = oneSlot(
        (id, wait) => cold(`${Math.min(wait, 30_000)}ms r|`, { r: state(id, 'COMPLETED') }),
        {
          limit: 1,
          window: 10_000,
        },
      );
      follower.follow('p1', state('p1', 'IN_PROGRESS'), Infinity).subscribe();
      cold('100ms x').subscribe(() => follower.follow('p2', state('p2', 'IN_PROGRESS'), Infinity).subscribe());
      flush();
      // p1 holds long (nobody waited); p2 waits from 100 ms, but the token of 0 is back only at
      // 10,300 (the window + 3 %): the hand-over due at 2,100 cuts nothing and looks again then.
      expect(calls.slice(0, 2)).toEqual(['0 sync p1 90000', '10300 sync p2 2000']);
    });
  });

  it('starts a request only while a token is free, even with slots free: the pick waits for the token', () => {
    rx.run(({ cold, flush }) => {
      const calls: string[] = [];
      const follower = createFollower<unknown>({
        status: (id) => {
          calls.push(`${rx.now()} status ${id}`);
          return cold('10ms r|', { r: state(id, 'IN_QUEUE') });
        },
        statusSync: (id, wait) => {
          calls.push(`${rx.now()} sync ${id} ${wait}`);
          return cold('10ms r|', { r: state(id, 'COMPLETED') });
        },
        scheduler: rx,
        polling: { initialInterval: 500, maxInterval: 5000 },
        longPollWait: 90_000,
        slots: 3,
        contendedWait: 2000,
        rate: { limit: 2, window: 10_000 },
      });
      for (const id of ['a', 'b', 'c']) follower.follow(id, undefined, Infinity).subscribe();
      flush();
      // 2 tokens per 10 s, each counted 10,300 ms: c's first read waits for the tokens of 0, and
      // then goes first (a new entry); b and c get theirs when the tokens of 10,300 come back.
      expect(calls).toEqual([
        '0 status a',
        '0 status b',
        '10300 status c',
        '10300 sync a 90000',
        '20600 sync b 90000',
        '20600 sync c 90000',
      ]);
      expect(follower.followed()).toBe(0);
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
        status: (id) => cold('5ms r|', { r: state(id, 'IN_PROGRESS') }),
        statusSync: (id) => cold('5ms r|', { r: state(id, 'COMPLETED') }),
        scheduler: lagging,
        polling: { initialInterval: 500, maxInterval: 5000 },
        longPollWait: 90_000,
        slots: 2,
        contendedWait: 2000,
        rate: { limit: 2, window: 100 },
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
        '0 sync j 5000', // sent when the first subscriber joined
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
      expect(fake.requests).toHaveLength(11);
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
