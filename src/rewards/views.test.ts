import { describe, expect, it } from "vitest";
import { row } from "../../test/helpers/reward-fixtures.ts";
import { rewardSummary, rewardView } from "./views.ts";

describe("reward views", () => {
  it("a summary carries what a redemption or a recommendation shows", () => {
    expect(rewardSummary(row())).toEqual({
      id: "rwd_1",
      name: "Coffee",
      description: null,
      type: "free_product",
      value: { sku: "coffee" },
      costPoints: 100,
      category: "drinks",
      imageUrl: null,
    });
  });

  it.each([
    ["no stock", {}, null],
    ["stock", { stock_total: 10, stock_remaining: 4 }, { total: 10, remaining: 4 }],
  ])("the full view, %s", (_name, fields, stock) => {
    const view = rewardView(row(fields), null);
    expect(view).toMatchObject({ stock, codesAvailable: null, memberLimit: null, version: 1, status: "active" });
    expect(view.createdAt).toBe("2026-03-10T15:00:00.000Z");
  });
});
