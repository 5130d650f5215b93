import { sql } from "kysely";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { holdoutBucket } from "../../src/earning/campaign-reach.rules.ts";
import { nextId, purchase, refund } from "../helpers/events.ts";
import { engines, type HttpResult, type Json, startTestApp, type TestApp, type TestProgram } from "../helpers/test-app.ts";

/**
 * The earning engine end to end: every example programme is configured through the HTTP API
 * (programmes in America/New_York, USD, amounts in cents) and checked to the exact point.
 */

const DAY = 86_400_000;
/** A Tuesday, 12:00 in New York (EDT, UTC-4). Every test starts here. */
const BASE = "2026-03-10T16:00:00Z";

const PER_DOLLAR = {
  name: "1 point per dollar",
  effect: { type: "points_per_amount", points: 1, per: 100, rounding: "floor" },
};
const fixed = (name: string, points: number, extra: Record<string, unknown> = {}) => ({
  name,
  effect: { type: "fixed_points", points },
  ...extra,
});

function expectError(res: HttpResult, status: number, code: string) {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
  expect(typeof res.body.error.message).toBe("string");
}

/** Points per rule name, from an event's answer. */
const byRule = (result: Json): Record<string, number> =>
  Object.fromEntries(result.contributions.map((c: Json) => [c.ruleName, c.points]));

/** One rule's contribution to an event's answer. */
const contributionOf = (result: Json, ruleName: string): Json => result.contributions.find((c: Json) => c.ruleName === ruleName);

const zero = { available: 0, pending: 0, held: 0, debt: 0 };

describe.each(engines())("earning engine on %s", (engine) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp(engine, BASE);
  });
  afterAll(() => t.close());
  beforeEach(() => t.clock.set(BASE));
  afterEach(async () => {
    const report = await t.app.services.verify();
    expect(report.checks.filter((c) => c.violations > 0)).toEqual([]);
    expect(report.ok).toBe(true);
  });

  // -- helpers ------------------------------------------------------------------------------------

  async function addRule(p: TestProgram, rule: Record<string, unknown>): Promise<Json> {
    const res = await p.call("POST", "/v1/rules", { trigger: "purchase", ...rule });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body;
  }

  async function addCampaign(p: TestProgram, campaign: Record<string, unknown>): Promise<Json> {
    const res = await p.call("POST", "/v1/campaigns", campaign);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body;
  }

  /** A programme with these settings and standing rules (answers the rules as created). */
  async function setup(settings: Record<string, unknown>, ...rules: Record<string, unknown>[]) {
    const p = await t.createProgram(settings);
    const created: Json[] = [];
    for (const rule of rules) created.push(await addRule(p, rule));
    return { p, rules: created };
  }

  const send = (p: TestProgram, event: Record<string, unknown>, query = "") => p.call("POST", `/v1/events${query}`, event);

  async function earn(p: TestProgram, event: Record<string, unknown>, query = ""): Promise<Json> {
    const res = await send(p, event, query);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body;
  }

  async function batch(p: TestProgram, events: Record<string, unknown>[]): Promise<Json> {
    const res = await p.call("POST", "/v1/events/batch", { events });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  }

  async function balanceOf(p: TestProgram, member: string, asOf?: string) {
    const res = await p.call("GET", `/v1/members/${member}/balance${asOf ? `?asOf=${encodeURIComponent(asOf)}` : ""}`);
    expect(res.status).toBe(200);
    const { available, pending, held, debt } = res.body;
    return { available, pending, held, debt };
  }

  async function storedEvent(p: TestProgram, eventId: string): Promise<Json> {
    const res = await p.call("GET", `/v1/events/${encodeURIComponent(eventId)}`);
    expect(res.status).toBe(200);
    return res.body;
  }

  async function runJobs(p: TestProgram): Promise<Json> {
    const res = await p.call("POST", "/v1/jobs/run", {});
    expect(res.status).toBe(200);
    return res.body;
  }

  // -- the example programmes ---------------------------------------------------------------------

  it("1. coffee shop: 1 point per whole dollar, rounded down", async () => {
    const {
      p,
      rules: [rule],
    } = await setup({}, PER_DOLLAR);
    const m = await p.createMember();

    const big = await earn(p, purchase(m, 2345));
    expect(big.points).toEqual({ total: 23, available: 23, pending: 0 });
    expect(big.contributions).toMatchObject([
      {
        ruleId: rule.id,
        ruleVersion: 1,
        ruleName: "1 point per dollar",
        points: 23,
        fundedBy: "program",
        explanation: "1 point per $1.00 on $23.45 (floor): 23 points",
      },
    ]);
    expect(big.balance).toEqual({ ...zero, available: 23 });

    const small = await earn(p, purchase(m, 99));
    expect(small.points).toEqual({ total: 0, available: 0, pending: 0 });
    expect(small.contributions).toEqual([]);
    expect(small.skipped).toMatchObject([{ ruleId: rule.id, reason: "zero_points" }]);
    expect(small.skipped[0].explanation).toContain("0 points");
    expect(small.transactionId).toBeNull();
    expect(await balanceOf(p, m)).toEqual({ ...zero, available: 23 });
  });

  it("2. clothing store: 10 points for a purchase of $50 or more", async () => {
    const { p } = await setup({}, fixed("10 points from $50", 10, { conditions: [{ type: "min_amount", amount: 5000 }] }));
    const m = await p.createMember();

    const under = await earn(p, purchase(m, 4999));
    expect(under.points.total).toBe(0);
    expect(under.contributions).toEqual([]);
    // a condition that missed is shown on dry runs only
    expect(under.skipped).toEqual([]);
    const why = await earn(p, purchase(m, 4999), "?dryRun=true");
    expect(why.skipped).toMatchObject([{ reason: "condition", explanation: "Condition not met: amount $49.99 is below $50.00" }]);

    const over = await earn(p, purchase(m, 5000));
    expect(over.points.total).toBe(10);
    expect(byRule(over)).toEqual({ "10 points from $50": 10 });
    expect(await balanceOf(p, m)).toEqual({ ...zero, available: 10 });
  });

  it("3. holiday campaign: double points from 20 to 26 December, New York time", async () => {
    const { p } = await setup({}, PER_DOLLAR);
    const campaign = await addCampaign(p, {
      name: "Holiday double points",
      status: "active",
      startsAt: "2026-12-20",
      endsAt: "2026-12-26",
    });
    // dates are whole days in the programme's time zone (EST, UTC-5); endsAt is inclusive
    expect(campaign).toMatchObject({
      status: "active",
      startsAt: "2026-12-20T05:00:00.000Z",
      endsAt: "2026-12-27T05:00:00.000Z",
      version: 1,
    });
    const double = await addRule(p, { name: "Holiday x2", campaignId: campaign.id, effect: { type: "multiplier", factor: 2 } });
    const m = await p.createMember();

    // more than 5 minutes in the future is refused; exactly 5 minutes is clock skew
    t.clock.set("2026-12-20T04:55:00Z");
    expectError(await send(p, purchase(m, 1000, { occurredAt: "2026-12-20T05:00:01Z" })), 400, "validation_error");

    // paused, its rules stop; active again, they resume, and awards name the campaign's version
    const setStatus = async (status: string) => {
      const res = await p.call("PATCH", `/v1/campaigns/${campaign.id}`, { status });
      expect(res.status).toBe(200);
      return res.body;
    };
    t.clock.set("2026-12-24T16:00:00Z");
    expect(await setStatus("paused")).toMatchObject({ status: "paused", version: 2 });
    expect((await earn(p, purchase(m, 1000))).points.total).toBe(10);
    t.clock.set("2026-12-24T17:00:00Z");
    expect(await setStatus("active")).toMatchObject({ status: "active", version: 3 });
    const resumed = await earn(p, purchase(m, 1000));
    expect(contributionOf(resumed, "Holiday x2")).toMatchObject({ points: 10, campaignVersion: 3 });

    // Posted after the campaign ended, each purchase is judged as of when it occurred: by the
    // campaign's schedule, and by its version in force then (paused from 16:00 to 17:00 on the 24th).
    t.clock.set("2026-12-28T12:00:00Z");
    const cases: [string, number, number | null][] = [
      ["2026-12-20T04:59:59Z", 10, null],
      ["2026-12-20T05:00:00Z", 20, 1],
      ["2026-12-24T16:30:00Z", 10, null],
      ["2026-12-27T04:59:59Z", 20, 3],
      ["2026-12-27T05:00:00Z", 10, null],
    ];
    for (const [at, expected, version] of cases) {
      const r = await earn(p, purchase(m, 1000, { occurredAt: at }));
      expect({ at, points: r.points.total }).toEqual({ at, points: expected });
      if (version !== null) {
        expect(r.contributions).toContainEqual(
          expect.objectContaining({ ruleId: double.id, campaignId: campaign.id, campaignVersion: version, points: 10 }),
        );
      }
    }
    expect(await balanceOf(p, m)).toEqual({ ...zero, available: 100 });
    expect((await p.call("GET", `/v1/campaigns/${campaign.id}`)).body).toMatchObject({ running: false, ruleIds: [double.id] });
    const versions = (await p.call("GET", `/v1/campaigns/${campaign.id}/versions`)).body.data;
    expect(versions.map((v: Json) => [v.version, v.definition.status])).toEqual([
      [3, "active"],
      [2, "paused"],
      [1, "active"],
    ]);
  });

  it("4. triple points on shoes for VIP members; a tier condition gives nothing without tiers", async () => {
    const { p } = await setup(
      {},
      PER_DOLLAR,
      {
        name: "VIP triple points on shoes",
        conditions: [{ type: "member_attribute", key: "vip", value: true }],
        items: { include: { categories: ["shoes"] } },
        effect: { type: "multiplier", factor: 3 },
      },
      fixed("Gold members bonus", 50, { conditions: [{ type: "tier", in: ["gold"] }] }),
    );
    const vip = await p.createMember({ attributes: { vip: true } });
    const regular = await p.createMember({ attributes: { vip: false } });
    const order = (m: string) =>
      purchase(m, 10000, {
        items: [
          { sku: "SHOE-1", category: "shoes", unitPrice: 6000 },
          { sku: "SHIRT-1", category: "shirts", unitPrice: 4000 },
        ],
      });

    const forVip = await earn(p, order(vip));
    expect(forVip.points.total).toBe(220);
    expect(byRule(forVip)).toEqual({ "1 point per dollar": 100, "VIP triple points on shoes": 120 });
    const forRegular = await earn(p, order(regular));
    expect(forRegular.points.total).toBe(100);
    expect(byRule(forRegular)).toEqual({ "1 point per dollar": 100 });

    // an order-level discount lowers every item's share: shoes were paid 90% of $60
    const discounted = await earn(p, { ...order(vip), amount: 9000 });
    expect(byRule(discounted)).toEqual({ "1 point per dollar": 90, "VIP triple points on shoes": 108 });

    // no shoes: the VIP rule has nothing to multiply
    const shirtOnly = await earn(p, purchase(vip, 4000, { items: [{ sku: "SHIRT-1", category: "shirts", unitPrice: 4000 }] }));
    expect(shirtOnly.points.total).toBe(40);
    expect(shirtOnly.skipped).toMatchObject([{ ruleName: "VIP triple points on shoes", reason: "no_eligible_items" }]);

    const dry = await earn(p, order(vip), "?dryRun=true");
    expect(dry.points.total).toBe(220);
    expect(dry.skipped).toMatchObject([
      {
        ruleName: "Gold members bonus",
        reason: "condition",
        explanation: "Condition not met: member's tier (none) is not one of gold",
      },
    ]);
    expect(await balanceOf(p, vip)).toEqual({ ...zero, available: 220 + 198 + 40 });
    expect(await balanceOf(p, regular)).toEqual({ ...zero, available: 100 });
  });

  describe("5. actions", () => {
    it("100 points on sign-up, given when the member is created", async () => {
      const { p } = await setup({}, fixed("Welcome", 100, { trigger: "signup" }));
      const m = await p.createMember({ email: "new.member@example.com" });
      expect(await balanceOf(p, m)).toEqual({ ...zero, available: 100 });
      const events = (await p.call("GET", `/v1/members/${m}/events`)).body.data;
      expect(events).toMatchObject([{ id: `signup:${m}`, type: "signup", status: "processed", points: 100 }]);
    });

    it("a birthday bonus once per calendar year (New York time)", async () => {
      const { p } = await setup(
        {},
        fixed("Birthday", 50, { trigger: "birthday", limits: { perMember: { period: "year", maxAwards: 1 } } }),
      );
      const m = await p.createMember();
      t.clock.set("2027-01-02T12:00:00Z");
      const birthday = (occurredAt: string) => earn(p, { id: nextId("bday"), type: "birthday", memberId: m, occurredAt });

      expect((await birthday("2026-03-10T16:00:00Z")).points.total).toBe(50);
      // 23:59:59 on 31 December in New York: still 2026
      const again = await birthday("2027-01-01T04:59:59Z");
      expect(again.points.total).toBe(0);
      expect(again.skipped).toMatchObject([
        { reason: "limit_reached", explanation: "Limit reached: already awarded 1 time this year (limit 1)" },
      ]);
      expect((await birthday("2027-01-01T05:00:00Z")).points.total).toBe(50);
      expect(await balanceOf(p, m)).toEqual({ ...zero, available: 100 });
    });

    it("20 points per product review, at most once a day (New York time)", async () => {
      // The rule is in force before the reviews occurred (events are judged as of then).
      t.clock.set("2026-03-01T12:00:00Z");
      const { p } = await setup(
        {},
        fixed("Review", 20, { trigger: "review", limits: { perMember: { period: "day", maxAwards: 1 } } }),
      );
      const m = await p.createMember();
      t.clock.set("2026-03-11T12:00:00Z");
      const review = (occurredAt: string) => earn(p, { id: nextId("review"), type: "review", memberId: m, occurredAt });

      const sameDay = ["2026-03-10T14:00:00Z", "2026-03-10T20:00:00Z", "2026-03-11T03:59:59Z"];
      const points = [];
      for (const at of sameDay) points.push((await review(at)).points.total);
      expect(points).toEqual([20, 0, 0]);
      expect(await balanceOf(p, m)).toEqual({ ...zero, available: 20 });
      // midnight in New York: the next day
      expect((await review("2026-03-11T04:00:00Z")).points.total).toBe(20);
      expect((await review("2026-03-11T11:00:00Z")).points.total).toBe(0);
      expect(await balanceOf(p, m)).toEqual({ ...zero, available: 40 });
      // two reviews of one day in one batch: the limit sees the first
      t.clock.set("2026-03-12T20:00:00Z");
      const { results } = await batch(p, [
        { id: nextId("review"), type: "review", memberId: m },
        { id: nextId("review"), type: "review", memberId: m },
      ]);
      expect(results.map((r: Json) => r.result.points.total)).toEqual([20, 0]);
      expect(await balanceOf(p, m)).toEqual({ ...zero, available: 60 });
    });
  });

  it("6. stamp card: every 10th coffee earns 50 points", async () => {
    const {
      p,
      rules: [card],
    } = await setup(
      {},
      {
        name: "Coffee card",
        items: { include: { categories: ["coffee"] } },
        effect: { type: "stamps", cardSize: 10, rewardPoints: 50 },
      },
    );
    const m = await p.createMember();
    const coffee = () => purchase(m, 450, { items: [{ sku: "LATTE", category: "coffee", unitPrice: 450 }] });

    const expectCard = (n: number, r: Json) => {
      const complete = n % 10 === 0;
      expect({ n, stamps: r.stamps, points: r.points.total }).toEqual({
        n,
        stamps: [{ ruleId: card.id, cardSize: 10, stamps: 1, progress: n % 10, completedCards: complete ? 1 : 0 }],
        points: complete ? 50 : 0,
      });
    };
    for (let n = 1; n <= 10; n++) {
      expectCard(n, await earn(p, coffee()));
      if (n === 9) expect(await balanceOf(p, m)).toEqual(zero);
      if (n === 5) {
        // a muffin is no coffee: no stamp, the card stays where it was
        const muffin = await earn(p, purchase(m, 300, { items: [{ sku: "MUFFIN", category: "bakery", unitPrice: 300 }] }));
        expect(muffin.stamps).toEqual([]);
        expect(muffin.skipped).toMatchObject([{ ruleId: card.id, reason: "no_eligible_items" }]);
      }
    }
    expect(await balanceOf(p, m)).toEqual({ ...zero, available: 50 });
    // the second card, ten coffees in one batch
    const { results } = await batch(p, Array.from({ length: 10 }, coffee));
    results.forEach((r: Json, i: number) => {
      expectCard(11 + i, r.result);
    });
    expect(await balanceOf(p, m)).toEqual({ ...zero, available: 100 });
  });

  it("7. partner: 2 points per dollar at Acme, owed by Acme in the ledger", async () => {
    const { p } = await setup(
      {},
      {
        name: "Acme double points",
        conditions: [{ type: "partner", in: ["acme"] }],
        effect: { type: "points_per_amount", points: 2 },
        fundedBy: "partner",
      },
    );
    const m = await p.createMember();
    const owed = async () => {
      const { rows } = await sql<{ partner_id: string | null; total: string | number }>`select partner_id, sum(amount) as total
        from postings where account = 'partner' and program_id = ${p.id} group by partner_id order by partner_id`.execute(
        t.app.services.database.db,
      );
      return rows.map((r) => ({ partnerId: r.partner_id, points: Number(r.total) }));
    };

    const acme = await earn(p, purchase(m, 3000, { partnerId: "acme" }));
    expect(acme.points.total).toBe(60);
    expect(acme.contributions).toMatchObject([{ ruleName: "Acme double points", points: 60, fundedBy: "partner" }]);
    expect((await earn(p, purchase(m, 3000, { partnerId: "globex" }))).points.total).toBe(0);
    expect((await earn(p, purchase(m, 3000))).points.total).toBe(0);
    expect(await balanceOf(p, m)).toEqual({ ...zero, available: 60 });
    expect(await owed()).toEqual([{ partnerId: "acme", points: -60 }]);

    // half of it comes back: the partner owes half
    const back = await earn(p, refund(acme.eventId, 1500));
    expect(back.points.total).toBe(-30);
    expect(await balanceOf(p, m)).toEqual({ ...zero, available: 30 });
    expect(await owed()).toEqual([{ partnerId: "acme", points: -30 }]);
  });

  describe("8. rules that compete, and limits", () => {
    it("exclusive rules: the best one wins, priority breaks ties; stacking rules add up", async () => {
      const { p } = await setup(
        {},
        PER_DOLLAR,
        { name: "Double points", stacking: "exclusive", priority: 0, effect: { type: "points_per_amount", points: 2 } },
        fixed("Flat 50", 50, { stacking: "exclusive", priority: 5 }),
      );
      const m = await p.createMember();

      const forty = await earn(p, purchase(m, 4000));
      expect(byRule(forty)).toEqual({ "1 point per dollar": 40, "Double points": 80 });
      expect(forty.skipped).toMatchObject([
        { ruleName: "Flat 50", reason: "outranked", explanation: "Exclusive: Double points gives more (80 points vs 50)" },
      ]);
      const twenty = await earn(p, purchase(m, 2000));
      expect(byRule(twenty)).toEqual({ "1 point per dollar": 20, "Flat 50": 50 });
      expect(twenty.skipped).toMatchObject([{ ruleName: "Double points", reason: "outranked" }]);
      // 50 against 50: the higher priority wins
      const tie = await earn(p, purchase(m, 2500));
      expect(byRule(tie)).toEqual({ "1 point per dollar": 25, "Flat 50": 50 });
      expect(tie.skipped).toMatchObject([{ ruleName: "Double points", reason: "outranked" }]);
      expect(await balanceOf(p, m)).toEqual({ ...zero, available: 120 + 70 + 75 });
    });

    it("exclusive multipliers compete among themselves, on the rules they apply to", async () => {
      const {
        p,
        rules: [base],
      } = await setup({}, PER_DOLLAR, fixed("Visit bonus", 10));
      await addRule(p, { name: "x2", stacking: "exclusive", effect: { type: "multiplier", factor: 2, appliesTo: [base.id] } });
      await addRule(p, { name: "x3", stacking: "exclusive", effect: { type: "multiplier", factor: 3, appliesTo: [base.id] } });
      await addRule(p, { name: "x1.5 on all", effect: { type: "multiplier", factor: 1.5 } });
      const m = await p.createMember();
      const r = await earn(p, purchase(m, 2000));
      // x3 beats x2 on the 20 base points (+40); x1.5 stacks on both base rules ((20 + 10) / 2 = +15)
      expect(byRule(r)).toEqual({ "1 point per dollar": 20, "Visit bonus": 10, x3: 40, "x1.5 on all": 15 });
      expect(r.skipped).toMatchObject([{ ruleName: "x2", reason: "outranked" }]);
      expect(r.points.total).toBe(85);
    });

    it("a per-event cap, which also bounds what a multiplier multiplies", async () => {
      const { p } = await setup(
        {},
        { name: "5 per dollar", effect: { type: "points_per_amount", points: 5 }, limits: { perEvent: 100 } },
      );
      const m = await p.createMember();
      expect((await earn(p, purchase(m, 1000))).points.total).toBe(50);
      const capped = await earn(p, purchase(m, 5000));
      expect(capped.points.total).toBe(100);
      expect(capped.contributions[0].explanation).toContain("capped at 100 points per event");

      const { p: q } = await setup(
        {},
        { ...PER_DOLLAR, limits: { perEvent: 100 } },
        { name: "x2", effect: { type: "multiplier", factor: 2 } },
      );
      const n = await q.createMember();
      expect(byRule(await earn(q, purchase(n, 15000)))).toEqual({ "1 point per dollar": 100, x2: 100 });
    });

    it("at most 150 points a calendar month (New York time) per member", async () => {
      const { p } = await setup({}, { ...PER_DOLLAR, limits: { perMember: { period: "month", maxPoints: 150 } } });
      const m = await p.createMember();
      t.clock.set("2026-04-02T12:00:00Z");
      const at = async (occurredAt: string) => earn(p, purchase(m, 10000, { occurredAt }));

      expect((await at("2026-03-10T16:00:00Z")).points.total).toBe(100);
      const limited = await at("2026-03-20T16:00:00Z");
      expect(limited.points.total).toBe(50);
      expect(limited.contributions[0].explanation).toContain("limited to 50 points left of 150 this month");
      // 23:59:59 on 31 March in New York
      const blocked = await at("2026-04-01T03:59:59Z");
      expect(blocked.points.total).toBe(0);
      expect(blocked.skipped).toMatchObject([{ reason: "limit_reached" }]);
      expect((await at("2026-04-01T04:00:00Z")).points.total).toBe(100);
      expect(await balanceOf(p, m)).toEqual({ ...zero, available: 250 });
    });
  });

  describe("9. timing", () => {
    it("a rule's pending period: pending for 14 days, then available", async () => {
      // The rules are in force before the winter purchase occurred (events are judged as of then).
      t.clock.set("2026-02-20T12:00:00Z");
      const { p } = await setup({}, { ...PER_DOLLAR, pendingDays: 14 }, fixed("Thank you", 5));
      const m = await p.createMember();
      t.clock.set(BASE);

      const r = await earn(p, purchase(m, 5000));
      expect(r.points).toEqual({ total: 55, available: 5, pending: 50 });
      expect(contributionOf(r, "1 point per dollar")).toMatchObject({ points: 50, availableAt: "2026-03-24T16:00:00.000Z" });
      expect(contributionOf(r, "Thank you")).toMatchObject({ points: 5, availableAt: "2026-03-10T16:00:00.000Z" });
      expect(r.balance).toEqual({ ...zero, available: 5, pending: 50 });
      // 14 calendar days in New York: across the change to summer time, still 12:00 local
      const winter = await earn(p, purchase(m, 1000, { occurredAt: "2026-03-01T17:00:00Z" }));
      expect(contributionOf(winter, "1 point per dollar")).toMatchObject({ availableAt: "2026-03-15T16:00:00.000Z" });
      expect(await balanceOf(p, m, "2026-03-24T15:59:59Z")).toEqual({ ...zero, available: 20, pending: 50 });
      expect(await balanceOf(p, m, "2026-03-24T16:00:00Z")).toEqual({ ...zero, available: 70 });

      t.clock.set("2026-03-24T16:00:00Z");
      expect(await runJobs(p)).toMatchObject({ activations: 2 });
      expect(await balanceOf(p, m)).toEqual({ ...zero, available: 70 });
    });

    it("a rule's own expiry overrides the programme's", async () => {
      const { p } = await setup(
        { pointsExpiry: { policy: "fixed_period", months: 12 } },
        PER_DOLLAR,
        fixed("Spring bonus", 30, { expiry: { policy: "fixed_period", months: 1 } }),
      );
      const m = await p.createMember();
      const r = await earn(p, purchase(m, 2000));
      // 12 months on: 10 March 2027, 12:00 New York time, which is EST again (UTC-5)
      expect(contributionOf(r, "1 point per dollar")).toMatchObject({ points: 20, expiresAt: "2027-03-10T17:00:00.000Z" });
      expect(contributionOf(r, "Spring bonus")).toMatchObject({ points: 30, expiresAt: "2026-04-10T16:00:00.000Z" });
      const balance = (await p.call("GET", `/v1/members/${m}/balance`)).body;
      expect(balance.expiring).toEqual([
        { points: 30, expiresAt: "2026-04-10T16:00:00.000Z" },
        { points: 20, expiresAt: "2027-03-10T17:00:00.000Z" },
      ]);
      t.clock.set("2026-04-10T16:00:00Z");
      expect(await runJobs(p)).toMatchObject({ expiries: 1 });
      expect(await balanceOf(p, m)).toEqual({ ...zero, available: 20 });
    });
  });

  it("10. conditions: channel, store, day, time of day, first purchase, date window, excluded brand", async () => {
    const { p } = await setup(
      {},
      fixed("Online", 1, { conditions: [{ type: "channel", in: ["online"] }] }),
      fixed("Store S1", 2, { conditions: [{ type: "store", in: ["S1"] }] }),
      fixed("Weekend", 4, { conditions: [{ type: "day_of_week", days: ["sat", "sun"] }] }),
      fixed("Night owl", 8, { conditions: [{ type: "time_of_day", from: "22:00", to: "02:00" }] }),
      fixed("First purchase", 16, { conditions: [{ type: "purchase_number", n: 1 }] }),
      fixed("April", 32, { conditions: [{ type: "date_window", from: "2026-04-01", to: "2026-04-30" }] }),
      fixed("Every third", 64, { conditions: [{ type: "purchase_number", n: 3, every: true }] }),
      { ...PER_DOLLAR, name: "Per dollar, not Acme", items: { exclude: { brands: ["Acme"] } } },
    );
    const m = await p.createMember();
    t.clock.set("2026-05-02T12:00:00Z");
    const acme = { sku: "A-1", brand: "Acme", unitPrice: 3000 };
    const other = { sku: "B-1", brand: "Other", unitPrice: 2000 };
    const per = "Per dollar, not Acme";

    const cases: [string, Record<string, unknown>, Record<string, number>][] = [
      // Tuesday 12:00, first purchase; the Acme item earns nothing
      ["2026-03-10T16:00:00Z", { channel: "store", storeId: "S2", items: [acme, other] }, { "First purchase": 16, [per]: 20 }],
      // Friday 23:30, online, store S1, Acme only
      ["2026-03-14T03:30:00Z", { channel: "online", storeId: "S1", items: [acme] }, { Online: 1, "Store S1": 2, "Night owl": 8 }],
      // Saturday 02:30: after the night window (its end is exclusive)
      ["2026-03-14T06:30:00Z", { channel: "app", items: [other] }, { Weekend: 4, "Every third": 64, [per]: 20 }],
      // Sunday 01:59
      ["2026-03-15T05:59:00Z", { items: [other] }, { Weekend: 4, "Night owl": 8, [per]: 20 }],
      // 31 March 23:59:59, then 1 April 00:00, 30 April 23:59:59, 1 May 00:00 (New York)
      ["2026-04-01T03:59:59Z", { items: [other] }, { "Night owl": 8, [per]: 20 }],
      ["2026-04-01T04:00:00Z", { items: [other] }, { "Night owl": 8, April: 32, "Every third": 64, [per]: 20 }],
      ["2026-05-01T03:59:59Z", { items: [other] }, { "Night owl": 8, April: 32, [per]: 20 }],
      ["2026-05-01T04:00:00Z", { items: [other] }, { "Night owl": 8, [per]: 20 }],
      // Wednesday 15 April 12:00
      ["2026-04-15T16:00:00Z", { items: [other] }, { April: 32, "Every third": 64, [per]: 20 }],
    ];
    let total = 0;
    for (const [occurredAt, extra, expected] of cases) {
      const r = await earn(p, { id: nextId("order"), type: "purchase", memberId: m, occurredAt, ...extra });
      expect({ occurredAt, points: byRule(r) }).toEqual({ occurredAt, points: expected });
      total += r.points.total;
    }
    expect(await balanceOf(p, m)).toEqual({ ...zero, available: total });
    expect(total).toBe(36 + 11 + 88 + 32 + 28 + 124 + 60 + 28 + 116);
  });

  describe("11. returns", () => {
    it("take points back in proportion, never more than the purchase, and replay as they were", async () => {
      const { p } = await setup({}, PER_DOLLAR);
      const m = await p.createMember();
      const bought = await earn(p, purchase(m, 10000));
      expect(bought.points.total).toBe(100);

      const first = refund(bought.eventId, 2500);
      const r1 = await earn(p, first);
      expect(r1).toMatchObject({ memberId: m, points: { total: -25 }, balance: { ...zero, available: 75 } });
      expect(r1.return).toMatchObject({
        originalEventId: bought.eventId,
        returnedAmount: 2500,
        pointsTakenBack: 25,
        totalReturnedAmount: 2500,
        totalTakenBack: 25,
      });
      const r2 = await earn(p, refund(bought.eventId, 7500));
      expect(r2.points.total).toBe(-75);
      expect(r2.return).toMatchObject({ pointsTakenBack: 75, totalReturnedAmount: 10000, totalTakenBack: 100 });
      expect(await balanceOf(p, m)).toEqual(zero);

      expectError(await send(p, refund(bought.eventId, 1)), 422, "unprocessable");
      const replay = await send(p, first);
      expect(replay.status).toBe(201);
      expect(replay.headers.get("idempotent-replayed")).toBe("true");
      expect(replay.body).toEqual(r1);
      expect(await balanceOf(p, m)).toEqual(zero);
      expect(await storedEvent(p, bought.eventId)).toMatchObject({ points: 100, returnedAmount: 10000, clawedBack: 100 });
    });

    it("buy, spend, return under available_only: refused, nothing changes", async () => {
      const { p } = await setup({ returnPolicy: "available_only" }, PER_DOLLAR);
      const m = await p.createMember();
      const bought = await earn(p, purchase(m, 10000));
      const hold = await p.call("POST", `/v1/members/${m}/holds`, { points: 100, reason: "reward" });
      expect(hold.status).toBe(201);
      expect((await p.call("POST", `/v1/holds/${hold.body.id}/capture`, {})).status).toBe(200);
      expect(await balanceOf(p, m)).toEqual(zero);

      const back = refund(bought.eventId, 10000);
      const refused = await send(p, back);
      expectError(refused, 409, "insufficient_points");
      expect(await balanceOf(p, m)).toEqual(zero);
      expect(await storedEvent(p, bought.eventId)).toMatchObject({ returnedAmount: 0, clawedBack: 0 });
      // the same return again gets the same refusal
      expectError(await send(p, back), 409, "insufficient_points");
      expect(await balanceOf(p, m)).toEqual(zero);
    });

    it("buy, spend, return under allow_debt: a debt that the next purchase pays first", async () => {
      const { p } = await setup({ returnPolicy: "allow_debt" }, PER_DOLLAR);
      const m = await p.createMember();
      const bought = await earn(p, purchase(m, 10000));
      const spent = await p.call("POST", `/v1/members/${m}/adjustments`, { points: -100, reason: "spent" });
      expect(spent.status).toBe(201);

      const back = await earn(p, refund(bought.eventId, 10000));
      expect(back.points.total).toBe(-100);
      expect(back.balance).toEqual({ ...zero, debt: 100 });
      expect(await balanceOf(p, m)).toEqual({ ...zero, debt: 100 });

      expect((await earn(p, purchase(m, 3000))).balance).toEqual({ ...zero, debt: 70 });
      expect((await earn(p, purchase(m, 10000))).balance).toEqual({ ...zero, available: 30 });
      expect(await balanceOf(p, m)).toEqual({ ...zero, available: 30 });
    });

    it("pending_only: a return takes back the purchase's pending points, and only those", async () => {
      t.clock.set("2026-01-20T12:00:00Z");
      const { p } = await setup({ returnPolicy: "pending_only", pendingDays: 14 }, PER_DOLLAR);
      const m = await p.createMember();
      t.clock.set(BASE);
      const other = await earn(p, purchase(m, 5000, { occurredAt: "2026-02-01T16:00:00Z" }));
      expect(other.points).toEqual({ total: 50, available: 50, pending: 0 });
      const bought = await earn(p, purchase(m, 10000));
      expect(bought.points).toEqual({ total: 100, available: 0, pending: 100 });

      const back = await earn(p, refund(bought.eventId, 4000));
      expect(back.points.total).toBe(-40);
      expect(await balanceOf(p, m)).toEqual({ ...zero, available: 50, pending: 60 });

      t.clock.advance(15 * DAY);
      expect(await balanceOf(p, m)).toEqual({ ...zero, available: 110 });
      expectError(await send(p, refund(bought.eventId, 1000)), 409, "insufficient_points");
      expect(await balanceOf(p, m)).toEqual({ ...zero, available: 110 });
    });
  });

  it("12. idempotency: replays, conflicts, and batches answered event by event", async () => {
    const { p } = await setup({}, PER_DOLLAR);
    const m = await p.createMember();

    const order = purchase(m, 1500);
    const first = await send(p, order);
    expect(first.status).toBe(201);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const again = await send(p, order);
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    expect(await balanceOf(p, m)).toEqual({ ...zero, available: 15 });
    expectError(await send(p, { ...order, amount: 1600 }), 409, "idempotency_conflict");
    expect(await balanceOf(p, m)).toEqual({ ...zero, available: 15 });

    // one bad event does not sink the others, and leaves nothing behind
    const bad = { id: nextId("bad"), type: "purchase", memberId: m, amount: -5 };
    const mixed = await batch(p, [purchase(m, 1000), bad, purchase(m, 2000)]);
    expect(mixed.results.map((r: Json) => r.status)).toEqual([201, 400, 201]);
    expect(mixed.results[1]).toMatchObject({ index: 1, eventId: bad.id, error: { code: "validation_error" } });
    expect(mixed.results.map((r: Json) => r.result?.points.total ?? null)).toEqual([10, null, 20]);
    expect(mixed.summary).toEqual({ accepted: 2, replayed: 0, failed: 1 });
    expectError(await p.call("GET", `/v1/events/${bad.id}`), 404, "not_found");
    expect(await balanceOf(p, m)).toEqual({ ...zero, available: 45 });

    // the same id twice in one batch: processed once; an id already stored: replayed
    const twice = purchase(m, 500);
    const dup = await batch(p, [twice, twice, order]);
    expect(dup.results.map((r: Json) => [r.status, r.replayed])).toEqual([
      [201, false],
      [201, true],
      [201, true],
    ]);
    expect(dup.results[1].result).toEqual(dup.results[0].result);
    expect(dup.results[2].result).toEqual(first.body);
    expect(dup.summary).toEqual({ accepted: 1, replayed: 2, failed: 0 });
    expect(await balanceOf(p, m)).toEqual({ ...zero, available: 50 });

    // ...and twice with other content: the second is a conflict
    const clash = purchase(m, 700);
    const conflicted = await batch(p, [clash, { ...clash, amount: 800 }]);
    expect(conflicted.results.map((r: Json) => r.status)).toEqual([201, 409]);
    expect(conflicted.results[1].error.code).toBe("idempotency_conflict");
    expect(await balanceOf(p, m)).toEqual({ ...zero, available: 57 });
  });

  describe("13. unknown members", () => {
    it("reject: 404, nothing written", async () => {
      const { p } = await setup({}, PER_DOLLAR);
      const ghost = { id: nextId("order"), type: "purchase", member: { externalId: "nobody" }, amount: 1000 };
      expectError(await send(p, ghost), 404, "not_found");
      expectError(await send(p, purchase("mem_missing", 1000)), 404, "not_found");
      expectError(await p.call("GET", `/v1/events/${ghost.id}`), 404, "not_found");
      expect((await p.call("GET", "/v1/members?externalId=nobody")).body.data).toEqual([]);
      // a blocked member earns nothing
      const m = await p.createMember();
      expect((await p.call("PATCH", `/v1/members/${m}`, { status: "blocked" })).status).toBe(200);
      expectError(await send(p, purchase(m, 1000)), 409, "member_blocked");
      expect(await balanceOf(p, m)).toEqual(zero);
    });

    it("enroll: the member is created (and signed up) by the event, then found by it", async () => {
      const { p } = await setup({ unknownMemberPolicy: "enroll" }, PER_DOLLAR, fixed("Welcome", 100, { trigger: "signup" }));
      const first = await earn(p, {
        id: nextId("order"),
        type: "purchase",
        member: { externalId: "pos-77", email: "Walk.In@Example.com" },
        amount: 1200,
      });
      expect(first).toMatchObject({ enrolled: true, points: { total: 12 }, balance: { ...zero, available: 112 } });
      const id = first.memberId;
      expect(id).toMatch(/^mem_/);
      expect((await p.call("GET", `/v1/members/${id}`)).body).toMatchObject({
        externalId: "pos-77",
        email: "walk.in@example.com",
      });

      const second = await earn(p, { id: nextId("order"), type: "purchase", member: { externalId: "pos-77" }, amount: 800 });
      expect(second).toMatchObject({ enrolled: false, memberId: id, points: { total: 8 } });
      const third = await earn(p, {
        id: nextId("order"),
        type: "purchase",
        member: { email: "walk.in@example.com" },
        amount: 500,
      });
      expect(third).toMatchObject({ enrolled: false, memberId: id });
      expect((await p.call("GET", "/v1/members?externalId=pos-77")).body.data).toHaveLength(1);
      expect(await balanceOf(p, id)).toEqual({ ...zero, available: 125 });
    });

    it("enroll: one new customer twice in one batch is enrolled (and signed up) once, by the first event", async () => {
      const { p } = await setup({ unknownMemberPolicy: "enroll" }, PER_DOLLAR, fixed("Welcome", 100, { trigger: "signup" }));
      const ref = { externalId: "pos-99" };
      const twice = await batch(p, [
        { id: nextId("order"), type: "purchase", member: ref, amount: 1000 },
        { id: nextId("order"), type: "purchase", member: ref, amount: 2000 },
      ]);
      const [one, two] = twice.results.map((r: Json) => r.result);
      expect(two.memberId).toBe(one.memberId);
      expect([one.enrolled, two.enrolled]).toEqual([true, false]);
      expect(await balanceOf(p, one.memberId)).toEqual({ ...zero, available: 130 });
    });

    it("enroll, dry run: the answer a real event would give, and no member created", async () => {
      const { p } = await setup({ unknownMemberPolicy: "enroll" }, PER_DOLLAR, fixed("Welcome", 100, { trigger: "signup" }));
      const event = { id: nextId("order"), type: "purchase", member: { externalId: "pos-88" }, amount: 2500 };
      const dry = await earn(p, event, "?dryRun=true");
      expect((await p.call("GET", "/v1/members?externalId=pos-88")).body.data).toEqual([]);
      const real = await earn(p, event);
      expect(real).toMatchObject({ enrolled: true, points: { total: 25 }, balance: { ...zero, available: 125 } });
      expect(dry).toMatchObject({ dryRun: true, enrolled: true, points: real.points, balance: real.balance });
    });

    it("guest: a purchase sent alone, without a known member, is kept as a guest purchase", async () => {
      const { p } = await setup({ unknownMemberPolicy: "guest" }, PER_DOLLAR);
      const alone = await send(p, { id: nextId("order"), type: "purchase", amount: 2500, receiptId: "R-2001" });
      expect(alone.status, JSON.stringify(alone.body)).toBe(201);
      expect(alone.body).toMatchObject({ status: "guest", memberId: null, points: { total: 0 }, balance: null });
      const walkIn = await send(p, { id: nextId("order"), type: "purchase", member: { externalId: "walk-in" }, amount: 1000 });
      expect(walkIn.status, JSON.stringify(walkIn.body)).toBe(201);
      expect(walkIn.body).toMatchObject({ status: "guest", memberId: null });
    });

    it("guest: a member claims a guest purchase once, within guestClaimDays", async () => {
      const { p } = await setup({ unknownMemberPolicy: "guest", guestClaimDays: 30 }, PER_DOLLAR);
      const regular = await p.createMember();
      const m = await p.createMember();
      // a till's batch: a known member's purchase, a purchase without a member, an unknown member's
      const till = await batch(p, [
        purchase(regular, 500),
        { id: nextId("order"), type: "purchase", amount: 2500, receiptId: "R-1001" },
        { id: nextId("order"), type: "purchase", member: { externalId: "walk-in" }, amount: 1000 },
      ]);
      const [, guest, walkIn] = till.results.map((r: Json) => r.result);
      expect(till.results.map((r: Json) => r.status)).toEqual([201, 201, 201]);
      for (const g of [guest, walkIn]) {
        expect(g).toMatchObject({
          status: "guest",
          memberId: null,
          points: { total: 0, available: 0, pending: 0 },
          contributions: [],
          balance: null,
        });
      }
      expect(await storedEvent(p, guest.eventId)).toMatchObject({ status: "guest", memberId: null, receiptId: "R-1001" });

      const claim = await p.call("POST", `/v1/members/${m}/claims`, { receiptId: "R-1001" });
      expect(claim.status, JSON.stringify(claim.body)).toBe(201);
      expect(claim.body).toMatchObject({ status: "claimed", memberId: m, points: { total: 25 } });
      expect(await balanceOf(p, m)).toEqual({ ...zero, available: 25 });
      expect(await storedEvent(p, guest.eventId)).toMatchObject({ status: "claimed", memberId: m, points: 25 });
      expectError(await p.call("POST", `/v1/members/${m}/claims`, { receiptId: "R-1001" }), 409, "invalid_state");
      expectError(await p.call("POST", `/v1/members/${regular}/claims`, { receiptId: "R-1001" }), 409, "invalid_state");
      // the walk-in's receipt is its event id
      expect((await p.call("POST", `/v1/members/${m}/claims`, { receiptId: walkIn.eventId })).body.points.total).toBe(10);

      const late = { id: nextId("order"), type: "purchase", amount: 4000, receiptId: "R-1002" };
      await batch(p, [
        purchase(regular, 500),
        late,
        { id: nextId("order"), type: "purchase", amount: 3000, receiptId: "R-1003" },
      ]);
      t.clock.advance(29 * DAY);
      expect((await p.call("POST", `/v1/members/${m}/claims`, { receiptId: "R-1003" })).status).toBe(201);
      t.clock.advance(2 * DAY);
      expectError(await p.call("POST", `/v1/members/${m}/claims`, { receiptId: "R-1002" }), 409, "invalid_state");
      expect(await balanceOf(p, m)).toEqual({ ...zero, available: 25 + 10 + 30 });
      expect(await balanceOf(p, regular)).toEqual({ ...zero, available: 10 });

      // a claimed purchase can be returned like any other; an unclaimed one earned nothing to take back
      expect((await earn(p, refund(guest.eventId, 1000))).points.total).toBe(-10);
      expect(await balanceOf(p, m)).toEqual({ ...zero, available: 55 });
      expectError(await send(p, refund(late.id, 1000)), 409, "invalid_state");
    });

    it("guest: a claim earns under the rules and campaigns that applied when the purchase occurred", async () => {
      const {
        p,
        rules: [base],
      } = await setup({ unknownMemberPolicy: "guest", guestClaimDays: 30 }, PER_DOLLAR);
      const campaign = await addCampaign(p, {
        name: "Double week",
        status: "active",
        startsAt: "2026-03-09",
        endsAt: "2026-03-15",
      });
      await addRule(p, { name: "x2", campaignId: campaign.id, effect: { type: "multiplier", factor: 2 } });
      const regular = await p.createMember();
      const m = await p.createMember();
      await batch(p, [purchase(regular, 500), { id: nextId("order"), type: "purchase", amount: 2500, receiptId: "R-3001" }]);

      // later: the campaign is over and the standing rule is changed
      t.clock.set("2026-03-20T16:00:00Z");
      expect((await p.call("PATCH", `/v1/campaigns/${campaign.id}`, { status: "ended" })).status).toBe(200);
      expect((await p.call("PATCH", `/v1/rules/${base.id}`, { effect: { type: "points_per_amount", points: 5 } })).status).toBe(
        200,
      );

      const claim = await p.call("POST", `/v1/members/${m}/claims`, { receiptId: "R-3001" });
      expect(claim.status).toBe(201);
      expect(byRule(claim.body)).toEqual({ "1 point per dollar": 25, x2: 25 });
      expect(contributionOf(claim.body, "1 point per dollar")).toMatchObject({ ruleVersion: 1 });
      expect(await balanceOf(p, m)).toEqual({ ...zero, available: 50 });
    });
  });

  it("14. referrals: rewarded once on the first qualifying purchase, within the monthly limit", async () => {
    const { p } = await setup(
      { referralPolicy: { referrerPoints: 500, refereePoints: 200, minPurchaseAmount: 2000, maxRewardsPerMonth: 2 } },
      PER_DOLLAR,
    );
    const a = await p.createMember({ email: "ann@example.com" });
    const code: string = (await p.call("GET", `/v1/members/${a}`)).body.referralCode;
    expect(code).toEqual(expect.any(String));

    const self = await p.call("POST", "/v1/members", { email: "ann@example.com", referralCode: code });
    expectError(self, 422, "referral_invalid");
    expect(self.body.error.details.reason).toBe("self_referral");
    const unknown = await p.call("POST", "/v1/members", { email: "zed@example.com", referralCode: "NOPE-0000" });
    expectError(unknown, 422, "referral_invalid");
    expect(unknown.body.error.details.reason).toBe("unknown_code");

    const b = await p.createMember({ email: "bob@example.com", referralCode: code });
    expect((await p.call("GET", `/v1/members/${b}`)).body.referredBy).toBe(a);
    const small = await earn(p, purchase(b, 1000));
    expect(small).toMatchObject({ points: { total: 10 }, referral: null });
    const qualifyingOrder = purchase(b, 2500);
    const preview = await earn(p, qualifyingOrder, "?dryRun=true");
    expect(preview.referral).toMatchObject({ referrerId: a, status: "rewarded" });
    expect(await balanceOf(p, a)).toEqual(zero);
    const qualifying = await earn(p, qualifyingOrder);
    expect(qualifying.referral).toMatchObject({ referrerId: a, status: "rewarded", referrerPoints: 500, refereePoints: 200 });
    expect(byRule(qualifying)).toEqual({ "1 point per dollar": 25, "Referral bonus": 200 });
    expect((await earn(p, purchase(b, 3000))).referral).toBeNull();
    expect(await balanceOf(p, a)).toEqual({ ...zero, available: 500 });
    expect(await balanceOf(p, b)).toEqual({ ...zero, available: 10 + 225 + 30 });

    const c = await p.createMember({ email: "cat@example.com", referralCode: code });
    const d = await p.createMember({ email: "dan@example.com", referralCode: code });
    expect((await earn(p, purchase(c, 2500))).referral).toMatchObject({ status: "rewarded" });
    const third = await earn(p, purchase(d, 3000));
    expect(third.referral).toMatchObject({ referrerId: a, status: "refused", referrerPoints: 0, refereePoints: 0 });
    expect(third.points.total).toBe(30);
    expect((await earn(p, purchase(d, 3000))).referral).toBeNull();
    expect(await balanceOf(p, a)).toEqual({ ...zero, available: 1000 });
    expect(await balanceOf(p, c)).toEqual({ ...zero, available: 225 });
    expect(await balanceOf(p, d)).toEqual({ ...zero, available: 60 });
  });

  it("15. campaign budget: never overspent, and a return gives points back to it", async () => {
    const { p } = await setup({});
    const campaign = await addCampaign(p, { name: "Spring bonus", status: "active", budgetPoints: 50 });
    expect(campaign.budget).toEqual({ points: 50, spent: 0, remaining: 50 });
    await addRule(p, fixed("20 bonus points", 20, { campaignId: campaign.id }));
    const members: string[] = [];
    for (let i = 0; i < 5; i++) members.push(await p.createMember());
    const budget = async () => (await p.call("GET", `/v1/campaigns/${campaign.id}`)).body.budget;

    const results: Json[] = [];
    for (const m of members.slice(0, 4)) results.push(await earn(p, purchase(m, 1000)));
    expect(results.map((r) => r.points.total)).toEqual([20, 20, 10, 0]);
    expect(results[2].contributions[0].explanation).toContain("cut to 10 points by the campaign's budget");
    expect(results[3].skipped).toMatchObject([{ reason: "budget_exhausted", campaignId: campaign.id }]);
    expect(await budget()).toEqual({ points: 50, spent: 50, remaining: 0 });

    const [m0, m4] = [members[0] ?? "", members[4] ?? ""];
    const back = await earn(p, refund(results[0].eventId, 1000));
    expect(back.points.total).toBe(-20);
    expect(await budget()).toEqual({ points: 50, spent: 30, remaining: 20 });
    expect(await balanceOf(p, m0)).toEqual(zero);
    // a dry run sees what is left and takes none of it
    expect((await earn(p, purchase(m4, 1000), "?dryRun=true")).points.total).toBe(20);
    expect(await budget()).toEqual({ points: 50, spent: 30, remaining: 20 });
    expect((await earn(p, purchase(m4, 1000))).points.total).toBe(20);
    expect(await budget()).toEqual({ points: 50, spent: 50, remaining: 0 });
  });

  it("16. holdout: half the members, the same ones every time, get nothing", async () => {
    const { p } = await setup({});
    const campaign = await addCampaign(p, { name: "Lift test", status: "active", holdoutPercent: 50 });
    await addRule(p, fixed("Campaign bonus", 10, { campaignId: campaign.id }));
    const members: string[] = [];
    for (let i = 0; i < 40; i++) members.push(await p.createMember());
    const expected = members.filter((m) => holdoutBucket(campaign.id, m) < 50);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(40);

    const round = async () => {
      const { results } = await batch(
        p,
        members.map((m) => purchase(m, 1000)),
      );
      const heldOut: string[] = [];
      results.forEach((r: Json, i: number) => {
        expect(r.status).toBe(201);
        if (r.result.points.total === 0) {
          heldOut.push(members[i] ?? "");
          expect(r.result.skipped).toMatchObject([{ reason: "holdout", campaignId: campaign.id }]);
        } else {
          expect(r.result.points.total).toBe(10);
        }
      });
      return heldOut;
    };
    expect(await round()).toEqual(expected);
    expect(await round()).toEqual(expected);
    for (const m of members) {
      expect(await balanceOf(p, m)).toEqual({ ...zero, available: expected.includes(m) ? 0 : 20 });
    }
    // a backtest of the same campaign holds out the same members
    const backtest = await p.call("POST", `/v1/campaigns/${campaign.id}/backtest`, {
      from: "2026-03-10T00:00:00Z",
      to: "2026-03-11T00:00:00Z",
    });
    expect(backtest.body).toMatchObject({
      points: 20 * (40 - expected.length),
      membersReached: 40 - expected.length,
      membersHeldOut: expected.length,
    });
  });

  it("17. versions: a changed rule is version 2; earlier awards keep version 1", async () => {
    const {
      p,
      rules: [rule],
    } = await setup({}, PER_DOLLAR);
    const m = await p.createMember();
    const before = await earn(p, purchase(m, 1000));
    expect(before.contributions).toMatchObject([{ ruleId: rule.id, ruleVersion: 1, points: 10 }]);

    const patched = await p.call("PATCH", `/v1/rules/${rule.id}`, { effect: { type: "points_per_amount", points: 2 } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      version: 2,
      effect: { type: "points_per_amount", points: 2, per: 100, rounding: "floor" },
    });
    const after = await earn(p, purchase(m, 1000));
    expect(after.contributions).toMatchObject([{ ruleId: rule.id, ruleVersion: 2, points: 20 }]);

    const stored = await storedEvent(p, before.eventId);
    expect(stored.points).toBe(10);
    expect(stored.result.contributions).toMatchObject([{ ruleId: rule.id, ruleVersion: 1, points: 10 }]);
    const versions = (await p.call("GET", `/v1/rules/${rule.id}/versions`)).body.data;
    expect(versions.map((v: Json) => [v.version, v.definition.effect.points])).toEqual([
      [2, 2],
      [1, 1],
    ]);
    // a return takes back what the purchase earned under version 1
    expect((await earn(p, refund(before.eventId, 1000))).points.total).toBe(-10);
    expect(await balanceOf(p, m)).toEqual({ ...zero, available: 20 });
  });

  it("18. dry run: the same answer, nothing written; asOf processes as if received then", async () => {
    const { p } = await setup({ pendingDays: 14 }, PER_DOLLAR);
    const m = await p.createMember();
    await earn(p, purchase(m, 5000));
    expect(await balanceOf(p, m)).toEqual({ ...zero, pending: 50 });

    const trial = purchase(m, 2000);
    const dry = await earn(p, trial, "?dryRun=true");
    expect(dry).toMatchObject({
      dryRun: true,
      points: { total: 20, available: 0, pending: 20 },
      transactionId: null,
      balance: { ...zero, pending: 70 },
    });
    expect(await balanceOf(p, m)).toEqual({ ...zero, pending: 50 });
    expectError(await p.call("GET", `/v1/events/${trial.id}`), 404, "not_found");

    const later = "2026-03-25T16:00:00.000Z";
    const undated = purchase(m, 2000);
    const asOf = await earn(p, undated, `?dryRun=true&asOf=${encodeURIComponent(later)}`);
    expect(asOf).toMatchObject({ dryRun: true, occurredAt: later, balance: { ...zero, available: 50, pending: 20 } });
    expect(asOf.contributions).toMatchObject([{ points: 20, availableAt: "2026-04-08T16:00:00.000Z" }]);
    expectError(await send(p, undated, `?asOf=${encodeURIComponent(later)}`), 400, "validation_error");
    expect(await balanceOf(p, m)).toEqual({ ...zero, pending: 50 });

    // a return, dry: nothing taken back
    const stored = await earn(p, purchase(m, 1000));
    const dryReturn = await earn(p, refund(stored.eventId, 1000), "?dryRun=true");
    expect(dryReturn).toMatchObject({ dryRun: true, points: { total: -10 }, return: { pointsTakenBack: 10 } });
    expect(await storedEvent(p, stored.eventId)).toMatchObject({ returnedAmount: 0, clawedBack: 0 });
    expect(await balanceOf(p, m)).toEqual({ ...zero, pending: 60 });

    // the dry run did not keep the event id: the real one is processed, not replayed
    const real = await send(p, trial);
    expect(real.status).toBe(201);
    expect(real.headers.get("idempotent-replayed")).toBeNull();
    expect(real.body).toMatchObject({ dryRun: false, points: dry.points, balance: { ...zero, pending: 80 } });
    expect(await balanceOf(p, m)).toEqual({ ...zero, pending: 80 });
  });

  it("19. backtest: a draft campaign replayed over stored purchases, nothing written", async () => {
    // The rule is in force before the stored purchases occurred (events are judged as of then).
    t.clock.set("2026-02-20T12:00:00Z");
    const { p } = await setup({}, PER_DOLLAR);
    const [m1, m2, m3] = [await p.createMember(), await p.createMember(), await p.createMember()];
    t.clock.set(BASE);
    const history: [string, number, string][] = [
      [m3, 4000, "2026-03-01T15:00:00Z"], // before the window
      [m1, 1000, "2026-03-05T15:00:00Z"],
      [m1, 2000, "2026-03-06T15:00:00Z"],
      [m2, 3000, "2026-03-07T15:00:00Z"],
    ];
    for (const [m, amount, occurredAt] of history) await earn(p, purchase(m, amount, { occurredAt }));
    await earn(p, purchase(m1, 5000)); // after the window

    const campaign = await addCampaign(p, { name: "Double points test" });
    expect(campaign).toMatchObject({ status: "draft", running: false, budget: null });
    const double = await addRule(p, { name: "x2", campaignId: campaign.id, effect: { type: "multiplier", factor: 2 } });
    const balances = async () => Promise.all([m1, m2, m3].map((m) => balanceOf(p, m)));
    const eventCount = async () => (await p.call("GET", `/v1/members/${m1}/events?limit=200`)).body.data.length;
    const [balancesBefore, eventsBefore] = [await balances(), await eventCount()];
    expect(balancesBefore.map((b) => b.available)).toEqual([80, 30, 40]);

    const res = await p.call("POST", `/v1/campaigns/${campaign.id}/backtest`, {
      from: "2026-03-02T00:00:00Z",
      to: "2026-03-10T00:00:00Z",
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({
      campaignId: campaign.id,
      campaignVersion: 1,
      eventsReplayed: 3,
      eventsRewarded: 3,
      points: 60,
      membersReached: 2,
      membersHeldOut: 0,
      cost: { amount: 0.6, currency: "USD" },
      budgetExhaustedAt: null,
      topRules: [{ ruleId: double.id, ruleName: "x2", points: 60, events: 3, members: 2 }],
    });

    expect(await balances()).toEqual(balancesBefore);
    expect(await eventCount()).toBe(eventsBefore);
    expect((await p.call("GET", `/v1/campaigns/${campaign.id}`)).body).toMatchObject({ status: "draft", version: 1 });
    // still a draft: live purchases get the standing rule only
    expect(byRule(await earn(p, purchase(m1, 1000)))).toEqual({ "1 point per dollar": 10 });
  });

  it("20. a member's events, newest first, page by page, none lost between pages", async () => {
    const { p } = await setup({}, PER_DOLLAR);
    const m = await p.createMember();
    // a batch: its events share the time they were received
    const sent = await batch(p, [purchase(m, 100), purchase(m, 200), purchase(m, 300), purchase(m, 400), purchase(m, 500)]);
    const ids: string[] = sent.results.map((r: Json) => r.eventId);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
      const res = await p.call("GET", `/v1/members/${m}/events?type=purchase&limit=2${query}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.data.map((e: Json) => e.id));
      cursor = res.body.nextCursor;
      if (!cursor) break;
    }
    expect([...seen].sort()).toEqual([...ids].sort());
  });
});
