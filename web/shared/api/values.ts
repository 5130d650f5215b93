/**
 * The values of the API's enums that the forms offer in a <select> or a group of checkboxes, with
 * their labels. Each map `satisfies` a Record over the generated union, so a value the server adds
 * or drops fails `npm run typecheck` until the map follows: the web never re-lists an enum by hand.
 */
import type { Schema } from "./client.ts";

type Condition = Schema<"Condition">;
type Effect = Schema<"Effect">;
type Limits = NonNullable<Schema<"Limits">["perMember"]>;
type FixedExpiry = Extract<Schema<"ExpiryPolicy">, { policy: "fixed_period" }>;
type AttributeCondition = Extract<Condition, { type: "event_attribute" }>;
type Rule = Schema<"Rule">;

export type ConditionType = Condition["type"];
export type Channel = Extract<Condition, { type: "channel" }>["in"][number];
export type Weekday = Extract<Condition, { type: "day_of_week" }>["days"][number];
export type AttributeOp = AttributeCondition["op"];
export type EffectType = Effect["type"];
export type Rounding = Extract<Effect, { type: "points_per_amount" }>["rounding"];
export type StampPer = Extract<Effect, { type: "stamps" }>["per"];
export type Period = Limits["period"];
export type ExpiryRoundTo = FixedExpiry["roundTo"];
export type RewardType = Schema<"Reward">["type"];

export interface Option<T extends string> {
  value: T;
  label: string;
}

/** A labels map as <select> options, in the map's order. */
export function optionsOf<T extends string>(labels: Record<T, string>): Option<T>[] {
  return (Object.keys(labels) as T[]).map((value) => ({ value, label: labels[value] }));
}

/** Whether `value` is one of the map's keys (a value read back from a form control). */
export function isValueOf<T extends string>(labels: Record<T, string>, value: string): value is T {
  return Object.hasOwn(labels, value);
}

export const CONDITION_TYPE_LABELS = {
  min_amount: "Amount at least",
  channel: "Channel",
  store: "Store",
  partner: "Partner",
  tier: "Member's tier",
  segment: "Member's segment",
  day_of_week: "Day of the week",
  time_of_day: "Time of day",
  date_window: "Between dates",
  purchase_number: "Purchase number",
  event_attribute: "Event attribute",
  member_attribute: "Member attribute",
} satisfies Record<ConditionType, string>;

export const CHANNEL_LABELS = {
  store: "store",
  online: "online",
  app: "app",
  partner: "partner",
} satisfies Record<Channel, string>;

export const WEEKDAY_LABELS = {
  mon: "Mon",
  tue: "Tue",
  wed: "Wed",
  thu: "Thu",
  fri: "Fri",
  sat: "Sat",
  sun: "Sun",
} satisfies Record<Weekday, string>;

export const ATTRIBUTE_OP_LABELS = {
  eq: "equals",
  neq: "does not equal",
  in: "is one of (comma-separated)",
  exists: "is set",
  gte: "at least",
  lte: "at most",
} satisfies Record<AttributeOp, string>;

export const EFFECT_LABELS = {
  points_per_amount: "Points per amount spent",
  points_per_item: "Points per item",
  fixed_points: "Fixed points",
  multiplier: "Multiplier (e.g. double points)",
  stamps: "Stamp card",
} satisfies Record<EffectType, string>;

export const ROUNDING_LABELS = {
  floor: "Round down",
  round: "Round half up",
  ceil: "Round up",
} satisfies Record<Rounding, string>;

export const STAMP_PER_LABELS = {
  event: "event",
  item: "eligible item",
} satisfies Record<StampPer, string>;

/** A rule's per-member limit period ("per day" ... "for life"). */
export const LIMIT_PERIOD_LABELS = {
  day: "per day",
  week: "per week",
  month: "per month",
  year: "per year",
  lifetime: "for life",
} satisfies Record<Period, string>;

export const RULE_STATUS_LABELS = {
  active: "Active",
  inactive: "Inactive",
  archived: "Archived",
} satisfies Record<Rule["status"], string>;

export const STACKING_LABELS = {
  stack: "Adds to other rules",
  exclusive: "Exclusive (best of its kind wins)",
} satisfies Record<Rule["stacking"], string>;

export const FUNDED_BY_LABELS = {
  program: "The programme",
  partner: "The event's partner",
} satisfies Record<Rule["fundedBy"], string>;

export const EXPIRY_ROUND_TO_LABELS = {
  none: "The exact day",
  month_end: "The end of that month",
} satisfies Record<ExpiryRoundTo, string>;

export const REWARD_TYPE_LABELS = {
  discount_amount: "Discount (amount)",
  discount_percent: "Discount (percent)",
  free_product: "Free product",
  store_credit: "Store credit",
  experience: "Experience",
  donation: "Donation",
} satisfies Record<RewardType, string>;

type Program = Schema<"Program">;

/** What a return takes back when its points were already spent (Settings). */
export const RETURN_POLICY_LABELS = {
  pending_only: "Only the purchase's still-pending points",
  available_only: "Also the member's other available points",
  allow_debt: "Failing those, record a debt",
} satisfies Record<Program["returnPolicy"], string>;

export const CLAWBACK_POLICY_LABELS = {
  available_only: "Refuse if the points were spent",
  allow_debt: "Record a debt settled by later credits",
} satisfies Record<Program["clawbackPolicy"], string>;

export const UNKNOWN_MEMBER_POLICY_LABELS = {
  reject: "Refuse the event",
  enroll: "Enrol the member from the event",
  guest: "Keep it as a guest purchase to claim later",
} satisfies Record<Program["unknownMemberPolicy"], string>;

/** The period a tier's metric is counted over. */
export const TIER_WINDOW_LABELS = {
  rolling_months: "The last months",
  calendar_year: "The calendar year",
  lifetime: "All time",
} satisfies Record<Schema<"TierWindow">["type"], string>;
