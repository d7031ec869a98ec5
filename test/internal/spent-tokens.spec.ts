import { createSpentTokens } from '../../src/internal/spent-tokens';

describe('createSpentTokens: the ledger of a sliding rate window', () => {
  it('counts the tokens spent within the last `life` ms and says when the oldest comes back', () => {
    const spent = createSpentTokens(100);
    expect(spent.nextReturn(0)).toBeUndefined();
    spent.spend(0);
    spent.spend(30);
    expect(spent.count(99)).toBe(2);
    expect(spent.nextReturn(99)).toBe(100);
    expect(spent.count(100)).toBe(1);
    expect(spent.nextReturn(100)).toBe(130);
    expect(spent.count(130)).toBe(0);
    expect(spent.nextReturn(130)).toBeUndefined();
  });

  it('keeps counting right after dropping a long expired prefix', () => {
    const spent = createSpentTokens(10);
    for (let at = 0; at < 5_000; at++) spent.spend(at);
    // spent at 4,986 to 4,999: still out at 4,995
    expect(spent.count(4_995)).toBe(14);
    expect(spent.nextReturn(4_995)).toBe(4_996);
    spent.spend(5_000);
    // spent at 4,991 to 5,000
    expect(spent.count(5_000)).toBe(10);
  });
});
