import { describe, expect, it } from "vitest";
import { budgeted } from "../../test/helpers/earning-fixtures.ts";
import { campaignRunsAt, holdoutBucket, isHeldOut } from "./campaign-reach.rules.ts";
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
    expect(campaignRunsAt({ ...budgeted("cmp_x", 0), ...fields }, new Date(at))).toBe(runs);
  });
});
