import type { TierPolicy } from "../db/schema.ts";
import { bottomOf, effectiveTier, type LadderTier, qualifiedTier, retainOf, type TierState } from "./ladder.rules.ts";
import { type TierTransition, transition } from "./transitions.rules.ts";
import { reviewFor } from "./windows.rules.ts";

/** Reaching a tier outside a review: enrolment on the bottom tier, upgrades, and requalifying in grace. */

/** A member with no tier gets the bottom one (enrolment, or the first time tiers see them). */
export function enrol(memberId: string, ladder: LadderTier[], state: TierState, at: Date): TierTransition | null {
  const bottom = bottomOf(ladder);
  if (!bottom || state.tierId !== null) return null;
  return transition(
    memberId,
    state,
    { tierId: bottom.id, since: at, reviewAt: null, graceUntil: null, locked: false },
    "enrolment",
    null,
    at,
  );
}

/**
 * What the metric as of `at` changes outside a review: an upgrade to the highest tier it reaches
 * above the current one, or, for a member in grace, requalifying (retained; the next review is one
 * period after the review that started the grace). `sinceReview` is the metric over the review's
 * window extended to `at` (from keepWindowFrom()), what requalifying counts; without it, `metric`
 * (a narrower window: never more lenient). Locked members are never changed.
 */
export function qualify(
  memberId: string,
  ladder: LadderTier[],
  policy: TierPolicy,
  state: TierState,
  metric: number,
  at: Date,
  timezone: string,
  sinceReview: number | null = null,
): TierTransition | null {
  if (state.locked || ladder.length === 0) return null;
  const current = effectiveTier(ladder, state);
  const target = qualifiedTier(ladder, metric);
  if (!current || !target) return null;
  if (target.rank > current.rank) {
    const to = {
      tierId: target.id,
      since: at,
      reviewAt: reviewFor(ladder, target, policy, at, timezone),
      graceUntil: null,
      locked: false,
    };
    return transition(memberId, state, to, "qualified", metric, at);
  }
  const keep = sinceReview ?? metric;
  if (state.graceUntil && state.reviewAt && state.tierId === current.id && keep >= retainOf(current)) {
    const to = { ...state, reviewAt: reviewFor(ladder, current, policy, state.reviewAt, timezone), graceUntil: null };
    return transition(memberId, state, to, "retained", keep, at);
  }
  return null;
}
