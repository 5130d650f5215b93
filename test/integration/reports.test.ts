import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { purchase } from "../helpers/events.ts";
import { engines, type HttpResult, startTestApp, type TestApp, type TestProgram } from "../helpers/test-app.ts";

/**
 * The overview report on a small story told in New York (EST, UTC-5), every figure known:
 *
 * - 5 Jan: A buys $120 (120 points), B buys $50 (50) and gets a 30-point adjustment; points
 *   expire one month after they are credited. Tiers on points earned: Bronze 0, Silver 100.
 * - 6 Jan: A redeems a coffee (40) twice, B a coffee and a mug (20); A redeems a mug and cancels it.
 * - 31 Jan 23:30 New York (1 Feb 04:30 UTC): A buys $10 (10): January in programme time.
 * - 10 Feb: the jobs expire what is left of 5 Jan's points (A 40, B 20), dated 5 Feb; C joins and buys $25.
 *
 * January: issued 210, redeemed 140. February: issued 25, expired 60. Held now: A 10, C 25.
 */

function ok(res: HttpResult, status = 200) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body;
}

describe.each(engines())("overview report on %s", (engine) => {
  let t: TestApp;
  let p: TestProgram;
  let coffee: string;
  let mug: string;

  beforeAll(async () => {
    t = await startTestApp(engine, "2026-01-05T15:00:00Z");
    p = await t.createProgram({ pointsExpiry: { policy: "fixed_period", months: 1 } });
    ok(
      await p.call("POST", "/v1/rules", {
        name: "1 point per dollar",
        trigger: "purchase",
        effect: { type: "points_per_amount", points: 1, per: 100, rounding: "floor" },
      }),
      201,
    );
    ok(
      await p.call("PUT", "/v1/tiers", {
        policy: { metric: "points_earned", window: { type: "rolling_months", months: 12 } },
        tiers: [
          { name: "Bronze", threshold: 0 },
          { name: "Silver", threshold: 100 },
        ],
      }),
    );
    const a = await p.createMember({ name: "A" });
    const b = await p.createMember({ name: "B" });
    ok(await p.call("POST", "/v1/events", purchase(a, 12_000)), 201);
    ok(await p.call("POST", "/v1/events", purchase(b, 5_000)), 201);
    ok(await p.call("POST", `/v1/members/${b}/adjustments`, { points: 30, reason: "Welcome" }), 201);

    t.clock.set("2026-01-06T15:00:00Z");
    const reward = async (name: string, cost: number) =>
      ok(
        await p.call("POST", "/v1/rewards", {
          name,
          type: "free_product",
          value: { sku: name.toUpperCase() },
          costPoints: cost,
          stock: 5,
        }),
        201,
      ).id as string;
    coffee = await reward("Coffee", 40);
    mug = await reward("Mug", 20);
    const redeem = async (member: string, rewardId: string) =>
      ok(await p.call("POST", `/v1/members/${member}/redemptions`, { rewardId }), 201).id as string;
    await redeem(a, coffee);
    await redeem(a, coffee);
    await redeem(b, coffee);
    await redeem(b, mug);
    const cancelled = await redeem(a, mug);
    ok(await p.call("POST", `/v1/redemptions/${cancelled}/cancel`, { reason: "Changed their mind" }));

    t.clock.set("2026-02-01T04:30:00Z");
    ok(await p.call("POST", "/v1/events", purchase(a, 1_000)), 201);

    t.clock.set("2026-02-10T15:00:00Z");
    const jobs = ok(await p.call("POST", "/v1/jobs/run", {}));
    expect(jobs.expiries).toBe(2);
    const c = await p.createMember({ name: "C" });
    ok(await p.call("POST", "/v1/events", purchase(c, 2_500)), 201);
  });
  afterAll(async () => {
    const report = await t.app.services.verify();
    expect(report.ok).toBe(true);
    await t.close();
  });

  it("reports members, the liability, points by month, tiers and top rewards exactly", async () => {
    const body = ok(await p.call("GET", "/v1/reports/overview?from=2026-01-01&to=2026-02-28&interval=month"));
    expect(body).toEqual({
      from: "2026-01-01",
      to: "2026-02-28",
      interval: "month",
      timezone: "America/New_York",
      members: 3,
      newMembers: 3,
      activeMembers: 2, // A (31 Jan) and C; B's only entry in the last 30 days is an expiry
      outstandingPoints: 35,
      heldPoints: 0,
      debtPoints: 0,
      series: [
        { period: "2026-01-01", issued: 210, redeemed: 140, expired: 0 },
        { period: "2026-02-01", issued: 25, redeemed: 0, expired: 60 },
      ],
      totals: { issued: 235, redeemed: 140, expired: 60 },
      redemptionRate: 0.5957,
      tierDistribution: [
        { tierId: expect.any(String), name: "Bronze", members: 2 },
        { tierId: expect.any(String), name: "Silver", members: 1 },
      ],
      topRewards: [
        { rewardId: coffee, name: "Coffee", redemptions: 3, points: 120 },
        { rewardId: mug, name: "Mug", redemptions: 1, points: 20 },
      ],
    });
    // Over the whole history, what was issued less what was redeemed and expired is what members hold.
    expect(body.totals.issued - body.totals.redeemed - body.totals.expired).toBe(body.outstandingPoints);
  });

  it("splits a range into ISO weeks by default (the first clipped to from) and days in programme time", async () => {
    const weeks = ok(await p.call("GET", "/v1/reports/overview?from=2026-01-01&to=2026-02-28"));
    expect(weeks.interval).toBe("week");
    expect(weeks.series).toEqual([
      { period: "2026-01-01", issued: 0, redeemed: 0, expired: 0 },
      { period: "2026-01-05", issued: 200, redeemed: 140, expired: 0 },
      { period: "2026-01-12", issued: 0, redeemed: 0, expired: 0 },
      { period: "2026-01-19", issued: 0, redeemed: 0, expired: 0 },
      { period: "2026-01-26", issued: 10, redeemed: 0, expired: 0 },
      { period: "2026-02-02", issued: 0, redeemed: 0, expired: 60 },
      { period: "2026-02-09", issued: 25, redeemed: 0, expired: 0 },
      { period: "2026-02-16", issued: 0, redeemed: 0, expired: 0 },
      { period: "2026-02-23", issued: 0, redeemed: 0, expired: 0 },
    ]);
    const days = ok(await p.call("GET", "/v1/reports/overview?from=2026-01-31&to=2026-02-01"));
    expect(days.interval).toBe("day");
    expect(days.series).toEqual([
      { period: "2026-01-31", issued: 10, redeemed: 0, expired: 0 },
      { period: "2026-02-01", issued: 0, redeemed: 0, expired: 0 },
    ]);
    expect(days.redemptionRate).toBe(0);
    expect(days.topRewards).toEqual([]);
    expect(days.newMembers).toBe(0);
    expect(days.members).toBe(2);
  });

  it("defaults to the last 90 days up to today and says null for a rate with nothing issued", async () => {
    const body = ok(await p.call("GET", "/v1/reports/overview"));
    expect({ from: body.from, to: body.to, interval: body.interval }).toEqual({
      from: "2025-11-13",
      to: "2026-02-10",
      interval: "week",
    });
    expect(body.totals).toEqual({ issued: 235, redeemed: 140, expired: 60 });
    const quiet = ok(await p.call("GET", "/v1/reports/overview?from=2025-12-01&to=2025-12-31"));
    expect(quiet.redemptionRate).toBeNull();
    expect(quiet.members).toBe(0);
  });

  it("refuses bad ranges and keys without the admin or read scope", async () => {
    for (const query of ["from=2026-02-01&to=2026-01-01", "interval=year", "from=2026-13-01", "from=2020-01-01&to=2026-01-01"]) {
      const res = await p.call("GET", `/v1/reports/overview?${query}`);
      expect({ query, status: res.status, code: res.body.error?.code }).toEqual({ query, status: 400, code: "validation_error" });
    }
    const pos = ok(await p.call("POST", "/v1/api-keys", { name: "till", scope: "pos" }), 201);
    const res = await p.call("GET", "/v1/reports/overview", undefined, { key: pos.secret });
    expect(res.status).toBe(403);
    // A read key (a BI tool) reads every report, the overview too, as it reads the others.
    const read = ok(await p.call("POST", "/v1/api-keys", { name: "BI", scope: "read" }), 201);
    expect((await p.call("GET", "/v1/reports/overview", undefined, { key: read.secret })).status).toBe(200);
    expect((await p.call("GET", "/v1/reports/overview?format=csv", undefined, { key: read.secret })).status).toBe(200);
  });

  it("counts only its own programme", async () => {
    const other = await t.createProgram();
    const body = ok(await other.call("GET", "/v1/reports/overview"));
    expect({ members: body.members, outstanding: body.outstandingPoints, tiers: body.tierDistribution }).toEqual({
      members: 0,
      outstanding: 0,
      tiers: [],
    });
  });
});
