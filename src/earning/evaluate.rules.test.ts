import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { event, fresh, member, perDollar, program, rule } from "../../test/helpers/earning-fixtures.ts";
import type { RuleDefinition } from "./earning.schemas.ts";
import { evaluate } from "./evaluate.rules.ts";
import { periodStart } from "./periods.rules.ts";

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
