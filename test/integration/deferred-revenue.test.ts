import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { purchase } from "../helpers/events.ts";
import {
  engines,
  type HttpResult,
  type Json,
  startTestApp,
  type TestApp,
  type TestProgram,
  verifyCorrupted,
} from "../helpers/test-app.ts";

/*
 * Deferred revenue for points through the API, on both engines.
 *
 * 1. IFRS 15 Illustrative Examples, Example 52 "Customer loyalty programme" (IE267-IE270; ASC
 *    606-10-55-353 to 55-356), as a programme in yen (no minor unit, so CU figures are exact), in
 *    Tokyo, one point per 10 yen, a point worth 1 yen (pointValue 1):
 *    - finance expects 95% of points to be redeemed, from 1 January 2025;
 *    - 10 January 2025: ten members buy 10,000 yen each (100,000 in all) and earn 1,000 points each;
 *      points' SSP = 10,000 x 1 x 0.95 = 9,500, so 100,000 x 9,500 / 109,500 = 8,675.80 -> 8,676
 *      goes to the points and 91,324 to the goods;
 *    - 15 June 2025: nine members redeem 500 points (4,500): 8,675.80 x 4,500 / 9,500 = 4,109.59
 *      -> 4,110 recognised in 2025; liability 8,676 - 4,110 = 4,566;
 *    - 15 March 2026: eight redeem 500 more (8,500 in all);
 *    - 31 December 2026: finance revises the estimate to 97% (9,700 points):
 *      8,675.80 x 8,500 / 9,700 = 7,602.50 -> 7,603 to date, so 7,603 - 4,110 = 3,493 in 2026 and
 *      a liability of 8,676 - 7,603 = 1,073.
 *    By quarter in 2026: Q1 recognises 8,675.80 x 8,500 / 9,500 = 7,762.56 -> 7,763 to date, so
 *    7,763 - 4,110 = 3,653 (liability 913); Q4 re-measures with 97%: 7,603 - 7,763 = -160, the
 *    cumulative catch-up (liability back to 1,073). The quarters add up to the year's 3,493.
 *
 * 2. Breakage, with no estimate set and too little history (so every point is assumed redeemed), in
 *    dollars in New York, one point per dollar, a point worth 1 cent, points expiring after a month:
 *    - 5 January 2026: A buys $200 (200 points), B buys $100 (100 points); allocated
 *      20,000 x 200 / 20,200 + 10,000 x 100 / 10,100 = 198.02 + 99.01 = 297.03 -> 297 cents;
 *    - 6 January: A redeems 150 points: 297.03 x 150 / 300 = 148.51 -> 149 recognised; liability 148;
 *    - 10 February: the jobs expire A's 50 and B's 100 (due 5 February): nothing is outstanding, so
 *      the rest is released: 297 - 149 = 148 breakage in February, liability 0.
 */

function ok(res: HttpResult, status = 200) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body;
}

describe.each(engines())("deferred revenue on %s", (engine) => {
  let t: TestApp;
  let ifrs: TestProgram;
  let fresh: TestProgram;

  beforeAll(async () => {
    t = await startTestApp(engine, "2025-01-10T03:00:00Z");
    fresh = await t.createProgram();
    ifrs = await t.createProgram({
      currency: "JPY",
      timezone: "Asia/Tokyo",
      country: "JP",
      pointValue: 1,
      maxPurchaseAmount: 100_000,
    });
    ok(
      await ifrs.call("POST", "/v1/programs/current/redemption-estimates", {
        rate: 0.95,
        effectiveFrom: "2025-01-01",
        note: "IFRS 15 IE267: 9,500 of 10,000 points",
      }),
      201,
    );
    ok(
      await ifrs.call("POST", "/v1/rules", {
        name: "1 point per 10 yen",
        trigger: "purchase",
        effect: { type: "points_per_amount", points: 1, per: 10, rounding: "floor" },
      }),
      201,
    );
    const members: string[] = [];
    for (let i = 0; i < 10; i++) {
      const m = await ifrs.createMember({ name: `Member ${i}` });
      members.push(m);
      ok(await ifrs.call("POST", "/v1/events", purchase(m, 10_000)), 201);
    }
    const voucher = ok(
      await ifrs.call("POST", "/v1/rewards", {
        name: "500 yen off",
        type: "free_product",
        value: { sku: "OFF500" },
        costPoints: 500,
      }),
      201,
    ).id;
    t.clock.set("2025-06-15T03:00:00Z");
    for (const m of members.slice(0, 9)) ok(await ifrs.call("POST", `/v1/members/${m}/redemptions`, { rewardId: voucher }), 201);
    t.clock.set("2026-03-15T03:00:00Z");
    for (const m of members.slice(0, 8)) ok(await ifrs.call("POST", `/v1/members/${m}/redemptions`, { rewardId: voucher }), 201);
    t.clock.set("2026-12-31T03:00:00Z");
    ok(
      await ifrs.call("POST", "/v1/programs/current/redemption-estimates", {
        rate: 0.97,
        effectiveFrom: "2026-12-31",
        note: "IFRS 15 IE270: 9,700 expected",
      }),
      201,
    );
    t.clock.set("2027-01-05T03:00:00Z");
  });
  afterAll(async () => {
    const report = await t.app.services.verify();
    expect(report.ok, JSON.stringify(report.checks.filter((c: Json) => c.violations > 0))).toBe(true);
    await t.close();
  });

  it("reproduces IFRS 15 Example 52 by year: 8,676 allocated, 4,110 then 3,493 recognised, 4,566 then 1,073 owed", async () => {
    const body = ok(await ifrs.call("GET", "/v1/reports/deferred-revenue?from=2025-01-01&to=2026-12-31&interval=year"));
    expect(body).toMatchObject({
      from: "2025-01-01",
      to: "2026-12-31",
      interval: "year",
      timezone: "Asia/Tokyo",
      currency: "JPY",
    });
    expect(body.pointValue).toBe(1);
    expect(body.estimate).toMatchObject({
      rate: 0.97,
      source: "finance",
      effectiveFrom: "2026-12-31",
      note: "IFRS 15 IE270: 9,700 expected",
    });
    expect(body.periods).toEqual([
      {
        period: "2025-01-01",
        purchases: 10,
        sales: 100_000,
        pointsIssued: 10_000,
        allocatedToPoints: 8_676,
        allocatedToGoods: 91_324,
        recognised: 4_110,
        breakage: 0,
        liabilityStart: 0,
        liabilityEnd: 4_566,
        expectedRate: 0.95,
        rateSource: "finance",
      },
      {
        period: "2026-01-01",
        purchases: 0,
        sales: 0,
        pointsIssued: 0,
        allocatedToPoints: 0,
        allocatedToGoods: 0,
        recognised: 3_493,
        breakage: 0,
        liabilityStart: 4_566,
        liabilityEnd: 1_073,
        expectedRate: 0.97,
        rateSource: "finance",
      },
    ]);
    expect(body.totals).toEqual({
      purchases: 10,
      sales: 100_000,
      pointsIssued: 10_000,
      allocatedToPoints: 8_676,
      allocatedToGoods: 91_324,
      recognised: 7_603,
      breakage: 0,
      liabilityStart: 0,
      liabilityEnd: 1_073,
    });
    expect(body.points).toEqual([
      {
        period: "2025-01-01",
        issued: 10_000,
        redeemed: 4_500,
        expired: 0,
        cancelled: 0,
        outstandingStart: 0,
        outstandingEnd: 5_500,
      },
      {
        period: "2026-01-01",
        issued: 0,
        redeemed: 4_000,
        expired: 0,
        cancelled: 0,
        outstandingStart: 5_500,
        outstandingEnd: 1_500,
      },
    ]);
    expect(body.layers).toEqual([
      {
        month: "2025-01",
        sales: 100_000,
        pointsIssued: 10_000,
        points: 10_000,
        redeemed: 8_500,
        expired: 0,
        outstanding: 1_500,
        expectedRedemptions: 9_700,
        allocated: 8_676,
        recognisedToDate: 7_603,
        breakageToDate: 0,
        liability: 1_073,
      },
    ]);
    // The layer's points reconcile with the ledger's system accounts and what members hold.
    const overview = ok(await ifrs.call("GET", "/v1/reports/overview?from=2025-01-01&to=2026-12-31&interval=month"));
    expect(overview.totals).toEqual({ issued: 10_000, redeemed: 8_500, expired: 0 });
    expect(overview.outstandingPoints).toBe(body.layers[0].outstanding);
  });

  it("shows the cumulative catch-up in the quarter the estimate changed, the quarters adding up to the year", async () => {
    const body = ok(await ifrs.call("GET", "/v1/reports/deferred-revenue?from=2026-01-01&to=2026-12-31&interval=quarter"));
    expect(
      body.periods.map((p: Json) => [p.period, p.recognised, p.liabilityStart, p.liabilityEnd, p.expectedRate, p.rateSource]),
    ).toEqual([
      ["2026-01-01", 3_653, 4_566, 913, 0.95, "finance"],
      ["2026-04-01", 0, 913, 913, 0.95, "finance"],
      ["2026-07-01", 0, 913, 913, 0.95, "finance"],
      ["2026-10-01", -160, 913, 1_073, 0.97, "finance"],
    ]);
    expect(body.totals.recognised).toBe(3_493);
  });

  it("lists the estimates with their history, the one in force now, and takes a new one idempotently with an audit row", async () => {
    const list = ok(await ifrs.call("GET", "/v1/programs/current/redemption-estimates"));
    expect(list.data.map((e: Json) => [e.rate, e.effectiveFrom, e.note])).toEqual([
      [0.97, "2026-12-31", "IFRS 15 IE270: 9,700 expected"],
      [0.95, "2025-01-01", "IFRS 15 IE267: 9,500 of 10,000 points"],
    ]);
    expect(list.data[0].id).toMatch(/^rde_/);
    expect(list.inForce).toMatchObject({ rate: 0.97, source: "finance", estimateId: list.data[0].id });

    const body = { rate: 0.9612345, effectiveFrom: "2027-01-01", note: "Q1 review" };
    const first = await ifrs.call("POST", "/v1/programs/current/redemption-estimates", body, { idempotencyKey: "est-2027" });
    const again = await ifrs.call("POST", "/v1/programs/current/redemption-estimates", body, { idempotencyKey: "est-2027" });
    expect(ok(first, 201)).toMatchObject({ rate: 0.961235, effectiveFrom: "2027-01-01", note: "Q1 review" });
    expect(ok(again, 201).id).toBe(first.body.id);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    const conflict = await ifrs.call(
      "POST",
      "/v1/programs/current/redemption-estimates",
      { ...body, rate: 0.5 },
      { idempotencyKey: "est-2027" },
    );
    expect(conflict.status).toBe(409);
    const audit = ok(await ifrs.call("GET", "/v1/audit"));
    expect(audit.data.filter((a: Json) => a.action === "POST /v1/programs/current/redemption-estimates")).toHaveLength(3);
    expect(ok(await ifrs.call("GET", "/v1/programs/current/redemption-estimates")).inForce).toMatchObject({
      rate: 0.961235,
      effectiveFrom: "2027-01-01",
    });
    // A later estimate does not change a report that ends before it.
    const year = ok(await ifrs.call("GET", "/v1/reports/deferred-revenue?from=2026-01-01&to=2026-12-31&interval=year"));
    expect(year.periods[0].liabilityEnd).toBe(1_073);
  });

  it("answers every table as CSV, money in the currency's major unit", async () => {
    const res = await t.request("GET", "/v1/reports/deferred-revenue?from=2025-01-01&to=2026-12-31&interval=year&format=csv", {
      key: ifrs.key,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/csv/);
    expect(String(res.body).split("\r\n")).toEqual([
      "period,purchases,sales,points_issued,allocated_to_points,allocated_to_goods,recognised,breakage,liability_start,liability_end,expected_rate,rate_source",
      "2025-01-01,10,100000,10000,8676,91324,4110,0,0,4566,0.95,finance",
      "2026-01-01,0,0,0,0,0,3493,0,4566,1073,0.97,finance",
      "",
    ]);
    const layers = await t.request(
      "GET",
      "/v1/reports/deferred-revenue?from=2025-01-01&to=2026-12-31&interval=year&format=csv&table=layers",
      {
        key: ifrs.key,
      },
    );
    expect(String(layers.body).split("\r\n")[1]).toBe("2025-01,100000,10000,10000,8500,0,1500,9700,8676,7603,0,1073");
    const points = await t.request(
      "GET",
      "/v1/reports/deferred-revenue?from=2025-01-01&to=2026-12-31&interval=year&format=csv&table=points",
      {
        key: ifrs.key,
      },
    );
    expect(String(points.body).split("\r\n")[2]).toBe("2026-01-01,0,4000,0,0,5500,1500");
    const estimates = await t.request("GET", "/v1/programs/current/redemption-estimates?format=csv", { key: ifrs.key });
    expect(String(estimates.body).split("\r\n")[0]).toBe("effective_from,rate,note,actor,created_at,id");
  });

  it("releases breakage when points expire and nothing is left outstanding, with every point assumed redeemed when no estimate is set", async () => {
    t.clock.set("2026-01-05T15:00:00Z");
    const p = await t.createProgram({ pointsExpiry: { policy: "fixed_period", months: 1 } });
    ok(
      await p.call("POST", "/v1/rules", {
        name: "1 point per dollar",
        trigger: "purchase",
        effect: { type: "points_per_amount", points: 1, per: 100, rounding: "floor" },
      }),
      201,
    );
    const a = await p.createMember({ name: "A" });
    const b = await p.createMember({ name: "B" });
    ok(await p.call("POST", "/v1/events", purchase(a, 20_000)), 201);
    ok(await p.call("POST", "/v1/events", purchase(b, 10_000)), 201);
    const reward = ok(
      await p.call("POST", "/v1/rewards", { name: "Tote", type: "free_product", value: { sku: "TOTE" }, costPoints: 150 }),
      201,
    ).id;
    t.clock.set("2026-01-06T15:00:00Z");
    ok(await p.call("POST", `/v1/members/${a}/redemptions`, { rewardId: reward }), 201);
    t.clock.set("2026-02-10T15:00:00Z");
    expect(ok(await p.call("POST", "/v1/jobs/run", {})).expiries).toBe(2);

    const body = ok(await p.call("GET", "/v1/reports/deferred-revenue?from=2026-01-01&to=2026-02-28&interval=month"));
    expect(body.estimate).toMatchObject({ rate: 1, source: "default", estimateId: null });
    expect(body.estimate.explanation).toMatch(/history is too short/);
    expect(body.estimate.sample).toMatchObject({ redeemed: 150, expired: 0 }); // measured on 1 February
    expect(
      body.periods.map((r: Json) => [r.period, r.sales, r.allocatedToPoints, r.recognised, r.breakage, r.liabilityEnd]),
    ).toEqual([
      ["2026-01-01", 30_000, 297, 149, 0, 148],
      ["2026-02-01", 0, 0, 0, 148, 0],
    ]);
    expect(body.points).toEqual([
      { period: "2026-01-01", issued: 300, redeemed: 150, expired: 0, cancelled: 0, outstandingStart: 0, outstandingEnd: 150 },
      { period: "2026-02-01", issued: 0, redeemed: 0, expired: 150, cancelled: 0, outstandingStart: 150, outstandingEnd: 0 },
    ]);
    expect(body.layers).toEqual([
      expect.objectContaining({ month: "2026-01", allocated: 297, recognisedToDate: 149, breakageToDate: 148, liability: 0 }),
    ]);
    // The same points on the ledger's system accounts.
    const overview = ok(await p.call("GET", "/v1/reports/overview?from=2026-01-01&to=2026-02-28&interval=month"));
    expect(overview.series.map((s: Json) => [s.issued, s.redeemed, s.expired])).toEqual([
      [300, 150, 0],
      [0, 0, 150],
    ]);

    // verify finds a ledger the report could not trace: breakage without its lot, a redemption mixed with another account.
    const violations = (report: { checks: { name: string; violations: number }[] }, name: string) =>
      report.checks.find((c) => c.name === name)?.violations;
    const clean = await t.app.services.verify();
    expect(violations(clean, "breakage_booked_per_lot")).toBe(0);
    expect(violations(clean, "redemptions_post_to_redeemed_alone")).toBe(0);
    const lotless = await verifyCorrupted(
      t.app,
      sql`update postings set lot_id = null where account = 'breakage' and program_id = ${p.id}`,
    );
    expect(violations(lotless, "breakage_booked_per_lot")).toBe(2);
    const mixed = await verifyCorrupted(
      t.app,
      sql`insert into postings (txn_id, program_id, account, amount, effective_at)
        select txn_id, program_id, 'adjustments', 1, effective_at from postings
         where account = 'redeemed' and program_id = ${p.id}`,
    );
    expect(violations(mixed, "redemptions_post_to_redeemed_alone")).toBe(1);
  });

  it("estimates the rate from the programme's own history once it is a year long and 1,000 points have settled", async () => {
    // January 2025: A and B buy $1,000 each (1,000 points each, expiring after a month); A redeems
    // 800. February: A's 200 and B's 1,000 expire. Settled: 800 redeemed + 1,200 expired = 2,000,
    // so the history says 800 / 2,000 = 40%, from the first month start a year after the first purchase.
    t.clock.set("2025-01-05T15:00:00Z");
    const p = await t.createProgram({ pointsExpiry: { policy: "fixed_period", months: 1 } });
    ok(
      await p.call("POST", "/v1/rules", {
        name: "1 point per dollar",
        trigger: "purchase",
        effect: { type: "points_per_amount", points: 1, per: 100, rounding: "floor" },
      }),
      201,
    );
    const a = await p.createMember({ name: "A" });
    const b = await p.createMember({ name: "B" });
    ok(await p.call("POST", "/v1/events", purchase(a, 100_000)), 201);
    ok(await p.call("POST", "/v1/events", purchase(b, 100_000)), 201);
    const reward = ok(
      await p.call("POST", "/v1/rewards", { name: "Blender", type: "free_product", value: { sku: "BLEND" }, costPoints: 800 }),
      201,
    ).id;
    ok(await p.call("POST", `/v1/members/${a}/redemptions`, { rewardId: reward }), 201);
    t.clock.set("2025-02-10T15:00:00Z");
    expect(ok(await p.call("POST", "/v1/jobs/run", {})).expiries).toBe(2);

    const early = ok(await p.call("GET", "/v1/reports/deferred-revenue?from=2025-12-01&to=2025-12-31&interval=month"));
    expect(early.estimate).toMatchObject({ rate: 1, source: "default", sample: { redeemed: 800, expired: 1_200 } });
    expect(early.estimate.explanation).toMatch(/too short \(329 days of points, 365 needed\)/);
    const year = ok(await p.call("GET", "/v1/reports/deferred-revenue?from=2026-01-01&to=2026-02-28&interval=month"));
    expect(year.estimate).toMatchObject({
      rate: 0.4,
      source: "history",
      estimateId: null,
      sample: { measuredAt: "2026-02-01T05:00:00.000Z", redeemed: 800, expired: 1_200 },
    });
    // Measured on 1 January 2026 the history was 360 days long: January still assumes every point redeemed.
    expect(year.periods.map((r: Json) => [r.expectedRate, r.rateSource])).toEqual([
      [1, "default"],
      [0.4, "history"],
    ]);
    // Every point is settled, so whatever the rate, nothing is owed.
    expect(year.totals.liabilityEnd).toBe(0);
  });

  it("counts a late-posted purchase when it happened, its points when the ledger booked them", async () => {
    // Posted on 10 March, it happened on 20 January: $100, 100 points, no estimate (rate 1):
    // allocated 10,000 x 100 / 10,100 = 99.01 -> 99 cents in January, kept as a liability (nothing
    // is released before the points are credited, nor while none is redeemed).
    t.clock.set("2026-03-10T15:00:00Z");
    const p = await t.createProgram();
    ok(
      await p.call("POST", "/v1/rules", {
        name: "1 point per dollar",
        trigger: "purchase",
        effect: { type: "points_per_amount", points: 1, per: 100, rounding: "floor" },
        inForceFrom: "2026-01-01T00:00:00Z",
      }),
      201,
    );
    const a = await p.createMember({ name: "A" });
    ok(await p.call("POST", "/v1/events", purchase(a, 10_000, { occurredAt: "2026-01-20T15:00:00Z" })), 201);
    const body = ok(await p.call("GET", "/v1/reports/deferred-revenue?from=2026-01-01&to=2026-03-31&interval=month"));
    expect(
      body.periods.map((r: Json) => [r.period, r.sales, r.allocatedToPoints, r.recognised, r.breakage, r.liabilityEnd]),
    ).toEqual([
      ["2026-01-01", 10_000, 99, 0, 0, 99],
      ["2026-02-01", 0, 0, 0, 0, 99],
      ["2026-03-01", 0, 0, 0, 0, 99],
    ]);
    expect(body.points.map((r: Json) => [r.period, r.issued, r.outstandingEnd])).toEqual([
      ["2026-01-01", 0, 0],
      ["2026-02-01", 0, 0],
      ["2026-03-01", 100, 100],
    ]);
    expect(body.layers).toEqual([expect.objectContaining({ month: "2026-01", points: 100, allocated: 99, liability: 99 })]);
  });

  it("answers an empty programme with zeros, and refuses bad input in the one error shape", async () => {
    const empty = ok(await fresh.call("GET", "/v1/reports/deferred-revenue?from=2026-01-01&to=2026-03-31&interval=month"));
    expect(empty.periods).toHaveLength(3);
    expect(empty.totals).toMatchObject({ sales: 0, allocatedToPoints: 0, recognised: 0, liabilityEnd: 0 });
    expect(empty.layers).toEqual([]);
    expect(empty.estimate.source).toBe("default");

    const bad = async (path: string, field: string) => {
      const res = await fresh.call("GET", path);
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.error.code).toBe("validation_error");
      expect(JSON.stringify(res.body.error)).toContain(field);
    };
    await bad("/v1/reports/deferred-revenue?interval=fortnight", "interval");
    await bad("/v1/reports/deferred-revenue?from=2026-03-01&to=2026-01-01", "from");
    await bad("/v1/reports/deferred-revenue?from=2020-01-01&to=2026-01-01", "from");
    await bad("/v1/reports/deferred-revenue?form=2026-01-01", "form");

    const post = (body: unknown, key?: string) =>
      fresh.call("POST", "/v1/programs/current/redemption-estimates", body, key ? { key } : {});
    const tooHigh = await post({ rate: 1.5, effectiveFrom: "2026-01-01" });
    expect(tooHigh.status).toBe(400);
    expect(tooHigh.body.error.message).toBe("Enter the expected redemption rate as a number from 0 to 1 (0.95 for 95%)");
    expect((await post({ rate: 0.9, effectiveFrom: "2026-02-30" })).status).toBe(400);
    expect((await post({ rate: 0.9 })).status).toBe(400);
    const readKey = ok(await fresh.call("POST", "/v1/api-keys", { name: "Finance reader", scope: "read" }), 201).secret;
    expect((await post({ rate: 0.9, effectiveFrom: "2026-01-01" }, readKey)).status).toBe(403);
    // A read key reads the report and the estimates.
    ok(await fresh.call("GET", "/v1/reports/deferred-revenue", undefined, { key: readKey }));
    expect(ok(await fresh.call("GET", "/v1/programs/current/redemption-estimates", undefined, { key: readKey })).data).toEqual(
      [],
    );
  });
});
