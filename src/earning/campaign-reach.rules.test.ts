import { describe, expect, it } from "vitest";
import { budgeted } from "../../test/helpers/earning-fixtures.ts";
import { budgetKeyAt, campaignRunsAt, holdoutBucket, isHeldOut, parseBudgetKey, scheduleSpanAt } from "./campaign-reach.rules.ts";
import type { LiveCampaign } from "./earning.types.ts";

describe("campaign reach", () => {
  it("holds out a fixed share of members, the same ones every time", () => {
    const buckets = Array.from({ length: 2_000 }, (_, i) => holdoutBucket("cmp_x", `mem_${i}`));
    const share = buckets.filter((b) => b < 20).length / buckets.length;
    expect(share).toBeGreaterThan(0.17);
    expect(share).toBeLessThan(0.23);
    expect(holdoutBucket("cmp_x", "mem_7")).toBe(holdoutBucket("cmp_x", "mem_7"));
  });

  it.each([
    [0, false],
    [100, true],
  ])("a %i%% holdout holds out a member: %s", (holdoutPercent, out) => {
    expect(isHeldOut({ ...budgeted("cmp_x", 0), holdoutPercent }, "mem_7")).toBe(out);
  });

  const starts = new Date("2026-03-01T00:00:00Z");
  const ends = new Date("2026-04-01T00:00:00Z");
  it.each([
    ["active, no schedule", {}, "2026-01-01T00:00:00Z", true],
    ["paused", { status: "paused" }, "2026-03-10T00:00:00Z", false],
    ["before it starts", { startsAt: starts }, "2026-02-28T23:59:59Z", false],
    ["as it starts", { startsAt: starts }, "2026-03-01T00:00:00Z", true],
    ["before it ends", { endsAt: ends }, "2026-03-31T23:59:59Z", true],
    ["as it ends", { endsAt: ends }, "2026-04-01T00:00:00Z", false],
  ] as [string, Partial<LiveCampaign>, string, boolean][])("%s, at %s: runs %s", (_name, fields, at, runs) => {
    expect(campaignRunsAt({ ...budgeted("cmp_x", 0), ...fields }, new Date(at), "UTC")).toBe(runs);
  });

  // Every Tuesday in London, from Tuesday 5 January 2027 noon to 27 January 2027.
  const tuesdays: Partial<LiveCampaign> = {
    recurrence: { freq: "weekly", byWeekday: ["tue"] },
    startsAt: new Date("2027-01-05T12:00:00Z"),
    endsAt: new Date("2027-01-27T00:00:00Z"),
  };
  it.each([
    ["a Tuesday", "2027-01-12T10:00:00Z", true, ["2027-01-12T00:00:00.000Z", "2027-01-13T00:00:00.000Z"]],
    ["a Wednesday", "2027-01-13T10:00:00Z", false, null],
    ["the first Tuesday before the window opens", "2027-01-05T11:59:59Z", false, null],
    [
      "the first Tuesday once it opens (cut to the window)",
      "2027-01-05T12:00:00Z",
      true,
      ["2027-01-05T12:00:00.000Z", "2027-01-06T00:00:00.000Z"],
    ],
    ["a Tuesday after the window", "2027-02-02T10:00:00Z", false, null],
  ])("recurring: %s runs %s", (_name, at, runs, span) => {
    const c = { ...budgeted("cmp_x", 0), ...tuesdays };
    expect(campaignRunsAt(c, new Date(at), "Europe/London")).toBe(runs);
    const s = scheduleSpanAt(c, new Date(at), "Europe/London");
    expect(s && [s.start?.toISOString(), s.end?.toISOString()]).toEqual(span);
  });

  it("keys a budget per occurrence by the occurrence's start, the whole campaign's by its id", () => {
    const c = { ...budgeted("cmp_x", 10), ...tuesdays };
    const at = new Date("2027-01-19T15:00:00Z");
    expect(budgetKeyAt(c, at, "Europe/London")).toBe("cmp_x");
    const key = budgetKeyAt({ ...c, budgetPer: "occurrence" }, at, "Europe/London");
    expect(key).toBe("cmp_x@2027-01-19T00:00:00.000Z");
    expect(parseBudgetKey(key)).toEqual({ campaignId: "cmp_x", occurrence: "2027-01-19T00:00:00.000Z" });
    expect(parseBudgetKey("cmp_x")).toEqual({ campaignId: "cmp_x", occurrence: "" });
  });
});
