import { describe, expect, it } from "vitest";
import { add, frac, mul, roundPoints } from "./rounding.rules.ts";

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

  it.each([
    [-5n, 2n, "ceil", 0],
    [-5n, 2n, "round", 0],
    [5n, 2n, "round", 3],
    [7n, 3n, "floor", 2],
    [7n, 3n, "ceil", 3],
  ] as const)("a negative fraction gives nothing; halves round up: %i/%i %s -> %i", (n, d, rounding, expected) => {
    expect(roundPoints({ n, d }, rounding)).toBe(expected);
  });
});

describe("exact fractions", () => {
  it.each([
    ["1/3 + 1/6", add(frac(1, 3), frac(1, 6)), 1, 2],
    ["2/3 x 3/4", mul(frac(2, 3), frac(3, 4)), 1, 2],
    ["7", frac(7), 7, 1],
  ])("%s = %i/%i", (_name, value, n, d) => {
    expect(Number(value.n) / Number(value.d)).toBe(n / d);
  });
});
