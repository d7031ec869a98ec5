/** The largest number of `times` inside any window (t - window, t], as RunPod counts requests. */
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
