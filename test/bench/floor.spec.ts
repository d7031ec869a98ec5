import { fifoFloor, rateFloor } from '../../bench/floor';

describe('bench rate floor', () => {
  it('jobs already ended are seen one visit apart, in the order given', () => {
    // 1 request/s, one at a time: visits at 1, 2, 3, 4 s; everything ended at 0.
    const floor = rateFloor([0, 0, 0, 0], 1, 1);
    expect(floor).toEqual({ visitEveryMs: 4000, p50Ms: 3000, p99Ms: 4000 });
  });

  it('a job that ends while its long-poll is held is seen at once', () => {
    // 1 request/s, 2 at once: each visit is held 2 s. The first visit (at 1 s) covers 1-3 s.
    expect(rateFloor([2500], 1, 2)).toEqual({ visitEveryMs: 1000, p50Ms: 0, p99Ms: 0 });
  });

  it('a job not seen goes back to the end of the line and is visited again once its hold ends', () => {
    // Visits: A at 1 s (held to 2 s, A ends at 10 s: not seen), B at 2 s (ended at 0: seen, 2 s late),
    // then A again at max(3, 2) = 3 s, 4 s, ... until a hold covers 10 s: the visit at 9 s.
    expect(rateFloor([10_000, 0], 1, 1)).toEqual({ visitEveryMs: 2000, p50Ms: 2000, p99Ms: 2000 });
    const one = rateFloor([10_000], 1, 1);
    expect(one.p50Ms).toBe(0);
  });

  it('matches the W1 figure of issue 14: 10,000 jobs over 60 s at 2,000 per 10 s, 400 at once', () => {
    const completions = Array.from({ length: 10_000 }, (_, i) => (i * 60_000) / 10_000);
    // Any fixed order: the floor does not depend much on which order the jobs are visited in.
    const shuffled = completions.map((_, i) => completions[(i * 7919) % 10_000]!);
    const floor = rateFloor(shuffled, 200, 400);
    expect(floor.visitEveryMs).toBe(50_000);
    expect(floor.p50Ms).toBeGreaterThan(18_000);
    expect(floor.p50Ms).toBeLessThan(22_000);
    expect(floor.p99Ms).toBeGreaterThan(44_000);
    expect(floor.p99Ms).toBeLessThan(48_000);
  });

  it("with a window, each job's first read is spent first: the visits wait for the tokens they left", () => {
    // 1 request/s over a 2 s window (2 tokens), one at a time, two jobs ended at 0. Without first
    // reads the visits go at 1 s and 2 s; with them, the first reads take both tokens at 0, so the
    // visits wait until 2 s and 3 s.
    expect(rateFloor([0, 0], 1, 1)).toEqual({ visitEveryMs: 2000, p50Ms: 2000, p99Ms: 2000 });
    expect(rateFloor([0, 0], 1, 1, 2000)).toEqual({ visitEveryMs: 2000, p50Ms: 3000, p99Ms: 3000 });
  });
});

describe('bench FIFO floor (W2)', () => {
  it('a client that knows the queue order holds one long-poll per job until it ends: 0 ms within the budget', () => {
    // 4 jobs of 1 s, 2 workers: they end at 1, 1, 2, 2 s; 8 tokens per 10 s, 2 slots.
    expect(fifoFloor([1000, 1000, 1000, 1000], 2, 0.8, 2, 10_000)).toEqual({ visitEveryMs: 5000, p50Ms: 0, p99Ms: 0 });
  });

  it('without the queue order, the first reads spend the window first: a long-poll without a token waits for one', () => {
    // 2 tokens per 10 s: both go to the first reads at 0; both long-polls wait until they come back at 10 s.
    const random = () => 0;
    expect(fifoFloor([1000, 1000], 2, 0.2, 2, 10_000, random)).toEqual({
      visitEveryMs: 10_000,
      p50Ms: 9_000,
      p99Ms: 9_000,
    });
    expect(fifoFloor([1000, 1000], 2, 0.2, 2, 10_000, random).p50Ms).toBeGreaterThan(
      fifoFloor([1000], 2, 0.2, 2, 10_000, random).p50Ms,
    );
    // In the queue's order, each job's first request is the long-poll that sees its end.
    expect(fifoFloor([1000, 1000], 2, 0.2, 2, 10_000)).toEqual({ visitEveryMs: 10_000, p50Ms: 0, p99Ms: 0 });
  });

  it('without the queue order the client takes the jobs found running, then guesses: an unheld job ends unseen', () => {
    // 1 worker, 1 slot, plenty of tokens: jobs end at 1, 2, 3 s. In order, each is held from the
    // moment the one before ends. At random (this draw picks the last job second), job 2 ends at
    // 2 s while the slot holds job 3; it is seen at 3 s.
    const jobs = [1000, 1000, 1000];
    expect(fifoFloor(jobs, 1, 100, 1, 10_000)).toEqual({ visitEveryMs: 30, p50Ms: 0, p99Ms: 0 });
    const lastFirst = () => 0.99;
    expect(fifoFloor(jobs, 1, 100, 1, 10_000, lastFirst)).toEqual({ visitEveryMs: 30, p50Ms: 0, p99Ms: 1000 });
  });
});
