import { describe, expect, it } from "vitest";
import { firstPurchaseReferral, refereeBonus, reversedReferral, reversesReferral, settlesReferral } from "./referral.rules.ts";

const POLICY = { referrerPoints: 500, refereePoints: 200, minPurchaseAmount: 1_000, maxRewardsPerMonth: 2 };

describe("settlesReferral", () => {
  it.each([
    { type: "purchase", amount: 1_000, settles: true },
    { type: "purchase", amount: 999, settles: false },
    { type: "purchase", amount: null, settles: false },
    { type: "birthday", amount: 5_000, settles: false },
    { type: "return", amount: 5_000, settles: false },
  ])("$type of $amount: $settles", ({ type, amount, settles }) => {
    expect(settlesReferral(POLICY, { type, amount })).toBe(settles);
  });
});

describe("firstPurchaseReferral", () => {
  it.each([
    { count: 0, status: "rewarded", referrerPoints: 500, refereePoints: 200 },
    { count: 1, status: "rewarded", referrerPoints: 500, refereePoints: 200 },
    { count: 2, status: "refused", referrerPoints: 0, refereePoints: 0 },
    { count: 7, status: "refused", referrerPoints: 0, refereePoints: 0 },
  ])("with $count rewarded this month: $status", ({ count, status, referrerPoints, refereePoints }) => {
    expect(firstPurchaseReferral(POLICY, "mem_a", count)).toMatchObject({
      referrerId: "mem_a",
      status,
      referrerPoints,
      refereePoints,
    });
  });

  it("says why a referral is refused", () => {
    expect(firstPurchaseReferral(POLICY, "mem_a", 2).explanation).toBe(
      "Referral refused: the referrer already has 2 rewarded referrals this month (limit 2)",
    );
  });
});

describe("reversals", () => {
  it.each([
    { amount: 1_000, returned: 1_000, reverses: true },
    { amount: 1_000, returned: 999, reverses: false },
  ])("a return of $returned of $amount reverses: $reverses", ({ amount, returned, reverses }) => {
    expect(reversesReferral(amount, returned)).toBe(reverses);
  });

  it("takes both sides' points back", () => {
    expect(reversedReferral({ referrerId: "mem_a", referrerPoints: 500 }, 200)).toMatchObject({
      status: "reversed",
      referrerPoints: -500,
      refereePoints: -200,
    });
  });

  it("the referee's bonus is the policy's, not a rule's", () => {
    expect(refereeBonus(200)).toMatchObject({ ruleId: "referral", points: 200, fundedBy: "program", campaignId: null });
  });
});
