import { describe, expect, it } from "vitest";
import { formatMoney, toMajorUnits } from "./money.rules.ts";

describe("money", () => {
  it.each([
    [12_345, "USD", 123.45, "$123.45"],
    [500, "JPY", 500, "¥500"],
    [12_345, "KWD", 12.345, "KWD 12.345"],
    [0, "EUR", 0, "€0.00"],
  ])("%i minor units of %s: %d, %s", (minor, currency, major, shown) => {
    expect(toMajorUnits(minor, currency)).toBe(major);
    expect(formatMoney(minor, currency).replace(/\u00a0/g, " ")).toBe(shown);
  });
});
