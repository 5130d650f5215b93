import type { ReferralPolicy } from "../db/schema.ts";
import type { Contribution } from "../earning/earning.types.ts";

/**
 * Referrals, the pure part: when a referred member's purchase settles their referral, what each
 * side gets, and what a full return of the qualifying purchase takes back.
 */

/** A referral as an event's answer tells it. */
export interface ReferralOutcome {
  referrerId: string;
  status: "rewarded" | "refused" | "reversed";
  referrerPoints: number;
  refereePoints: number;
  explanation: string;
}

/** Does this event settle the member's waiting referral: a purchase of at least the policy's minimum. */
export const settlesReferral = (policy: ReferralPolicy, event: { type: string; amount: number | null }): boolean =>
  event.type === "purchase" && (event.amount ?? 0) >= policy.minPurchaseAmount;

/**
 * A first qualifying purchase of a referred member: rewarded, unless the referrer already has
 * the policy's monthly limit of rewarded referrals (`rewardedThisMonth`).
 */
export function firstPurchaseReferral(policy: ReferralPolicy, referrerId: string, rewardedThisMonth: number): ReferralOutcome {
  if (rewardedThisMonth >= policy.maxRewardsPerMonth) {
    return {
      referrerId,
      status: "refused",
      referrerPoints: 0,
      refereePoints: 0,
      explanation: `Referral refused: the referrer already has ${rewardedThisMonth} rewarded referrals this month (limit ${policy.maxRewardsPerMonth})`,
    };
  }
  return {
    referrerId,
    status: "rewarded",
    referrerPoints: policy.referrerPoints,
    refereePoints: policy.refereePoints,
    explanation: `First qualifying purchase of a referred member: ${policy.referrerPoints} points to the referrer, ${policy.refereePoints} to the new member`,
  };
}

/** The referee's bonus, as a contribution of the purchase (no rule's: the policy's). */
export const refereeBonus = (points: number): Contribution => ({
  ruleId: "referral",
  ruleVersion: 0,
  ruleName: "Referral bonus",
  campaignId: null,
  campaignVersion: null,
  priority: -10_000,
  points,
  stamps: 0,
  fundedBy: "program",
  pendingDays: null,
  expiry: null,
  explanation: `Referral bonus: ${points} points for a first purchase after enrolling with a referral code`,
});

/** A full return of the qualifying purchase reverses the referral: both sides' points go back. */
export const reversedReferral = (
  reward: { referrerId: string; referrerPoints: number },
  refereePoints: number,
): ReferralOutcome => ({
  referrerId: reward.referrerId,
  status: "reversed",
  referrerPoints: 0 - reward.referrerPoints,
  refereePoints: 0 - refereePoints,
  explanation: `The purchase that qualified the referral was returned in full: ${reward.referrerPoints} points taken back from the referrer, ${refereePoints} from this member`,
});

/** Only a return of the whole purchase reverses a referral; a partial one leaves it. */
export const reversesReferral = (purchaseAmount: number, totalReturned: number): boolean => totalReturned === purchaseAmount;
