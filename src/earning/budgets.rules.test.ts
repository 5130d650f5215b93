import { describe, expect, it } from "vitest";
import { budgeted, event, fresh, member, perDollar, program, rule } from "../../test/helpers/earning-fixtures.ts";
import { type Budgets, budgetWants, giveBackBudget, takeBudget } from "./budgets.rules.ts";
import type { Contribution, Evaluation } from "./earning.types.ts";
import { evaluate } from "./evaluate.rules.ts";

describe("campaign budgets", () => {
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

  it.each([
    ["no campaign", undefined, 5, null, 10],
    ["a campaign without a budget", "cmp_free", 5, null, 10],
    ["within the budget", "cmp_b", 5, 5, 5],
    ["over the budget: what is left", "cmp_b", 15, 10, 0],
  ])("takeBudget, %s", (_name, campaignId, points, granted, left) => {
    const budgets: Budgets = new Map([["cmp_b", 10]]);
    expect(takeBudget(budgets, campaignId, points)).toBe(granted);
    expect(budgets.get("cmp_b")).toBe(left);
    giveBackBudget(budgets, campaignId, granted ?? 0);
    expect(budgets.get("cmp_b")).toBe(10);
    expect(budgets.has("cmp_free")).toBe(false);
  });

  it("budgetWants: the points each budgeted campaign's contributions want", () => {
    const line = (campaignId: string | null, points: number) => ({ campaignId, points }) as Contribution;
    const evaluation: Evaluation = {
      contributions: [line("cmp_a", 5), line(null, 7), line("cmp_a", 3), line("cmp_b", 2), line("cmp_c", 4)],
      skipped: [],
      stamps: [],
    };
    expect(budgetWants(evaluation, new Set(["cmp_a", "cmp_c"]))).toEqual(
      new Map([
        ["cmp_a", 8],
        ["cmp_c", 4],
      ]),
    );
  });
});
