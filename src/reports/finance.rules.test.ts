import { describe, expect, it } from "vitest";
import { DomainError } from "../shared/errors.ts";
import { breakageRate, liabilityMoment, monthEnds, perHead, pointsMoney, share } from "./finance.rules.ts";

const NY = "America/New_York";

describe("pointsMoney: points x point value, half away from zero", () => {
  it.each([
    [101, 0.5, 51], // 50.5
    [-101, 0.5, -51],
    [100, 0.5, 50],
    [7, 0.35, 2], // 2.45 would round to 2 either way
    [9, 0.35, 3], // 3.15
    [45, 0.7, 32], // 31.5, computed 31.499999999999996
    [25, 2.3, 58], // 57.5, computed 57.49999999999999
    [3, 0.15, 0], // 0.45
    [5, 0.1, 1], // 0.5
    [5_500, 100, 550_000],
    [1, 0, 0],
    [0, 0.5, 0],
    [1_000_000_000, 1.5, 1_500_000_000],
  ])("%i points at %d -> %i", (points, value, money) => {
    expect(pointsMoney(points, value)).toBe(money);
  });
});

describe("perHead and share", () => {
  it.each([
    [106, 3, 35],
    [7, 2, 4], // 3.5
    [-7, 2, -4],
    [10, 0, null],
  ])("%i over %i -> %s", (amount, count, expected) => {
    expect(perHead(amount, count)).toBe(expected);
  });
  it("rounds shares to four decimals and has none of nothing", () => {
    expect(share(106, 22_100)).toBe(0.0048);
    expect(share(1, 0)).toBeNull();
    expect(breakageRate(50, 60)).toBe(0.4545);
    expect(breakageRate(0, 0)).toBeNull();
    expect(breakageRate(0, 10)).toBe(0);
  });
});

describe("liabilityMoment", () => {
  const now = new Date("2026-02-04T12:00:00Z");
  it("reads a past day at its end in programme time, buckets counted in programme days", () => {
    const m = liabilityMoment("2026-01-31", NY, now);
    expect(m.asOf).toBe("2026-01-31");
    expect(m.end.toISOString()).toBe("2026-02-01T05:00:00.000Z");
    // 90 days on is 2 May, after the clocks change (EDT, UTC-4): still midnight in New York.
    expect(m.bucketEnds.map((d) => d.toISOString())).toEqual([
      "2026-03-03T05:00:00.000Z",
      "2026-05-02T04:00:00.000Z",
      "2027-02-01T05:00:00.000Z",
    ]);
  });
  it("reads now, or today asked by its date, at now (everything at or before it)", () => {
    expect(liabilityMoment(undefined, NY, now)).toEqual(liabilityMoment("2026-02-04", NY, now));
    expect(liabilityMoment(undefined, NY, now).end.toISOString()).toBe("2026-02-04T12:00:00.001Z");
    expect(liabilityMoment(undefined, NY, now).asOf).toBe("2026-02-04");
  });
  it("refuses a day after today in programme time", () => {
    // 4 Feb 02:00Z is still 3 Feb in New York.
    expect(() => liabilityMoment("2026-02-04", NY, new Date("2026-02-04T02:00:00Z"))).toThrow(DomainError);
    expect(() => liabilityMoment("2026-02-05", NY, now)).toThrow(/must not be after today \(2026-02-04/);
  });
});

describe("monthEnds", () => {
  const now = new Date("2026-03-02T15:00:00Z");
  it("gives each month's last day, this month's being today", () => {
    expect(monthEnds("2025-12", "2026-03", NY, now)).toEqual([
      { month: "2025-12", asOf: "2025-12-31" },
      { month: "2026-01", asOf: "2026-01-31" },
      { month: "2026-02", asOf: "2026-02-28" },
      { month: "2026-03", asOf: "2026-03-02" },
    ]);
  });
  it.each([
    ["2026-03", "2026-01", "from must not be after to"],
    ["2026-01", "2026-04", "to must not be after this month (2026-03)"],
    ["2020-01", "2026-01", "at most 60 months"],
  ])("refuses %s to %s", (from, to, message) => {
    expect(() => monthEnds(from, to, NY, now)).toThrow(message);
  });
});
