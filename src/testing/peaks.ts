/** A span of virtual time, `[start, end)`; `end` is `Infinity` while it lasts. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/**
 * The most spans that overlap at one moment. Spans are half-open, `[start, end)`: one that ends
 * at t and one that starts at t do not overlap, and a span of no length is never counted.
 */
export function maxAtOnce(spans: readonly Span[]): number {
  const edges: Array<readonly [number, number]> = [];
  for (const { start, end } of spans) {
    if (end > start) edges.push([start, 1], [end, -1]);
  }
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]); // at equal times, ends first
  let now = 0;
  let max = 0;
  for (const [, step] of edges) {
    now += step;
    max = Math.max(max, now);
  }
  return max;
}

/** The most `times` inside any window `(t - window, t]`, as RunPod counts requests. */
export function maxInWindow(times: readonly number[], window: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let max = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[start] <= sorted[end] - window) start++;
    max = Math.max(max, end - start + 1);
  }
  return max;
}
