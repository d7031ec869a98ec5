/**
 * The tokens of a sliding rate window spent within the last `life` ms: when each was spent,
 * oldest first. The ledger of {@link createRateWindow}; the endpoint's follower reads the status
 * window's through it.
 */
export interface SpentTokens {
  /** Records a token spent at `at`. */
  spend(at: number): void;
  /** Tokens spent that have not come back by `now` (forgets those that have). */
  count(now: number): number;
  /** When the oldest token still out at `now` comes back, or `undefined` when none is out. */
  nextReturn(now: number): number | undefined;
}

/** Creates a {@link SpentTokens} whose tokens come back `life` ms after they were spent. */
export function createSpentTokens(life: number): SpentTokens {
  let times: number[] = [];
  let head = 0;
  /** Forgets the tokens that have come back by `now`. */
  const expire = (now: number): void => {
    while (head < times.length && times[head] + life <= now) head++;
    // Drop the expired prefix once it outweighs the rest, so memory follows the window.
    if (head > 1024 && head * 2 > times.length) {
      times = times.slice(head);
      head = 0;
    }
  };
  return {
    spend: (at) => {
      times.push(at);
    },
    count: (now) => {
      expire(now);
      return times.length - head;
    },
    nextReturn: (now) => {
      expire(now);
      return head < times.length ? times[head] + life : undefined;
    },
  };
}
