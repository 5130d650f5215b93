import { describe, expect, it } from "vitest";
import type { Reward } from "../api/rewards.ts";
import { moneyText, rewardBody, rewardDraft, rewardDraftErrors } from "./reward-draft.ts";

const saved = (fields: Partial<Reward>): Reward => ({
  id: "rwd_1",
  name: "Coffee",
  description: null,
  type: "free_product",
  value: { sku: "COFFEE" },
  costPoints: 30,
  unitCost: null,
  category: null,
  imageUrl: null,
  status: "active",
  stock: null,
  codesAvailable: null,
  memberLimit: null,
  availableFrom: null,
  availableUntil: null,
  minTierId: null,
  segments: [],
  voucherValidDays: null,
  codeFormat: { type: "generated", length: 12 },
  version: 1,
  createdAt: "2026-01-01T00:00:00Z",
  updatedAt: "2026-01-01T00:00:00Z",
  ...fields,
});

const NY = "America/New_York";

describe("a reward's unit cost, typed as money", () => {
  it("shows minor units with the currency's decimals", () => {
    expect(rewardDraft(saved({ unitCost: 120 }), "USD", NY).unitCost).toBe("1.20");
    expect(rewardDraft(saved({ unitCost: 250 }), "JPY", NY).unitCost).toBe("250");
    expect(rewardDraft(saved({ unitCost: 1_005 }), "KWD", NY).unitCost).toBe("1.005");
    expect(rewardDraft(saved({}), "USD", NY).unitCost).toBe("");
    expect(moneyText(0, "USD")).toBe("0.00");
  });

  it.each([
    ["1.20", 120],
    ["1.2", 120],
    ["1,20", 120],
    ["1,234.50", 123_450],
    ["0", 0],
    ["12", 1_200],
  ])("sends %s as %i minor units", (typed, minor) => {
    const d = { ...rewardDraft(saved({}), "USD", NY), unitCost: typed };
    expect(rewardDraftErrors(d, "USD")).toEqual({});
    expect(rewardBody(d, "USD", true).unitCost).toBe(minor);
    expect(rewardBody(d, "USD", false).unitCost).toBe(minor);
  });

  it("leaves a blank unit cost out of a new reward and clears it on an edit", () => {
    const d = rewardDraft(saved({}), "USD", NY);
    expect("unitCost" in rewardBody(d, "USD", false)).toBe(false);
    expect(rewardBody(d, "USD", true).unitCost).toBeNull();
  });

  it.each([
    ["1.234", "USD", "Enter the unit cost as an amount in USD, like 2.50 (at most 2 decimals), or leave it blank"],
    ["-1", "USD", "Enter the unit cost as an amount in USD, like 2.50 (at most 2 decimals), or leave it blank"],
    ["two", "USD", "Enter the unit cost as an amount in USD, like 2.50 (at most 2 decimals), or leave it blank"],
    ["2.5", "JPY", "Enter the unit cost as an amount in JPY, like 250 (no decimals), or leave it blank"],
  ])("refuses %s in %s before sending, in the field's words", (typed, currency, message) => {
    const d = { ...rewardDraft(saved({}), currency, NY), unitCost: typed };
    expect(rewardDraftErrors(d, currency)).toEqual({ unitCost: message });
  });
});
