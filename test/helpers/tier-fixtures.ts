import type { TierPolicy } from "../../src/db/schema.ts";
import { type LadderTier, NO_TIER, type TierState } from "../../src/tiers/ladder.rules.ts";

/** The ladder, policies and states the tier rules' table tests share. */

export const TZ = "America/New_York";
export const d = (iso: string) => new Date(iso);

export const tier = (
  rank: number,
  name: string,
  threshold: number,
  retainThreshold: number | null = null,
  earnMultiplier = 1,
): LadderTier => ({
  id: `tie_${name.toLowerCase()}`,
  name,
  rank,
  threshold,
  retainThreshold,
  earnMultiplier,
  pointsExpiry: null,
  benefits: [],
});
export const BRONZE = tier(0, "Bronze", 0);
export const SILVER = tier(1, "Silver", 500, 400);
export const GOLD = tier(2, "Gold", 1000, 800, 1.5);
export const PLATINUM = tier(3, "Platinum", 2500);
export const LADDER = [BRONZE, SILVER, GOLD, PLATINUM];

export const policy = (over: Partial<TierPolicy> = {}): TierPolicy => ({
  metric: "spend",
  window: { type: "rolling_months", months: 12 },
  periodMonths: 12,
  graceDays: 30,
  ...over,
});
export const CALENDAR = policy({ window: { type: "calendar_year" } });

export const state = (tierId: string | null, over: Partial<TierState> = {}): TierState => ({ ...NO_TIER, tierId, ...over });
