import { localTime } from "../shared/local-time.ts";
import { plural } from "../shared/plural.ts";
import {
  POPULAR_MEDIAN_MULTIPLE,
  POPULAR_MIN_REDEMPTIONS,
  REACH_PERCENT,
  STOCK_UP_DAYS,
  UNDERUSED_MEDIAN_SHARE,
  UNDERUSED_MIN_DAYS,
  UNDERUSED_MIN_MEMBERS,
} from "./reward-report.schemas.ts";

/**
 * The reward report's judgements, with no I/O: how long a reward was on offer in the window, how
 * long its stock lasts at the rate it went, whether it can be redeemed now, and which rewards are
 * popular or underused, each with its reason in one line. The thresholds are named beside the
 * schemas (reward-report.schemas.ts), whose OpenAPI descriptions quote them, so the two never disagree.
 */

export type Availability = "available" | "out_of_stock" | "inactive" | "archived" | "not_yet_available" | "ended";

/** A reward as the catalogue holds it now. */
export interface CatalogueReward {
  id: string;
  name: string;
  status: "active" | "inactive" | "archived";
  costPoints: number;
  createdAt: Date;
  availableFrom: Date | null;
  availableUntil: Date | null;
  /** Units it can still hand out (stock, a pool's codes); null: unlimited. */
  stockLeft: number | null;
}

/** What happened to a reward in the window (reward-report.sql.ts `rewardActivity`). */
export interface RewardActivity {
  redemptions: number;
  units: number;
  members: number;
  pointsSpent: number;
  vouchersIssued: number;
  vouchersUsed: number;
  vouchersExpiredUnused: number;
  vouchersOpen: number;
}

export const NO_ACTIVITY: RewardActivity = {
  redemptions: 0,
  units: 0,
  members: 0,
  pointsSpent: 0,
  vouchersIssued: 0,
  vouchersUsed: 0,
  vouchersExpiredUnused: 0,
  vouchersOpen: 0,
};

export interface RewardFigures extends RewardActivity {
  rewardId: string;
  name: string;
  status: CatalogueReward["status"];
  costPoints: number;
  availability: Availability;
  daysOffered: number;
  stockLeft: number | null;
  unitsPerDay: number | null;
  daysOfStock: number | null;
  stockUp: boolean;
  withinReachFrom: number;
  membersWithinReach: number | null;
  membersCanAfford: number | null;
}

export interface Judged {
  rewardId: string;
  name: string;
  redemptions: number;
  membersCanAfford: number | null;
  reason: string;
}

/** Whether the reward can be redeemed now, and if not the first reason (status, its dates, then stock). */
export function availabilityNow(reward: CatalogueReward, now: Date): Availability {
  if (reward.status !== "active") return reward.status;
  if (reward.availableFrom && now < reward.availableFrom) return "not_yet_available";
  if (reward.availableUntil && now >= reward.availableUntil) return "ended";
  if (reward.stockLeft !== null && reward.stockLeft <= 0) return "out_of_stock";
  return "available";
}

/**
 * Days of the window (programme days, a part day counting whole) on which the reward existed and
 * was inside its own availability dates, up to now: the days its rate is measured over. Whether
 * it was switched off for a while is not recorded, so status does not shorten it.
 */
export function daysOffered(
  reward: Pick<CatalogueReward, "createdAt" | "availableFrom" | "availableUntil">,
  window: { start: Date; end: Date },
  now: Date,
  timezone: string,
): number {
  const from = Math.max(window.start.getTime(), reward.createdAt.getTime(), reward.availableFrom?.getTime() ?? -Infinity);
  const to = Math.min(window.end.getTime(), reward.availableUntil?.getTime() ?? Infinity, now.getTime() + 1);
  if (from >= to) return 0;
  const first = localTime(new Date(from), timezone).startOf("day");
  const last = localTime(new Date(to - 1), timezone).startOf("day");
  return Math.round(last.diff(first, "days").days) + 1;
}

/** The fewest points counted as within reach: REACH_PERCENT of the cost, rounded up (integers, so exact). */
export const withinReachFrom = (costPoints: number) => Math.ceil((costPoints * REACH_PERCENT) / 100);

/** The middle value (the mean of the two middle ones for an even count); 0 for none. */
export function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

const oneDecimal = (n: number) => Math.round(n * 10) / 10;

/**
 * One reward's figures: its activity, the rate it went at (units per day on offer), how many days
 * its stock lasts at that rate (null: unlimited stock, or nothing redeemed to measure a rate by),
 * and the members in reach (null when it cannot be redeemed now: inactive, archived, not yet or
 * no longer available).
 */
export function rewardFigures(
  reward: CatalogueReward,
  activity: RewardActivity | undefined,
  reach: { withinReach: number; canAfford: number } | undefined,
  days: number,
  now: Date,
): RewardFigures {
  const a = activity ?? NO_ACTIVITY;
  const availability = availabilityNow(reward, now);
  const rate = days > 0 ? a.units / days : null;
  const daysOfStock = reward.stockLeft === null || !rate ? null : oneDecimal(Math.max(0, reward.stockLeft) / rate);
  const reachable = availability === "available" || availability === "out_of_stock";
  return {
    rewardId: reward.id,
    name: reward.name,
    status: reward.status,
    costPoints: reward.costPoints,
    availability,
    daysOffered: days,
    ...a,
    stockLeft: reward.stockLeft,
    unitsPerDay: rate === null ? null : Math.round(rate * 100) / 100,
    daysOfStock,
    stockUp: daysOfStock !== null && daysOfStock < STOCK_UP_DAYS,
    withinReachFrom: withinReachFrom(reward.costPoints),
    membersWithinReach: reachable ? (reach?.withinReach ?? 0) : null,
    membersCanAfford: reachable ? (reach?.canAfford ?? 0) : null,
  };
}

/**
 * The rewards compared with each other: on offer some day of the window and either active now or
 * redeemed in it (an inactive or archived reward nobody redeemed is taken as not offered, since
 * when it was switched off is not recorded).
 */
export const isCompared = (r: RewardFigures) => r.daysOffered > 0 && (r.status === "active" || r.redemptions > 0);

/** "3x", "2.5x": a ratio to one decimal. */
const times = (n: number, of: number) => `${oneDecimal(n / of)}x`;
const number = (n: number) => String(oneDecimal(n));

export function popularReason(r: RewardFigures, med: number): string | null {
  if (!isCompared(r) || r.redemptions < POPULAR_MIN_REDEMPTIONS) return null;
  if (med > 0 && r.redemptions < POPULAR_MEDIAN_MULTIPLE * med) return null;
  const base =
    med > 0
      ? `${plural(r.redemptions, "redemption")}, ${times(r.redemptions, med)} the median of ${number(med)}`
      : `${plural(r.redemptions, "redemption")} while the median reward had none`;
  if (r.stockLeft !== null && r.stockLeft <= 0) return `${base}; out of stock`;
  if (r.stockUp && r.daysOfStock !== null) return `${base}; its stock lasts about ${plural(r.daysOfStock, "day")} at this rate`;
  return base;
}

export function underusedReason(r: RewardFigures, med: number): string | null {
  if (r.availability !== "available" || r.daysOffered < UNDERUSED_MIN_DAYS) return null;
  if (r.membersCanAfford === null || r.membersCanAfford < UNDERUSED_MIN_MEMBERS) return null;
  if (r.redemptions > UNDERUSED_MEDIAN_SHARE * med) return null;
  const median = r.redemptions > 0 ? ` (the median is ${number(med)})` : "";
  return `${plural(r.redemptions, "redemption")} in ${plural(r.daysOffered, "day")}${median} while ${plural(r.membersCanAfford, "member")} could afford it`;
}

/**
 * The report's lists: the median redemptions of the compared rewards, the popular ones (most
 * redeemed first) and the underused ones (the most members who could afford them first).
 */
export function judgeRewards(rows: RewardFigures[]): { median: number; popular: Judged[]; underused: Judged[] } {
  const med = median(rows.filter(isCompared).map((r) => r.redemptions));
  const judged = (r: RewardFigures, reason: string): Judged => ({
    rewardId: r.rewardId,
    name: r.name,
    redemptions: r.redemptions,
    membersCanAfford: r.membersCanAfford,
    reason,
  });
  const popular = rows
    .flatMap((r) => {
      const reason = popularReason(r, med);
      return reason ? [{ r, reason }] : [];
    })
    .sort((a, b) => b.r.redemptions - a.r.redemptions || b.r.pointsSpent - a.r.pointsSpent || byName(a.r, b.r))
    .map(({ r, reason }) => judged(r, reason));
  const underused = rows
    .flatMap((r) => {
      const reason = underusedReason(r, med);
      return reason ? [{ r, reason }] : [];
    })
    .sort(
      (a, b) =>
        (b.r.membersCanAfford ?? 0) - (a.r.membersCanAfford ?? 0) || a.r.redemptions - b.r.redemptions || byName(a.r, b.r),
    )
    .map(({ r, reason }) => judged(r, reason));
  return { median: med, popular, underused };
}

const byName = (a: RewardFigures, b: RewardFigures) => a.name.localeCompare(b.name) || a.rewardId.localeCompare(b.rewardId);

/**
 * Whether the report's table lists a reward: it existed by the window's end, and is not an
 * archived one nobody redeemed in the window.
 */
export const listed = (reward: CatalogueReward, redemptions: number, windowEnd: Date) =>
  reward.createdAt < windowEnd && !(reward.status === "archived" && redemptions === 0);

/** The table's order: most redeemed first, then by name. */
export const tableOrder = (a: RewardFigures, b: RewardFigures) => b.redemptions - a.redemptions || byName(a, b);
