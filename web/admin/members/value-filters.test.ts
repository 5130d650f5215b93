import { describe, expect, it } from "vitest";
import { ariaSort, SORT_OPTIONS, sortWords, valueFilters } from "./value-filters.ts";

describe("the members list by customer value", () => {
  it.each([
    [{ sort: null, minClv: null, maxActive: null }, "USD", { query: {}, errors: {}, active: false }],
    [{ sort: "-clv", minClv: null, maxActive: null }, "USD", { query: { sort: "-clv" }, errors: {}, active: true }],
    [{ sort: "by-name", minClv: "", maxActive: " " }, "USD", { query: {}, errors: {}, active: false }],
    [
      { sort: "-clv", minClv: "100", maxActive: "50" },
      "USD",
      { query: { sort: "-clv", minClv: 10_000, maxProbabilityAlive: 0.5 }, errors: {}, active: true },
    ],
    [
      { sort: null, minClv: "49.99", maxActive: "12.5%" },
      "USD",
      { query: { minClv: 4999, maxProbabilityAlive: 0.125 }, errors: {}, active: true },
    ],
    [{ sort: null, minClv: "500", maxActive: null }, "JPY", { query: { minClv: 500 }, errors: {}, active: true }],
    [
      { sort: null, minClv: "lots", maxActive: "150" },
      "USD",
      {
        query: {},
        errors: { minClv: "Enter an amount, such as 50 or 49.99", maxActive: "Enter a percentage from 0 to 100" },
        active: false,
      },
    ],
  ] as const)("%j in %s -> %j", (text, currency, expected) => {
    expect(valueFilters(text, currency)).toEqual(expected);
  });

  it.each([
    [undefined, "clv", "none"],
    ["-clv", "clv", "descending"],
    ["clv", "clv", "ascending"],
    ["-clv", "probabilityAlive", "none"],
    ["probabilityAlive", "probabilityAlive", "ascending"],
  ] as const)("sorted %s: the %s column is %s", (current, figure, aria) => {
    expect(ariaSort(current, figure)).toBe(aria);
  });

  it("offers every order by its words", () => {
    expect(SORT_OPTIONS.map((o) => o.label)).toEqual([
      "Oldest first",
      "12-month value, highest first",
      "12-month value, lowest first",
      "Chance still active, highest first",
      "Chance still active, lowest first",
    ]);
  });

  it("words every order", () => {
    expect(sortWords("-clv")).toBe("by 12-month value, highest first");
    expect(sortWords("probabilityAlive")).toBe("by chance still active, lowest first");
    expect(sortWords(undefined)).toBe("oldest first");
  });
});
