import { describe, expect, it } from "vitest";
import { eventMetric, returnMetric } from "./metrics.rules.ts";

describe("the metric of events", () => {
  it.each([
    ["points_earned", { type: "purchase", amount: 5000, points: 50 }, 50],
    ["points_earned", { type: "review", amount: null, points: 20 }, 20],
    ["spend", { type: "purchase", amount: 5000, points: 50 }, 5000],
    ["spend", { type: "review", amount: null, points: 20 }, 0],
    ["purchases", { type: "purchase", amount: 5000, points: 50 }, 1],
    ["purchases", { type: "signup", amount: null, points: 100 }, 0],
  ] as const)("%s of %o: %i", (metric, event, expected) => {
    expect(eventMetric(metric, event)).toBe(expected);
  });

  it.each([
    ["points_earned", { pointsTakenBack: 12, amount: 1200, completesReturn: false }, -12],
    ["spend", { pointsTakenBack: 12, amount: 1200, completesReturn: false }, -1200],
    ["purchases", { pointsTakenBack: 12, amount: 1200, completesReturn: false }, 0],
    ["purchases", { pointsTakenBack: 12, amount: 1200, completesReturn: true }, -1],
  ] as const)("a return of %s %o: %i", (metric, ret, expected) => {
    expect(returnMetric(metric, ret)).toBe(expected);
  });
});
