import { describe, expect, it } from "vitest";
import { usualBasket } from "./basket.rules.ts";

const times = (n: number, amount: number) => Array.from({ length: n }, () => amount);

describe("usualBasket", () => {
  it.each([
    // [what, amounts, median, p99, confirmAbove]
    ["no purchases", [], null, null, null],
    ["19 purchases: too few", times(19, 500), null, null, null],
    ["20 equal purchases: 5 medians", times(20, 500), 500, 500, 2_500],
    ["100 purchases, one large: 5 medians is above it", [...times(99, 1_000), 4_000], 1_000, 1_000, 5_000],
    ["a long tail: the 99th percentile is above 5 medians", [...times(90, 1_000), ...times(10, 20_000)], 1_000, 20_000, 20_000],
    ["zeros are no baskets", [...times(30, 0), ...times(19, 500)], null, null, null],
  ] as const)("%s", (_, amounts, median, p99, confirmAbove) => {
    const basket = usualBasket([...amounts]);
    expect({ median: basket.median, p99: basket.p99, confirmAbove: basket.confirmAbove }).toEqual({ median, p99, confirmAbove });
  });

  it("takes the median of unsorted amounts", () => {
    const amounts = [...times(10, 3_000), ...times(11, 200)].reverse();
    expect(usualBasket(amounts).median).toBe(200);
  });
});
