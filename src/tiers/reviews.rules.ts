import type { TierChangeReason, TierPolicy } from "../db/schema.ts";
import { bottomOf, type LadderTier, qualifiedTier, retainOf, type TierState } from "./ladder.rules.ts";
import { type TierTransition, transition } from "./transitions.rules.ts";
import { decisionWindows, endsGrace, graceEnd, type MetricWindow, reviewDateAfter, reviewFor } from "./windows.rules.ts";

/** Reviews: when a tier must next be decided, and what a review or the end of a grace decides (keep, grace, downgrade). */

/** When the tier of record must next be decided (a review, or the end of a grace), if ever. */
export function nextDecision(state: TierState): Date | null {
  if (state.locked || state.tierId === null) return null;
  return state.graceUntil ?? state.reviewAt;
}

/**
 * When a state must next be decided on this ladder: nextDecision(), with a safety net for ladder
 * changes that raced an event (PUT /v1/tiers takes no programme-wide lock): a member left on a
 * tier removed from the ladder is decided when it was removed (or when they got it, if later), and
 * one left on a tier above the bottom without a review date is reviewed one period after they got
 * it. Both come from stored data only, so reads, events and the jobs decide them alike.
 */
export function decisionAt(
  ladder: LadderTier[],
  policy: TierPolicy,
  state: TierState,
  timezone: string,
  removedAt: ReadonlyMap<string, Date> = new Map(),
): Date | null {
  const due = nextDecision(state);
  if (state.locked || state.tierId === null) return null;
  const removed = removedAt.get(state.tierId);
  if (removed) {
    const at = state.since && state.since > removed ? state.since : removed;
    return due && due < at ? due : at;
  }
  if (due || ladder.length === 0 || state.tierId === bottomOf(ladder)?.id || !state.since) return due;
  return reviewDateAfter(policy, state.since, timezone);
}

/** The metric over each of a decision's windows. */
export interface DecisionMetrics {
  atReview: number;
  atGraceEnd?: number;
  sinceReview?: number;
}

/**
 * Decides the review (or the end of grace) that falls due at `at` (decisionAt()), given the metric
 * over its windows (decisionWindows()). Null when nothing is due.
 */
export function reviewStep(
  memberId: string,
  ladder: LadderTier[],
  policy: TierPolicy,
  state: TierState,
  at: Date | null,
  metrics: DecisionMetrics,
  timezone: string,
): TierTransition | null {
  const step = at && decide(memberId, ladder, policy, state, at, metrics, timezone);
  return step ? { ...step, review: true } : null;
}

function decide(
  memberId: string,
  ladder: LadderTier[],
  policy: TierPolicy,
  state: TierState,
  at: Date,
  metrics: DecisionMetrics,
  timezone: string,
): TierTransition | null {
  if (ladder.length === 0 || state.locked || state.tierId === null) return null;
  const current = ladder.find((t) => t.id === state.tierId);
  const graceEnds = endsGrace(state, at);
  // At the end of a grace the member lands on the higher of what the review's window and the
  // window now reach: a calendar year's grace runs into a January that holds little, and a rolling
  // window has dropped its oldest purchases meanwhile. Keeping counts both windows together.
  const reviewTier = qualifiedTier(ladder, metrics.atReview);
  const graceTier = graceEnds ? qualifiedTier(ladder, metrics.atGraceEnd ?? 0) : null;
  const target = graceTier && reviewTier && graceTier.rank > reviewTier.rank ? graceTier : reviewTier;
  if (!target) return null;
  const landing = graceEnds ? Math.max(metrics.atReview, metrics.atGraceEnd ?? 0) : metrics.atReview;
  const keep = graceEnds ? (metrics.sinceReview ?? metrics.atReview) : metrics.atReview;
  const moveTo = (tier: LadderTier, reason: TierChangeReason) =>
    transition(
      memberId,
      state,
      { tierId: tier.id, since: at, reviewAt: reviewFor(ladder, tier, policy, at, timezone), graceUntil: null, locked: false },
      reason,
      landing,
      at,
    );
  if (!current) return moveTo(target, "downgraded");
  if (target.rank > current.rank) return moveTo(target, "qualified");
  const review = graceEnds ? (state.reviewAt ?? at) : at;
  if (keep >= retainOf(current)) {
    return transition(
      memberId,
      state,
      { ...state, reviewAt: reviewFor(ladder, current, policy, review, timezone), graceUntil: null },
      "retained",
      keep,
      at,
    );
  }
  if (!graceEnds && policy.graceDays > 0) {
    return transition(memberId, state, { ...state, graceUntil: graceEnd(policy, review, timezone) }, "grace", keep, at);
  }
  return moveTo(target, "downgraded");
}

/**
 * Every review due up to `asOf`, in order, with the metric over each window from `metricOver`.
 * The service runs the same steps with metrics it reads from the database.
 */
export function settleReviews(
  memberId: string,
  ladder: LadderTier[],
  policy: TierPolicy,
  state: TierState,
  asOf: Date,
  timezone: string,
  metricOver: (window: MetricWindow) => number,
  removedAt: ReadonlyMap<string, Date> = new Map(),
): { state: TierState; transitions: TierTransition[] } {
  const transitions: TierTransition[] = [];
  let current = state;
  for (let due = decisionAt(ladder, policy, current, timezone, removedAt); due && due <= asOf; ) {
    const windows = decisionWindows(policy, current, due, timezone);
    const metrics = {
      atReview: metricOver(windows.atReview),
      ...(windows.atGraceEnd && { atGraceEnd: metricOver(windows.atGraceEnd) }),
      ...(windows.sinceReview && { sinceReview: metricOver(windows.sinceReview) }),
    };
    const step = reviewStep(memberId, ladder, policy, current, due, metrics, timezone);
    if (!step) break;
    transitions.push(step);
    current = step.state;
    due = decisionAt(ladder, policy, current, timezone, removedAt);
  }
  return { state: current, transitions };
}
