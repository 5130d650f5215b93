import { describe, expect, it } from "vitest";
import { cohortRange, cohortTable, days, monthsBetween, perPeriod, ratio, runningTotal, share } from "./engagement.rules.ts";

describe("share and ratio", () => {
  it.each([
    [4, 5, 0.8],
    [25, 45, 0.5556],
    [1, 3, 0.3333],
    [0, 7, 0],
    [3, 0, null],
  ])("share(%i, %i) = %s", (part, whole, expected) => expect(share(part, whole)).toBe(expected));

  it.each([
    [3, 2, 1.5],
    [2, 3, 0.67],
    [5, 0, null],
  ])("ratio(%i, %i) = %s", (n, d, expected) => expect(ratio(n, d)).toBe(expected));

  it.each([
    [5, 5],
    [7.5, 7.5],
    [1 / 3, 0.33],
    [null, null],
    [undefined, null],
  ])("days(%s) = %s", (median, expected) => expect(days(median)).toBe(expected));
});

describe("perPeriod and runningTotal", () => {
  const range = { periods: ["2026-01-01", "2026-02-01", "2026-03-01"].map((period) => ({ period, start: new Date(period) })) };

  it("puts each row in its period, the empty value where none came back, and ignores the range's own row", () => {
    const rows = [
      { bucket: 3, n: 7 },
      { bucket: 1, n: 2 },
      { bucket: null, n: 9 },
    ];
    expect(perPeriod(range, rows, (r) => r.n, 0)).toEqual([
      { period: "2026-01-01", value: 2 },
      { period: "2026-02-01", value: 0 },
      { period: "2026-03-01", value: 7 },
    ]);
  });

  it.each([
    [0, [], []],
    [10, [1, 0, 2], [11, 11, 13]],
    [0, [3], [3]],
  ])("members before %i, enrolments %j: at each period's end %j", (before, counts, expected) => {
    expect(runningTotal(before, counts)).toEqual(expected);
  });
});

describe("cohorts", () => {
  it.each([
    ["2026-01", "2026-01", 0],
    ["2025-11", "2026-02", 3],
    ["1997-01", "1997-09", 8],
  ])("monthsBetween(%s, %s) = %i", (from, to, expected) => expect(monthsBetween(from, to)).toBe(expected));

  it("builds one row per cohort, oldest first, months 0 up to the last month with zeros, shares of the cohort", () => {
    const table = cohortTable(
      [
        { cohort: "2026-02", metric: "size", k: null, n: 2 },
        { cohort: "2026-01", metric: "size", k: null, n: 4 },
        { cohort: "2026-01", metric: "repeat", k: null, n: 1 },
        { cohort: "2026-01", metric: "month", k: 0, n: 4 },
        { cohort: "2026-01", metric: "month", k: 2, n: 1 },
      ],
      "2026-03",
    );
    expect(table).toEqual([
      {
        cohort: "2026-01",
        size: 4,
        repeatPurchasers: 1,
        repeatShare: 0.25,
        months: [
          { month: 0, purchasers: 4, share: 1 },
          { month: 1, purchasers: 0, share: 0 },
          { month: 2, purchasers: 1, share: 0.25 },
        ],
      },
      {
        cohort: "2026-02",
        size: 2,
        repeatPurchasers: 0,
        repeatShare: 0,
        months: [
          { month: 0, purchasers: 0, share: 0 },
          { month: 1, purchasers: 0, share: 0 },
        ],
      },
    ]);
  });

  it("defaults to the twelve enrolment months up to today, in the programme's zone", () => {
    // 02:00 UTC on 1 March is still 28 February in New York.
    const range = cohortRange({}, "America/New_York", new Date("2026-03-01T02:00:00Z"));
    expect([range.from, range.to]).toEqual(["2025-03-01", "2026-02-28"]);
    expect(cohortRange({ to: "2026-06-15" }, "UTC", new Date()).from).toBe("2025-07-01");
    expect(cohortRange({ from: "2026-01-10", to: "2026-02-01" }, "UTC", new Date()).from).toBe("2026-01-10");
  });
});
