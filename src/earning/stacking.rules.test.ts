import { describe, expect, it } from "vitest";
import { budgeted, event, fresh, member, perDollar, program, rule } from "../../test/helpers/earning-fixtures.ts";
import type { LiveRule, SkipReason } from "./earning.types.ts";
import { evaluate } from "./evaluate.rules.ts";
import { frac } from "./rounding.rules.ts";
import { byPriority, type Candidate, resolveStacking } from "./stacking.rules.ts";

const candidate = (r: LiveRule, points: number, stamps = 0): Candidate => ({
  rule: r,
  items: null,
  raw: frac(points),
  points,
  explanation: `${points} points`,
  stamps,
});

function stack(candidates: Candidate[], budgets = new Map<string, number>()) {
  const skipped: [string, SkipReason][] = [];
  const given = resolveStacking(candidates, fresh(), event(), program, budgets, (r, reason) => skipped.push([r.id, reason]));
  return { given: given.map((c) => [c.rule.id, c.given, c.note]), skipped };
}

describe("stacking", () => {
  it("lets exclusive rules compete (best of) while stacking rules add", () => {
    const small = rule({ effect: { type: "fixed_points", points: 5 }, stacking: "exclusive", priority: 10 });
    const big = rule({ effect: { type: "fixed_points", points: 8 }, stacking: "exclusive" });
    const extra = rule({ effect: { type: "fixed_points", points: 1 } });
    const result = evaluate(event(), member, fresh(), [small, big, extra], program);
    expect(result.contributions.map((c) => c.points).sort()).toEqual([1, 8]);
    expect(result.skipped).toEqual([expect.objectContaining({ ruleId: small.id, reason: "outranked" })]);
  });

  it("orders by priority, then by rule id", () => {
    const [a, b, c] = [1, 5, 1].map((priority) => ({ rule: rule({ priority, effect: perDollar }) }));
    if (!a || !b || !c) throw new Error("three rules");
    expect([a, b, c].sort(byPriority).map((x) => x.rule.id)).toEqual([b.rule.id, a.rule.id, c.rule.id]);
  });

  it.each([
    ["a candidate with no points is skipped", [0], new Map<string, number>(), [], ["zero_points"]],
    ["a budget cuts a candidate", [7], new Map([["cmp_s", 4]]), [[4, "cut to 4 points by the campaign's budget"]], []],
    ["a spent budget skips it", [7], new Map([["cmp_s", 0]]), [], ["budget_exhausted"]],
    ["within budget: all of it", [7], new Map([["cmp_s", 9]]), [[7, null]], []],
  ] as [string, number[], Map<string, number>, [number, string | null][], SkipReason[]][])(
    "%s",
    (_name, points, budgets, given, skipped) => {
      const campaign = budgeted("cmp_s", 100);
      const result = stack(
        // a rule gives at least a point; a candidate may come to none (rounded down)
        points.map((p) => candidate(rule({ effect: { type: "fixed_points", points: Math.max(1, p) } }, campaign), p)),
        budgets,
      );
      expect(result.given.map(([, g, note]) => [g, note])).toEqual(given);
      expect(result.skipped.map(([, reason]) => reason)).toEqual(skipped);
    },
  );

  it("gives back to its budget what an outranked exclusive candidate had taken", () => {
    const campaign = budgeted("cmp_s", 100);
    const loser = rule({ effect: { type: "fixed_points", points: 3 }, stacking: "exclusive" }, campaign);
    const winner = rule({ effect: { type: "fixed_points", points: 9 }, stacking: "exclusive" });
    const budgets = new Map([["cmp_s", 10]]);
    const result = stack([candidate(loser, 3), candidate(winner, 9)], budgets);
    expect(result.given).toEqual([[winner.id, 9, null]]);
    expect(result.skipped).toEqual([[loser.id, "outranked"]]);
    expect(budgets.get("cmp_s")).toBe(10);
  });
});
