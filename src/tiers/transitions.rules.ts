import type { TierChangeReason } from "../db/schema.ts";
import type { TierState } from "./ladder.rules.ts";

/** A change of a member's tier, as recorded and announced, and when it takes effect. */

export interface TierTransition {
  memberId: string;
  from: string | null;
  to: string | null;
  reason: TierChangeReason;
  /** The qualifying metric the decision was made on (null for manual changes). */
  metric: number | null;
  /** When it took effect: a review is dated when it fell due, whoever applied it and when. */
  at: Date;
  /** The state after the change. */
  state: TierState;
  note: string | null;
  /** Decided by a review (or the end of a grace), not by an event or by hand. */
  review: boolean;
}

/** The outbox type announcing every tier change (webhooks and notifications read it). */
export const TIER_CHANGED = "member.tier_changed";

export function transition(
  memberId: string,
  state: TierState,
  to: TierState,
  reason: TierChangeReason,
  metric: number | null,
  at: Date,
  note: string | null = null,
): TierTransition {
  return { memberId, from: state.tierId, to: to.tierId, reason, metric, at, state: to, note, review: false };
}

/**
 * When a change decided at `at` takes effect: never before the member's last change. On a tie the
 * later written comes last, by id (ids are time-sortable and taken after the member's lock).
 */
export const changeTime = (at: Date, lastChange: Date | null): Date => (lastChange && lastChange > at ? lastChange : at);
