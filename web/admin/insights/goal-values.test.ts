import { describe, expect, it } from "vitest";
import { formatValue, fromApiValue, goalBody, goalDraft, goalName, toApiValue } from "./goal-values.ts";

describe("goal values as typed and as the API takes them", () => {
  it.each([
    ["35.00", "money", "USD", 3500],
    ["35", "money", "JPY", 35],
    ["70", "share", "USD", 0.7],
    ["33.33", "share", "USD", 0.3333],
    ["1.5", "purchases_per_30_days", "USD", 1.5],
    ["", "share", "USD", undefined],
    ["lots", "share", "USD", "lots"],
  ] as const)("%s (%s, %s) -> %s", (text, unit, currency, value) => {
    expect(toApiValue(text, unit, currency)).toBe(value);
  });
  it.each([
    [3500, "money", "35"],
    [0.7, "share", "70"],
    [0.3333, "share", "33.33"],
    [1.5, "purchases_per_30_days", "1.5"],
    [null, "share", ""],
  ] as const)("%s (%s) is shown as %s", (value, unit, text) => {
    expect(fromApiValue(value, unit, "USD")).toBe(text);
  });
  it("reads values in their unit", () => {
    expect(formatValue(0.72, "share", "USD")).toBe("72.0%");
    expect(formatValue(null, "money", "USD")).toBe("—");
    expect(goalName("data_capture", "birth_date")).toBe("Data capture: birth date");
    expect(goalName("average_order_value", null)).toBe("Average order value");
  });
});

describe("goalBody", () => {
  const draft = { ...goalDraft(null, "USD"), kind: "average_order_value" as const, target: "35.00", targetDate: "2027-01-31" };
  it("leaves blank optional fields out of a new goal", () => {
    expect(goalBody(draft, "USD", false)).toEqual({ kind: "average_order_value", target: 3500, targetDate: "2027-01-31" });
  });
  it("clears them on a change, and names the detail of data capture only", () => {
    expect(goalBody(draft, "USD", true)).toEqual({
      kind: "average_order_value",
      captureField: null,
      target: 3500,
      baseline: null,
      targetDate: "2027-01-31",
      note: null,
    });
    expect(
      goalBody(
        { ...draft, kind: "data_capture", captureField: "birth_date", target: "60", baseline: "20", note: " Ask " },
        "USD",
        false,
      ),
    ).toEqual({
      kind: "data_capture",
      captureField: "birth_date",
      target: 0.6,
      baseline: 0.2,
      targetDate: "2027-01-31",
      note: "Ask",
    });
  });
});
