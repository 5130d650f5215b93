import { describe, expect, it } from "vitest";
import { BRONZE, LADDER, PLATINUM, SILVER } from "../../test/helpers/tier-fixtures.ts";
import { progressToNext } from "./next-tier.rules.ts";

describe("progressToNext", () => {
  it.each([
    [BRONZE, 250, { next: "Silver", percentToNext: 50, amountToNext: 250 }],
    [SILVER, 999, { next: "Gold", percentToNext: 99, amountToNext: 1 }],
    [SILVER, 1200, { next: "Gold", percentToNext: 100, amountToNext: 0 }],
    [PLATINUM, 5000, { next: null, percentToNext: null, amountToNext: null }],
  ])("%o at %i", (current, metric, expected) => {
    const p = progressToNext(LADDER, current, metric);
    expect({ next: p.nextTier?.name ?? null, percentToNext: p.percentToNext, amountToNext: p.amountToNext }).toEqual(expected);
  });
});
