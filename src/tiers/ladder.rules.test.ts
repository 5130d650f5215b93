import { describe, expect, it } from "vitest";
import { GOLD, LADDER, PLATINUM, SILVER, state } from "../../test/helpers/tier-fixtures.ts";
import { bottomOf, effectiveTier, NO_TIER, qualifiedTier, retainOf } from "./ladder.rules.ts";

describe("qualifiedTier: the highest tier a metric reaches", () => {
  it.each([
    [0, "Bronze"],
    [499, "Bronze"],
    [500, "Silver"],
    [999, "Silver"],
    [1000, "Gold"],
    [2499, "Gold"],
    [2500, "Platinum"],
    [10_000_000, "Platinum"],
  ])("%i -> %s", (metric, name) => {
    expect(qualifiedTier(LADDER, metric)?.name).toBe(name);
  });
});

describe("the ladder", () => {
  it.each([
    ["a tier on the ladder", state(GOLD.id), "Gold"],
    ["no tier of record: the bottom one", NO_TIER, "Bronze"],
    ["a tier since removed: the bottom one", state("tie_gone"), "Bronze"],
  ])("effectiveTier, %s", (_name, s, name) => {
    expect(effectiveTier(LADDER, s)?.name).toBe(name);
  });

  it("an empty ladder has no tiers to stand on", () => {
    expect(bottomOf([])).toBeNull();
    expect(effectiveTier([], state(GOLD.id))).toBeNull();
    expect(qualifiedTier([], 1_000)).toBeNull();
  });

  it.each([
    [SILVER, 400],
    [PLATINUM, 2500],
  ])("keeping %o takes %i", (tier, retain) => {
    expect(retainOf(tier)).toBe(retain);
  });
});
