import type { ExpiryPolicy } from "../db/schema.ts";

/**
 * Tiers, with no I/O: where a member stands on the ladder, given the tier state of record and the
 * qualifying metric at the times that matter. The event pipeline, the jobs and the status read all
 * decide through these functions, so a review applied late (by the jobs, or in memory by a read)
 * comes out the same as one applied on time.
 *
 * Semantics, in one place:
 * - The metric over a window as of `t` counts events in (from, t]. rolling_months: from = t - N
 *   months; calendar_year: from = the start of the calendar year (programme time) holding the
 *   instant just before t, so at the stroke of 1 January the window is the whole year that ended;
 *   lifetime: no lower bound.
 * - Upgrade as soon as the metric reaches a higher tier's threshold, to the highest one reached:
 *   since = then, review = reviewDateAfter(then).
 * - Downgrade only at a review. At review_at the tier is kept if the metric reaches its retain
 *   threshold (retained, next review one period on); else with grace days the member keeps it in
 *   grace until review_at + graceDays. Requalifying meanwhile keeps it (next review one period
 *   after review_at), counted over the review's window extended to now, (windowAt(review_at).from,
 *   now]: the grace adds time to the review's window, it does not replace it. At the end of grace
 *   (or at once without grace) the member drops to the highest tier reached by the metric at the
 *   review or at the end of grace, whichever is higher (downgraded, since and review from then).
 * - The bottom tier is never reviewed (nothing to drop to); a locked member is never changed but
 *   by hand.
 * - No change of a member is dated before their last one (the clock an event read may be older
 *   than a change written while it waited for the member's lock): see changeTime().
 */

export interface LadderTier {
  id: string;
  name: string;
  rank: number;
  threshold: number;
  retainThreshold: number | null;
  earnMultiplier: number;
  pointsExpiry: ExpiryPolicy | null;
  benefits: string[];
}

/** A member's tier of record (the members row, or a tier_changes row as of some time). */
export interface TierState {
  tierId: string | null;
  since: Date | null;
  reviewAt: Date | null;
  graceUntil: Date | null;
  locked: boolean;
}

export const NO_TIER: TierState = { tierId: null, since: null, reviewAt: null, graceUntil: null, locked: false };

/** The metric needed to keep a tier at its review. */
export const retainOf = (tier: LadderTier): number => tier.retainThreshold ?? tier.threshold;

export const bottomOf = (ladder: LadderTier[]): LadderTier | null => ladder[0] ?? null;

/** The highest tier a metric reaches (the bottom one at least). `ladder` is ordered bottom first. */
export function qualifiedTier(ladder: LadderTier[], metric: number): LadderTier | null {
  let best = bottomOf(ladder);
  for (const tier of ladder) if (tier.threshold <= metric) best = tier;
  return best;
}

/** The tier a state holds on this ladder; a member with none (or on a removed tier) stands on the bottom one. */
export function effectiveTier(ladder: LadderTier[], state: TierState): LadderTier | null {
  return ladder.find((t) => t.id === state.tierId) ?? bottomOf(ladder);
}
