import { describe, expect, it } from "vitest";
import { event, fresh, member, perDollar, program, rule } from "../../test/helpers/earning-fixtures.ts";
import type { ExpiryPolicy } from "../db/schema.ts";
import type { Contribution, MemberFacts } from "./earning.types.ts";
import { evaluate } from "./evaluate.rules.ts";
import { tierBonus } from "./tier-bonus.rules.ts";

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

  it.each([
    ["no tier", null, []],
    ["a tier without a multiplier", { id: "tie_b", name: "Bronze" }, []],
    ["x1", { id: "tie_b", name: "Bronze", earnMultiplier: 1 }, []],
    [
      "x2, one line per timing",
      { id: "tie_g", name: "Gold", earnMultiplier: 2 },
      [
        [10, null],
        [3, 7],
      ],
    ],
    ["x1.1, each line rounded down on its own", { id: "tie_g", name: "Gold", earnMultiplier: 1.1 }, [[1, null]]],
  ] as [string, MemberFacts["tier"], [number, number | null][]][])("tierBonus, %s", (_name, tier, lines) => {
    const line = (points: number, pendingDays: number | null) => ({ points, pendingDays, expiry: null }) as Contribution;
    const bonus = tierBonus({ ...member, tier }, [line(4, null), line(3, 7), line(6, null)]);
    expect(bonus.map((c) => [c.points, c.pendingDays])).toEqual(lines);
    for (const c of bonus) expect(c).toMatchObject({ ruleId: tier?.id, tierId: tier?.id, fundedBy: "program", priority: -5_000 });
  });
});
