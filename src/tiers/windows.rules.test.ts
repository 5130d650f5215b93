import { describe, expect, it } from "vitest";
import { BRONZE, CALENDAR, d, GOLD, LADDER, policy, SILVER, state, TZ } from "../../test/helpers/tier-fixtures.ts";
import { graceEnd, keepWindowFrom, reviewDateAfter, reviewFor, windowAt } from "./windows.rules.ts";

describe("windowAt: what the metric counts, (from, to]", () => {
  it.each([
    ["rolling 12 months", policy(), "2026-06-15T16:00:00Z", "2025-06-15T16:00:00.000Z"],
    [
      "rolling 3 months across DST (local wall time kept)",
      policy({ window: { type: "rolling_months", months: 3 } }),
      "2026-06-15T16:00:00Z",
      "2026-03-15T16:00:00.000Z",
    ],
    ["calendar year, mid-year", CALENDAR, "2026-06-15T16:00:00Z", "2026-01-01T05:00:00.000Z"],
    [
      "calendar year at the stroke of 1 January: the year that ended",
      CALENDAR,
      "2027-01-01T05:00:00Z",
      "2026-01-01T05:00:00.000Z",
    ],
    ["calendar year one millisecond later: the new year", CALENDAR, "2027-01-01T05:00:00.001Z", "2027-01-01T05:00:00.000Z"],
    ["lifetime", policy({ window: { type: "lifetime" } }), "2026-06-15T16:00:00Z", null],
  ])("%s", (_name, p, at, from) => {
    const w = windowAt(p, d(at), TZ);
    expect({ from: w.from?.toISOString() ?? null, to: w.to.toISOString() }).toEqual({ from, to: d(at).toISOString() });
  });
});

describe("reviewDateAfter: when a tier reached or kept is next reviewed", () => {
  it.each([
    ["rolling: one period later, programme time", policy(), "2026-06-15T16:00:00Z", "2027-06-15T16:00:00.000Z"],
    [
      "rolling, 6 months from 31 August (month end clamps)",
      policy({ periodMonths: 6 }),
      "2026-08-31T16:00:00Z",
      "2027-02-28T17:00:00.000Z",
    ],
    ["calendar year: 1 January after the year the period ends in", CALENDAR, "2026-06-15T16:00:00Z", "2028-01-01T05:00:00.000Z"],
    ["calendar year, kept at a review on 1 January: a year on", CALENDAR, "2028-01-01T05:00:00Z", "2029-01-01T05:00:00.000Z"],
    [
      "calendar year, 6-month period from 1 March: the end of that same year",
      { ...CALENDAR, periodMonths: 6 },
      "2026-03-01T05:00:00Z",
      "2027-01-01T05:00:00.000Z",
    ],
  ])("%s", (_name, p, start, expected) => {
    expect(reviewDateAfter(p, d(start), TZ).toISOString()).toBe(expected);
  });

  it("grace ends graceDays after the review, in programme days", () => {
    expect(graceEnd(policy({ graceDays: 30 }), d("2027-03-01T05:00:00Z"), TZ).toISOString()).toBe("2027-03-31T04:00:00.000Z");
  });
});

describe("review dates of a tier, and where requalifying counts from", () => {
  const at = d("2026-06-15T16:00:00Z");

  it.each([
    ["the bottom tier is never reviewed", BRONZE, null],
    ["a tier above it, one period on", SILVER, "2027-06-15T16:00:00.000Z"],
  ])("%s", (_name, tier, review) => {
    expect(reviewFor(LADDER, tier, policy(), at, TZ)?.toISOString() ?? null).toBe(review);
  });

  it.each([
    ["no review yet", state(GOLD.id), null],
    ["the window of the review that began the grace", state(GOLD.id, { reviewAt: at }), "2025-06-15T16:00:00.000Z"],
  ])("keepWindowFrom, %s", (_name, s, from) => {
    expect(keepWindowFrom(policy(), s, TZ)?.toISOString() ?? null).toBe(from);
  });
});
