import type { JobState } from 'runpod-rx';
import { followByWebhook } from '../../src/endpoint/follow-by-webhook';
import { createTestScheduler } from '../helpers/test-scheduler';

const queued: JobState = { id: 'j1', status: 'IN_QUEUE' };
const running: JobState = { id: 'j1', status: 'IN_PROGRESS' };
const completed: JobState = { id: 'j1', status: 'COMPLETED', output: 'done' };

describe('followByWebhook', () => {
  it('emits the first state, then the state the webhook call brings, with no status request', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const call = hot('----- 2s c', { c: completed });
      const status = cold('-s|', { s: running });
      const follow = cold('a|', { a: queued }).pipe(
        followByWebhook({ completion: () => call, status: () => status, scheduler: rx, sweepInterval: 30_000 }),
      );
      expectObservable(follow).toBe('a 2004ms (c|)', { a: queued, c: completed });
      expectSubscriptions(call.subscriptions).toBe('^ 2004ms !');
      expectSubscriptions(status.subscriptions).toBe([]);
    });
  });

  it('sweeps /status every sweepInterval while no call comes, and ends on a terminal sweep', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const never = cold<JobState>('-');
      const answers = [running, completed];
      let reads = 0;
      const follow = cold('a|', { a: queued }).pipe(
        followByWebhook({
          completion: () => never,
          status: () => cold('100ms s|', { s: answers[reads++]! }),
          scheduler: rx,
          sweepInterval: 30_000,
        }),
      );
      expectObservable(follow).toBe('a 30099ms r 29999ms (c|)', { a: queued, r: running, c: completed });
      expectSubscriptions(never.subscriptions).toBe('^ 60099ms !');
    });
  });

  it('emits a terminal first state (a job that ended within /run) and subscribes to nothing else', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const call = cold<JobState>('-');
      const status = cold<JobState>('-');
      const follow = cold('a|', { a: completed }).pipe(
        followByWebhook({ completion: () => call, status: () => status, scheduler: rx, sweepInterval: 1_000 }),
      );
      expectObservable(follow).toBe('(a|)', { a: completed });
      expectSubscriptions(call.subscriptions).toBe([]);
      expectSubscriptions(status.subscriptions).toBe([]);
    });
  });

  it('unsubscribing stops the wait for the call and the sweep', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const call = cold<JobState>('-');
      const status = cold('10s s|', { s: running });
      const follow = cold('a|', { a: queued }).pipe(
        followByWebhook({ completion: () => call, status: () => status, scheduler: rx, sweepInterval: 1_000 }),
      );
      expectObservable(follow, '^ 4999ms !').toBe('a', { a: queued });
      expectSubscriptions(call.subscriptions).toBe('^ 4999ms !');
      expectSubscriptions(status.subscriptions).toBe('1s ^ 3999ms !');
    });
  });
});
