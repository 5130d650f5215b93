import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, startTestApp, type TestApp, type TestProgram } from "../helpers/test-app.ts";

/**
 * The preview the console's campaign form uses ("try an example event"): one example event for
 * an example member through a campaign, draft or live, on top of the standing rules, writing
 * nothing.
 */
describe.each(engines())("POST /v1/campaigns/{id}/preview (%s)", (engine) => {
  let t: TestApp;
  let p: TestProgram;
  let campaignId: string;
  let goldId: string;

  beforeAll(async () => {
    t = await startTestApp(engine);
    p = await t.createProgram();
    const ladder = await p.call("PUT", "/v1/tiers", {
      policy: { metric: "spend", window: { type: "lifetime" }, periodMonths: 12, graceDays: 0 },
      tiers: [
        { name: "Bronze", threshold: 0 },
        { name: "Gold", threshold: 100_000, earnMultiplier: 1.5 },
      ],
    });
    expect(ladder.status).toBe(200);
    goldId = ladder.body.tiers[1].id;
    expect(
      (
        await p.call("POST", "/v1/rules", {
          name: "1 point per dollar",
          trigger: "purchase",
          effect: { type: "points_per_amount", points: 1, per: 100 },
        })
      ).status,
    ).toBe(201);
    // A draft for next year, with a holdout and a budget: the preview sets schedule and holdout aside.
    const campaign = await p.call("POST", "/v1/campaigns", {
      name: "Double points",
      startsAt: "2027-01-01",
      endsAt: "2027-01-31",
      holdoutPercent: 10,
      budgetPoints: 1_000,
      audience: [{ type: "segment", in: ["vip"] }],
    });
    expect(campaign.status).toBe(201);
    campaignId = campaign.body.id;
    const rule = await p.call("POST", "/v1/rules", {
      name: "Double points",
      campaignId,
      trigger: "purchase",
      conditions: [{ type: "min_amount", amount: 1_000 }],
      effect: { type: "multiplier", factor: 2 },
    });
    expect(rule.status).toBe(201);
  });
  afterAll(() => t?.close());

  it("answers the points each rule would give for an example member in the audience", async () => {
    const res = await p.call("POST", `/v1/campaigns/${campaignId}/preview`, {
      event: { amount: 2_550 },
      member: { segments: ["vip"] },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ campaignId, campaignVersion: 1, points: 50, campaignPoints: 25, holdoutPercent: 10 });
    expect(res.body.contributions.map((c: { ruleName: string; points: number }) => [c.ruleName, c.points])).toEqual([
      ["1 point per dollar", 25],
      ["Double points", 25],
    ]);
  });

  it("adds the tier bonus and says why a rule gave nothing", async () => {
    const gold = await p.call("POST", `/v1/campaigns/${campaignId}/preview`, {
      event: { amount: 2_000 },
      member: { tierId: goldId, segments: ["vip"] },
    });
    expect(gold.status).toBe(200);
    expect(gold.body.points).toBe(60); // (20 + 20) x 1.5
    const outside = await p.call("POST", `/v1/campaigns/${campaignId}/preview`, { event: { amount: 2_000 } });
    expect(outside.body.points).toBe(20);
    expect(outside.body.campaignPoints).toBe(0);
    expect(outside.body.skipped).toEqual([expect.objectContaining({ ruleName: "Double points", reason: "audience" })]);
  });

  it("previews the standing rules alone at /v1/rules/preview", async () => {
    const res = await p.call("POST", "/v1/rules/preview", { event: { amount: 2_000 }, member: { tierId: goldId } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ campaignId: null, campaignVersion: null, points: 30, campaignPoints: 0, holdoutPercent: 0 });
    expect(res.body.skipped).toEqual([]);
  });

  it("writes nothing and refuses bad input with field paths", async () => {
    const before = await p.call("GET", `/v1/campaigns/${campaignId}`);
    const bad = await p.call("POST", `/v1/campaigns/${campaignId}/preview`, { event: { amount: -1 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues[0].path).toBe("event.amount");
    const tier = await p.call("POST", `/v1/campaigns/${campaignId}/preview`, {
      event: { amount: 1 },
      member: { tierId: "tie_x" },
    });
    expect(tier.status).toBe(400);
    expect(tier.body.error.details.issues[0].path).toBe("member.tierId");
    const after = await p.call("GET", `/v1/campaigns/${campaignId}`);
    expect(after.body.budget).toEqual(before.body.budget);
    expect((await p.call("POST", "/v1/campaigns/cmp_nope/preview", { event: {} })).status).toBe(404);
  });
});
