import { describe, expect, it } from "vitest";
import { DomainError } from "../shared/errors.ts";
import { checkEarnsSomething, checkPurchaseAmount, planReturn, share } from "./events.rules.ts";

const purchase = { amount: 10_000, points: 33, returnedAmount: 0, clawedBack: 0, sources: [], campaigns: [] };

describe("planReturn", () => {
  it("takes points back in proportion, on the running total, so thirds add up exactly", () => {
    let basis = { ...purchase, sources: [{ account: "issued" as const, partnerId: null, points: 33 }] };
    const takes: number[] = [];
    for (const amount of [3_333, 3_333, 3_334]) {
      const plan = planReturn(basis, amount, "USD");
      takes.push(plan.take);
      basis = { ...basis, returnedAmount: plan.totalReturned, clawedBack: plan.totalTakenBack };
    }
    expect(takes).toEqual([11, 11, 11]);
    expect(basis.clawedBack).toBe(33);
  });

  it("refuses returns beyond the purchase amount", () => {
    expect(() => planReturn({ ...purchase, returnedAmount: 9_000 }, 1_001, "USD")).toThrow(/more than the purchase/);
  });

  it("gives each funder and campaign budget back its own share, never more than it gave", () => {
    let basis = {
      ...purchase,
      points: 3,
      sources: [
        { account: "partner" as const, partnerId: "acme", points: 2 },
        { account: "issued" as const, partnerId: null, points: 1 },
      ],
      campaigns: [{ campaignId: "cmp_1", points: 1 }],
    };
    let partner = 0;
    let campaign = 0;
    for (const amount of [3_333, 3_333, 3_334]) {
      const plan = planReturn(basis, amount, "USD");
      partner += plan.sources.find((s) => s.account === "partner")?.points ?? 0;
      campaign += plan.campaignRefunds[0]?.points ?? 0;
      expect(plan.sources.reduce((sum, s) => sum + s.points, 0)).toBe(plan.take);
      basis = { ...basis, returnedAmount: plan.totalReturned, clawedBack: plan.totalTakenBack };
    }
    expect({ partner, campaign }).toEqual({ partner: 2, campaign: 1 });
  });

  it("rounds half up", () => {
    expect(share(1, 1, 2)).toBe(1);
    expect(share(3, 1, 4)).toBe(1);
    expect(share(5, 1, 10)).toBe(1);
    expect(share(4, 1, 10)).toBe(0);
  });
});

describe("checkPurchaseAmount", () => {
  const usd = { currency: "USD", maxPurchaseAmount: 1_000_000 };
  it.each([
    // [type, amount, refused]
    ["purchase", 1_000_000, false],
    ["purchase", 1_000_001, true],
    ["purchase", 25_000_000, true],
    ["purchase", null, false],
    ["return", 25_000_000, false],
    ["review", 25_000_000, false],
  ] as const)("%s of %s: refused %s", (type, amount, refusedIt) => {
    const check = () => checkPurchaseAmount({ type, amount }, usd);
    if (refusedIt) expect(check).toThrow(DomainError);
    else expect(check).not.toThrow();
  });

  it("says it in money", () => {
    expect(() => checkPurchaseAmount({ type: "purchase", amount: 25_000_000 }, usd)).toThrow(
      "A purchase of $250,000.00 is above this programme's largest accepted purchase of $10,000.00",
    );
  });
});

describe("checkEarnsSomething", () => {
  it.each([
    // [amount, earned, refused]
    [0, [], true],
    [0, [{ points: 0, stamps: 0 }], true],
    [0, [{ points: 0, stamps: 1 }], false],
    [0, [{ points: 5, stamps: 0 }], false],
    [100, [], false],
    [null, [], false],
  ] as const)("a purchase of %s earning %j: refused %s", (amount, earned, refusedIt) => {
    const check = () => checkEarnsSomething({ type: "purchase", amount }, [...earned], "USD");
    if (refusedIt) expect(check).toThrow("A purchase of $0.00 earns nothing in this programme: enter the amount paid");
    else expect(check).not.toThrow();
  });

  it("leaves other events alone", () => {
    expect(() => checkEarnsSomething({ type: "review", amount: 0 }, [], "USD")).not.toThrow();
  });
});
