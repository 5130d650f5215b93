import type { LadderTier } from "./ladder.rules.ts";

export interface TierProgressView {
  nextTier: LadderTier | null;
  percentToNext: number | null;
  amountToNext: number | null;
}

/** Where a metric stands against the next tier up: percent (floor, capped at 100) and what is missing. */
export function progressToNext(ladder: LadderTier[], current: LadderTier | null, metric: number): TierProgressView {
  const next = current ? (ladder.find((t) => t.rank > current.rank) ?? null) : null;
  if (!next) return { nextTier: null, percentToNext: null, amountToNext: null };
  const percent = next.threshold === 0 ? 100 : Math.min(100, Math.floor((Math.max(0, metric) * 100) / next.threshold));
  return { nextTier: next, percentToNext: percent, amountToNext: Math.max(0, next.threshold - metric) };
}
