import { describe, expect, it } from "vitest";
import { row } from "../../test/helpers/reward-fixtures.ts";
import type { RewardRow } from "../db/schema.ts";
import {
  generateCode,
  type MemberStanding,
  maxQuantity,
  nextReward,
  type RewardTerms,
  refusalCode,
  rewardTerms,
  unavailableReasons,
  unitsLeft,
  usedInPeriod,
  voucherExpiry,
  voucherState,
} from "./rewards.rules.ts";

const TZ = "America/New_York";
const at = new Date("2026-03-10T15:00:00Z");

const terms = (fields: Partial<RewardTerms> = {}): RewardTerms => ({
  id: "rwd_1",
  status: "active",
  costPoints: 100,
  availableFrom: null,
  availableUntil: null,
  minTier: null,
  segments: [],
  memberLimit: null,
  unitsLeft: null,
  ...fields,
});
const standing = (fields: Partial<MemberStanding> = {}): MemberStanding => ({
  status: "active",
  available: 250,
  tier: null,
  segments: [],
  usedInPeriod: 0,
  ...fields,
});
const GOLD = { id: "tie_gold", name: "Gold", rank: 2 };

describe("a reward's terms, from its row", () => {
  it.each([
    ["no stock, generated codes: unlimited", {}, null, 0, null],
    ["stock left, plus units lapsed reservations still hold", { stock_remaining: 4 }, null, 2, 6],
    ["a pool: its codes left", { code_format: { type: "pool" } }, 3, 0, 3],
    ["a pool with no codes counted: none", { code_format: { type: "pool" } }, null, 0, 0],
    ["stock and a pool: the fewer", { stock_remaining: 5, code_format: { type: "pool" } }, 3, 1, 4],
  ] as [string, Partial<RewardRow>, number | null, number, number | null][])(
    "unitsLeft, %s",
    (_name, fields, codes, lapsed, left) => {
      expect(unitsLeft(row(fields), codes, lapsed)).toBe(left);
    },
  );

  it("rewardTerms gates on the tier it names; one removed from the ladder lets nobody through", () => {
    const tiers = new Map([[GOLD.id, GOLD]]);
    expect(rewardTerms(row({ min_tier_id: "tie_gold", stock_remaining: 2 }), tiers, null, 0)).toEqual(
      terms({ minTier: GOLD, unitsLeft: 2 }),
    );
    expect(rewardTerms(row({ min_tier_id: "tie_gone" }), tiers, null, 0).minTier).toEqual({
      id: "tie_gone",
      name: "a removed tier",
      rank: Number.POSITIVE_INFINITY,
    });
  });

  it.each([
    ["no limit", null, 0],
    ["per month: this month's units of this reward", { count: 2, period: "month" }, 3],
    ["lifetime: all of them", { count: 2, period: "lifetime" }, 4],
  ] as [string, RewardRow["member_limit"], number][])("usedInPeriod, %s", (_name, memberLimit, used) => {
    const usage = [
      { reward_id: "rwd_1", quantity: 2, created_at: new Date("2026-03-02T15:00:00Z") },
      { reward_id: "rwd_1", quantity: 1, created_at: new Date("2026-03-09T15:00:00Z") },
      { reward_id: "rwd_1", quantity: 1, created_at: new Date("2026-02-27T15:00:00Z") },
      { reward_id: "rwd_2", quantity: 5, created_at: new Date("2026-03-09T15:00:00Z") },
    ];
    expect(usedInPeriod(usage, row({ member_limit: memberLimit }), at, TZ)).toBe(used);
  });
});

describe("eligibility", () => {
  it.each([
    ["redeemable", terms(), standing(), []],
    ["blocked member", terms(), standing({ status: "blocked" }), ["member_blocked"]],
    ["inactive reward", terms({ status: "inactive" }), standing(), ["inactive"]],
    ["not yet available", terms({ availableFrom: new Date("2026-04-01T00:00:00Z") }), standing(), ["not_yet_available"]],
    ["ended", terms({ availableUntil: at }), standing(), ["ended"]],
    ["below the tier", terms({ minTier: GOLD }), standing({ tier: { id: "tie_s", name: "Silver", rank: 1 } }), ["tier_required"]],
    ["in no segment of it", terms({ segments: ["vip"] }), standing({ segments: ["new"] }), ["segment_required"]],
    ["out of stock", terms({ unitsLeft: 0 }), standing(), ["out_of_stock"]],
    ["limit reached", terms({ memberLimit: { count: 1, period: "month" } }), standing({ usedInPeriod: 1 }), ["limit_reached"]],
    ["short of points", terms({ costPoints: 300 }), standing(), ["insufficient_points"]],
    [
      "every reason at once",
      terms({ status: "archived", unitsLeft: 0 }),
      standing({ status: "blocked", available: 0 }),
      ["member_blocked", "inactive", "out_of_stock", "insufficient_points"],
    ],
  ] as [string, RewardTerms, MemberStanding, string[]][])("%s", (_name, reward, member, codes) => {
    expect(unavailableReasons(reward, member, 1, at).map((r) => r.code)).toEqual(codes);
  });

  it.each([
    ["points allow 2", terms(), standing(), 2],
    ["stock allows 1", terms({ unitsLeft: 1 }), standing(), 1],
    ["the limit allows 1 more", terms({ memberLimit: { count: 3, period: "year" } }), standing({ usedInPeriod: 2 }), 1],
    ["blocked: none", terms(), standing({ status: "blocked" }), 0],
    ["out of stock: none", terms({ unitsLeft: 0 }), standing(), 0],
  ])("maxQuantity, %s", (_name, reward, member, most) => {
    expect(maxQuantity(reward, member, at)).toBe(most);
  });

  it.each([
    [["insufficient_points", "member_blocked"], "member_blocked"],
    [["insufficient_points", "segment_required", "out_of_stock"], "reward_unavailable"],
    [["limit_reached", "out_of_stock"], "out_of_stock"],
    [["insufficient_points", "limit_reached"], "limit_reached"],
    [["insufficient_points"], "insufficient_points"],
  ] as const)("refusalCode of %o: %s", (codes, refusal) => {
    expect(refusalCode(codes.map((code) => ({ code, message: code }) as never))).toBe(refusal);
  });
});

describe("vouchers", () => {
  it("generates codes from the unambiguous alphabet, in groups of four after the prefix", () => {
    expect(generateCode({ type: "generated", length: 12, prefix: "CAFE" }, () => 0)).toBe("CAFE-AAAA-AAAA-AAAA");
    expect(generateCode({ type: "generated", length: 6 }, () => 30)).toMatch(/^9999-99$/);
  });

  it.each([
    [null, null],
    [0, "2026-03-11T04:00:00.000Z"],
    [30, "2026-04-10T04:00:00.000Z"],
  ])("a voucher valid %o days expires at %s", (days, expires) => {
    expect(voucherExpiry(at, days, TZ)?.toISOString() ?? null).toBe(expires);
  });

  it.each([
    ["issued", null, "issued"],
    ["issued", "2026-03-10T15:00:00Z", "expired"],
    ["issued", "2026-03-10T15:00:01Z", "issued"],
    ["used", "2026-01-01T00:00:00Z", "used"],
    ["cancelled", null, "cancelled"],
  ] as const)("%s, expiring %s: %s", (status, expiresAt, state) => {
    expect(voucherState({ status, expiresAt: expiresAt === null ? null : new Date(expiresAt) }, at)).toBe(state);
  });
});

describe("nextReward", () => {
  const rewards = [{ costPoints: 500 }, { costPoints: 100 }, { costPoints: 300 }];
  it.each([
    [50, { costPoints: 100, pointsToGo: 50 }],
    [100, { costPoints: 300, pointsToGo: 200 }],
    [500, null],
  ])("with %i points: %o", (available, next) => {
    expect(nextReward(rewards, available)).toEqual(next);
  });
});
