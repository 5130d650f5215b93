import type { TierPolicy } from "../db/schema.ts";
import { effectiveTier, type LadderTier, type TierState } from "./ladder.rules.ts";
import { type TierTransition, transition } from "./transitions.rules.ts";
import { reviewFor } from "./windows.rules.ts";

/** Tiers set by hand: an assignment (locked or not) and unlocking. */

/**
 * A manual assignment: `locked` keeps upgrades and reviews away until unlocked. The tier the member
 * already holds keeps its `since`. Null when nothing would change: locking again the tier a member
 * holds locked.
 */
export function assign(
  memberId: string,
  ladder: LadderTier[],
  policy: TierPolicy,
  state: TierState,
  tier: LadderTier,
  locked: boolean,
  at: Date,
  timezone: string,
  note: string,
): TierTransition | null {
  const same = state.tierId === tier.id;
  if (same && locked && state.locked) return null;
  const to = {
    tierId: tier.id,
    since: same ? (state.since ?? at) : at,
    reviewAt: locked ? null : reviewFor(ladder, tier, policy, at, timezone),
    graceUntil: null,
    locked,
  };
  return transition(memberId, state, to, "manual", null, at, note);
}

/** Unlocking: the tier stays, and the normal rules apply from now (its review one period on). */
export function unlock(
  memberId: string,
  ladder: LadderTier[],
  policy: TierPolicy,
  state: TierState,
  at: Date,
  timezone: string,
  note: string,
): TierTransition | null {
  const tier = effectiveTier(ladder, state);
  if (!state.locked || !tier) return null;
  const to = {
    tierId: tier.id,
    since: state.since ?? at,
    reviewAt: reviewFor(ladder, tier, policy, at, timezone),
    graceUntil: null,
    locked: false,
  };
  return transition(memberId, state, to, "unlocked", null, at, note);
}
