import { describe, expect, it } from "vitest";
import {
  addWants,
  BUDGET_SLICES,
  type BudgetWant,
  grantFromRemaining,
  homeSlice,
  refundsInLockOrder,
  splitBudget,
  takeOrder,
  unusedGrants,
} from "./budget.rules.ts";

describe("splitBudget", () => {
  it.each([0, 1, 15, 16, 17, 1_000, 123_457])("splits %i into slices that add up to it, at most 1 apart", (points) => {
    const parts = splitBudget(points);
    expect(parts).toHaveLength(BUDGET_SLICES);
    expect(parts.reduce((a, b) => a + b, 0)).toBe(points);
    expect(Math.max(...parts) - Math.min(...parts)).toBeLessThanOrEqual(1);
  });
});

describe("homeSlice", () => {
  it("is stable and in range", () => {
    for (const id of ["mem_a", "mem_b", "member_000011", ""]) {
      expect(homeSlice(id)).toBe(homeSlice(id));
      expect(homeSlice(id)).toBeGreaterThanOrEqual(0);
      expect(homeSlice(id)).toBeLessThan(BUDGET_SLICES);
    }
  });
});

describe("a batch's wants", () => {
  it("adds up per campaign, from the first member asking", () => {
    const wants = new Map<string, BudgetWant>();
    addWants(wants, "mem_a", new Map([["cmp_b", 100]]));
    addWants(
      wants,
      "mem_b",
      new Map([
        ["cmp_b", 50],
        ["cmp_a", 10],
      ]),
    );
    expect(wants).toEqual(
      new Map([
        ["cmp_b", { points: 150, memberId: "mem_a" }],
        ["cmp_a", { points: 10, memberId: "mem_b" }],
      ]),
    );
    expect(takeOrder(wants).map(([id]) => id)).toEqual(["cmp_a", "cmp_b"]);
  });

  it.each([
    { want: 100, remaining: 250, granted: 100 },
    { want: 100, remaining: 40, granted: 40 },
    { want: 100, remaining: undefined, granted: 0 },
  ])("a dry run of $want with $remaining left is granted $granted", ({ want, remaining, granted }) => {
    const wants = new Map([["cmp_a", { points: want, memberId: "mem_a" }]]);
    const left = new Map(remaining === undefined ? [] : [["cmp_a", remaining]]);
    expect(grantFromRemaining(wants, left).get("cmp_a")).toBe(granted);
  });

  it("gives back what was granted and not used, to the slice of the member it was taken for", () => {
    const wants = new Map([
      ["cmp_a", { points: 100, memberId: "mem_a" }],
      ["cmp_b", { points: 50, memberId: "mem_b" }],
    ]);
    const granted = new Map([
      ["cmp_a", 100],
      ["cmp_b", 50],
    ]);
    expect(
      unusedGrants(
        granted,
        new Map([
          ["cmp_a", 30],
          ["cmp_b", 0],
        ]),
        wants,
      ),
    ).toEqual([{ budgetKey: "cmp_a", memberId: "mem_a", points: 30 }]);
  });
});

describe("refundsInLockOrder", () => {
  it("orders by campaign, then slice", () => {
    const ids = ["mem_a", "mem_b", "mem_c", "mem_d"];
    const refunds = ids.flatMap((memberId) => [
      { budgetKey: "cmp_b", memberId, points: 1 },
      { budgetKey: "cmp_a", memberId, points: 1 },
    ]);
    const ordered = refundsInLockOrder(refunds);
    const keys = ordered.map((r) => [r.budgetKey, r.slice] as const);
    const sorted = [...keys].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
    expect(keys).toEqual(sorted);
    expect(ordered.every((r) => r.slice === homeSlice(r.memberId))).toBe(true);
  });
});
