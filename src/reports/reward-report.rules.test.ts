import { describe, expect, it } from "vitest";
import {
  availabilityNow,
  type CatalogueReward,
  daysOffered,
  isCompared,
  judgeRewards,
  listed,
  median,
  NO_ACTIVITY,
  popularReason,
  type RewardFigures,
  rewardFigures,
  underusedReason,
  withinReachFrom,
} from "./reward-report.rules.ts";

const NY = "America/New_York";
const at = (iso: string) => new Date(iso);
// 1 to 30 March 2026 in New York: EST until 8 March, EDT after (the window is 30 days, not 720 hours).
const MARCH = { start: at("2026-03-01T05:00:00Z"), end: at("2026-03-31T04:00:00Z") };
const AFTER = at("2026-04-02T12:00:00Z");

const reward = (over: Partial<CatalogueReward> = {}): CatalogueReward => ({
  id: "rwd_1",
  name: "Coffee",
  status: "active",
  costPoints: 100,
  createdAt: at("2026-01-01T00:00:00Z"),
  availableFrom: null,
  availableUntil: null,
  stockLeft: null,
  ...over,
});

describe("daysOffered", () => {
  it.each([
    ["created before the window: every day of it", {}, AFTER, 30],
    ["created on 25 March (afternoon): 25 to 30 March", { createdAt: at("2026-03-25T18:00:00Z") }, AFTER, 6],
    ["created at 23:30 on 30 March in New York: that day counts", { createdAt: at("2026-03-31T03:30:00Z") }, AFTER, 1],
    ["created after the window", { createdAt: at("2026-03-31T04:00:00Z") }, AFTER, 0],
    ["available from 10 March", { availableFrom: at("2026-03-10T04:00:00Z") }, AFTER, 21],
    ["available until the start of 11 March", { availableUntil: at("2026-03-11T04:00:00Z") }, AFTER, 10],
    ["ended before the window", { availableUntil: at("2026-02-01T05:00:00Z") }, AFTER, 0],
    ["not yet available", { availableFrom: at("2026-04-10T04:00:00Z") }, AFTER, 0],
    ["the window runs past today (15 March): up to today", {}, at("2026-03-15T16:00:00Z"), 15],
  ])("%s", (_, over, now, days) => {
    expect(daysOffered(reward(over), MARCH, now, NY)).toBe(days);
  });
});

describe("availabilityNow", () => {
  const now = at("2026-03-15T12:00:00Z");
  it.each([
    [{}, "available"],
    [{ status: "inactive" as const }, "inactive"],
    [{ status: "archived" as const, stockLeft: 0 }, "archived"],
    [{ availableFrom: at("2026-03-16T00:00:00Z") }, "not_yet_available"],
    [{ availableUntil: now }, "ended"],
    [{ stockLeft: 0 }, "out_of_stock"],
    [{ stockLeft: 1 }, "available"],
  ])("%j -> %s", (over, expected) => {
    expect(availabilityNow(reward(over), now)).toBe(expected);
  });
});

describe("median and withinReachFrom", () => {
  it.each([
    [[], 0],
    [[5], 5],
    [[8, 0, 3], 3],
    [[0, 0, 1, 2, 3, 8], 1.5],
  ])("median of %j is %d", (values, expected) => {
    expect(median(values)).toBe(expected);
  });
  it.each([
    [100, 80],
    [5, 4],
    [7, 6], // 5.6 rounded up
    [2000, 1600],
    [1, 1],
  ])("a cost of %d is within reach from %d points (80%, rounded up)", (cost, from) => {
    expect(withinReachFrom(cost)).toBe(from);
  });
});

describe("rewardFigures", () => {
  const now = AFTER;
  it("measures the rate over the days on offer and the days the stock lasts at it", () => {
    // 9 units in 30 days: 0.3 a day; 2 left last 2 / 0.3 = 6.67 days, under the 14 of the signal.
    const f = rewardFigures(reward({ stockLeft: 2 }), { ...NO_ACTIVITY, redemptions: 8, units: 9 }, undefined, 30, now);
    expect(f).toMatchObject({
      availability: "available",
      unitsPerDay: 0.3,
      daysOfStock: 6.7,
      stockUp: true,
      withinReachFrom: 80,
      membersWithinReach: 0,
      membersCanAfford: 0,
    });
  });
  it.each([
    ["unlimited stock", { stockLeft: null }, 5, 30, { daysOfStock: null, stockUp: false, unitsPerDay: 0.17 }],
    ["nothing redeemed", { stockLeft: 10 }, 0, 30, { daysOfStock: null, stockUp: false, unitsPerDay: 0 }],
    ["not on offer in the window", { stockLeft: 10 }, 0, 0, { daysOfStock: null, unitsPerDay: null }],
    ["plenty of stock", { stockLeft: 100 }, 30, 30, { daysOfStock: 100, stockUp: false, unitsPerDay: 1 }],
    ["out of stock", { stockLeft: 0 }, 3, 30, { daysOfStock: 0, stockUp: true, availability: "out_of_stock" }],
  ])("%s", (_, over, units, days, expected) => {
    expect(rewardFigures(reward(over), { ...NO_ACTIVITY, units, redemptions: units }, undefined, days, now)).toMatchObject(
      expected,
    );
  });
  it("has no members in reach for a reward that cannot be redeemed now, but counts them when out of stock", () => {
    const reach = { withinReach: 12, canAfford: 7 };
    expect(rewardFigures(reward({ status: "inactive" }), undefined, reach, 30, now).membersWithinReach).toBeNull();
    expect(rewardFigures(reward({ availableUntil: now }), undefined, reach, 30, now).membersCanAfford).toBeNull();
    expect(rewardFigures(reward({ stockLeft: 0 }), undefined, reach, 30, now)).toMatchObject({
      membersWithinReach: 12,
      membersCanAfford: 7,
    });
  });
});

const figures = (over: Partial<RewardFigures>): RewardFigures => ({
  ...rewardFigures(reward(), undefined, { withinReach: 0, canAfford: 0 }, 30, AFTER),
  ...over,
});

describe("popular and underused", () => {
  it.each([
    ["3x the median", { redemptions: 12 }, 4, "12 redemptions, 3x the median of 4"],
    ["a fractional ratio and median", { redemptions: 8 }, 1.5, "8 redemptions, 5.3x the median of 1.5"],
    ["exactly twice the median", { redemptions: 6 }, 3, "6 redemptions, 2x the median of 3"],
    ["under twice the median", { redemptions: 5 }, 3, null],
    ["too few, however the median", { redemptions: 2 }, 0, null],
    ["a median of none", { redemptions: 3 }, 0, "3 redemptions while the median reward had none"],
    [
      "stock running low",
      { redemptions: 8, stockLeft: 2, daysOfStock: 6.7, stockUp: true },
      2,
      "8 redemptions, 4x the median of 2; its stock lasts about 6.7 days at this rate",
    ],
    [
      "out of stock",
      { redemptions: 8, stockLeft: 0, daysOfStock: 0, stockUp: true },
      2,
      "8 redemptions, 4x the median of 2; out of stock",
    ],
    ["not on offer (not compared)", { redemptions: 9, daysOffered: 0 }, 2, null],
  ])("popular: %s", (_, over, med, reason) => {
    expect(popularReason(figures(over), med)).toBe(reason);
  });

  it.each([
    [
      "none while many could afford it",
      { membersCanAfford: 240 },
      0,
      "0 redemptions in 30 days while 240 members could afford it",
    ],
    [
      "a quarter of the median",
      { redemptions: 1, membersCanAfford: 12 },
      4,
      "1 redemption in 30 days (the median is 4) while 12 members could afford it",
    ],
    ["over a quarter of the median", { redemptions: 2, membersCanAfford: 12 }, 4, null],
    ["one when the median is none", { redemptions: 1, membersCanAfford: 50 }, 0, null],
    ["too few members could afford it", { membersCanAfford: 9 }, 0, null],
    ["on offer under 14 days", { membersCanAfford: 50, daysOffered: 13 }, 0, null],
    [
      "on offer exactly 14 days",
      { membersCanAfford: 50, daysOffered: 14 },
      0,
      "0 redemptions in 14 days while 50 members could afford it",
    ],
    ["inactive", { membersCanAfford: 50, availability: "inactive" as const }, 0, null],
    ["out of stock", { membersCanAfford: 50, availability: "out_of_stock" as const }, 0, null],
  ])("underused: %s", (_, over, med, reason) => {
    expect(underusedReason(figures(over), med)).toBe(reason);
  });

  it("compares only rewards on offer that are active or were redeemed", () => {
    expect(isCompared(figures({}))).toBe(true);
    expect(isCompared(figures({ status: "inactive" }))).toBe(false);
    expect(isCompared(figures({ status: "inactive", redemptions: 1 }))).toBe(true);
    expect(isCompared(figures({ daysOffered: 0, redemptions: 1 }))).toBe(false);
  });

  it("ranks popular rewards by redemptions and underused ones by members who could afford them", () => {
    const rows = [
      figures({ rewardId: "a", name: "A", redemptions: 8 }),
      figures({ rewardId: "b", name: "B", redemptions: 3 }),
      figures({ rewardId: "c", name: "C", redemptions: 2, status: "inactive", availability: "inactive" }),
      figures({ rewardId: "d", name: "D", redemptions: 1 }),
      figures({ rewardId: "e", name: "E", membersCanAfford: 13 }),
      figures({ rewardId: "f", name: "F", membersCanAfford: 40 }),
      figures({ rewardId: "g", name: "G", membersCanAfford: 2 }),
      // Inactive and never redeemed: not compared, so it does not pull the median down.
      figures({ rewardId: "h", name: "H", status: "inactive", availability: "inactive", membersCanAfford: null }),
    ];
    const judged = judgeRewards(rows);
    // Compared: 8, 3, 2, 1, 0, 0, 0 -> median 1.
    expect(judged.median).toBe(1);
    expect(judged.popular.map((j) => [j.rewardId, j.reason])).toEqual([
      ["a", "8 redemptions, 8x the median of 1"],
      ["b", "3 redemptions, 3x the median of 1"],
    ]);
    expect(judged.underused.map((j) => [j.rewardId, j.membersCanAfford, j.reason])).toEqual([
      ["f", 40, "0 redemptions in 30 days while 40 members could afford it"],
      ["e", 13, "0 redemptions in 30 days while 13 members could afford it"],
    ]);
    expect(judgeRewards([])).toEqual({ median: 0, popular: [], underused: [] });
  });

  it("lists rewards that existed by the window's end, less archived ones nobody redeemed", () => {
    const end = MARCH.end;
    expect(listed(reward(), 0, end)).toBe(true);
    expect(listed(reward({ createdAt: end }), 0, end)).toBe(false);
    expect(listed(reward({ status: "archived" }), 0, end)).toBe(false);
    expect(listed(reward({ status: "archived" }), 1, end)).toBe(true);
    expect(listed(reward({ status: "inactive" }), 0, end)).toBe(true);
  });
});
