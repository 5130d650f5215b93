import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, type Json, startTestApp, type TestApp, type TestProgram } from "../helpers/test-app.ts";

/*
 * Edge cases an independent review of the earning engine found, each kept as a regression test:
 * races on referrals, budgets against exclusive rules, stamps under limits in a batch, blocked
 * members, contradictory enrolments, oversized amounts, discounted returns, repeated returns.
 */

const perDollar = { type: "points_per_amount", points: 1, per: 100, rounding: "floor" };

describe.each(engines())("earning edge cases on %s", (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine, "2026-05-04T15:00:00Z");
  });
  afterAll(async () => {
    expect((await t.app.services.verify()).ok).toBe(true);
    await t.close();
  });

  const rule = async (p: TestProgram, body: Record<string, unknown>) => {
    const res = await p.call("POST", "/v1/rules", { name: "rule", trigger: "purchase", ...body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  };
  const send = (p: TestProgram, body: Record<string, unknown>) => p.call("POST", "/v1/events", { type: "purchase", ...body });
  const batch = async (p: TestProgram, events: unknown[]) => {
    const res = await p.call("POST", "/v1/events/batch", { events });
    expect(res.status).toBe(200);
    return res.body.results as Json[];
  };
  const balance = async (p: TestProgram, m: string) => (await p.call("GET", `/v1/members/${m}/balance`)).body;

  it("rewards a referral once when the referred member's first purchases race", async () => {
    const p = await t.createProgram({
      referralPolicy: { referrerPoints: 500, refereePoints: 200, minPurchaseAmount: 0, maxRewardsPerMonth: 10 },
    });
    const referrer = await p.createMember({ email: "ref@example.com" });
    const code = (await p.call("GET", `/v1/members/${referrer}`)).body.referralCode;
    const referee = await p.createMember({ email: "new@example.com", referralCode: code });
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) => send(p, { id: `race-${i}`, memberId: referee, amount: 1000 })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(6).fill(201));
    expect(answers.filter((a) => a.body.referral?.status === "rewarded")).toHaveLength(1);
    expect((await balance(p, referrer)).available).toBe(500);
    expect((await balance(p, referee)).available).toBe(200);
  });

  it("counts stamps only where the stamp rule survived its limit, in a batch as one by one", async () => {
    // The rule is in force before the purchases occurred (events are judged as of then).
    t.clock.set("2026-04-30T00:00:00Z");
    const p = await t.createProgram({ timezone: "UTC" });
    await rule(p, {
      effect: { type: "stamps", cardSize: 2, rewardPoints: 50 },
      limits: { perMember: { period: "day", maxAwards: 2 } },
    });
    const m = await p.createMember({});
    t.clock.set("2026-05-04T15:00:00Z");
    const day = (d: number, i: number) => ({
      id: `s-${d}-${i}`,
      type: "purchase",
      memberId: m,
      amount: 100,
      occurredAt: `2026-05-0${d}T10:0${i}:00Z`,
    });
    await batch(p, [day(1, 1), day(1, 2), day(1, 3), day(2, 1)]);
    const last = await send(p, day(2, 2));
    expect(last.body.stamps).toEqual([expect.objectContaining({ progress: 0, completedCards: 1 })]);
    expect((await balance(p, m)).available).toBe(100);
  });

  it("still takes points back from a blocked member's return, and a blocked member earns nothing", async () => {
    const p = await t.createProgram();
    await rule(p, { effect: perDollar });
    const m = await p.createMember({});
    expect((await send(p, { id: "b-1", memberId: m, amount: 10_000 })).body.points.total).toBe(100);
    expect((await p.call("PATCH", `/v1/members/${m}`, { status: "blocked" })).status).toBe(200);
    expect((await send(p, { id: "b-2", memberId: m, amount: 10_000 })).body.error.code).toBe("member_blocked");
    const ret = await p.call("POST", "/v1/events", { id: "b-3", type: "return", originalEventId: "b-1", amount: 10_000 });
    expect(ret.status, JSON.stringify(ret.body)).toBe(201);
    expect((await balance(p, m)).available).toBe(0);
  });

  it("enrols one member for events naming the same person, and refuses contradictory details alone", async () => {
    const p = await t.createProgram({ unknownMemberPolicy: "enroll" });
    const results = await batch(p, [
      { id: "e-1", type: "purchase", amount: 100, member: { externalId: "X1", email: "x1@example.com" } },
      { id: "e-2", type: "purchase", amount: 100, member: { externalId: "X1" } },
      { id: "e-3", type: "purchase", amount: 100, member: { email: "x1@example.com", externalId: "X2" } },
    ]);
    expect(results.map((r) => r.status)).toEqual([201, 201, 409]);
    expect(results[1].result.memberId).toBe(results[0].result.memberId);
    expect(results[2].error.code).toBe("conflict");
  });

  it("refuses amounts that items make too large, and odd batch elements one by one", async () => {
    const p = await t.createProgram();
    const m = await p.createMember({});
    const huge = await send(p, {
      id: "h-1",
      memberId: m,
      items: [{ sku: "a", quantity: 1_000_000, unitPrice: 1_000_000_000_000 }],
    });
    expect(huge.status).toBe(400);
    const results = await batch(p, [
      null,
      { id: "ok-1", type: "purchase", memberId: m, amount: 100 },
      { id: "signup:mine", type: "signup", memberId: m },
    ]);
    expect(results.map((r) => r.status)).toEqual([400, 201, 400]);
  });

  it("values returned items at their share of a discounted order, and counts units over all returns", async () => {
    const p = await t.createProgram();
    await rule(p, { effect: perDollar });
    const m = await p.createMember({});
    const items = [
      { sku: "shoe", quantity: 1, unitPrice: 6_000 },
      { sku: "sock", quantity: 2, unitPrice: 2_000 },
    ];
    // listed $100, paid $90
    expect((await send(p, { id: "d-1", memberId: m, amount: 9_000, items })).body.points.total).toBe(90);
    const shoe = await p.call("POST", "/v1/events", {
      id: "d-2",
      type: "return",
      originalEventId: "d-1",
      items: [{ sku: "shoe", quantity: 1, unitPrice: 6_000 }],
    });
    expect(shoe.body.return).toMatchObject({ returnedAmount: 5_400, pointsTakenBack: 54 });
    const again = await p.call("POST", "/v1/events", {
      id: "d-3",
      type: "return",
      originalEventId: "d-1",
      items: [{ sku: "shoe", quantity: 1, unitPrice: 6_000 }],
    });
    expect(again.status).toBe(422);
    const socks = await p.call("POST", "/v1/events", {
      id: "d-4",
      type: "return",
      originalEventId: "d-1",
      items: [{ sku: "sock", quantity: 2, unitPrice: 2_000 }],
    });
    expect(socks.body.return).toMatchObject({ returnedAmount: 3_600, totalTakenBack: 90 });
    expect((await balance(p, m)).available).toBe(0);
  });

  it("returns a purchase made earlier in the same batch", async () => {
    const p = await t.createProgram();
    await rule(p, { effect: perDollar });
    const m = await p.createMember({});
    const results = await batch(p, [
      { id: "sb-1", type: "purchase", memberId: m, amount: 10_000 },
      { id: "sb-2", type: "return", originalEventId: "sb-1", amount: 4_000 },
      { id: "sb-3", type: "return", originalEventId: "sb-1", amount: 1_000 },
    ]);
    expect(results.map((r) => r.status)).toEqual([201, 201, 201]);
    expect(results.map((r) => r.result.points.total)).toEqual([100, -40, -10]);
    const stored = (await p.call("GET", "/v1/events/sb-1")).body;
    expect({ returned: stored.returnedAmount, clawedBack: stored.clawedBack }).toEqual({ returned: 5_000, clawedBack: 50 });
    expect((await balance(p, m)).available).toBe(50);
  });

  it("returns a discounted purchase item by item to exactly its amount", async () => {
    const p = await t.createProgram();
    await rule(p, { effect: { type: "points_per_amount", points: 1, per: 1, rounding: "floor" } });
    const m = await p.createMember({});
    const items = [{ sku: "a", quantity: 3, unitPrice: 50 }];
    for (const [id, amount] of [
      ["ib-1", 200],
      ["ib-2", 100],
    ] as const) {
      expect((await send(p, { id, memberId: m, amount, items })).status).toBe(201);
      const values: number[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await p.call("POST", "/v1/events", {
          id: `${id}-r${i}`,
          type: "return",
          originalEventId: id,
          items: [{ sku: "a", quantity: 1, unitPrice: 50 }],
        });
        expect(res.status, JSON.stringify(res.body)).toBe(201);
        values.push(res.body.return.returnedAmount);
      }
      expect(values.reduce((a, b) => a + b, 0)).toBe(amount);
    }
    expect((await balance(p, m)).available).toBe(0);
  });

  it("accepts a x1.1 multiplier and refuses a budget added to a live campaign", async () => {
    const p = await t.createProgram();
    const base = await rule(p, { effect: perDollar });
    const tenth = await rule(p, { effect: { type: "multiplier", factor: 1.1, appliesTo: [base] } });
    expect(tenth).toMatch(/^rul_/);
    const m = await p.createMember({});
    expect((await send(p, { id: "f-1", memberId: m, amount: 10_000 })).body.points.total).toBe(110);
    const campaign = await p.call("POST", "/v1/campaigns", { name: "Live", status: "active" });
    const patched = await p.call("PATCH", `/v1/campaigns/${campaign.body.id}`, { budgetPoints: 100 });
    expect(patched.body.error?.code).toBe("invalid_state");
  });

  it("refuses a past dry run of a return whose purchase came later, and shows a claim in the stored event", async () => {
    const p = await t.createProgram({ unknownMemberPolicy: "guest" });
    await rule(p, { effect: perDollar });
    const m = await p.createMember({});
    expect((await send(p, { id: "g-1", memberId: m, amount: 2_000 })).status).toBe(201);
    const past = new Date(t.clock.now().getTime() - 3_600_000).toISOString();
    const dry = await p.call("POST", `/v1/events?dryRun=true&asOf=${encodeURIComponent(past)}`, {
      id: "g-2",
      type: "return",
      originalEventId: "g-1",
      amount: 1_000,
    });
    expect(dry.status).toBe(400);
    expect((await send(p, { id: "g-3", amount: 3_000, receiptId: "R-9" })).body.status).toBe("guest");
    expect((await p.call("POST", `/v1/members/${m}/claims`, { receiptId: "R-9" })).status).toBe(201);
    const stored = (await p.call("GET", "/v1/events/g-3")).body;
    expect(stored).toMatchObject({ status: "claimed", memberId: m, points: 30 });
    // a replay of the guest purchase still answers what it answered first
    expect(stored.result).toMatchObject({ status: "guest", memberId: null });
    const replay = await send(p, { id: "g-3", amount: 3_000, receiptId: "R-9" });
    expect(replay.body).toMatchObject({ status: "guest", memberId: null });
  });

  // Found by the review of issue 11's pipeline: a dry run must agree with the write when the
  // purchase's points have expired and no job has swept them yet (the clawback takes them back
  // from breakage in both).
  it("answers a dry run of a return of points expired but not yet swept as the return itself", async () => {
    const t = await startTestApp(engine, "2026-05-04T15:00:00Z");
    try {
      const p = await t.createProgram({ returnPolicy: "available_only", pointsExpiry: { policy: "fixed_period", months: 1 } });
      await rule(p, { effect: perDollar });
      const m = await p.createMember({});
      expect((await send(p, { id: "x-1", memberId: m, amount: 10_000 })).body.points.total).toBe(100);
      t.clock.set(new Date(Date.parse("2026-05-04T15:00:00Z") + 40 * 86_400_000).toISOString());
      const ret = { id: "x-2", type: "return", originalEventId: "x-1", amount: 10_000 };
      const dry = await p.call("POST", "/v1/events?dryRun=true", ret);
      const real = await p.call("POST", "/v1/events", ret);
      expect(real.status, JSON.stringify(real.body)).toBe(201);
      expect(dry.status, JSON.stringify(dry.body)).toBe(201);
      expect(dry.body.balance).toEqual(real.body.balance);
      expect((await t.app.services.verify()).ok).toBe(true);
    } finally {
      await t.close();
    }
  });

  // Before issue 11, a refused event in a batch swapped the member's lots for copies, so a later
  // return in the batch took points from a copy of the purchase's new lot, and the lot kept its
  // 100 points as spendable though its postings were gone (verify: lot_remaining_matches_postings).
  it("takes a return's points from the purchase's new lot after a refused event in the same batch", async () => {
    const p = await t.createProgram({ returnPolicy: "available_only" });
    await rule(p, { effect: perDollar });
    const m = await p.createMember({});
    const results = await batch(p, [
      { id: "y-1", type: "purchase", memberId: m, amount: 10_000 },
      { id: "y-2", type: "return", originalEventId: "y-1", amount: 20_000 },
      { id: "y-3", type: "return", originalEventId: "y-1", amount: 10_000 },
    ]);
    expect(results.map((r) => r.status)).toEqual([201, 422, 201]);
    expect(results[2]?.result.balance.available).toBe(0);
    expect((await balance(p, m)).available).toBe(0);
    expect((await t.app.services.verify()).ok).toBe(true);
  });
});

describe.each(engines())("referral reversal on %s", (engine) => {
  it("takes both referral rewards back when the qualifying purchase is returned in full, not on a partial return", async () => {
    const t = await startTestApp(engine, "2026-05-04T15:00:00Z");
    try {
      const p = await t.createProgram({
        returnPolicy: "allow_debt",
        referralPolicy: { referrerPoints: 500, refereePoints: 200, minPurchaseAmount: 0, maxRewardsPerMonth: 10 },
      });
      expect(
        (
          await p.call("POST", "/v1/rules", {
            name: "1 pt per $",
            trigger: "purchase",
            effect: { type: "points_per_amount", points: 1, per: 100 },
          })
        ).status,
      ).toBe(201);
      const referrer = await p.createMember({ email: "a@example.com" });
      const code = (await p.call("GET", `/v1/members/${referrer}`)).body.referralCode;
      const referee = await p.createMember({ email: "b@example.com", referralCode: code });
      const bought = await p.call("POST", "/v1/events", { id: "q-1", type: "purchase", memberId: referee, amount: 1_000 });
      expect(bought.body.referral.status).toBe("rewarded");
      const half = await p.call("POST", "/v1/events", { id: "q-2", type: "return", originalEventId: "q-1", amount: 500 });
      expect(half.body).toMatchObject({ points: { total: -5 }, referral: null });
      const rest = await p.call("POST", "/v1/events", { id: "q-3", type: "return", originalEventId: "q-1", amount: 500 });
      expect(rest.body.referral).toMatchObject({ status: "reversed", referrerPoints: -500, refereePoints: -200 });
      const bal = async (m: string) => (await p.call("GET", `/v1/members/${m}/balance`)).body;
      expect((await bal(referee)).available).toBe(0);
      expect((await bal(referrer)).available).toBe(0);

      // in one batch: the purchase rewards the referral, its full return reverses it
      const second = await p.createMember({ email: "c@example.com", referralCode: code });
      const batch = await p.call("POST", "/v1/events/batch", {
        events: [
          { id: "q-4", type: "purchase", memberId: second, amount: 1_000 },
          { id: "q-5", type: "return", originalEventId: "q-4", amount: 1_000 },
        ],
      });
      expect(batch.body.results.map((r: Json) => r.result?.referral?.status)).toEqual(["rewarded", "reversed"]);
      expect((await bal(second)).available).toBe(0);
      expect((await bal(referrer)).available).toBe(0);
      expect((await t.app.services.verify()).ok).toBe(true);
    } finally {
      await t.close();
    }
  });

  it("refuses the whole return when the referrer cannot give the reward back, changing nothing", async () => {
    const t = await startTestApp(engine, "2026-05-04T15:00:00Z");
    try {
      const p = await t.createProgram({
        returnPolicy: "available_only",
        referralPolicy: { referrerPoints: 500, refereePoints: 200, minPurchaseAmount: 0, maxRewardsPerMonth: 10 },
      });
      const referrer = await p.createMember({ email: "a@example.com" });
      const code = (await p.call("GET", `/v1/members/${referrer}`)).body.referralCode;
      const referee = await p.createMember({ email: "b@example.com", referralCode: code });
      expect((await p.call("POST", "/v1/events", { id: "x-1", type: "purchase", memberId: referee, amount: 1_000 })).status).toBe(
        201,
      );
      // the referrer spends the reward
      expect((await p.call("POST", `/v1/members/${referrer}/adjustments`, { points: -500, reason: "spent" })).status).toBe(201);
      const ret = await p.call("POST", "/v1/events", { id: "x-2", type: "return", originalEventId: "x-1", amount: 1_000 });
      expect(ret.body.error?.code).toBe("insufficient_points");
      expect((await p.call("GET", `/v1/members/${referee}/balance`)).body.available).toBe(200);
      expect((await t.app.services.verify()).ok).toBe(true);
    } finally {
      await t.close();
    }
  });
});
