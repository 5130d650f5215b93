import { describe, expect, it } from "vitest";
import { expiryFor, maxPurchaseOf, pendingUntil } from "./programs.rules.ts";

describe("expiryFor", () => {
  it.each([
    // [policy, earnedAt, zone, expected]
    [{ policy: "none" as const }, "2026-01-15T10:00:00Z", "UTC", null],
    [
      { policy: "fixed_period" as const, months: 12, roundTo: "none" as const },
      "2026-01-15T10:00:00Z",
      "UTC",
      "2027-01-15T10:00:00.000Z",
    ],
    [
      { policy: "fixed_period" as const, months: 12, roundTo: "month_end" as const },
      "2026-01-15T10:00:00Z",
      "UTC",
      "2027-02-01T00:00:00.000Z",
    ],
    // 23:30 UTC on Jan 31 is already February 1 in Paris: the month that counts is February
    [
      { policy: "fixed_period" as const, months: 1, roundTo: "month_end" as const },
      "2026-01-31T23:30:00Z",
      "Europe/Paris",
      "2026-03-31T22:00:00.000Z",
    ],
    // month arithmetic clamps to the last day of a shorter month
    [
      { policy: "fixed_period" as const, months: 1, roundTo: "none" as const },
      "2026-01-31T12:00:00Z",
      "UTC",
      "2026-02-28T12:00:00.000Z",
    ],
  ])("%o from %s in %s expires at %s", (policy, earnedAt, zone, expected) => {
    const result = expiryFor(policy, new Date(earnedAt), zone);
    expect(result?.toISOString() ?? null).toBe(expected);
  });
});

describe("pendingUntil", () => {
  it("is now when there is no pending period", () => {
    const now = new Date("2026-03-01T12:00:00Z");
    expect(pendingUntil(0, now, "UTC")).toEqual(now);
  });
  it("counts calendar days in the programme zone across a DST change", () => {
    // New York moves to summer time on 2026-03-08: 14 calendar days later is still 07:00 local
    const result = pendingUntil(14, new Date("2026-03-01T12:00:00Z"), "America/New_York");
    expect(result.toISOString()).toBe("2026-03-15T11:00:00.000Z");
  });
});

describe("maxPurchaseOf", () => {
  it.each([
    // [currency, setting, expected minor units]
    ["USD", null, 1_000_000],
    ["JPY", null, 10_000],
    ["KWD", null, 10_000_000],
    ["USD", 25_000, 25_000],
    ["USD", 0, 0],
  ])("%s with setting %s: %s", (currency, maxPurchaseAmount, expected) => {
    expect(maxPurchaseOf({ currency, maxPurchaseAmount })).toBe(expected);
  });
});
