/**
 * The redemption rollups' arithmetic, with no I/O: a median from a histogram of whole-day values,
 * as PostgreSQL's percentile_cont(0.5) gives it over the values themselves.
 */

/**
 * The median of values given as (value, how many) pairs, by percentile_cont's interpolation: the
 * value at position (n - 1) / 2 of the sorted values, or between the two around it; null for none.
 */
export function histogramMedian(rows: readonly { days: number; n: number }[]): number | null {
  const sorted = rows.filter((r) => r.n > 0).sort((a, b) => a.days - b.days);
  const total = sorted.reduce((t, r) => t + r.n, 0);
  if (total === 0) return null;
  const position = 0.5 * (total - 1);
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const at = (k: number) => {
    let seen = 0;
    for (const r of sorted) {
      seen += r.n;
      if (k < seen) return r.days;
    }
    return sorted.at(-1)?.days ?? 0;
  };
  const a = at(lower);
  const b = at(upper);
  return a + (b - a) * (position - lower);
}
