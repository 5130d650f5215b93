import { describe, expect, it } from "vitest";
import { event } from "../../test/helpers/earning-fixtures.ts";
import type { ItemsSelector } from "./earning.schemas.ts";
import { eligibleItems, intersect, paidFor, quantityOf } from "./items.rules.ts";

const shoes = { sku: "s1", category: "shoes", brand: "acme", quantity: 2, unitPrice: 3_000 };
const shirt = { sku: "t1", category: "shirts", brand: "acme", quantity: 1, unitPrice: 4_000 };
const socks = { sku: "k1", category: "socks", quantity: 3, unitPrice: 500 };

describe("paidFor", () => {
  it("shares the paid amount across items by line total, so order discounts reach every item", () => {
    const items = [
      { sku: "a", quantity: 1, unitPrice: 6_000 },
      { sku: "b", quantity: 2, unitPrice: 2_000 },
    ];
    const e = event({ amount: 9_000, items });
    expect(paidFor(e, null)).toEqual({ n: 9000n, d: 1n });
    const first = paidFor(e, [items[0] as (typeof items)[0]]);
    expect(Number(first.n) / Number(first.d)).toBe(5_400);
  });

  it("gives nothing for items of an event whose items are all free", () => {
    const free = { sku: "f", quantity: 1, unitPrice: 0 };
    expect(paidFor(event({ amount: 1_000, items: [free] }), [free]).n).toBe(0n);
  });
});

describe("eligibleItems", () => {
  const items = [shoes, shirt, socks];
  it.each([
    ["no selector: the whole event", undefined, null],
    ["an empty selector: the whole event", {}, null],
    ["by category", { include: { categories: ["shoes"] } }, ["s1"]],
    ["by sku or brand", { include: { skus: ["k1"], brands: ["acme"] } }, ["s1", "t1", "k1"]],
    ["all but a category", { exclude: { categories: ["socks"] } }, ["s1", "t1"]],
    ["a brand but a sku", { include: { brands: ["acme"] }, exclude: { skus: ["t1"] } }, ["s1"]],
    ["nothing matches", { include: { categories: ["hats"] } }, []],
  ] as [string, ItemsSelector | undefined, string[] | null][])("%s", (_name, selector, skus) => {
    expect(eligibleItems(event({ items }), selector)?.map((i) => i.sku) ?? null).toEqual(skus);
  });
});

describe("intersect and quantityOf", () => {
  it.each([
    [null, null, null],
    [null, [shoes], ["s1"]],
    [[shoes, shirt], null, ["s1", "t1"]],
    [[shoes, shirt], [shirt, socks], ["t1"]],
  ])("%o and %o: %o", (a, b, skus) => {
    expect(intersect(a, b)?.map((i) => i.sku) ?? null).toEqual(skus);
  });

  it.each([
    [null, 6],
    [[socks], 3],
    [[], 0],
  ])("quantity of %o: %i", (items, quantity) => {
    expect(quantityOf(event({ items: [shoes, shirt, socks] }), items)).toBe(quantity);
  });
});
