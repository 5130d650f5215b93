import { randomInt } from "node:crypto";
import type { CodeFormat, LimitPeriod, RewardRow } from "../db/schema.ts";
import { periodEnd, periodStart } from "../earning/periods.rules.ts";
import { localTime } from "../shared/local-time.ts";
import { plural } from "../shared/plural.ts";
import type { UnavailableReason } from "./rewards.schemas.ts";

/**
 * The catalogue's maths, with no I/O: whether a member can redeem a reward and, if not, every
 * reason; voucher codes and their expiry; and the ranking of recommendations.
 */

export interface RewardTerms {
  id: string;
  status: "active" | "inactive" | "archived";
  costPoints: number;
  availableFrom: Date | null;
  availableUntil: Date | null;
  minTier: { id: string; name: string; rank: number } | null;
  segments: string[];
  memberLimit: { count: number; period: LimitPeriod } | null;
  /** Units left to hand out: stock and, for pool rewards, unassigned codes; null: unlimited. */
  unitsLeft: number | null;
}

export interface MemberStanding {
  status: "active" | "blocked";
  available: number;
  tier: { id: string; name: string; rank: number } | null;
  segments: string[];
  /** Units of this reward the member redeemed (or holds reserved) in the limit's current period. */
  usedInPeriod: number;
}

/** Every reason `quantity` units of the reward cannot be redeemed by the member at `at`; empty: it can. */
export function unavailableReasons(reward: RewardTerms, member: MemberStanding, quantity: number, at: Date): UnavailableReason[] {
  const reasons: UnavailableReason[] = [];
  if (member.status === "blocked") reasons.push({ code: "member_blocked", message: "The member is blocked" });
  if (reward.status !== "active") reasons.push({ code: "inactive", message: `The reward is ${reward.status}` });
  if (reward.availableFrom && at < reward.availableFrom) {
    reasons.push({
      code: "not_yet_available",
      message: `Available from ${reward.availableFrom.toISOString()}`,
      availableFrom: reward.availableFrom.toISOString(),
    });
  }
  if (reward.availableUntil && at >= reward.availableUntil) {
    reasons.push({
      code: "ended",
      message: `Was available until ${reward.availableUntil.toISOString()}`,
      availableUntil: reward.availableUntil.toISOString(),
    });
  }
  if (reward.minTier && (member.tier === null || member.tier.rank < reward.minTier.rank)) {
    reasons.push({
      code: "tier_required",
      message: `For ${reward.minTier.name} members and above (the member is ${member.tier?.name ?? "in no tier"})`,
      requiredTierId: reward.minTier.id,
    });
  }
  if (reward.segments.length > 0 && !member.segments.some((s) => reward.segments.includes(s))) {
    reasons.push({ code: "segment_required", message: `For members in ${reward.segments.join(" or ")}` });
  }
  if (reward.unitsLeft !== null && reward.unitsLeft < quantity) {
    reasons.push({
      code: "out_of_stock",
      message: reward.unitsLeft === 0 ? "Out of stock" : `Only ${plural(reward.unitsLeft, "unit")} left`,
    });
  }
  if (reward.memberLimit && member.usedInPeriod + quantity > reward.memberLimit.count) {
    const period = reward.memberLimit.period === "lifetime" ? "in all" : `per ${reward.memberLimit.period}`;
    reasons.push({
      code: "limit_reached",
      message: `Limited to ${reward.memberLimit.count} ${period}; already redeemed ${member.usedInPeriod}`,
      limit: reward.memberLimit,
      used: member.usedInPeriod,
    });
  }
  const cost = reward.costPoints * quantity;
  if (member.available < cost) {
    const missing = cost - member.available;
    reasons.push({
      code: "insufficient_points",
      message: `Costs ${plural(cost, "point")}; ${plural(missing, "point")} missing`,
      missingPoints: missing,
    });
  }
  return reasons;
}

/** The most units the member could redeem now, points, stock and limit allowing (0 if any other reason blocks). */
export function maxQuantity(reward: RewardTerms, member: MemberStanding, at: Date): number {
  const blocking = unavailableReasons(reward, { ...member, available: Number.MAX_SAFE_INTEGER, usedInPeriod: 0 }, 1, at);
  if (blocking.some((r) => r.code !== "out_of_stock")) return 0;
  let most = Math.min(100, Math.floor(member.available / reward.costPoints));
  if (reward.unitsLeft !== null) most = Math.min(most, reward.unitsLeft);
  if (reward.memberLimit) most = Math.min(most, reward.memberLimit.count - member.usedInPeriod);
  return Math.max(0, most);
}

/** The error a refused redemption answers with: the first reason by how a member can act on it. */
export function refusalCode(
  reasons: UnavailableReason[],
): "member_blocked" | "reward_unavailable" | "out_of_stock" | "limit_reached" | "insufficient_points" {
  const codes = new Set(reasons.map((r) => r.code));
  if (codes.has("member_blocked")) return "member_blocked";
  for (const c of ["inactive", "not_yet_available", "ended", "tier_required", "segment_required"] as const) {
    if (codes.has(c)) return "reward_unavailable";
  }
  if (codes.has("out_of_stock")) return "out_of_stock";
  if (codes.has("limit_reached")) return "limit_reached";
  return "insufficient_points";
}

/** The calendar period a per-member limit counts in, around `at` (programme time). */
export function limitWindow(period: LimitPeriod, at: Date, timezone: string): { from: Date; to: Date } {
  return { from: periodStart(period, at, timezone), to: periodEnd(period, at, timezone) };
}

/**
 * Units the reward can still hand out: its stock and, for a pool, the codes left, each with what
 * reservations that ran out still hold (they are released before stock is taken). Null: unlimited.
 */
export function unitsLeft(row: RewardRow, codes: number | null, lapsed: number): number | null {
  const limits = [row.stock_remaining, row.code_format.type === "pool" ? (codes ?? 0) : null].filter(
    (n): n is number => n !== null,
  );
  return limits.length === 0 ? null : Math.min(...limits) + lapsed;
}

export function rewardTerms(
  row: RewardRow,
  tiers: Map<string, NonNullable<RewardTerms["minTier"]>>,
  codes: number | null,
  lapsed: number,
): RewardTerms {
  return {
    id: row.id,
    status: row.status,
    costPoints: row.cost_points,
    availableFrom: row.available_from,
    availableUntil: row.available_until,
    // A gate on a tier since removed from the ladder lets nobody through until the reward is changed.
    minTier: row.min_tier_id
      ? (tiers.get(row.min_tier_id) ?? { id: row.min_tier_id, name: "a removed tier", rank: Number.POSITIVE_INFINITY })
      : null,
    segments: row.segments,
    memberLimit: row.member_limit,
    unitsLeft: unitsLeft(row, codes, lapsed),
  };
}

/** Units of `rewardId` a member holds in the current period of the reward's limit. */
export function usedInPeriod(
  usage: { reward_id: string; quantity: number; created_at: Date }[],
  row: RewardRow,
  at: Date,
  timezone: string,
): number {
  if (!row.member_limit) return 0;
  const { from, to } = limitWindow(row.member_limit.period, at, timezone);
  return usage
    .filter((u) => u.reward_id === row.id && u.created_at >= from && u.created_at < to)
    .reduce((sum, u) => sum + u.quantity, 0);
}

// Unambiguous characters only (no 0/O, 1/I/L), so a code read aloud at a till is typed right.
const CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/**
 * A voucher code: `length` characters from a 31-letter alphabet by a cryptographic random source
 * (12 characters: about 59 bits, unguessable), in groups of four, after the prefix.
 */
export function generateCode(format: Extract<CodeFormat, { type: "generated" }>, random: (max: number) => number = randomInt) {
  let body = "";
  for (let i = 0; i < format.length; i++) body += CODE_ALPHABET[random(CODE_ALPHABET.length)];
  const groups = body.match(/.{1,4}/g) ?? [body];
  return [...(format.prefix ? [format.prefix] : []), ...groups].join("-");
}

/** A voucher issued at `at` is good to the end of the day `days` days later, programme time. */
export function voucherExpiry(at: Date, days: number | null, timezone: string): Date | null {
  if (days === null) return null;
  return localTime(at, timezone).plus({ days }).endOf("day").plus({ milliseconds: 1 }).toJSDate();
}

export type VoucherState = "issued" | "used" | "cancelled" | "expired";

export function voucherState(
  voucher: { status: "issued" | "used" | "cancelled"; expiresAt: Date | null },
  at: Date,
): VoucherState {
  if (voucher.status === "issued" && voucher.expiresAt !== null && voucher.expiresAt <= at) return "expired";
  return voucher.status;
}

export interface RecommendationInput {
  reward: { id: string; name: string; costPoints: number; category: string | null; sku: string | null };
  /** Blocked for reasons other than points (tier, stock, limit, window): never recommended. */
  blocked: boolean;
  /** Redemptions of the reward by similar members lately. */
  popularity: number;
}

export interface MemberProfile {
  available: number;
  /** Points the member earned per day lately; 0 if none. */
  earnPerDay: number;
  /** Share of the member's purchase spend per lower-cased category and per sku, 0..1. */
  categoryShare: Map<string, number>;
  skuShare: Map<string, number>;
  /** What "similar members" means in the reason, e.g. "Gold members". */
  peers: string;
}

export interface Ranked {
  rewardId: string;
  score: number;
  reason: string;
  redeemableNow: boolean;
  pointsToGo: number;
  estimatedDays: number | null;
  factors: { affordability: number; affinity: number; popularity: number };
}

// Weights of the three signals; affordability leads, because a reward out of reach for months
// does not move a member, whatever they like.
const WEIGHTS = { affordability: 0.5, affinity: 0.3, popularity: 0.2 };
// Beyond this many days of earning, a reward counts as out of reach.
const HORIZON_DAYS = 90;

/**
 * Ranks rewards for a member by what they can afford now or soon, what they buy (category or
 * sku of the reward among their purchases), and what similar members redeem, each a 0..1 signal,
 * with a one-line reason from the signal that matters most.
 */
export function rankRecommendations(candidates: RecommendationInput[], member: MemberProfile, limit: number): Ranked[] {
  const topPopularity = Math.max(1, ...candidates.map((c) => c.popularity));
  const ranked: Ranked[] = [];
  for (const c of candidates) {
    if (c.blocked) continue;
    const pointsToGo = Math.max(0, c.reward.costPoints - member.available);
    const estimatedDays = pointsToGo === 0 ? 0 : member.earnPerDay > 0 ? Math.ceil(pointsToGo / member.earnPerDay) : null;
    const affordability =
      pointsToGo === 0
        ? 1
        : estimatedDays === null || estimatedDays > HORIZON_DAYS
          ? 0
          : 0.8 * (1 - estimatedDays / HORIZON_DAYS);
    const category = c.reward.category?.toLowerCase() ?? null;
    const affinity = Math.min(
      1,
      Math.max(
        category ? (member.categoryShare.get(category) ?? 0) : 0,
        c.reward.sku ? (member.skuShare.get(c.reward.sku) ?? 0) : 0,
      ) * 2,
    );
    const popularity = c.popularity / topPopularity;
    const score =
      Math.round((WEIGHTS.affordability * affordability + WEIGHTS.affinity * affinity + WEIGHTS.popularity * popularity) * 1000) /
      1000;
    const togo =
      pointsToGo === 0
        ? "you can redeem it now"
        : `${plural(pointsToGo, "point")} to go${estimatedDays !== null && estimatedDays <= HORIZON_DAYS ? ` (about ${plural(estimatedDays, "day")} at your pace)` : ""}`;
    let reason: string;
    if (affinity >= 0.3 && category) reason = `You buy ${category} often; ${togo}`;
    else if (affinity >= 0.3) reason = `You often buy ${c.reward.name}; ${togo}`;
    else if (popularity >= 0.5 && c.popularity > 0) reason = `Popular with ${member.peers}; ${togo}`;
    else reason = capitalize(togo);
    ranked.push({
      rewardId: c.reward.id,
      score,
      reason,
      redeemableNow: pointsToGo === 0,
      pointsToGo,
      estimatedDays,
      factors: { affordability: round3(affordability), affinity: round3(affinity), popularity: round3(popularity) },
    });
  }
  ranked.sort((a, b) => b.score - a.score || a.pointsToGo - b.pointsToGo || (a.rewardId < b.rewardId ? -1 : 1));
  return ranked.slice(0, limit);
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;
const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The cheapest active reward the member cannot yet afford: "points to next reward". */
export function nextReward<T extends { costPoints: number }>(
  rewards: T[],
  available: number,
): (T & { pointsToGo: number }) | null {
  const ahead = rewards.filter((r) => r.costPoints > available).sort((a, b) => a.costPoints - b.costPoints)[0];
  return ahead ? { ...ahead, pointsToGo: ahead.costPoints - available } : null;
}
