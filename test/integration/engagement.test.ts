import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { purchase, refund } from "../helpers/events.ts";
import { engines, type HttpResult, startTestApp, type TestApp, type TestProgram } from "../helpers/test-app.ts";

/**
 * The Engagement reports on a story told in New York (EST, UTC-5), January and February 2026,
 * every figure worked out by hand. 1 point per dollar; Acme purchases earn as much again at
 * Acme's expense (partner); points expire one month after they are credited; unknown customers
 * buy as guests. Coffee costs 40 points, a sticker 5.
 *
 * - 5 Jan: A and B enrol. A buys $100 (100). B buys $50 at Acme (50 + 50 partner) and $20 (20).
 *   A guest buys $30. B is given 30 and 5 points, A has 10 taken (adjustments).
 * - 6 Jan: A and B redeem a coffee; A redeems another and cancels it. A returns $40 of the $100
 *   (40 points back), B the whole $20 (20 back). B's 5-point adjustment is reversed.
 * - 20 Jan: A redeems a sticker (14 days after the coffee).
 * - 31 Jan 23:30 New York (1 Feb 04:30 UTC): C enrols and buys $10 (10): January in programme time.
 * - 10 Feb: the jobs expire what is left of 5 Jan's points, dated 5 Feb: A 100-10-40-40-5 = 5,
 *   B 50+50+20+30+5-40-20-5 = 90, 95 in all. C buys $25 (25) and redeems two stickers. A guest
 *   buys $20. D enrols and a purchase of D's on 20 Jan is posted late ($50, 50 points); D redeems
 *   a sticker. E enrols and does nothing.
 */

function ok(res: HttpResult, status = 200) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body;
}

describe.each(engines())("engagement reports on %s", (engine) => {
  let t: TestApp;
  let p: TestProgram;

  beforeAll(async () => {
    t = await startTestApp(engine, "2026-01-05T15:00:00Z");
    p = await t.createProgram({ pointsExpiry: { policy: "fixed_period", months: 1 }, unknownMemberPolicy: "guest" });
    ok(
      await p.call("POST", "/v1/rules", {
        name: "1 point per dollar",
        trigger: "purchase",
        effect: { type: "points_per_amount", points: 1, per: 100, rounding: "floor" },
      }),
      201,
    );
    ok(
      await p.call("POST", "/v1/rules", {
        name: "Acme doubles",
        trigger: "purchase",
        conditions: [{ type: "partner", in: ["acme"] }],
        effect: { type: "points_per_amount", points: 1, per: 100, rounding: "floor" },
        fundedBy: "partner",
      }),
      201,
    );
    const reward = async (name: string, cost: number) =>
      ok(
        await p.call("POST", "/v1/rewards", { name, type: "free_product", value: { sku: name.toUpperCase() }, costPoints: cost }),
        201,
      ).id as string;
    const coffee = await reward("Coffee", 40);
    const sticker = await reward("Sticker", 5);
    const redeem = async (member: string, rewardId: string) =>
      ok(await p.call("POST", `/v1/members/${member}/redemptions`, { rewardId }), 201).id as string;

    // 5 January
    const a = await p.createMember({ name: "A" });
    const b = await p.createMember({ name: "B" });
    const aBuys = purchase(a, 10_000);
    ok(await p.call("POST", "/v1/events", aBuys), 201);
    ok(await p.call("POST", "/v1/events", purchase(b, 5_000, { partnerId: "acme" })), 201);
    const bBuys = purchase(b, 2_000);
    ok(await p.call("POST", "/v1/events", bBuys), 201);
    const guest = ok(
      await p.call("POST", "/v1/events", { id: "guest-1", type: "purchase", amount: 3_000, receiptId: "R-1" }),
      201,
    );
    expect(guest.status).toBe("guest");
    ok(await p.call("POST", `/v1/members/${b}/adjustments`, { points: 30, reason: "Welcome" }), 201);
    const five = ok(await p.call("POST", `/v1/members/${b}/adjustments`, { points: 5, reason: "By mistake" }), 201);
    ok(await p.call("POST", `/v1/members/${a}/adjustments`, { points: -10, reason: "Correction" }), 201);

    // 6 January
    t.clock.set("2026-01-06T15:00:00Z");
    await redeem(a, coffee);
    await redeem(b, coffee);
    const undone = await redeem(a, coffee);
    ok(await p.call("POST", `/v1/redemptions/${undone}/cancel`, { reason: "Changed their mind" }));
    ok(await p.call("POST", "/v1/events", refund(aBuys.id, 4_000)), 201);
    ok(await p.call("POST", "/v1/events", refund(bBuys.id, 2_000)), 201);
    ok(await p.call("POST", `/v1/ledger/transactions/${five.transaction.id}/reverse`, { reason: "Given by mistake" }), 201);

    // 20 January
    t.clock.set("2026-01-20T15:00:00Z");
    await redeem(a, sticker);

    // 31 January, 23:30 in New York
    t.clock.set("2026-02-01T04:30:00Z");
    const c = await p.createMember({ name: "C" });
    ok(await p.call("POST", "/v1/events", purchase(c, 1_000)), 201);

    // 10 February
    t.clock.set("2026-02-10T15:00:00Z");
    ok(await p.call("POST", "/v1/jobs/run", {})); // B's points are in several lots: the report below counts the points
    ok(await p.call("POST", "/v1/events", purchase(c, 2_500)), 201);
    await redeem(c, sticker);
    await redeem(c, sticker);
    ok(await p.call("POST", "/v1/events", { id: "guest-2", type: "purchase", amount: 2_000, receiptId: "R-2" }), 201);
    const d = await p.createMember({ name: "D" });
    ok(await p.call("POST", "/v1/events", purchase(d, 5_000, { occurredAt: "2026-01-20T15:00:00Z" })), 201);
    await redeem(d, sticker);
    await p.createMember({ name: "E" });
  });
  afterAll(async () => {
    const report = await t.app.services.verify();
    expect(report.ok).toBe(true);
    await t.close();
  });

  const range = "from=2026-01-01&to=2026-02-28&interval=month";

  it("participation: members vs guests, enrolment over time and active members per month", async () => {
    const body = ok(await p.call("GET", `/v1/reports/participation?${range}`));
    expect(body).toEqual({
      from: "2026-01-01",
      to: "2026-02-28",
      interval: "month",
      timezone: "America/New_York",
      currency: "USD",
      series: [
        {
          period: "2026-01-01",
          // A $100 - $40 returned, B $50 (B's $20 returned in full is not counted), C $10 (31 Jan
          // in New York), D $50 (posted late, happened on 20 Jan): 4 purchases, $170; guest $30.
          memberPurchases: 4,
          guestPurchases: 1,
          memberRevenue: 17_000,
          guestRevenue: 3_000,
          memberPurchaseShare: 0.8, // 4 / 5
          memberRevenueShare: 0.85, // 170 / 200
          enrolments: 3, // A, B, C
          members: 3,
          // A, B, C. D's purchase happened on 20 January, but D enrolled on 10 February: not
          // counted, or January would show 4 active members out of 3.
          activeMembers: 3,
          activeShare: 1,
        },
        {
          period: "2026-02-01",
          memberPurchases: 1, // C $25
          guestPurchases: 1, // $20
          memberRevenue: 2_500,
          guestRevenue: 2_000,
          memberPurchaseShare: 0.5,
          memberRevenueShare: 0.5556, // 25 / 45
          enrolments: 2, // D, E
          members: 5,
          // C (purchase, stickers), D (sticker). A's and B's only entries are expiries; E did nothing.
          activeMembers: 2,
          activeShare: 0.4,
        },
      ],
      totals: {
        memberPurchases: 5,
        guestPurchases: 2,
        memberRevenue: 19_500,
        guestRevenue: 5_000,
        memberPurchaseShare: 0.7143, // 5 / 7
        memberRevenueShare: 0.7959, // 195 / 245
        enrolments: 5,
        members: 5,
        activeMembers: 4, // A, B, C in January; C, D in February
        activeShare: 0.8,
      },
    });
  });

  it("a late-posted event never makes a past range show more active members than members", async () => {
    const january = ok(await p.call("GET", "/v1/reports/participation?from=2026-01-01&to=2026-01-31&interval=month"));
    expect(january.totals).toMatchObject({ members: 3, activeMembers: 3, memberPurchases: 4 });
    const days = ok(await p.call("GET", "/v1/reports/participation?from=2026-01-19&to=2026-01-21&interval=day"));
    // 20 January: A's sticker; D's purchase that day was posted on 10 February, after D enrolled.
    expect(days.series.map((s: { activeMembers: number; members: number }) => [s.activeMembers, s.members])).toEqual([
      [0, 2],
      [1, 2],
      [0, 2],
    ]);
  });

  it("points: earned, partner-funded, adjustments both ways, redeemed, expired, net of reversals and returns", async () => {
    const body = ok(await p.call("GET", `/v1/reports/points?${range}`));
    expect(body.series).toEqual([
      {
        period: "2026-01-01",
        // 100 + 50 + 20 + 10 (C) - 40 - 20 (returns)
        earned: 120,
        partnerFunded: 50,
        adjustmentsAdded: 30, // 30 + 5 - 5 reversed
        adjustmentsRemoved: 10,
        adjustments: 20,
        redeemed: 85, // 40 + 40 + 5; the cancelled coffee nets to 0
        expired: 0,
        netChange: 105, // 120 + 50 + 20 - 85: A 5, B 90, C 10
      },
      {
        period: "2026-02-01",
        // C 25, and D's 50: the late-posted purchase's points took effect when they were credited
        earned: 75,
        partnerFunded: 0,
        adjustmentsAdded: 0,
        adjustmentsRemoved: 0,
        adjustments: 0,
        redeemed: 15, // C 5 + 5, D 5
        expired: 95, // A 5, B 90
        netChange: -35,
      },
    ]);
    // Over the whole history the net change is what members hold now: C 25, D 45.
    expect(body.totals).toEqual({
      earned: 195,
      partnerFunded: 50,
      adjustmentsAdded: 30,
      adjustmentsRemoved: 10,
      adjustments: 20,
      redeemed: 100,
      expired: 95,
      netChange: 70,
    });
  });

  it("redemption frequency: per month, per active member, medians and members who never redeemed", async () => {
    const body = ok(await p.call("GET", `/v1/reports/redemption-frequency?${range}`));
    expect(body.series).toEqual([
      {
        period: "2026-01-01",
        redemptions: 3, // A coffee, B coffee, A sticker
        membersRedeeming: 2,
        activeMembers: 3,
        redemptionsPerActiveMember: 1,
        medianDaysToFirstRedemption: 1, // A and B: enrolled 5 Jan, first redemption 6 Jan
        medianDaysBetweenRedemptions: 14, // A: 6 Jan -> 20 Jan
      },
      {
        period: "2026-02-01",
        redemptions: 3, // C two stickers, D one
        membersRedeeming: 2,
        activeMembers: 2,
        redemptionsPerActiveMember: 1.5,
        medianDaysToFirstRedemption: 5, // C: 31 Jan -> 10 Feb, 10 days; D: 0; (0 + 10) / 2
        medianDaysBetweenRedemptions: 0, // C's two stickers the same day
      },
    ]);
    expect(body.totals).toEqual({
      redemptions: 6,
      membersRedeeming: 4,
      activeMembers: 4,
      redemptionsPerActiveMember: 1.5,
      medianDaysToFirstRedemption: 1, // 0, 1, 1, 10
      medianDaysBetweenRedemptions: 7, // 0, 14
      members: 5,
      neverRedeemed: 1, // E
      neverRedeemedShare: 0.2,
    });
  });

  it("cohorts: retention by enrolment month, as a table and as CSV", async () => {
    const body = ok(await p.call("GET", "/v1/reports/cohorts?from=2026-01-01&to=2026-02-28"));
    expect(body).toEqual({
      from: "2026-01-01",
      to: "2026-02-28",
      timezone: "America/New_York",
      cohorts: [
        {
          cohort: "2026-01", // A, B, C (31 January in New York)
          size: 3,
          repeatPurchasers: 1, // C bought again on 10 February; A and B only on the day they enrolled
          repeatShare: 0.3333,
          months: [
            { month: 0, purchasers: 3, share: 1 },
            { month: 1, purchasers: 1, share: 0.3333 }, // C
          ],
        },
        {
          cohort: "2026-02", // D, E: D's purchase happened in January, before D enrolled
          size: 2,
          repeatPurchasers: 0,
          repeatShare: 0,
          months: [{ month: 0, purchasers: 0, share: 0 }],
        },
      ],
    });
    const csv = await p.call("GET", "/v1/reports/cohorts?from=2026-01-01&to=2026-02-28&format=csv&table=retention");
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-disposition")).toBe('attachment; filename="cohorts-retention-2026-01-01-2026-02-28.csv"');
    expect(csv.body).toBe(
      [
        "cohort,size,months_after_enrolment,purchasers,share",
        "2026-01,3,0,3,1",
        "2026-01,3,1,1,0.3333",
        "2026-02,2,0,0,0",
        "",
      ].join("\r\n"),
    );
    // The default range: the twelve enrolment months up to today (10 February 2026).
    const byDefault = ok(await p.call("GET", "/v1/reports/cohorts"));
    expect([byDefault.from, byDefault.to]).toEqual(["2025-03-01", "2026-02-10"]);
    expect(byDefault.cohorts.map((c: { cohort: string; size: number }) => [c.cohort, c.size])).toEqual([
      ["2026-01", 3],
      ["2026-02", 2],
    ]);
  });

  it("every table downloads as CSV, money in dollars", async () => {
    const participation = await p.call("GET", `/v1/reports/participation?${range}&format=csv`);
    expect(participation.body).toBe(
      [
        "period,member_purchases,guest_purchases,member_revenue,guest_revenue,member_purchase_share,member_revenue_share,enrolments,members,active_members,active_share",
        "2026-01-01,4,1,170.00,30.00,0.8,0.85,3,3,3,1",
        "2026-02-01,1,1,25.00,20.00,0.5,0.5556,2,5,2,0.4",
        "",
      ].join("\r\n"),
    );
    const points = await p.call("GET", `/v1/reports/points?${range}&format=csv&table=series`);
    expect(points.body.split("\r\n")[0]).toBe(
      "period,earned,partner_funded,adjustments_added,adjustments_removed,adjustments,redeemed,expired,net_change",
    );
    expect(points.body.split("\r\n")[2]).toBe("2026-02-01,75,0,0,0,0,15,95,-35");
    const frequency = await p.call("GET", `/v1/reports/redemption-frequency?${range}&format=csv`);
    expect(frequency.body.split("\r\n")[1]).toBe("2026-01-01,3,2,3,1,1,14");
    const cohorts = await p.call("GET", "/v1/reports/cohorts?from=2026-01-01&to=2026-02-28&format=csv&table=cohorts");
    expect(cohorts.body).toBe(
      ["cohort,size,repeat_purchasers,repeat_share", "2026-01,3,1,0.3333", "2026-02,2,0,0", ""].join("\r\n"),
    );
  });

  it("answers an empty programme with zeros, and refuses bad ranges and unknown parameters", async () => {
    const empty = await t.createProgram();
    for (const path of ["participation", "points", "redemption-frequency"]) {
      const body = ok(await empty.call("GET", `/v1/reports/${path}?from=2026-02-01&to=2026-02-10&interval=week`));
      // Sunday 1 February (clipped), the weeks of Monday 2 and Monday 9 February.
      expect(body.series.map((s: { period: string }) => s.period)).toEqual(["2026-02-01", "2026-02-02", "2026-02-09"]);
    }
    const participation = ok(await empty.call("GET", "/v1/reports/participation?from=2026-02-01&to=2026-02-10"));
    expect(participation.totals).toEqual({
      memberPurchases: 0,
      guestPurchases: 0,
      memberRevenue: 0,
      guestRevenue: 0,
      memberPurchaseShare: null,
      memberRevenueShare: null,
      enrolments: 0,
      members: 0,
      activeMembers: 0,
      activeShare: null,
    });
    const frequency = ok(await empty.call("GET", "/v1/reports/redemption-frequency"));
    expect(frequency.totals).toMatchObject({ medianDaysToFirstRedemption: null, neverRedeemedShare: null });
    expect(ok(await empty.call("GET", "/v1/reports/cohorts")).cohorts).toEqual([]);

    const inverted = await p.call("GET", "/v1/reports/participation?from=2026-02-10&to=2026-02-01");
    expect(inverted.status).toBe(400);
    expect(inverted.body.error).toMatchObject({ code: "validation_error", message: "from must not be after to" });
    expect((await p.call("GET", "/v1/reports/cohorts?from=2020-01-01&to=2026-01-01")).status).toBe(400);
    const tooMany = await p.call("GET", "/v1/reports/points?from=2024-01-01&to=2026-01-01&interval=day");
    expect(tooMany.body.error).toMatchObject({ code: "validation_error", details: { field: "interval" } });
    const unknown = await p.call("GET", "/v1/reports/redemption-frequency?since=2026-01-01");
    expect(unknown.status).toBe(400);
    expect((await p.call("GET", "/v1/reports/cohorts?interval=month")).status).toBe(400);
    // Told by its own name: the goals form's "Target date" label once leaked onto every day field.
    const badDay = await p.call("GET", "/v1/reports/points?from=2026-13-01");
    expect(badDay.status).toBe(400);
    expect(badDay.body.error.message).not.toMatch(/Target date|Start date/);
    expect(badDay.body.error.message).toMatch(/^from /);
  });

  it("is for admin and read keys", async () => {
    const pos = ok(await p.call("POST", "/v1/api-keys", { name: "Till", scope: "pos" }), 201).secret;
    expect((await p.call("GET", "/v1/reports/cohorts", undefined, { key: pos })).status).toBe(403);
    const read = ok(await p.call("POST", "/v1/api-keys", { name: "BI", scope: "read" }), 201).secret;
    expect((await p.call("GET", "/v1/reports/points", undefined, { key: read })).status).toBe(200);
  });
});
