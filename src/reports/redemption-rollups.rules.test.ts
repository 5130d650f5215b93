import { describe, expect, it } from "vitest";
import { histogramMedian } from "./redemption-rollups.rules.ts";

describe("histogramMedian", () => {
  const expand = (rows: { days: number; n: number }[]) => rows.flatMap((r) => Array.from({ length: r.n }, () => r.days));
  /** percentile_cont(0.5) over the values themselves. */
  const reference = (values: number[]) => {
    const s = [...values].sort((a, b) => a - b);
    if (s.length === 0) return null;
    const pos = 0.5 * (s.length - 1);
    const lo = s[Math.floor(pos)] as number;
    const hi = s[Math.ceil(pos)] as number;
    return lo + (hi - lo) * (pos - Math.floor(pos));
  };
  it.each([
    [[], null],
    [[{ days: 3, n: 0 }], null],
    [[{ days: 5, n: 1 }], 5],
    [
      [
        { days: 5, n: 1 },
        { days: 2, n: 1 },
      ],
      3.5,
    ],
    [
      [
        { days: 0, n: 2 },
        { days: 9, n: 1 },
      ],
      0,
    ],
    [
      [
        { days: 1, n: 2 },
        { days: 4, n: 2 },
      ],
      2.5,
    ],
    [
      [
        { days: 7, n: 3 },
        { days: 1, n: 1 },
        { days: 30, n: 2 },
        { days: 7, n: 1 },
      ],
      7,
    ],
    [
      [
        { days: -2, n: 1 },
        { days: 3, n: 1 },
      ],
      0.5,
    ],
  ])("%j -> %s", (rows, median) => {
    expect(histogramMedian(rows)).toBe(median);
    expect(histogramMedian(rows)).toBe(reference(expand(rows)));
  });
});
