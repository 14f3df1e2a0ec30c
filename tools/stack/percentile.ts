/**
 * Nearest-rank percentile of values sorted ascending: the smallest value that at least p%
 * of the values do not exceed (p50 of [1, 2, 3, 4] is 2, p99 of 100 values the 99th).
 * NaN when there are no values. The one formula of the benchmarks and the soak run.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}
