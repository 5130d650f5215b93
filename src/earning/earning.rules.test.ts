import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ExpiryPolicy } from "../db/schema.ts";
import {
  type EarnEvent,
  evaluate,
  failedCondition,
  holdoutBucket,
  type LiveCampaign,
  type LiveRule,
  type MemberFacts,
  type MemberHistory,
  paidFor,
  periodStart,
  resolveBound,
  roundPoints,
} from "./earning.rules.ts";
import { type RuleDefinition, RuleDefinitionSchema } from "./earning.schemas.ts";

const program = { timezone: "America/New_York", currency: "USD" };
const member: MemberFacts = { id: "mem_1", attributes: { vip: true, visits: 3 }, tier: null, segments: [] };

const event = (fields: Partial<EarnEvent> = {}): EarnEvent => ({
  id: "e1",
  type: "purchase",
  occurredAt: new Date("2026-03-10T15:00:00Z"),
  amount: 10_000,
  currency: "USD",
  items: null,
  channel: null,
  storeId: null,
  partnerId: null,
  attributes: {},
  ...fields,
});

let ruleCounter = 0;
const rule = (definition: Record<string, unknown>, campaign: LiveRule["campaign"] = null): LiveRule => {
  ruleCounter += 1;
  return {
    id: `rul_${String(ruleCounter).padStart(3, "0")}`,
    version: 1,
    name: `rule ${ruleCounter}`,
    status: "active",
    campaign,
    definition: RuleDefinitionSchema.parse({ name: `rule ${ruleCounter}`, trigger: "purchase", ...definition }),
  };
};
/** A running campaign with a budget and no audience, schedule or holdout. */
const budgeted = (id: string, budgetPoints: number): LiveCampaign => ({
  id,
  version: 1,
  name: "c",
  status: "active",
  startsAt: null,
  endsAt: null,
  audience: [],
  holdoutPercent: 0,
  budgetPoints,
});
const fresh = (): MemberHistory => ({ purchases: 0, stamps: new Map(), awards: [] });
const perDollar = { type: "points_per_amount", points: 1, per: 100, rounding: "floor" };

describe("roundPoints", () => {
  it.each([
    [2345n, 100n, "floor", 23],
    [2345n, 100n, "round", 23],
    [2350n, 100n, "round", 24],
    [2301n, 100n, "ceil", 24],
    [2300n, 100n, "ceil", 23],
    [0n, 100n, "ceil", 0],
  ] as const)("%i/%i %s -> %i", (n, d, rounding, expected) => {
    expect(roundPoints({ n, d }, rounding)).toBe(expected);
  });
});

describe("paidFor", () => {
  it("shares the paid amount across items by line total, so order discounts reach every item", () => {
    const items = [
      { sku: "a", quantity: 1, unitPrice: 6_000 },
      { sku: "b", quantity: 2, unitPrice: 2_000 },
    ];
    const e = event({ amount: 9_000, items });
    expect(paidFor(e, null)).toEqual({ n: 9000n, d: 1n });
    const first = paidFor(e, [items[0] as (typeof items)[0]]);
    expect(Number(first.n) / Number(first.d)).toBe(5_400);
  });
});

describe("conditions", () => {
  it.each([
    [{ type: "time_of_day", from: "22:00", to: "02:00" }, "2026-03-11T04:30:00Z", null],
    [{ type: "time_of_day", from: "22:00", to: "02:00" }, "2026-03-11T07:30:00Z", "03:30 is outside 22:00-02:00"],
    [{ type: "day_of_week", days: ["sat", "sun"] }, "2026-03-14T15:00:00Z", null],
    [{ type: "day_of_week", days: ["sat", "sun"] }, "2026-03-14T03:00:00Z", "fri is not one of sat, sun"],
    [{ type: "date_window", from: "2026-12-20", to: "2026-12-26" }, "2026-12-27T04:59:59Z", null],
    [{ type: "date_window", from: "2026-12-20", to: "2026-12-26" }, "2026-12-27T05:00:00Z", "occurred after 2026-12-26"],
    [{ type: "member_attribute", key: "visits", op: "gte", value: 3 }, "2026-03-10T15:00:00Z", null],
    [{ type: "tier", in: ["gold"] }, "2026-03-10T15:00:00Z", "member's tier (none) is not one of gold"],
  ] as const)("%o at %s", (condition, at, why) => {
    const parsed = RuleDefinitionSchema.parse({ name: "c", trigger: "purchase", conditions: [condition], effect: perDollar })
      .conditions[0];
    if (!parsed) throw new Error("no condition");
    expect(failedCondition(parsed, event({ occurredAt: new Date(at) }), member, fresh(), program)).toBe(why);
  });

  it("resolves dates in the programme's time zone, an end date inclusive", () => {
    expect(resolveBound("2026-12-20", program.timezone, "start").toISOString()).toBe("2026-12-20T05:00:00.000Z");
    expect(resolveBound("2026-12-26", program.timezone, "end").toISOString()).toBe("2026-12-27T05:00:00.000Z");
    expect(periodStart("week", new Date("2026-03-12T03:00:00Z"), program.timezone).toISOString()).toBe(
      "2026-03-09T04:00:00.000Z",
    );
  });
});

describe("evaluate", () => {
  it("multiplies base points on eligible items only, and explains each line", () => {
    const base = rule({ effect: perDollar });
    const shoes = rule({ items: { include: { categories: ["shoes"] } }, effect: { type: "multiplier", factor: 3 } });
    const items = [
      { sku: "s1", category: "shoes", quantity: 1, unitPrice: 6_000 },
      { sku: "t1", category: "shirts", quantity: 1, unitPrice: 4_000 },
    ];
    const result = evaluate(event({ items }), member, fresh(), [base, shoes], program);
    expect(result.contributions.map((c) => [c.ruleId, c.points])).toEqual([
      [base.id, 100],
      [shoes.id, 120],
    ]);
    expect(result.contributions[1]?.explanation).toBe("x3 on 100 base points on eligible items (floor): +120 points");
  });

  it("lets exclusive rules compete (best of) while stacking rules add", () => {
    const small = rule({ effect: { type: "fixed_points", points: 5 }, stacking: "exclusive", priority: 10 });
    const big = rule({ effect: { type: "fixed_points", points: 8 }, stacking: "exclusive" });
    const extra = rule({ effect: { type: "fixed_points", points: 1 } });
    const result = evaluate(event(), member, fresh(), [small, big, extra], program);
    expect(result.contributions.map((c) => c.points).sort()).toEqual([1, 8]);
    expect(result.skipped).toEqual([expect.objectContaining({ ruleId: small.id, reason: "outranked" })]);
  });

  it("counts per-member limits over calendar periods in programme time", () => {
    const review = rule({
      trigger: "review",
      effect: { type: "fixed_points", points: 20 },
      limits: { perMember: { period: "day", maxAwards: 1 } },
    });
    const history = fresh();
    const at = (iso: string) => event({ type: "review", occurredAt: new Date(iso), amount: null });
    const points = ["2026-03-10T13:00:00Z", "2026-03-11T03:59:00Z", "2026-03-11T04:00:00Z"].map(
      (iso) => evaluate(at(iso), member, history, [review], program).contributions[0]?.points ?? 0,
    );
    // 23:59 New York time is still the 10th; 00:00 is the 11th
    expect(points).toEqual([20, 0, 20]);
  });

  it("fills stamp cards across events and pays each completed card", () => {
    const card = rule({ effect: { type: "stamps", cardSize: 3, per: "item", rewardPoints: 50 } });
    const history = fresh();
    const buy = (quantity: number) =>
      evaluate(event({ items: [{ sku: "c", quantity, unitPrice: 300 }] }), member, history, [card], program);
    expect(buy(2).stamps[0]).toMatchObject({ progress: 2, completedCards: 0 });
    const second = buy(5);
    expect(second.stamps[0]).toMatchObject({ progress: 1, completedCards: 2 });
    expect(second.contributions[0]?.points).toBe(100);
  });

  it("holds out a fixed share of members, the same ones every time", () => {
    const buckets = Array.from({ length: 2_000 }, (_, i) => holdoutBucket("cmp_x", `mem_${i}`));
    const share = buckets.filter((b) => b < 20).length / buckets.length;
    expect(share).toBeGreaterThan(0.17);
    expect(share).toBeLessThan(0.23);
    expect(holdoutBucket("cmp_x", "mem_7")).toBe(holdoutBucket("cmp_x", "mem_7"));
  });

  it("cuts contributions to the budget a campaign granted", () => {
    const campaign = budgeted("cmp_1", 10);
    const bonus = rule({ effect: { type: "fixed_points", points: 7 } }, campaign);
    const budgets = new Map([["cmp_1", 4]]);
    const result = evaluate(event(), member, fresh(), [bonus], program, budgets);
    expect(result.contributions[0]?.points).toBe(4);
    expect(budgets.get("cmp_1")).toBe(0);
    const next = evaluate(event(), member, fresh(), [bonus], program, budgets);
    expect(next.skipped).toEqual([expect.objectContaining({ reason: "budget_exhausted" })]);
  });

  it("lets a standing exclusive rule win once a campaign's exclusive rule has no budget left", () => {
    const campaign = budgeted("cmp_2", 50);
    const standing = rule({ effect: perDollar, stacking: "exclusive" });
    const triple = rule({ effect: { type: "points_per_amount", points: 3, per: 100 }, stacking: "exclusive" }, campaign);
    const double = rule({ effect: { type: "multiplier", factor: 2 } });
    const budgets = new Map([["cmp_2", 50]]);
    const first = evaluate(event(), member, fresh(), [standing, triple, double], program, budgets);
    expect(first.contributions.map((c) => [c.ruleId, c.points])).toEqual([
      [standing.id, 100],
      [double.id, 100],
    ]);
    // the campaign's 3x was cut to 50, less than the standing 100: it lost and gave its budget back
    expect(budgets.get("cmp_2")).toBe(50);
  });
});

describe("evaluate, for any rules and events (property)", () => {
  const definitionArb: fc.Arbitrary<Record<string, unknown>> = fc.record({
    effect: fc.oneof(
      fc.record({
        type: fc.constant("points_per_amount"),
        points: fc.integer({ min: 1, max: 10 }),
        per: fc.constantFrom(1, 50, 100, 250),
        rounding: fc.constantFrom("floor", "round", "ceil"),
      }),
      fc.record({ type: fc.constant("fixed_points"), points: fc.integer({ min: 1, max: 100 }) }),
      fc.record({
        type: fc.constant("multiplier"),
        factor: fc.constantFrom(1.5, 2, 3),
        rounding: fc.constantFrom("floor", "round", "ceil"),
      }),
    ),
    limits: fc.record(
      {
        perEvent: fc.integer({ min: 1, max: 200 }),
        perMember: fc.record({
          period: fc.constantFrom("day", "month", "lifetime"),
          maxPoints: fc.integer({ min: 1, max: 500 }),
        }),
      },
      { requiredKeys: [] },
    ),
    stacking: fc.constantFrom("stack", "exclusive"),
    items: fc.option(fc.constant({ include: { categories: ["shoes"] } }), { nil: undefined }),
  });
  const eventsArb = fc.array(
    fc.record({
      amount: fc.integer({ min: 0, max: 50_000 }),
      hours: fc.integer({ min: 0, max: 24 * 60 }),
      shoes: fc.integer({ min: 0, max: 20_000 }),
      other: fc.integer({ min: 0, max: 20_000 }),
    }),
    { minLength: 1, maxLength: 15 },
  );

  it("never gives a rule more than its limits allow, per event and per member and period", () => {
    fc.assert(
      fc.property(fc.array(definitionArb, { minLength: 1, maxLength: 5 }), eventsArb, (definitions, events) => {
        const rules = definitions.map((d) => rule(d));
        const history = fresh();
        const given: { ruleId: string; at: Date; points: number }[] = [];
        let hours = 0;
        for (const e of events) {
          hours += e.hours;
          const at = new Date(Date.parse("2026-01-01T00:00:00Z") + hours * 3_600_000);
          const items = [
            { sku: "s", category: "shoes", quantity: 1, unitPrice: e.shoes },
            { sku: "o", category: "other", quantity: 1, unitPrice: e.other },
          ];
          const result = evaluate(event({ occurredAt: at, amount: e.amount, items }), member, history, rules, program);
          const exclusiveBase = result.contributions.filter((c) => {
            const d = rules.find((r) => r.id === c.ruleId)?.definition as RuleDefinition;
            return d.stacking === "exclusive" && d.effect.type !== "multiplier";
          });
          expect(exclusiveBase.length).toBeLessThanOrEqual(1);
          for (const c of result.contributions) {
            expect(c.points).toBeGreaterThan(0);
            given.push({ ruleId: c.ruleId, at, points: c.points });
          }
        }
        for (const r of rules) {
          const { perEvent, perMember } = r.definition.limits;
          const mine = given.filter((g) => g.ruleId === r.id);
          if (perEvent !== undefined) for (const g of mine) expect(g.points).toBeLessThanOrEqual(perEvent);
          if (perMember?.maxPoints !== undefined) {
            const byPeriod = new Map<number, number>();
            for (const g of mine) {
              const start = periodStart(perMember.period, g.at, program.timezone).getTime();
              byPeriod.set(start, (byPeriod.get(start) ?? 0) + g.points);
            }
            for (const total of byPeriod.values()) expect(total).toBeLessThanOrEqual(perMember.maxPoints);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it("gives exactly amount x points / per, rounded as named, for an unlimited per-amount rule", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 1, max: 1_000 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.constantFrom("floor", "round", "ceil"),
        (amount, points, per, rounding) => {
          const r = rule({ effect: { type: "points_per_amount", points, per, rounding } });
          const got = evaluate(event({ amount }), member, fresh(), [r], program).contributions[0]?.points ?? 0;
          const exact = (amount * points) / per;
          const expected =
            rounding === "floor"
              ? Math.floor(exact)
              : rounding === "ceil"
                ? Math.max(0, Math.ceil(exact - 1e-9))
                : Math.floor(exact + 0.5);
          expect(got).toBe(expected);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("the member's tier", () => {
  const gold = (earnMultiplier: number, pointsExpiry: ExpiryPolicy | null = null): MemberFacts => ({
    ...member,
    tier: { id: "tie_gold", name: "Gold", earnMultiplier, pointsExpiry },
  });
  const twoYears = { policy: "fixed_period" as const, months: 24, roundTo: "none" as const };

  it.each([
    [1.5, 10_000, 50, "Gold tier x1.5 on 100 points (floor): +50 points"],
    [1.25, 4_500, 11, "Gold tier x1.25 on 45 points (floor): +11 points"],
    [1.1, 999, 0, null],
    [1, 10_000, 0, null],
  ])("x%s on $%i: +%i, its own line", (multiplier, amount, bonus, explanation) => {
    const result = evaluate(event({ amount }), gold(multiplier), fresh(), [rule({ effect: perDollar })], program);
    const line = result.contributions.find((c) => c.tierId === "tie_gold");
    expect(line?.points ?? 0).toBe(bonus);
    expect(line?.explanation ?? null).toBe(explanation);
    if (line) expect(line).toMatchObject({ ruleId: "tie_gold", ruleName: "Gold tier", campaignId: null, fundedBy: "program" });
  });

  it("multiplies every rule's points, and its expiry applies where a rule has none of its own", () => {
    const own = { policy: "fixed_period" as const, months: 3, roundTo: "none" as const };
    const rules = [rule({ effect: perDollar }), rule({ effect: { type: "fixed_points", points: 10 }, expiry: own })];
    const result = evaluate(event({ amount: 10_000 }), gold(2, twoYears), fresh(), rules, program);
    expect(result.contributions.map((c) => [c.points, c.expiry])).toEqual([
      [100, twoYears],
      [10, own],
      [100, twoYears],
      [10, own],
    ]);
  });

  it("its bonus keeps the pending days and expiry of the points it multiplies, one line per timing", () => {
    const month = { policy: "fixed_period" as const, months: 1, roundTo: "none" as const };
    const rules = [
      rule({ effect: perDollar }),
      rule({ effect: { type: "fixed_points", points: 15 }, pendingDays: 30, expiry: month }),
      rule({ effect: { type: "fixed_points", points: 5 }, pendingDays: 30, expiry: month }),
    ];
    const result = evaluate(event({ amount: 10_000 }), gold(1.5, twoYears), fresh(), rules, program);
    expect(result.contributions.map((c) => [c.ruleName, c.points, c.pendingDays, c.expiry])).toEqual([
      [expect.any(String), 100, null, twoYears],
      [expect.any(String), 15, 30, month],
      [expect.any(String), 5, 30, month],
      ["Gold tier", 50, null, twoYears],
      ["Gold tier", 10, 30, month],
    ]);
    expect(result.contributions.at(-1)?.explanation).toBe("Gold tier x1.5 on 20 points (floor): +10 points");
  });

  it("a tier condition matches the tier by id or name", () => {
    const cond = { type: "tier" as const, in: ["Gold"] };
    expect(failedCondition(cond, null, gold(1), null, program)).toBeNull();
    expect(failedCondition({ type: "tier", in: ["tie_gold"] }, null, gold(1), null, program)).toBeNull();
    expect(failedCondition(cond, null, member, null, program)).toBe("member's tier (none) is not one of Gold");
  });
});
