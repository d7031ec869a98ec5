import { createGrowingDelay } from '../../src/internal/pacing';

const take = (count: number, next: () => number): number[] => Array.from({ length: count }, next);

describe('createGrowingDelay (the backoff of every polling loop)', () => {
  it("grows ×1.5 by default (the endpoint's polling) up to maxInterval", () => {
    const delay = createGrowingDelay({ initialInterval: 500, maxInterval: 2000 });
    expect(take(6, delay.next)).toEqual([500, 750, 1125, 1687.5, 2000, 2000]);
  });

  it("grows by the given factor (pollUntilTerminal's backoff) and starts again on reset", () => {
    const delay = createGrowingDelay({ initialInterval: 10, maxInterval: 30, factor: 2 });
    expect(take(4, delay.next)).toEqual([10, 20, 30, 30]);
    delay.reset();
    expect(take(2, delay.next)).toEqual([10, 20]);
  });

  it('stays fixed with factor 1', () => {
    const delay = createGrowingDelay({ initialInterval: 1000, maxInterval: 30_000, factor: 1 });
    expect(take(3, delay.next)).toEqual([1000, 1000, 1000]);
  });
});
