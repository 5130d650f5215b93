import { describe, expect, it } from "vitest";
import { DomainError } from "../shared/errors.ts";
import { bgnbdExpectedTransactions } from "./customer-value.rules.ts";
import {
  figuresOfMany,
  fitWindow,
  memberFigures,
  NEW_CUSTOMER,
  refuseTooLittleData,
  roundMinor,
} from "./customer-value-fit.rules.ts";

const NOW = new Date("2026-04-01T15:00:00Z"); // 11:00 on 1 April in New York (EDT, UTC-4)
const NY = "America/New_York";

function refusal(run: () => unknown): DomainError {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error("not refused");
}

describe("fitWindow", () => {
  it.each([
    // asOf, calibrationFrom -> asOf day, end of the window, calibrationFrom
    [undefined, undefined, "2026-04-01", "2026-04-01T15:00:00.001Z", null],
    ["2026-04-01", undefined, "2026-04-01", "2026-04-01T15:00:00.001Z", null],
    ["2026-03-31", "2026-01-06", "2026-03-31", "2026-04-01T04:00:00.000Z", "2026-01-06"],
    ["2026-03-07", "2026-03-07", "2026-03-07", "2026-03-08T05:00:00.000Z", "2026-03-07"],
  ])("asOf %s, calibrationFrom %s: reads up to the end of %s (%s)", (asOf, from, day, end, calibrationFrom) => {
    const w = fitWindow({ ...(asOf && { asOf }), ...(from && { calibrationFrom: from }) }, NY, NOW);
    expect(w).toEqual({ asOf: day, end: new Date(end), calibrationFrom });
  });

  it("refuses a day after today, a calibrationFrom after asOf, and non-days", () => {
    expect(refusal(() => fitWindow({ asOf: "2026-04-02" }, NY, NOW))).toMatchObject({
      code: "validation_error",
      message: "asOf must not be after today (2026-04-01 in America/New_York)",
      details: { field: "asOf" },
    });
    expect(refusal(() => fitWindow({ asOf: "2026-03-01", calibrationFrom: "2026-03-02" }, NY, NOW)).details).toEqual({
      field: "calibrationFrom",
    });
    expect(refusal(() => fitWindow({ asOf: "2026-02-30" }, NY, NOW)).details).toEqual({ field: "asOf" });
    expect(refusal(() => fitWindow({ calibrationFrom: "yesterday" }, NY, NOW)).details).toEqual({ field: "calibrationFrom" });
  });
});

describe("refuseTooLittleData", () => {
  it.each([
    [0, 0, "too_few_customers"],
    [29, 29, "too_few_customers"],
    [30, 9, "too_few_repeat_customers"],
    [30, 10, null],
  ])("%i customers, %i repeat: %s", (customers, repeatCustomers, reason) => {
    if (reason === null) expect(() => refuseTooLittleData({ customers, repeatCustomers })).not.toThrow();
    else {
      const e = refusal(() => refuseTooLittleData({ customers, repeatCustomers }));
      expect(e.code).toBe("unprocessable");
      expect(e.status).toBe(422);
      expect((e.details as { reason: string }).reason).toBe(reason);
    }
  });
});

describe("memberFigures", () => {
  const params = { r: 0.243, alpha: 4.414 * 7, a: 0.793, b: 2.426, p: 6.25, q: 3.74, v: 1544 };
  it("reads a member with no purchase as a customer just acquired: E[X(t)], alive, the population's mean spend", () => {
    const f = memberFigures(params, NEW_CUSTOMER, { months: 12, monthlyDiscountRate: 0.01 });
    expect(f.expected30).toBe(bgnbdExpectedTransactions(params, 30));
    expect(f.expected365).toBe(bgnbdExpectedTransactions(params, 365));
    expect(f.probabilityAlive).toBe(1);
    expect(f.expectedSpend).toBeCloseTo((6.25 * 1544) / 2.74, 9);
    expect(f.clv).toBeGreaterThan(0);
  });

  it("grows with the horizon and shrinks with the discount rate", () => {
    const h = { frequency: 2, recency: 213, T: 272, monetaryValue: 2950 };
    const base = memberFigures(params, h, { months: 12, monthlyDiscountRate: 0.01 }).clv;
    expect(memberFigures(params, h, { months: 24, monthlyDiscountRate: 0.01 }).clv).toBeGreaterThan(base);
    expect(memberFigures(params, h, { months: 12, monthlyDiscountRate: 0.05 }).clv).toBeLessThan(base);
    expect(memberFigures(params, h, { months: 12, monthlyDiscountRate: 0 }).clv).toBeGreaterThan(base);
  });
});

describe("roundMinor", () => {
  it.each([
    [0, 0],
    [0.5, 1],
    [1.49, 1],
    [2.5, 3],
    [-2.5, -3],
  ])("%d -> %d (half away from zero)", (value, rounded) => {
    expect(roundMinor(value)).toBe(rounded);
  });
});

describe("figuresOfMany", () => {
  it("answers exactly memberFigures, member by member, sharing the work of equal histories", () => {
    const params = { r: 0.243, alpha: 30.9, a: 0.793, b: 2.426, p: 6.25, q: 3.74, v: 1544 };
    const horizon = { months: 12, monthlyDiscountRate: 0.01 };
    const figuresOf = figuresOfMany(params, horizon);
    const histories = [
      NEW_CUSTOMER,
      { frequency: 2, recency: 213, T: 272, monetaryValue: 2950 },
      { frequency: 2, recency: 213, T: 272, monetaryValue: 1200 },
      { frequency: 0, recency: 0, T: 100, monetaryValue: 0 },
      { frequency: 9, recency: 250, T: 260, monetaryValue: 4100.5 },
    ];
    for (const h of histories) expect(figuresOf(h)).toEqual(memberFigures(params, h, horizon));
  });
});
