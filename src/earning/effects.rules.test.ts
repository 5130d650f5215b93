import { describe, expect, it } from "vitest";
import { event } from "../../test/helpers/earning-fixtures.ts";
import type { Effect } from "./earning.schemas.ts";
import { baseRaw, describeBase, multiplierExtra, stampCard } from "./effects.rules.ts";
import { frac } from "./rounding.rules.ts";

const value = (f: { n: bigint; d: bigint }) => Number(f.n) / Number(f.d);
const shoes = { sku: "s", category: "shoes", quantity: 2, unitPrice: 3_000 };
const shirt = { sku: "t", category: "shirts", quantity: 1, unitPrice: 4_000 };
const e = event({ amount: 9_000, items: [shoes, shirt] });

describe("baseRaw: what a base effect gives, before rounding", () => {
  it.each([
    ["points per amount, whole event", { type: "points_per_amount", points: 3, per: 200, rounding: "floor" }, null, null, 135],
    [
      "points per amount, on shoes (their share of the discounted amount)",
      { type: "points_per_amount", points: 1, per: 100, rounding: "floor" },
      [shoes],
      [shoes],
      54,
    ],
    ["points per item", { type: "points_per_item", points: 5 }, null, [shoes], 10],
    ["fixed points on the rule's own items", { type: "fixed_points", points: 10 }, [shoes, shirt], [shoes, shirt], 10],
    ["a share of fixed points, by amount", { type: "fixed_points", points: 10 }, [shoes, shirt], [shirt], 4],
    ["a multiplier gives no base points", { type: "multiplier", factor: 2, rounding: "floor" }, null, null, 0],
  ] as [string, Effect, (typeof shoes)[] | null, (typeof shoes)[] | null, number][])(
    "%s: %d",
    (_name, effect, ruleItems, on, expected) => {
      expect(value(baseRaw(effect, e, ruleItems, on))).toBeCloseTo(expected, 9);
    },
  );
});

describe("describeBase", () => {
  it.each([
    [
      { type: "points_per_amount", points: 1, per: 100, rounding: "floor" },
      null,
      90,
      "1 point per $1.00 on $90.00 (floor): 90 points",
    ],
    [
      { type: "points_per_amount", points: 2, per: 100, rounding: "round" },
      [shoes],
      108,
      "2 points per $1.00 on $54.00 of eligible items (round): 108 points",
    ],
    [{ type: "points_per_item", points: 1 }, [shoes], 2, "1 point per item x 2 eligible: 2 points"],
    [{ type: "fixed_points", points: 1 }, null, 1, "1 point for this purchase"],
  ] as [Effect, (typeof shoes)[] | null, number, string][])("%o", (effect, items, points, text) => {
    expect(describeBase(effect, e, items, points, "USD")).toBe(text);
  });
});

describe("multiplierExtra and stampCard", () => {
  it.each([
    [100, 2, 100],
    [100, 1.5, 50],
    [45, 1.25, 11.25],
    [10, 1, 0],
  ])("%i points x%d: +%d", (points, factor, extra) => {
    expect(value(multiplierExtra(frac(points), factor))).toBe(extra);
  });

  it.each([
    [3, 0, 2, { progress: 2, completedCards: 0 }],
    [3, 2, 5, { progress: 1, completedCards: 2 }],
    [3, 2, 1, { progress: 0, completedCards: 1 }],
    [10, 0, 0, { progress: 0, completedCards: 0 }],
  ])("a card of %i with %i, +%i: %o", (cardSize, before, earned, expected) => {
    expect(stampCard(cardSize, before, earned)).toEqual(expected);
  });
});
