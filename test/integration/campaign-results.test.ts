import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { holdoutBucket } from "../../src/earning/campaign-reach.rules.ts";
import { failedCondition } from "../../src/earning/conditions.rules.ts";
import type { MemberCondition } from "../../src/earning/earning.schemas.ts";
import { segmentsOf } from "../../src/members/members.rules.ts";
import { refund } from "../helpers/events.ts";
import { engines, type Json, startTestApp, type TestApp, type TestProgram } from "../helpers/test-app.ts";

/*
 * Campaign effectiveness, exactly, on both engines. "Spring bonus" (1 point per dollar on purchases,
 * 1 February to 1 March 2026, a 50% holdout, audience: members whose attribute cohort is "spring")
 * has 10 audience members, picked by the engine's own holdout draw: 6 treated (T1-T6) and 4 held out
 * (H1-H4). "Everyone VIP" (no holdout, audience: segment vip, no rules) has the same 10 members.
 * Members enrolled 20 December 2025, before both windows.
 *
 * What they bought (New York time; a point is worth 0.5 cents):
 *   15 Jan (before): T1 $40.00, H1 $10.00
 *   10 Feb (window): T1 $50.00; T2 $30.00 and $20.00; T3 $10.00, of which $5.00 returned 12 Feb; H1 $20.00
 *
 * Spring bonus, window 2026-02-01 .. 2026-03-01 (its own dates):
 *   treated spend per member [5000, 5000, 500, 0, 0, 0]: sum 10500, mean 1750,
 *     variance (2 x 3250^2 + 1250^2 + 3 x 1750^2) / 5 = 31,875,000 / 5 = 6,375,000
 *   holdout [2000, 0, 0, 0]: sum 2000, mean 500, variance (1500^2 + 3 x 500^2) / 3 = 1,000,000
 *   conversion 3/6 = 0.5 vs 1/4 = 0.25: pooled 4/10 = 0.4, SE0 = sqrt(0.4 x 0.6 x (1/6 + 1/4)) = sqrt(0.1),
 *     z = 0.25 / 0.316228 = 0.790569, p = 2 Phi(-0.790569) = 0.429195;
 *     Wald interval 0.25 +- 1.959964 x sqrt(0.5 x 0.5 / 6 + 0.25 x 0.75 / 4) = 0.25 +- 1.959964 x 0.297559
 *   spend: va = 6,375,000 / 6 = 1,062,500, vb = 1,000,000 / 4 = 250,000, SE = sqrt(1,312,500) = 1145.644,
 *     t = 1250 / 1145.644 = 1.091089, df = 1,312,500^2 / (1,062,500^2 / 5 + 250,000^2 / 3) = 6.985216,
 *     p = 2 T(-1.091089; 6.985216) = 0.311433, interval 1250 +- t(0.975; 6.985216) x SE = 1250 +- 2.365639 x 1145.644
 *   relative lift 1750 / 500 - 1 = 2.5; incremental revenue 1250 x 6 = 7500 ($75.00)
 *   points: 50 + 50 + 10 = 110 awarded, 5 taken back by T3's return: 105; cost 105 x 0.5 = 52.5 -> 53 cents
 *   cost per incremental dollar 53 / 7500 = 0.0070667
 *   verdict too_small (6 and 4 members, fewer than 30)
 *   before/after (treated, all enrolled before 3 January): before 2026-01-03 .. 2026-01-31, 4000 / 6 = 666.67 -> 667;
 *     during 10500 / 6 = 1750; change 10500 / 4000 - 1 = 1.625
 */

const CAMPAIGN_DAYS = { startsAt: "2026-02-01", endsAt: "2026-03-01" };

describe.each(engines())("campaign results on %s", (engine) => {
  let t: TestApp;
  let p: TestProgram;
  let spring: string;
  let vip: string;
  const treated: string[] = [];
  const heldOut: string[] = [];

  beforeAll(async () => {
    t = await startTestApp(engine, "2025-12-20T15:00:00Z");
    p = await t.createProgram({ pointValue: 0.5 });
    const ok = async (res: Promise<{ status: number; body: Json }>, status = 201) => {
      const r = await res;
      expect(r.status, JSON.stringify(r.body)).toBe(status);
      return r.body;
    };
    spring = (
      await ok(
        p.call("POST", "/v1/campaigns", {
          name: "Spring bonus",
          status: "active",
          ...CAMPAIGN_DAYS,
          holdoutPercent: 50,
          budgetPoints: 100_000,
          audience: [{ type: "member_attribute", key: "cohort", op: "eq", value: "spring" }],
        }),
      )
    ).id;
    await ok(
      p.call("POST", "/v1/rules", {
        name: "Spring: 1 point per dollar",
        campaignId: spring,
        trigger: "purchase",
        effect: { type: "points_per_amount", points: 1, per: 100, rounding: "floor" },
      }),
    );
    vip = (
      await ok(
        p.call("POST", "/v1/campaigns", {
          name: "Everyone VIP",
          status: "active",
          ...CAMPAIGN_DAYS,
          audience: [{ type: "segment", in: ["vip"] }],
        }),
      )
    ).id;
    // Members until the draw has given 6 treated and 4 held out; the rest stay out of the audience.
    for (let i = 0; treated.length < 6 || heldOut.length < 4; i++) {
      const id = await p.createMember({ email: `m${i}@example.com` });
      const group = holdoutBucket(spring, id) < 50 ? heldOut : treated;
      if (group.length >= (group === heldOut ? 4 : 6)) continue;
      group.push(id);
      await ok(p.call("PATCH", `/v1/members/${id}`, { attributes: { cohort: "spring", segments: ["vip"] } }), 200);
    }
    const [t1, t2, t3] = treated;
    const [h1] = heldOut;
    const buy = (id: string, memberId: string | undefined, amount: number, occurredAt: string) =>
      ok(p.call("POST", "/v1/events", { id, type: "purchase", memberId, amount, occurredAt }));
    t.clock.set("2026-03-10T15:00:00Z");
    await buy("jan-t1", t1, 4000, "2026-01-15T17:00:00Z");
    await buy("jan-h1", h1, 1000, "2026-01-15T17:00:00Z");
    const feb = "2026-02-10T17:00:00Z";
    const t1Feb = await buy("feb-t1", t1, 5000, feb);
    expect(t1Feb.points.total).toBe(50);
    await buy("feb-t2a", t2, 3000, feb);
    await buy("feb-t2b", t2, 2000, feb);
    await buy("feb-t3", t3, 1000, feb);
    const h1Feb = await buy("feb-h1", h1, 2000, feb);
    expect(h1Feb.points.total).toBe(0);
    await ok(p.call("POST", "/v1/events", { ...refund("feb-t3", 500), occurredAt: "2026-02-12T17:00:00Z" }));
  });
  afterAll(async () => {
    await t.close();
  });

  const get = async (path: string, status = 200) => {
    const res = await p.call("GET", path);
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    return res.body;
  };

  it("compares treated and held-out members of the audience, whether or not they bought", async () => {
    const report = await get("/v1/reports/campaigns");
    expect(report).toMatchObject({ from: null, to: null, timezone: "America/New_York", currency: "USD", pointValue: 0.5 });
    expect(report.campaigns.map((c: Json) => c.name)).toEqual(["Spring bonus", "Everyone VIP"]);
    const c = report.campaigns[0];
    expect(c).toMatchObject({
      campaignId: spring,
      holdoutPercent: 50,
      from: "2026-02-01",
      to: "2026-03-01",
      treated: { members: 6, buyers: 3, conversion: 0.5, purchases: 4, spend: 10500, spendPerMember: 1750 },
      holdout: { members: 4, buyers: 1, conversion: 0.25, purchases: 1, spend: 2000, spendPerMember: 500 },
      membersAwarded: 3,
      membersHeldOutTriggered: 1,
      pointsAwarded: 110,
      pointsReturned: 5,
      points: 105,
      pointsCost: 53,
      incrementalRevenue: 7500,
      verdict: "too_small",
      beforeAfter: {
        beforeFrom: "2026-01-03",
        beforeTo: "2026-01-31",
        members: 6,
        spendPerMemberBefore: 667,
        spendPerMemberDuring: 1750,
        change: 1.625,
      },
    });
    expect(c.treated.purchasesPerMember).toBeCloseTo(4 / 6, 12);
    expect(c.conversion.difference).toBeCloseTo(0.25, 12);
    expect(c.conversion.z).toBeCloseTo(0.790569, 6);
    expect(c.conversion.pValue).toBeCloseTo(0.429195, 6);
    expect(c.conversion.differenceCi[0]).toBeCloseTo(0.25 - 1.959964 * 0.297559, 5);
    expect(c.conversion.differenceCi[1]).toBeCloseTo(0.25 + 1.959964 * 0.297559, 5);
    expect(c.conversion.lift).toBeCloseTo(1, 12);
    expect(c.spendPerMember.difference).toBeCloseTo(1250, 9);
    expect(c.spendPerMember.t).toBeCloseTo(1.091089, 6);
    expect(c.spendPerMember.df).toBeCloseTo(6.985216, 6);
    expect(c.spendPerMember.pValue).toBeCloseTo(0.311433, 6);
    expect(c.spendPerMember.differenceCi[0]).toBeCloseTo(1250 - 2.365639 * 1145.644, 1);
    expect(c.spendPerMember.differenceCi[1]).toBeCloseTo(1250 + 2.365639 * 1145.644, 1);
    expect(c.spendPerMember.lift).toBeCloseTo(2.5, 12);
    // Welch's interval x 6 treated members, rounded to the cent: -1460.18 x 6 = -8761.08, 3960.18 x 6 = 23761.08.
    expect(c.incrementalRevenueCi).toEqual([-8761, 23761]);
    expect(c.costPerIncrementalRevenue).toBeCloseTo(53 / 7500, 12);
    expect(c.reason).toMatch(/6 treated and 4 held out.*at least 30/);
  });

  it("reports what it can for a campaign without a holdout, and says lift needs one", async () => {
    const { campaign, bootstrap } = await get(`/v1/reports/campaigns/${vip}`);
    // All 10 (segment vip) treated: 4 buyers, 5 purchases, spend 10500 + 2000 = 12500; before: 4000 + 1000 = 5000.
    expect(campaign).toMatchObject({
      holdoutPercent: 0,
      treated: { members: 10, buyers: 4, purchases: 5, spend: 12500, spendPerMember: 1250 },
      holdout: { members: 0, buyers: 0, conversion: null, spendPerMember: null },
      points: 0,
      pointsCost: 0,
      conversion: null,
      spendPerMember: null,
      incrementalRevenue: null,
      costPerIncrementalRevenue: null,
      beforeAfter: { members: 10, spendPerMemberBefore: 500, spendPerMemberDuring: 1250, change: 1.5 },
      verdict: "no_holdout",
    });
    expect(campaign.reason).toMatch(/Lift needs a holdout/);
    expect(bootstrap).toBeNull();
  });

  it("adds a seeded bootstrap interval to one campaign's report, the same every time", async () => {
    const first = await get(`/v1/reports/campaigns/${spring}`);
    const again = await get(`/v1/reports/campaigns/${spring}`);
    expect(again).toEqual(first);
    expect(first.campaign.treated.members).toBe(6);
    const b = first.bootstrap;
    expect(b).toMatchObject({ resamples: 2000, seed: 20260413 });
    // Resampled differences of means: the interval holds the observed 1250 and lies within the extremes
    // (treated mean at most 5000, holdout mean at least 0; at least 0 - 2000).
    expect(b.differenceCi[0]).toBeLessThan(1250);
    expect(b.differenceCi[1]).toBeGreaterThan(1250);
    expect(b.differenceCi[0]).toBeGreaterThanOrEqual(-2000);
    expect(b.differenceCi[1]).toBeLessThanOrEqual(5000);
    expect(b.incrementalRevenueCi).toEqual(b.differenceCi.map((v: number) => Math.sign(v) * Math.round(Math.abs(v) * 6)));
    expect(first.campaign.verdict).toBe("too_small");
  });

  it("reads any window", async () => {
    // 12 February only: no purchase happened that day; the return did, taking back 5 points.
    const { campaign } = await get(`/v1/reports/campaigns/${spring}?from=2026-02-12&to=2026-02-12`);
    expect(campaign).toMatchObject({
      from: "2026-02-12",
      to: "2026-02-12",
      treated: { members: 6, buyers: 0, spend: 0 },
      holdout: { members: 4, buyers: 0, spend: 0 },
      pointsAwarded: 0,
      pointsReturned: 5,
      points: -5,
      pointsCost: -3,
      beforeAfter: { beforeFrom: "2026-02-11", beforeTo: "2026-02-11" },
      conversion: null,
      spendPerMember: null,
    });
    const list = await get("/v1/reports/campaigns?from=2026-01-01&to=2026-01-31");
    expect(list.from).toBe("2026-01-01");
    // January: before the campaign, T1 spent 4000 of the treated group's; H1 1000 of the holdout's.
    expect(list.campaigns[0]).toMatchObject({
      treated: { spend: 4000, buyers: 1 },
      holdout: { spend: 1000, buyers: 1 },
      points: 0,
    });
  });

  it("answers a CSV per table", async () => {
    const csv = await p.call("GET", "/v1/reports/campaigns?format=csv");
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-disposition")).toBe('attachment; filename="campaigns.csv"');
    const [header, first] = (csv.body as string).split("\r\n");
    const columns = header?.split(",") ?? [];
    const cells = first?.split(",") ?? [];
    const cell = (name: string) => cells[columns.indexOf(name)];
    expect(cell("campaign_id")).toBe(spring);
    expect(cell("treated_spend")).toBe("105.00");
    expect(cell("holdout_spend_per_member")).toBe("5.00");
    expect(cell("incremental_revenue")).toBe("75.00");
    expect(cell("incremental_revenue_low")).toBe("-87.61");
    expect(cell("points_cost")).toBe("0.53");
    expect(cell("verdict")).toBe("too_small");
    const one = await p.call("GET", `/v1/reports/campaigns/${spring}?format=csv&table=campaign`);
    expect(one.status).toBe(200);
    expect((one.body as string).split("\r\n")[0]).toBe(header);
    // One campaign's file names it by its id.
    expect(one.headers.get("content-disposition")).toBe(`attachment; filename="campaigns-${spring}-campaign.csv"`);
  });

  it("refuses unknown campaigns, another programme's, and bad windows, in the one error shape", async () => {
    const unknown = await get("/v1/reports/campaigns/cmp_nope", 404);
    expect(unknown.error.code).toBe("not_found");
    expect(unknown.error.message).toMatch(/Campaign cmp_nope/);
    const other = await t.createProgram();
    const theirs = await other.call("GET", `/v1/reports/campaigns/${spring}`);
    expect(theirs.status).toBe(404);
    expect((await get("/v1/reports/campaigns?from=2026-03-05&to=2026-03-01", 400)).error.code).toBe("validation_error");
    expect((await get(`/v1/reports/campaigns/${spring}?from=2020-01-01&to=2026-03-01`, 400)).error.message).toMatch(/at most/);
    expect((await get("/v1/reports/campaigns?campaign=x", 400)).error.code).toBe("validation_error");
    // An empty programme answers, with no campaigns.
    const empty = await other.call("GET", "/v1/reports/campaigns");
    expect(empty.status).toBe(200);
    expect(empty.body.campaigns).toEqual([]);
    // ... and refuses an absurd range as a programme with campaigns does.
    const absurd = await other.call("GET", "/v1/reports/campaigns?from=1900-01-01&to=2026-01-01");
    expect(absurd.status).toBe(400);
    expect(absurd.body.error.message).toBe("A report covers at most 1098 days");
  });

  it("puts in a campaign's audience exactly the members the earning engine's conditions admit", async () => {
    // Each condition as the only audience condition of a campaign with no holdout: its treated members
    // must be the members failedCondition (earning/conditions.rules.ts) lets through, counted by hand here.
    const q = await t.createProgram();
    const people: Record<string, unknown>[] = [
      { level: 5, city: "Paris", segments: ["vip", 3] },
      { level: 10, city: "berlin" },
      { level: "10", city: null },
      {},
      { level: 7.5, city: "Zurich", segments: "vip" },
      { level: [1], segments: ["gold"] },
    ];
    const ids: string[] = [];
    for (const attributes of people) ids.push(await q.createMember({ attributes }));
    const conditions: [MemberCondition, number][] = [
      [{ type: "member_attribute", key: "level", op: "eq", value: 10 }, 1],
      [{ type: "member_attribute", key: "level", op: "neq", value: 10 }, 5],
      [{ type: "member_attribute", key: "level", op: "in", value: [5, "10"] }, 2],
      [{ type: "member_attribute", key: "city", op: "exists" }, 3],
      [{ type: "member_attribute", key: "city", op: "eq", value: null }, 1],
      [{ type: "member_attribute", key: "level", op: "gte", value: 7 }, 2],
      [{ type: "member_attribute", key: "city", op: "lte", value: "Paris" }, 1],
      [{ type: "member_attribute", key: "city", op: "gte", value: "Paris" }, 3],
      [{ type: "segment", in: ["vip"] }, 1],
      [{ type: "segment", in: ["gold", "vip"] }, 2],
      [{ type: "tier", in: ["Gold"] }, 0],
    ];
    for (const [i, [condition]] of conditions.entries()) {
      const made = await q.call("POST", "/v1/campaigns", { name: `Condition ${i}`, status: "active", audience: [condition] });
      expect(made.status, JSON.stringify(made.body)).toBe(201);
    }
    const report = await q.call("GET", "/v1/reports/campaigns");
    expect(report.status).toBe(200);
    const program = { timezone: "America/New_York", currency: "USD" };
    for (const [i, [condition, expected]] of conditions.entries()) {
      const admitted = people.filter(
        (attributes, j) =>
          failedCondition(
            condition,
            null,
            { id: ids[j] ?? "", attributes, tier: null, segments: segmentsOf(attributes) },
            null,
            program,
          ) === null,
      ).length;
      expect(admitted, JSON.stringify(condition)).toBe(expected);
      expect(report.body.campaigns[i].treated.members, JSON.stringify(condition)).toBe(expected);
    }
  });
});
