import { describe, expect, it } from "vitest";
import { checkLadderThresholds, ladderThresholdIssues, thresholdWords } from "./ladder-input.rules.ts";
import type { PutTiersInput } from "./tiers.schemas.ts";

const ladder = (metric: PutTiersInput["policy"]["metric"], ...tiers: [string, number, number?][]): PutTiersInput => ({
  policy: { metric, window: { type: "lifetime" }, periodMonths: 12, graceDays: 0 },
  tiers: tiers.map(([name, threshold, retainThreshold]) => ({
    name,
    threshold,
    ...(retainThreshold !== undefined && { retainThreshold }),
    earnMultiplier: 1,
    benefits: [],
  })),
});

describe("thresholdWords", () => {
  it.each([
    [15_000, "spend", "USD", "$150.00"],
    [15_000, "spend", "JPY", "¥15,000"],
    [1_500, "spend", "KWD", "KWD\u00a01.500"],
    [1, "points_earned", "USD", "1 point"],
    [15_000, "points_earned", "USD", "15,000 points"],
    [3, "purchases", "USD", "3 purchases"],
  ] as const)("%i of %s in %s is %s", (amount, metric, currency, words) => {
    expect(thresholdWords(amount, metric, currency)).toBe(words);
  });
});

describe("ladderThresholdIssues", () => {
  it.each([
    ["an ordered ladder", ladder("spend", ["Base", 0], ["Silver", 30_000], ["Gold", 60_000, 45_000]), []],
    [
      "a tier below the previous one, in money",
      ladder("spend", ["Base", 0], ["Silver", 30_000], ["Gold", 15_000]),
      [["tiers.2.threshold", "Gold's threshold, $150.00, must be above the previous tier's $300.00 (Silver)"]],
    ],
    [
      "an equal threshold, in points",
      ladder("points_earned", ["Base", 0], ["Silver", 500], ["Gold", 500]),
      [["tiers.2.threshold", "Gold's threshold, 500 points, must be above the previous tier's 500 points (Silver)"]],
    ],
    [
      "a bottom tier above 0",
      ladder("spend", ["Base", 1_000]),
      [["tiers.0.threshold", "Base is the bottom tier: its threshold must be $0.00, not $10.00"]],
    ],
    [
      "keeping needing more than reaching",
      ladder("purchases", ["Base", 0], ["Silver", 5, 6]),
      [["tiers.1.retainThreshold", "Silver: keeping the tier cannot need more (6 purchases) than reaching it (5 purchases)"]],
    ],
  ])("%s", (_, input, expected) => {
    expect(ladderThresholdIssues(input, "USD").map((i) => [i.path, i.message])).toEqual(expected);
  });

  it("refuses with the first problem as the message and every problem in the details", () => {
    const input = ladder("spend", ["Base", 100], ["Silver", 50]);
    expect(() => checkLadderThresholds(input, "USD")).toThrow("Base is the bottom tier: its threshold must be $0.00, not $1.00");
  });
});
