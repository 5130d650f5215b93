import { sql } from "kysely";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { nextId, purchase } from "../helpers/events.ts";
import {
  engines,
  type HttpResult,
  type Json,
  startTestApp,
  type TestApp,
  type TestProgram,
  verifyCorrupted,
} from "../helpers/test-app.ts";

/**
 * Tiers end to end, through the HTTP API: a programme in New York (USD, amounts in cents) with a
 * Bronze / Silver / Gold / Platinum ladder on spend over a rolling 6 months, a 6-month tier period
 * and 30 days of grace. Every state is checked exactly, as of several times, with and without
 * the jobs having run.
 */

const START = "2026-01-15T17:00:00.000Z"; // noon in New York (EST)

const POLICY = { metric: "spend", window: { type: "rolling_months", months: 6 }, periodMonths: 6, graceDays: 30 };
const LADDER = [
  { name: "Bronze", threshold: 0, benefits: ["Birthday treat"] },
  { name: "Silver", threshold: 50_000, retainThreshold: 40_000, earnMultiplier: 1.25 },
  {
    name: "Gold",
    threshold: 100_000,
    retainThreshold: 80_000,
    earnMultiplier: 1.5,
    pointsExpiry: { policy: "fixed_period", months: 24 },
    benefits: ["Free shipping", "Lounge access"],
  },
  { name: "Platinum", threshold: 250_000, earnMultiplier: 2 },
];
const PER_DOLLAR = {
  name: "1 point per dollar",
  trigger: "purchase",
  effect: { type: "points_per_amount", points: 1, per: 100, rounding: "floor" },
};

function expectError(res: HttpResult, status: number, code: string) {
  expect({ status: res.status, code: res.body?.error?.code }, JSON.stringify(res.body)).toEqual({ status, code });
}

describe.each(engines())("tiers on %s", (engine) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp(engine, START);
  });
  afterAll(() => t.close());
  afterEach(async () => {
    const report = await t.app.services.verify();
    expect(report.checks.filter((c) => c.violations > 0)).toEqual([]);
    expect(report.ok).toBe(true);
  });

  async function programWithTiers(
    settings: Record<string, unknown> = {},
    ladder: Record<string, unknown>[] = LADDER,
    policy: Record<string, unknown> = POLICY,
  ) {
    const p = await t.createProgram({ pointsExpiry: { policy: "fixed_period", months: 12 }, ...settings });
    const rule = await p.call("POST", "/v1/rules", PER_DOLLAR);
    expect(rule.status).toBe(201);
    const put = await p.call("PUT", "/v1/tiers", { policy, tiers: ladder });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    const tiers: Record<string, Json> = Object.fromEntries(put.body.tiers.map((tier: Json) => [tier.name, tier]));
    return { p, tiers };
  }

  async function earn(p: TestProgram, event: Record<string, unknown>): Promise<Json> {
    const res = await p.call("POST", "/v1/events", event);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body;
  }

  async function status(p: TestProgram, memberId: string, asOf?: string): Promise<Json> {
    const res = await p.call("GET", `/v1/members/${memberId}/tier${asOf ? `?asOf=${encodeURIComponent(asOf)}` : ""}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  }

  async function runJobs(p: TestProgram): Promise<Json> {
    const res = await p.call("POST", "/v1/jobs/run", {});
    expect(res.status).toBe(200);
    return res.body;
  }

  /** The parts of a status a member portal shows, with the history as reasons and tier names. */
  const summary = (s: Json) => ({
    tier: s.tier?.name ?? null,
    since: s.since,
    locked: s.locked,
    reviewAt: s.reviewAt,
    graceUntil: s.graceUntil,
    metric: s.progress.metric,
    percentToNext: s.progress.percentToNext,
    nextTier: s.nextTier?.name ?? null,
    amountToNext: s.amountToNext,
    amountToKeep: s.amountToKeep,
    window: s.window,
    history: s.history.map((h: Json) =>
      `${h.at} ${h.reason} ${h.from?.name ?? "-"}->${h.to?.name ?? "-"} ${h.metric ?? ""}`.trim(),
    ),
  });

  it("a member's year: Silver, Gold mid-year, a return, grace at review, down to Silver at its end", async () => {
    t.clock.set(START);
    const { p, tiers } = await programWithTiers();
    // Two members with the same year: A keeps shopping (its events apply the reviews), B goes quiet
    // (the jobs apply them). Their states as of any time must be the same.
    const a = await p.createMember({ name: "Ada" });
    const b = await p.createMember({ name: "Bea" });

    const both = async (at: string, amount: number) => {
      t.clock.set(at);
      const res = await p.call("POST", "/v1/events/batch", { events: [purchase(a, amount), purchase(b, amount)] });
      expect(res.status).toBe(200);
      expect(res.body.results.map((r: Json) => r.status)).toEqual([201, 201]);
      return res.body.results.map((r: Json) => r.result) as Json[];
    };

    // Enrolment: the bottom tier, never reviewed.
    expect(summary(await status(p, a))).toEqual({
      tier: "Bronze",
      since: START,
      locked: false,
      reviewAt: null,
      graceUntil: null,
      metric: 0,
      percentToNext: 0,
      nextTier: "Silver",
      amountToNext: 50_000,
      amountToKeep: null,
      window: { from: "2025-07-15T16:00:00.000Z", to: START },
      history: [`${START} enrolment -->Bronze`],
    });

    const [feb] = await both("2026-02-02T17:00:00.000Z", 30_000);
    expect(feb.points.total).toBe(300);
    expect(feb.tierChange).toBeNull();

    // $600 in the window: Silver, from now, reviewed in 6 months.
    const [mar] = await both("2026-03-02T17:00:00.000Z", 30_000);
    expect(mar.points.total).toBe(300); // earned as Bronze
    expect(mar.tierChange).toEqual({
      from: { id: tiers.Bronze.id, name: "Bronze" },
      to: { id: tiers.Silver.id, name: "Silver" },
      reason: "qualified",
    });

    // $1,050: Gold. This purchase itself still earns as Silver (x1.25, rounded down).
    const [apr, aprB] = await both("2026-04-15T16:00:00.000Z", 45_000);
    expect(apr.contributions.map((c: Json) => [c.ruleName, c.ruleId === null, c.points, c.explanation])).toEqual([
      ["1 point per dollar", false, 450, "1 point per $1.00 on $450.00 (floor): 450 points"],
      ["Silver tier", true, 112, "Silver tier x1.25 on 450 points (floor): +112 points"],
    ]);
    expect(apr.points.total).toBe(562);
    expect(apr.tierChange).toMatchObject({ from: { name: "Silver" }, to: { name: "Gold" }, reason: "qualified" });

    // As Gold: x1.5, and Gold's own points expiry (24 months, not the programme's 12).
    const [may] = await both("2026-05-01T16:00:00.000Z", 10_000);
    expect(may.contributions.map((c: Json) => [c.ruleName, c.points, c.expiresAt])).toEqual([
      ["1 point per dollar", 100, "2028-05-01T16:00:00.000Z"],
      ["Gold tier", 50, "2028-05-01T16:00:00.000Z"],
    ]);
    expect(may.contributions[1].explanation).toBe("Gold tier x1.5 on 100 points (floor): +50 points");
    const balance = await p.call("GET", `/v1/members/${a}/balance`);
    expect(balance.body.expiring[0]).toEqual({ points: 300, expiresAt: "2027-02-02T17:00:00.000Z" });

    // A return of $300 of April's purchase: points back in proportion (562 x 300/450, half up), the
    // metric down to $850, below Gold's threshold, and still Gold: only a review downgrades.
    t.clock.set("2026-05-10T16:00:00.000Z");
    for (const original of [apr.eventId, aprB.eventId]) {
      const ret = await earn(p, { id: nextId("return"), type: "return", originalEventId: original, amount: 30_000 });
      expect(ret.return.pointsTakenBack).toBe(375);
    }
    const afterReturn = await status(p, a);
    expect({ tier: afterReturn.tier.name, metric: afterReturn.progress.metric }).toEqual({ tier: "Gold", metric: 85_000 });

    await both("2026-07-01T16:00:00.000Z", 20_000);
    const goldJuly = {
      tier: "Gold",
      since: "2026-04-15T16:00:00.000Z",
      locked: false,
      reviewAt: "2026-10-15T16:00:00.000Z",
      graceUntil: null,
      metric: 105_000,
      percentToNext: 42,
      nextTier: "Platinum",
      amountToNext: 145_000,
      // The review looks at (15 April, 15 October]: April's purchase and its return fall out of it.
      amountToKeep: 50_000,
      window: { from: "2026-01-02T17:00:00.000Z", to: "2026-07-02T16:00:00.000Z" },
      history: [
        `${START} enrolment -->Bronze`,
        "2026-03-02T17:00:00.000Z qualified Bronze->Silver 60000",
        "2026-04-15T16:00:00.000Z qualified Silver->Gold 105000",
      ],
    };
    expect(summary(await status(p, a, "2026-07-02T16:00:00.000Z"))).toEqual(goldJuly);
    expect((await status(p, a, "2026-07-02T16:00:00.000Z")).tier).toEqual({
      id: tiers.Gold.id,
      name: "Gold",
      rank: 2,
      earnMultiplier: 1.5,
      benefits: ["Free shipping", "Lounge access"],
    });

    const [sep] = await both("2026-09-01T16:00:00.000Z", 30_000);
    expect(sep.points.total).toBe(450);

    // The review on 15 October finds $600 in its window, short of $800: 30 days of grace, Gold kept.
    const graceOctober = {
      ...goldJuly,
      graceUntil: "2026-11-14T17:00:00.000Z",
      metric: 60_000,
      percentToNext: 24,
      amountToNext: 190_000,
      // Keeping Gold counts the review's window extended to the end of grace, (15 April, 14
      // November]: $600 so far (April's purchase and its return both fall out of it).
      amountToKeep: 20_000,
      window: { from: "2026-04-20T16:00:00.000Z", to: "2026-10-20T16:00:00.000Z" },
      history: [...goldJuly.history, "2026-10-15T16:00:00.000Z grace Gold->Gold 60000"],
    };
    t.clock.set("2026-10-20T16:00:00.000Z");
    expect(summary(await status(p, a))).toEqual(graceOctober);

    // At the end of grace the member lands on the higher of what the review's window ($600) and the
    // window then ($500) reach: Silver either way. Since then, reviewed in 6 months.
    const silverDecember = {
      tier: "Silver",
      since: "2026-11-14T17:00:00.000Z",
      locked: false,
      reviewAt: "2027-05-14T16:00:00.000Z",
      graceUntil: null,
      metric: 50_000,
      percentToNext: 50,
      nextTier: "Gold",
      amountToNext: 50_000,
      amountToKeep: 40_000,
      window: { from: "2026-06-01T16:00:00.000Z", to: "2026-12-01T17:00:00.000Z" },
      history: [...graceOctober.history, "2026-11-14T17:00:00.000Z downgraded Gold->Silver 60000"],
    };
    t.clock.set("2026-12-01T17:00:00.000Z");
    const asOfTimes = [
      "2026-01-15T17:00:00.000Z",
      "2026-04-15T15:59:59.999Z",
      "2026-07-02T16:00:00.000Z",
      "2026-10-15T15:59:59.999Z",
      "2026-10-20T16:00:00.000Z",
      "2026-11-14T17:00:00.000Z",
      "2026-12-01T17:00:00.000Z",
    ];
    // B's states with no job run yet: every review applied in memory.
    const before = await Promise.all(asOfTimes.map((at) => status(p, b, at)));
    expect(summary(before[2])).toEqual(goldJuly);
    expect(summary(before[4])).toEqual(graceOctober);
    expect(summary(before[6])).toEqual(silverDecember);
    expect(summary(before[1])).toMatchObject({
      tier: "Silver",
      since: "2026-03-02T17:00:00.000Z",
      reviewAt: "2026-09-02T16:00:00.000Z",
    });
    expect(summary(before[3])).toMatchObject({ tier: "Gold", graceUntil: null, history: goldJuly.history });
    expect(summary(before[5])).toMatchObject({ tier: "Silver", since: "2026-11-14T17:00:00.000Z" });

    // A's next purchase applies the grace and the downgrade first, then earns as Silver.
    const dec = await earn(p, purchase(a, 10_000));
    expect(dec.contributions.map((c: Json) => [c.ruleName, c.points])).toEqual([
      ["1 point per dollar", 100],
      ["Silver tier", 25],
    ]);
    expect(dec.tierChange).toBeNull();

    // B's reviews by the jobs: twice is once.
    expect((await runJobs(p)).tierReviews).toBe(2);
    expect((await runJobs(p)).tierReviews).toBe(0);
    const after = await Promise.all(asOfTimes.map((at) => status(p, b, at)));
    expect(after).toEqual(before);
    // ... and A, whose reviews an event wrote, tells the same story.
    const aBefore = await status(p, a, "2026-11-20T00:00:00.000Z");
    const bBefore = await status(p, b, "2026-11-20T00:00:00.000Z");
    expect({ ...aBefore, memberId: b }).toEqual(bBefore);

    // Every change is in tier_changes with its announcement in the outbox, in the same transaction.
    const db = t.app.services.database.db;
    const changes = await db.selectFrom("tier_changes").selectAll().where("member_id", "=", b).orderBy("effective_at").execute();
    expect(changes.map((c) => [c.reason, c.actor])).toEqual([
      ["enrolment", "system:enrolment"],
      ["qualified", expect.stringMatching(/^key:/)],
      ["qualified", expect.stringMatching(/^key:/)],
      ["grace", "system:tiers"],
      ["downgraded", "system:tiers"],
    ]);
    const outbox = await db.selectFrom("outbox").selectAll().where("subject_id", "=", b).orderBy("id").execute();
    expect(outbox.map((o) => o.type)).toEqual(Array(5).fill("member.tier_changed"));
    expect(outbox.find((o) => (o.payload as Json).reason === "downgraded")?.payload).toEqual({
      changeId: changes[4]?.id,
      memberId: b,
      from: { id: tiers.Gold.id, name: "Gold" },
      to: { id: tiers.Silver.id, name: "Silver" },
      reason: "downgraded",
      at: "2026-11-14T17:00:00.000Z",
      metric: 60_000,
      since: "2026-11-14T17:00:00.000Z",
      reviewAt: "2027-05-14T16:00:00.000Z",
      graceUntil: null,
      locked: false,
      note: null,
    });
    const member = await db.selectFrom("members").selectAll().where("id", "=", b).executeTakeFirstOrThrow();
    expect([member.tier_id, member.tier_review_at?.toISOString()]).toEqual([tiers.Silver.id, "2027-05-14T16:00:00.000Z"]);
  });

  it("requalifying in grace keeps the tier; a batch upgrades a member for its later events; dry runs see tiers", async () => {
    t.clock.set(START);
    const { p, tiers } = await programWithTiers();
    const m = await p.createMember();

    // One batch: the third purchase reaches Gold, the fourth earns x1.5 (the second x1.25).
    const res = await p.call("POST", "/v1/events/batch", {
      events: [purchase(m, 50_000), purchase(m, 10_000), purchase(m, 40_000), purchase(m, 10_000)],
    });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: Json) => [r.result.points.total, r.result.tierChange?.to?.name ?? null])).toEqual([
      [500, "Silver"],
      [125, null],
      [500, "Gold"],
      [150, null],
    ]);
    const st = await status(p, m);
    expect({ tier: st.tier.name, since: st.since, metric: st.progress.metric }).toEqual({
      tier: "Gold",
      since: START,
      metric: 110_000,
    });

    // A dry run earns as Gold too, and writes nothing.
    const dry = await p.call("POST", "/v1/events?dryRun=true", purchase(m, 1_000));
    expect(dry.body.contributions.map((c: Json) => c.points)).toEqual([10, 5]);

    // The review: the window (15 Jan, 15 Jul] holds nothing: grace. A purchase of $800 in grace keeps Gold.
    t.clock.set("2026-07-20T16:00:00.000Z");
    expect(summary(await status(p, m))).toMatchObject({
      tier: "Gold",
      graceUntil: "2026-08-14T16:00:00.000Z",
      amountToKeep: 80_000,
    });
    const keep = await earn(p, purchase(m, 80_000));
    expect(keep.contributions.map((c: Json) => c.points)).toEqual([800, 400]);
    expect(keep.tierChange).toEqual({
      from: { id: tiers.Gold.id, name: "Gold" },
      to: { id: tiers.Gold.id, name: "Gold" },
      reason: "retained",
    });
    expect(summary(await status(p, m))).toMatchObject({
      tier: "Gold",
      since: START,
      graceUntil: null,
      // the next review one period after the one that started the grace
      reviewAt: "2027-01-15T17:00:00.000Z",
      history: [
        `${START} enrolment -->Bronze`,
        `${START} qualified Bronze->Silver 50000`,
        `${START} qualified Silver->Gold 100000`,
        "2026-07-15T16:00:00.000Z grace Gold->Gold 0",
        "2026-07-20T16:00:00.000Z retained Gold->Gold 80000",
      ],
    });
  });

  it("campaigns and rules can ask for a tier", async () => {
    t.clock.set(START);
    const { p, tiers } = await programWithTiers();
    const campaign = await p.call("POST", "/v1/campaigns", { name: "Gold week", audience: [{ type: "tier", in: ["Gold"] }] });
    expect(campaign.status).toBe(201);
    expect((await p.call("PATCH", `/v1/campaigns/${campaign.body.id}`, { status: "active" })).status).toBe(200);
    const bonus = await p.call("POST", "/v1/rules", {
      name: "Gold week bonus",
      trigger: "purchase",
      campaignId: campaign.body.id,
      effect: { type: "fixed_points", points: 40 },
    });
    expect(bonus.status).toBe(201);
    const silverRule = await p.call("POST", "/v1/rules", {
      name: "Silver and up",
      trigger: "purchase",
      conditions: [{ type: "tier", in: [tiers.Silver.id, "Gold", "Platinum"] }],
      effect: { type: "fixed_points", points: 10 },
    });
    expect(silverRule.status).toBe(201);

    const bronze = await p.createMember();
    const first = await earn(p, purchase(bronze, 1_000));
    expect(first.contributions.map((c: Json) => [c.ruleName, c.points])).toEqual([["1 point per dollar", 10]]);
    const dry = await p.call("POST", "/v1/events?dryRun=true", purchase(bronze, 1_000));
    expect(dry.body.skipped.map((s: Json) => s.explanation)).toEqual(
      expect.arrayContaining([
        "Not in the campaign's audience: member's tier Bronze is not one of Gold",
        `Condition not met: member's tier Bronze is not one of ${tiers.Silver.id}, Gold, Platinum`,
      ]),
    );

    const gold = await p.createMember();
    await earn(p, purchase(gold, 100_000));
    const next = await earn(p, purchase(gold, 1_000));
    // The tier multiplies every rule's points, the campaign's too: (10 + 40 + 10) x 1.5.
    expect(next.contributions.map((c: Json) => [c.ruleName, c.points])).toEqual([
      ["1 point per dollar", 10],
      ["Gold week bonus", 40],
      ["Silver and up", 10],
      ["Gold tier", 30],
    ]);
  });

  it("a locked VIP is left alone by upgrades and reviews until unlocked", async () => {
    t.clock.set(START);
    const { p, tiers } = await programWithTiers();
    const vip = await p.createMember();
    const assigned = await p.call(
      "POST",
      `/v1/members/${vip}/tier`,
      { tierId: tiers.Gold.id, locked: true, reason: "Founder" },
      { idempotencyKey: "vip-1" },
    );
    expect(assigned.status, JSON.stringify(assigned.body)).toBe(200);
    expect(summary(assigned.body)).toMatchObject({
      tier: "Gold",
      since: START,
      locked: true,
      reviewAt: null,
      amountToKeep: null,
    });
    expect(assigned.body.history.at(-1)).toMatchObject({ reason: "manual", note: "Founder", locked: true });
    const replay = await p.call(
      "POST",
      `/v1/members/${vip}/tier`,
      { tierId: tiers.Gold.id, locked: true, reason: "Founder" },
      { idempotencyKey: "vip-1" },
    );
    expect(replay.headers.get("idempotent-replayed")).toBe("true");

    // Spend that would reach Platinum: no upgrade. A year later: no review.
    const big = await earn(p, purchase(vip, 300_000));
    expect(big.tierChange).toBeNull();
    expect(big.contributions.at(-1)).toMatchObject({ ruleName: "Gold tier", points: 1_500 });
    t.clock.set("2027-03-01T17:00:00.000Z");
    expect((await runJobs(p)).tierReviews).toBe(0);
    expect(summary(await status(p, vip))).toMatchObject({ tier: "Gold", locked: true, reviewAt: null, graceUntil: null });

    // Unlocked: normal rules from now. The next event upgrades (Platinum is $2,500 in 6 months: not now).
    const unlocked = await p.call("POST", `/v1/members/${vip}/tier`, { locked: false, reason: "Founder programme over" });
    expect(unlocked.status).toBe(200);
    expect(summary(unlocked.body)).toMatchObject({
      tier: "Gold",
      since: START,
      locked: false,
      reviewAt: "2027-09-01T16:00:00.000Z",
      amountToKeep: 80_000,
    });
    const again = await p.call("POST", `/v1/members/${vip}/tier`, { locked: false, reason: "twice" });
    expectError(again, 409, "invalid_state");
    // Unlocked, the member is reviewed like any other: nothing in the window, so grace.
    t.clock.set("2027-09-01T16:00:00.000Z");
    expect((await runJobs(p)).tierReviews).toBe(1);
    expect(summary(await status(p, vip))).toMatchObject({ tier: "Gold", graceUntil: "2027-10-01T16:00:00.000Z" });

    // Manual assignment of an unknown tier, or for an unknown member.
    expectError(await p.call("POST", `/v1/members/${vip}/tier`, { tierId: "tie_nope", reason: "x" }), 404, "not_found");
    expectError(await p.call("POST", "/v1/members/mem_nope/tier", { tierId: tiers.Gold.id, reason: "x" }), 404, "not_found");
    expectError(await p.call("POST", `/v1/members/${vip}/tier`, { reason: "x" }), 400, "validation_error");
    const pos = await p.call("POST", "/v1/api-keys", { name: "till", scope: "pos" });
    expect(pos.status).toBe(201);
    expectError(
      await p.call("POST", `/v1/members/${vip}/tier`, { tierId: tiers.Gold.id, reason: "x" }, { key: pos.body.secret }),
      403,
      "forbidden",
    );
    expect((await p.call("GET", `/v1/members/${vip}/tier`, undefined, { key: pos.body.secret })).status).toBe(200);
  });

  it("PUT /v1/tiers validates the ladder, updates tiers in place and refuses to remove a held tier", async () => {
    t.clock.set(START);
    const p = await t.createProgram();
    expect((await p.call("GET", "/v1/tiers")).body).toEqual({ policy: null, tiers: [] });
    const m = await p.createMember();
    expectError(await p.call("GET", `/v1/members/${m}/tier`), 404, "not_found");

    const bad = async (body: unknown, path: string, message: RegExp) => {
      const res = await p.call("PUT", "/v1/tiers", body);
      expectError(res, 400, "validation_error");
      expect(res.body.error.details.issues.map((i: Json) => i.path)).toContain(path);
      expect(res.body.error.message).toMatch(message);
    };
    const tiersOf = (...list: Record<string, unknown>[]) => ({ policy: POLICY, tiers: list });
    await bad(
      tiersOf({ name: "Bronze", threshold: 10 }),
      "tiers.0.threshold",
      /Bronze is the bottom tier: its threshold must be \$0\.00, not \$0\.10/,
    );
    await bad(
      tiersOf({ name: "Bronze", threshold: 0 }, { name: "Silver", threshold: 100 }, { name: "Gold", threshold: 100 }),
      "tiers.2.threshold",
      /must be above the previous tier's/,
    );
    await bad(
      tiersOf({ name: "Bronze", threshold: 0 }, { name: "Silver", threshold: 100, retainThreshold: 101 }),
      "tiers.1.retainThreshold",
      /keeping the tier cannot need more/,
    );
    await bad(
      tiersOf({ name: "Bronze", threshold: 0 }, { name: "bronze", threshold: 100 }),
      "tiers.1.name",
      /Two tiers are named/,
    );
    await bad(tiersOf({ name: "Bronze", threshold: 0, earnMultiplier: 0.5 }), "tiers.0.earnMultiplier", /./);
    await bad(tiersOf({ name: "Bronze", threshold: 0, earnMultiplier: 1.234 }), "tiers.0.earnMultiplier", /two decimals/);
    await bad(
      { policy: { ...POLICY, graceDays: 200 }, tiers: [{ name: "Bronze", threshold: 0 }] },
      "policy.graceDays",
      /shorter than the tier period/,
    );
    await bad({ policy: { ...POLICY, metric: "visits" }, tiers: [] }, "policy.metric", /./);
    await bad(tiersOf({ id: "tie_unknown", name: "Bronze", threshold: 0 }), "tiers.0.id", /no tier tie_unknown/);

    const put = await p.call("PUT", "/v1/tiers", tiersOf({ name: "Bronze", threshold: 0 }, { name: "Silver", threshold: 100 }), {
      idempotencyKey: "ladder-1",
    });
    expect(put.status).toBe(200);
    expect(put.body.policy).toEqual(POLICY);
    const [bronze, silver] = put.body.tiers;
    expect(
      put.body.tiers.map((x: Json) => [x.name, x.rank, x.threshold, x.retainThreshold, x.earnMultiplier, x.pointsExpiry]),
    ).toEqual([
      ["Bronze", 0, 0, null, 1, null],
      ["Silver", 1, 100, null, 1, null],
    ]);
    // The same key and body replays; another body under it is a conflict.
    const replay = await p.call(
      "PUT",
      "/v1/tiers",
      tiersOf({ name: "Bronze", threshold: 0 }, { name: "Silver", threshold: 100 }),
      {
        idempotencyKey: "ladder-1",
      },
    );
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expectError(
      await p.call("PUT", "/v1/tiers", tiersOf({ name: "Bronze", threshold: 0 }), { idempotencyKey: "ladder-1" }),
      409,
      "idempotency_conflict",
    );

    // A member who already existed gets Bronze at their first event, and Silver when they reach it.
    const ev = await earn(p, purchase(m, 150));
    expect(ev.tierChange).toMatchObject({ to: { name: "Silver" }, reason: "qualified" });
    expect((await status(p, m)).history.map((h: Json) => h.reason)).toEqual(["enrolment", "qualified"]);

    // Renamed in place and a tier added above: members keep theirs by id.
    const renamed = await p.call(
      "PUT",
      "/v1/tiers",
      tiersOf(
        { id: bronze.id, name: "Member", threshold: 0 },
        { id: silver.id, name: "Plus", threshold: 200 },
        { name: "Max", threshold: 1_000 },
      ),
    );
    expect(renamed.status).toBe(200);
    expect(renamed.body.tiers.map((x: Json) => [x.id === bronze.id || x.id === silver.id, x.name, x.rank])).toEqual([
      [true, "Member", 0],
      [true, "Plus", 1],
      [false, "Max", 2],
    ]);
    expect((await status(p, m)).tier).toMatchObject({ id: silver.id, name: "Plus", rank: 1 });

    // Removing a tier someone holds is refused; removing an empty one is fine and leaves history intact.
    const refused = await p.call("PUT", "/v1/tiers", tiersOf({ id: bronze.id, name: "Member", threshold: 0 }));
    expectError(refused, 409, "conflict");
    expect(refused.body.error.message).toBe("Members still hold Plus (1): move them to another tier before removing it");
    expectError(await p.call("PUT", "/v1/tiers", tiersOf()), 409, "conflict");
    const dropped = await p.call(
      "PUT",
      "/v1/tiers",
      tiersOf({ id: bronze.id, name: "Member", threshold: 0 }, { id: silver.id, name: "Plus", threshold: 200 }),
    );
    expect(dropped.body.tiers.map((x: Json) => x.name)).toEqual(["Member", "Plus"]);
    expect((await p.call("GET", "/v1/tiers")).body.tiers).toHaveLength(2);

    // Another programme's member is not found; a read key reads.
    const other = await t.createProgram();
    expectError(await other.call("GET", `/v1/members/${m}/tier`), 404, "not_found");
  });

  it("points_earned and purchases metrics, and a calendar-year window", async () => {
    t.clock.set("2026-12-30T17:00:00.000Z");
    const { p } = await programWithTiers(
      {},
      [
        { name: "Bronze", threshold: 0 },
        { name: "Silver", threshold: 3 },
      ],
      { metric: "purchases", window: { type: "calendar_year" }, periodMonths: 12, graceDays: 0 },
    );
    const m = await p.createMember();
    const orders = [purchase(m, 1_000), purchase(m, 1_000), purchase(m, 1_000)];
    for (const order of orders.slice(0, 2)) await earn(p, order);
    // A purchase returned in full does not count.
    await earn(p, { id: nextId("return"), type: "return", originalEventId: orders[0]?.id, amount: 1_000 });
    expect((await status(p, m)).progress.metric).toBe(1);
    await earn(p, orders[2] as Json);
    const third = await earn(p, purchase(m, 1_000));
    expect(third.tierChange).toMatchObject({ to: { name: "Silver" } });
    // Reached in December 2026 with a 12-month period: reviewed on 1 January 2028, on 2027's purchases.
    expect(summary(await status(p, m))).toMatchObject({
      tier: "Silver",
      reviewAt: "2028-01-01T05:00:00.000Z",
      window: { from: "2026-01-01T05:00:00.000Z", to: "2026-12-30T17:00:00.000Z" },
      metric: 3,
      amountToKeep: 3,
    });
    expect(summary(await status(p, m, "2027-06-01T00:00:00.000Z"))).toMatchObject({ tier: "Silver", metric: 0, amountToKeep: 3 });
    expect(summary(await status(p, m, "2028-01-01T05:00:00.000Z"))).toMatchObject({
      tier: "Bronze",
      since: "2028-01-01T05:00:00.000Z",
      reviewAt: null,
    });

    const points = await programWithTiers(
      {},
      [
        { name: "Bronze", threshold: 0 },
        { name: "Silver", threshold: 100 },
      ],
      { metric: "points_earned", window: { type: "lifetime" }, periodMonths: 12, graceDays: 0 },
    );
    const n = await points.p.createMember();
    const order = purchase(n, 12_000);
    await earn(points.p, order);
    await earn(points.p, { id: nextId("return"), type: "return", originalEventId: order.id, amount: 6_000 });
    const s = await status(points.p, n);
    // 120 points earned, 60 taken back by the return (counted once: the return's own points).
    expect({ tier: s.tier.name, metric: s.progress.metric, amountToKeep: s.amountToKeep }).toEqual({
      tier: "Silver",
      metric: 60,
      amountToKeep: 40,
    });
  });

  it("backtests and dry runs in the past see the tier members had then", async () => {
    t.clock.set("2026-01-14T17:00:00.000Z");
    const { p } = await programWithTiers();
    const campaign = await p.call("POST", "/v1/campaigns", { name: "Gold only", audience: [{ type: "tier", in: ["Gold"] }] });
    expect(campaign.status).toBe(201);
    const rule = await p.call("POST", "/v1/rules", {
      name: "Gold bonus",
      trigger: "purchase",
      campaignId: campaign.body.id,
      effect: { type: "fixed_points", points: 40 },
    });
    expect(rule.status).toBe(201);

    t.clock.set(START);
    const g = await p.createMember();
    const s = await p.createMember();
    await earn(p, purchase(g, 60_000)); // Silver
    t.clock.set("2026-01-15T18:00:00.000Z");
    await earn(p, purchase(g, 50_000)); // Gold, earned as Silver
    t.clock.set("2026-01-16T17:00:00.000Z");
    await earn(p, purchase(g, 1_000));
    await earn(p, purchase(s, 1_000));

    const dryAt = async (asOf: string) => {
      const res = await p.call("POST", `/v1/events?dryRun=true&asOf=${encodeURIComponent(asOf)}`, purchase(g, 1_000));
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.contributions.map((c: Json) => [c.ruleName, c.points]);
    };
    expect(await dryAt("2026-01-15T17:30:00.000Z")).toEqual([
      ["1 point per dollar", 10],
      ["Silver tier", 2],
    ]);
    expect(await dryAt("2026-01-15T19:00:00.000Z")).toEqual([
      ["1 point per dollar", 10],
      ["Gold tier", 5],
    ]);

    // The draft campaign replayed: only g's purchase made as Gold would have had its bonus.
    const backtest = await p.call("POST", `/v1/campaigns/${campaign.body.id}/backtest`, {
      from: "2026-01-14T00:00:00.000Z",
      to: "2026-01-17T00:00:00.000Z",
    });
    expect(backtest.status, JSON.stringify(backtest.body)).toBe(200);
    // Six events: two sign-ups and four purchases.
    expect(backtest.body).toMatchObject({ eventsReplayed: 6, eventsRewarded: 1, points: 40, membersReached: 1 });
  });

  it("jobs from two runners at once review each member once", async () => {
    t.clock.set(START);
    const { p } = await programWithTiers();
    const members: string[] = [];
    for (let i = 0; i < 6; i++) {
      const m = await p.createMember();
      await earn(p, purchase(m, 100_000));
      members.push(m);
    }
    // Six months on, nothing in the window: every Gold member goes into grace, once.
    t.clock.set("2026-07-16T16:00:00.000Z");
    const now = t.clock.now();
    const runs = await Promise.all([t.app.services.jobs.run(now, p.id), t.app.services.jobs.run(now, p.id)]);
    expect(runs[0].tierReviews + runs[1].tierReviews).toBe(6);
    const db = t.app.services.database.db;
    const graces = await db
      .selectFrom("tier_changes")
      .select("member_id")
      .where("member_id", "in", members)
      .where("reason", "=", "grace")
      .execute();
    expect(graces.map((r) => r.member_id).sort()).toEqual([...members].sort());
    expect((await t.app.services.jobs.run(now, p.id)).tierReviews).toBe(0);
  });

  it("verify catches a tier of record that is not the last change, and a change without its announcement", async () => {
    t.clock.set(START);
    const { p, tiers } = await programWithTiers();
    const m = await p.createMember();
    await earn(p, purchase(m, 60_000));
    const broken = async (name: string, corrupt: ReturnType<typeof sql>) => {
      const report = await verifyCorrupted(t.app, corrupt);
      expect(report.checks.find((c) => c.name === name)?.violations, name).toBeGreaterThan(0);
    };
    await broken("tier_of_record_is_last_change", sql`update members set tier_id = ${tiers.Gold.id} where id = ${m}`);
    await broken("tier_of_record_is_last_change", sql`update members set tier_review_at = null where id = ${m}`);
    await broken("tier_changes_announced", sql`update outbox set type = 'member.other' where subject_id = ${m}`);
    await broken(
      "tiers_exist",
      sql`update tier_changes set from_tier_id = 'tie_nope' where member_id = ${m} and reason = 'qualified'`,
    );
    expect((await t.app.services.verify()).ok).toBe(true);
  });

  // -- regressions of the tiers review ----------------------------------------------------------

  it("the end of a grace lands on what the review's year reached; in grace, keeping counts from the review's window on", async () => {
    t.clock.set("2026-06-10T16:00:00.000Z");
    const ladder = [
      { name: "Bronze", threshold: 0 },
      { name: "Silver", threshold: 50_000 },
      { name: "Gold", threshold: 100_000, retainThreshold: 80_000 },
    ];
    const calendar = (graceDays: number) => ({ metric: "spend", window: { type: "calendar_year" }, periodMonths: 12, graceDays });
    const noGrace = await programWithTiers({}, ladder, calendar(0));
    const grace = await programWithTiers({}, ladder, calendar(30));
    const a = await noGrace.p.createMember();
    const b = await grace.p.createMember();
    const c = await grace.p.createMember();
    // Gold in June 2026, reviewed on 1 January 2028 on 2027's spend: $600, a Silver year.
    for (const [p, m] of [
      [noGrace.p, a],
      [grace.p, b],
      [grace.p, c],
    ] as const) {
      t.clock.set("2026-06-10T16:00:00.000Z");
      expect((await earn(p, purchase(m, 100_000))).tierChange).toMatchObject({ to: { name: "Gold" } });
      t.clock.set("2027-05-01T16:00:00.000Z");
      await earn(p, purchase(m, 60_000));
    }
    const review = "2028-01-01T05:00:00.000Z";
    const graceEnd = "2028-01-31T05:00:00.000Z";
    expect(summary(await status(noGrace.p, a, review))).toMatchObject({
      tier: "Silver",
      since: review,
      history: expect.arrayContaining([`${review} downgraded Gold->Silver 60000`]),
    });
    // In grace, what keeps Gold counts 2027 and January together: $200 to go, not $800.
    expect(summary(await status(grace.p, b, "2028-01-15T17:00:00.000Z"))).toMatchObject({
      tier: "Gold",
      graceUntil: graceEnd,
      metric: 0,
      amountToKeep: 20_000,
    });
    // The end of grace: Silver, as without grace (the January alone reaches nothing).
    const landed = summary(await status(grace.p, b, graceEnd));
    // Since and review from the end of grace: a period from 31 January 2028 ends in 2029, reviewed on 2029's spend.
    expect(landed).toMatchObject({ tier: "Silver", since: graceEnd, reviewAt: "2030-01-01T05:00:00.000Z" });
    expect(landed.history.slice(-2)).toEqual([`${review} grace Gold->Gold 60000`, `${graceEnd} downgraded Gold->Silver 60000`]);
    // Requalifying in January: $600 in 2027 and $200 now reach Gold's retain threshold.
    t.clock.set("2028-01-15T17:00:00.000Z");
    expect((await earn(grace.p, purchase(c, 20_000))).tierChange).toMatchObject({ to: { name: "Gold" }, reason: "retained" });
    expect(summary(await status(grace.p, c))).toMatchObject({
      tier: "Gold",
      graceUntil: null,
      reviewAt: "2029-01-01T05:00:00.000Z",
    });
    // The jobs decide the same as the reads did.
    t.clock.set("2028-02-01T17:00:00.000Z");
    const before = await status(grace.p, b);
    expect((await runJobs(grace.p)).tierReviews).toBe(2);
    expect(await status(grace.p, b)).toEqual(before);
  });

  it("a tier change is dated after the member's last one, whatever the clock its event read", async () => {
    t.clock.set("2026-03-02T16:00:05.000Z");
    const { p } = await programWithTiers();
    const m = await p.createMember();
    expect((await earn(p, purchase(m, 60_000))).tierChange).toMatchObject({ to: { name: "Silver" } });
    // An event that read its clock 4 seconds earlier and got the member's lock after (the clock
    // going back stands in for the wait): its upgrade comes after Silver, not before it.
    t.clock.set("2026-03-02T16:00:01.000Z");
    expect((await earn(p, purchase(m, 100_000))).tierChange).toMatchObject({ to: { name: "Gold" } });
    const later = await status(p, m, "2026-03-02T16:01:00.000Z");
    expect(summary(later)).toMatchObject({
      tier: "Gold",
      since: "2026-03-02T16:00:05.000Z",
      history: [
        "2026-03-02T16:00:05.000Z enrolment -->Bronze",
        "2026-03-02T16:00:05.000Z qualified Bronze->Silver 60000",
        "2026-03-02T16:00:05.000Z qualified Silver->Gold 100000",
      ],
    });

    // A review the jobs applied when it fell due, then an event whose clock read just before it.
    const n = await p.createMember();
    await earn(p, purchase(n, 100_000));
    const due = "2026-09-02T15:00:01.000Z"; // six months on, in summer time
    t.clock.set(due);
    expect((await runJobs(p)).tierReviews).toBe(1);
    t.clock.set("2026-09-02T15:00:00.000Z");
    expect((await earn(p, purchase(n, 80_000))).tierChange).toMatchObject({ reason: "retained" });
    expect(summary(await status(p, n, "2026-09-03T00:00:00.000Z")).history.slice(-2)).toEqual([
      `${due} grace Gold->Gold 0`,
      `${due} retained Gold->Gold 80000`,
    ]);
  });

  it.runIf(engine === "postgres")("two events waiting on a member's lock are recorded in the order they ran", async () => {
    t.clock.set("2026-03-02T16:00:00.000Z");
    const { p } = await programWithTiers();
    const m = await p.createMember();
    const db = t.app.services.database.db;
    let holderPid = 0;
    /** Polls (bounded) until n requests wait on the holder's lock (the whole suite shares this database). */
    const waiting = async (n: number) => {
      for (let i = 0; i < 400; i++) {
        // Waiting on the holder, or on a request that waits on it (the row lock's queue).
        const found = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity a
          where ${holderPid}::int = any(pg_blocking_pids(a.pid))
            or exists (select 1 from pg_stat_activity b
              where b.pid = any(pg_blocking_pids(a.pid)) and ${holderPid}::int = any(pg_blocking_pids(b.pid)))`.execute(db);
        if ((found.rows[0]?.n ?? 0) >= n) return;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      throw new Error(`${n} requests never waited on the member's lock`);
    };
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let onLocked = () => {};
    const locked = new Promise<void>((resolve) => {
      onLocked = resolve;
    });
    const holder = db.transaction().execute(async (trx) => {
      await sql`select id from members where id = ${m} for update`.execute(trx);
      holderPid = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx)).rows[0]?.pid ?? 0;
      onLocked();
      await released;
    });
    await locked;
    const calls: Promise<HttpResult>[] = [];
    try {
      t.clock.set("2026-03-02T16:00:05.000Z");
      calls.push(p.call("POST", "/v1/events", purchase(m, 60_000)));
      await waiting(1);
      t.clock.set("2026-03-02T16:00:01.000Z");
      calls.push(p.call("POST", "/v1/events", purchase(m, 100_000)));
      await waiting(2);
    } finally {
      release();
      await holder;
    }
    const answers = await Promise.all(calls);
    expect(answers.map((r) => r.status)).toEqual([201, 201]);
    const s = await status(p, m, "2026-03-02T16:01:00.000Z");
    const member = await db.selectFrom("members").select("tier_id").where("id", "=", m).executeTakeFirstOrThrow();
    expect(s.tier.id).toBe(member.tier_id);
    expect(s.tier.name).toBe("Gold");
  });

  it("a tier that stops being the bottom gets its holders a review; one that becomes the bottom loses it", async () => {
    t.clock.set(START);
    const { p, tiers } = await programWithTiers({}, [{ name: "Member", threshold: 0 }]);
    const m = await p.createMember();
    const put = await p.call("PUT", "/v1/tiers", {
      policy: POLICY,
      tiers: [
        { name: "Basic", threshold: 0 },
        { id: tiers.Member.id, name: "Member", threshold: 50_000, earnMultiplier: 2 },
      ],
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    const basic = put.body.tiers[0];
    // Reviewed one period from the change, like a tier just reached.
    expect(summary(await status(p, m))).toMatchObject({
      tier: "Member",
      since: START,
      reviewAt: "2026-07-15T16:00:00.000Z",
      amountToKeep: 50_000,
      history: [`${START} enrolment -->Member`, `${START} ladder_changed Member->Member`],
    });
    const db = t.app.services.database.db;
    const outbox = await db.selectFrom("outbox").select("payload").where("subject_id", "=", m).orderBy("id").execute();
    expect(outbox.map((o) => (o.payload as Json).reason)).toEqual(["enrolment", "ladder_changed"]);

    // A member who reaches Member now, then the ladder turned round: Member at the bottom.
    const n = await p.createMember();
    expect((await earn(p, purchase(n, 50_000))).tierChange).toMatchObject({ to: { name: "Member" } });
    t.clock.set("2026-02-01T17:00:00.000Z");
    const swapped = await p.call("PUT", "/v1/tiers", {
      policy: POLICY,
      tiers: [
        { id: tiers.Member.id, name: "Member", threshold: 0 },
        { id: basic.id, name: "Basic", threshold: 50_000 },
      ],
    });
    expect(swapped.status, JSON.stringify(swapped.body)).toBe(200);
    expect(summary(await status(p, n))).toMatchObject({ tier: "Member", reviewAt: null, graceUntil: null, amountToKeep: null });
    expect((await status(p, n)).history.at(-1)).toMatchObject({ reason: "ladder_changed", reviewAt: null });

    // Back again, and years on: the jobs have reviewed m; a purchase earns as Basic.
    const back = await p.call("PUT", "/v1/tiers", {
      policy: POLICY,
      tiers: [
        { id: basic.id, name: "Basic", threshold: 0 },
        { id: tiers.Member.id, name: "Member", threshold: 50_000, earnMultiplier: 2 },
      ],
    });
    expect(back.status).toBe(200);
    t.clock.set("2029-01-15T17:00:00.000Z");
    expect((await runJobs(p)).tierReviews).toBeGreaterThan(0);
    expect(summary(await status(p, m))).toMatchObject({ tier: "Basic", reviewAt: null, metric: 0 });
    const ev = await earn(p, purchase(m, 1_000));
    expect(ev.contributions.map((c: Json) => [c.ruleName, c.points])).toEqual([["1 point per dollar", 10]]);
  });

  it("a dry run of an event that enrols a new member earns in the bottom tier, as the real one does", async () => {
    t.clock.set(START);
    const { p } = await programWithTiers({ unknownMemberPolicy: "enroll" }, [
      { name: "Bronze", threshold: 0, earnMultiplier: 1.5 },
      { name: "Silver", threshold: 50_000, earnMultiplier: 2 },
    ]);
    const event = { id: nextId("order"), type: "purchase", member: { externalId: "walk-in-1" }, amount: 10_000 };
    const dry = await p.call("POST", "/v1/events?dryRun=true", event);
    expect(dry.status, JSON.stringify(dry.body)).toBe(201);
    const real = await earn(p, event);
    expect(real.points.total).toBe(150);
    expect(dry.body.points.total).toBe(real.points.total);
    expect(dry.body.contributions).toEqual(real.contributions);
  });

  it("the tier's bonus keeps the timing of the points it multiplies", async () => {
    t.clock.set(START);
    const { p } = await programWithTiers();
    const promo = await p.call("POST", "/v1/rules", {
      name: "Double points, 1 month",
      trigger: "purchase",
      effect: { type: "points_per_amount", points: 1, per: 100, rounding: "floor" },
      pendingDays: 30,
      expiry: { policy: "fixed_period", months: 1 },
    });
    expect(promo.status, JSON.stringify(promo.body)).toBe(201);
    const m = await p.createMember();
    await earn(p, purchase(m, 100_000));
    const ev = await earn(p, purchase(m, 10_000));
    expect(ev.contributions.map((c: Json) => [c.ruleName, c.points, c.availableAt, c.expiresAt])).toEqual([
      ["1 point per dollar", 100, START, "2028-01-15T17:00:00.000Z"],
      ["Double points, 1 month", 100, "2026-02-14T17:00:00.000Z", "2026-02-15T17:00:00.000Z"],
      ["Gold tier", 50, START, "2028-01-15T17:00:00.000Z"],
      ["Gold tier", 50, "2026-02-14T17:00:00.000Z", "2026-02-15T17:00:00.000Z"],
    ]);
    expect(ev.points).toEqual({ total: 300, available: 150, pending: 150 });
  });

  it("asOf outside the years 1900 to 9999 is a validation error, not a 500", async () => {
    t.clock.set(START);
    const { p } = await programWithTiers();
    const m = await p.createMember();
    for (const asOf of ["0001-01-01T00:00:00Z", "0000-01-01T00:00:00Z", "1899-12-31T23:59:59Z"]) {
      const q = `asOf=${encodeURIComponent(asOf)}`;
      expectError(await p.call("GET", `/v1/members/${m}/tier?${q}`), 400, "validation_error");
      expectError(await p.call("GET", `/v1/members/${m}/balance?${q}`), 400, "validation_error");
      expectError(await p.call("POST", `/v1/events?dryRun=true&${q}`, purchase(m, 1_000)), 400, "validation_error");
      expectError(await p.call("POST", "/v1/jobs/run", { asOf }), 400, "validation_error");
    }
    const oldest = encodeURIComponent("1900-01-01T00:00:00Z");
    expect((await p.call("GET", `/v1/members/${m}/tier?asOf=${oldest}`)).status).toBe(200);
    expect((await p.call("GET", `/v1/members/${m}/balance?asOf=${oldest}`)).status).toBe(200);
  });

  it("a member left on a removed tier (a ladder change racing an event) is reviewed from when it was removed", async () => {
    t.clock.set(START);
    const { p, tiers } = await programWithTiers();
    const m = await p.createMember();
    await earn(p, purchase(m, 60_000));
    const removedAt = "2026-02-01T17:00:00.000Z";
    t.clock.set(removedAt);
    const keep = [tiers.Bronze, tiers.Silver, tiers.Platinum].map((x: Json) => ({
      id: x.id,
      name: x.name,
      threshold: x.threshold,
    }));
    expect((await p.call("PUT", "/v1/tiers", { policy: POLICY, tiers: keep })).status).toBe(200);
    // What an event that read the ladder before the removal and wrote after it leaves behind.
    const db = t.app.services.database.db;
    const upgradedAt = new Date("2026-02-01T16:59:59.000Z");
    const reviewAt = new Date("2026-08-01T16:59:59.000Z");
    // One transaction, as the event's write: a whole-database verify running meanwhile (the suite's
    // PostgreSQL database is shared by its files) never sees half of it.
    const changeId = `tch_race_${t.engine}`;
    await db.transaction().execute(async (trx) => {
      await trx
        .updateTable("members")
        .set({ tier_id: tiers.Gold.id, tier_since: upgradedAt, tier_review_at: reviewAt })
        .where("id", "=", m)
        .execute();
      await trx
        .insertInto("tier_changes")
        .values({
          id: changeId,
          program_id: p.id,
          member_id: m,
          from_tier_id: tiers.Silver.id,
          to_tier_id: tiers.Gold.id,
          reason: "qualified",
          metric: 100_000,
          tier_since: upgradedAt,
          review_at: reviewAt,
          grace_until: null,
          locked: false,
          note: null,
          actor: "key:test",
          effective_at: upgradedAt,
          created_at: new Date(removedAt),
        })
        .execute();
      await trx
        .insertInto("outbox")
        .values({
          id: `obx_race_${t.engine}`,
          program_id: p.id,
          type: "member.tier_changed",
          subject_id: m,
          payload: JSON.stringify({ changeId }),
          created_at: new Date(removedAt),
        })
        .execute();
    });
    t.clock.set("2026-02-02T17:00:00.000Z");
    const expected = {
      tier: "Silver",
      since: removedAt,
      reviewAt: "2026-08-01T16:00:00.000Z",
      history: expect.arrayContaining([`${removedAt} downgraded Gold->Silver 60000`]),
    };
    expect(summary(await status(p, m))).toMatchObject(expected);
    expect((await runJobs(p)).tierReviews).toBe(1);
    expect(summary(await status(p, m))).toMatchObject(expected);
  });

  it("locking the tier a member holds keeps since, and locking it again changes nothing", async () => {
    t.clock.set(START);
    const { p, tiers } = await programWithTiers();
    const m = await p.createMember();
    await earn(p, purchase(m, 60_000));
    t.clock.set("2026-03-01T17:00:00.000Z");
    const lock = { tierId: tiers.Silver.id, locked: true, reason: "Staff" };
    const first = await p.call("POST", `/v1/members/${m}/tier`, lock);
    expect(first.status).toBe(200);
    expect(summary(first.body)).toMatchObject({ tier: "Silver", since: START, locked: true, reviewAt: null });
    const again = await p.call("POST", `/v1/members/${m}/tier`, { ...lock, reason: "Staff, again" });
    expect(again.status).toBe(200);
    expect(again.body.history).toEqual(first.body.history);
    const bare = await p.call("POST", `/v1/members/${m}/tier`, { locked: true, reason: "Staff, thrice" });
    expect(bare.body.history).toEqual(first.body.history);
    const db = t.app.services.database.db;
    const announced = await db.selectFrom("outbox").select("id").where("subject_id", "=", m).execute();
    expect(announced).toHaveLength(3);
    // A different tier is a change, from now.
    const gold = await p.call("POST", `/v1/members/${m}/tier`, { ...lock, tierId: tiers.Gold.id });
    expect(summary(gold.body)).toMatchObject({ tier: "Gold", since: "2026-03-01T17:00:00.000Z", locked: true });
  });

  it("describes its routes in the OpenAPI document", async () => {
    const doc = await t.request("GET", "/openapi.json");
    const paths = doc.body.paths;
    expect(Object.keys(paths["/v1/tiers"])).toEqual(expect.arrayContaining(["get", "put"]));
    expect(Object.keys(paths["/v1/members/{memberId}/tier"])).toEqual(expect.arrayContaining(["get", "post"]));
    expect(doc.body.components.schemas.TierStatus.properties.amountToKeep).toBeDefined();
    expect(doc.body.components.schemas.JobsResult.properties.tierReviews).toBeDefined();
    const rows = await sql<{ n: number }>`select count(*)::int as n from outbox`.execute(t.app.services.database.db);
    expect(rows.rows[0]?.n).toBeGreaterThan(0);
  });
});
