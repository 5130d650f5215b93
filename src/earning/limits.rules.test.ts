import { describe, expect, it } from "vitest";
import { event, fresh, member, program, rule } from "../../test/helpers/earning-fixtures.ts";
import type { MemberHistory } from "./earning.types.ts";
import { evaluate } from "./evaluate.rules.ts";
import { applyLimits, ruleUsedInPeriod } from "./limits.rules.ts";

describe("limits", () => {
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

  const limited = rule({
    effect: { type: "fixed_points", points: 50 },
    limits: { perEvent: 30, perMember: { period: "month", maxPoints: 100, maxAwards: 3 } },
  });
  const awardsOf = (...points: number[]): MemberHistory => ({
    ...fresh(),
    awards: points.map((p, i) => ({
      ruleId: limited.id,
      occurredAt: new Date(`2026-03-0${i + 1}T15:00:00Z`),
      points: p,
      stamps: 0,
    })),
  });
  const at = new Date("2026-03-10T15:00:00Z");

  it.each([
    ["nothing yet: capped per event", [], 50, { points: 30, note: "capped at 30 points per event", blocked: null }],
    ["under the caps", [], 20, { points: 20, note: null, blocked: null }],
    [
      "80 of 100 given this month: the 20 left",
      [40, 40],
      50,
      { points: 20, note: "limited to 20 points left of 100 this month", blocked: null },
    ],
    ["100 given: blocked", [60, 40], 10, { points: 0, note: null, blocked: "already gave 100 points this month (limit 100)" }],
    [
      "3 awards given: blocked",
      [10, 10, 10],
      10,
      { points: 0, note: null, blocked: "already awarded 3 times this month (limit 3)" },
    ],
  ])("%s", (_name, given, points, expected) => {
    expect(applyLimits(limited, points, awardsOf(...given), at, program.timezone)).toEqual(expected);
  });

  it("counts only the rule's own awards in the period around the event", () => {
    const history = awardsOf(10, 20);
    history.awards.push(
      { ruleId: "rul_other", occurredAt: at, points: 99, stamps: 0 },
      { ruleId: limited.id, occurredAt: new Date("2026-02-28T15:00:00Z"), points: 99, stamps: 0 },
    );
    expect(ruleUsedInPeriod(limited, history, at, program.timezone)).toEqual({ points: 30, awards: 2 });
    expect(ruleUsedInPeriod(rule({ effect: { type: "fixed_points", points: 1 } }), history, at, program.timezone)).toEqual({
      points: 0,
      awards: 0,
    });
  });
});
