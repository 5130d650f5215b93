import { createHash } from "node:crypto";
import { DateTime } from "luxon";
import type { ExpiryPolicy } from "../db/schema.ts";
import type { Condition, Effect, ItemsSelector, MemberCondition, RuleDefinition } from "./earning.schemas.ts";
import { WEEKDAYS } from "./earning.schemas.ts";

/**
 * The rules engine, with no I/O: given an event, the member's facts and history, and the
 * programme's live rules, it says which rules give how many points and why, in one line each.
 * Money is integer minor units; points are whole numbers; every division is an exact fraction
 * rounded once, by the rounding its rule names.
 */

export interface EventItem {
  sku: string;
  name?: string | undefined;
  category?: string | undefined;
  brand?: string | undefined;
  quantity: number;
  unitPrice: number;
}

export interface EarnEvent {
  id: string;
  type: string;
  occurredAt: Date;
  amount: number | null;
  currency: string;
  items: EventItem[] | null;
  channel: string | null;
  storeId: string | null;
  partnerId: string | null;
  attributes: Record<string, unknown>;
}

export interface MemberFacts {
  id: string;
  attributes: Record<string, unknown>;
  /**
   * The member's tier when the event is processed; null without one. Its earn multiplier and
   * points expiry (both optional: conditions only need id and name) apply to what the event earns.
   */
  tier: { id: string; name: string; earnMultiplier?: number; pointsExpiry?: ExpiryPolicy | null } | null;
  segments: string[];
}

export interface LiveCampaign {
  id: string;
  version: number;
  name: string;
  status: "draft" | "active" | "paused" | "ended";
  startsAt: Date | null;
  endsAt: Date | null;
  audience: MemberCondition[];
  holdoutPercent: number;
  budgetPoints: number | null;
}

export interface LiveRule {
  id: string;
  version: number;
  name: string;
  status: "active" | "inactive" | "archived";
  campaign: LiveCampaign | null;
  definition: RuleDefinition;
}

/** A past award that limits or stamp cards count. */
export interface PastAward {
  ruleId: string;
  occurredAt: Date;
  points: number;
  stamps: number;
}

export interface MemberHistory {
  /** Purchases the member made before this event. */
  purchases: number;
  /** Lifetime stamps per stamp rule. */
  stamps: Map<string, number>;
  /** Awards of rules with per-member limits, at least over the periods the limits look at. */
  awards: PastAward[];
}

export interface ProgramFacts {
  timezone: string;
  currency: string;
}

export interface Contribution {
  ruleId: string;
  ruleVersion: number;
  ruleName: string;
  campaignId: string | null;
  campaignVersion: number | null;
  priority: number;
  points: number;
  stamps: number;
  fundedBy: "program" | "partner";
  pendingDays: number | null;
  expiry: ExpiryPolicy | null;
  explanation: string;
  /** Set on the extra points of a tier's earn multiplier (ruleId is then the tier's id). */
  tierId?: string;
}

export type SkipReason =
  | "condition"
  | "audience"
  | "no_eligible_items"
  | "holdout"
  | "limit_reached"
  | "outranked"
  | "budget_exhausted"
  | "zero_points";

export interface Skip {
  ruleId: string;
  ruleVersion: number;
  ruleName: string;
  campaignId: string | null;
  campaignVersion: number | null;
  reason: SkipReason;
  explanation: string;
}

export interface StampProgress {
  ruleId: string;
  cardSize: number;
  stamps: number;
  /** Stamps on the current card after this event. */
  progress: number;
  completedCards: number;
}

export interface Evaluation {
  contributions: Contribution[];
  skipped: Skip[];
  stamps: StampProgress[];
}

// ---------------------------------------------------------------------------------------------
// Exact fractions

interface Fraction {
  n: bigint;
  d: bigint;
}

const frac = (n: number | bigint, d: number | bigint = 1n): Fraction => ({ n: BigInt(n), d: BigInt(d) });
const mul = (a: Fraction, b: Fraction): Fraction => ({ n: a.n * b.n, d: a.d * b.d });
const add = (a: Fraction, b: Fraction): Fraction => ({ n: a.n * b.d + b.n * a.d, d: a.d * b.d });
const ZERO = frac(0);

export type Rounding = "floor" | "round" | "ceil";

/** Rounds a non-negative fraction to a whole number, the named way. */
export function roundPoints(value: Fraction, rounding: Rounding): number {
  const { n, d } = value;
  if (n <= 0n) return 0;
  if (rounding === "floor") return Number(n / d);
  if (rounding === "ceil") return Number((n + d - 1n) / d);
  return Number((2n * n + d) / (2n * d));
}

// ---------------------------------------------------------------------------------------------
// Money and text

// Building an Intl.NumberFormat costs far more than using one: one per currency, kept.
const moneyFormats = new Map<string, { format: Intl.NumberFormat; scale: number }>();

function moneyFormat(currency: string) {
  let money = moneyFormats.get(currency);
  if (!money) {
    const format = new Intl.NumberFormat("en-US", { style: "currency", currency });
    money = { format, scale: 10 ** (format.resolvedOptions().maximumFractionDigits ?? 2) };
    moneyFormats.set(currency, money);
  }
  return money;
}

/** Minor units in the currency's major unit: JPY has none, USD two, KWD three. */
export const toMajorUnits = (minor: number, currency: string): number => minor / moneyFormat(currency).scale;

export function formatMoney(minor: number, currency: string): string {
  return moneyFormat(currency).format.format(toMajorUnits(minor, currency));
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

// ---------------------------------------------------------------------------------------------
// Items

const lineTotal = (item: EventItem) => item.quantity * item.unitPrice;

function matchesFilter(item: EventItem, filter: NonNullable<ItemsSelector["include"]>): boolean {
  return (
    (filter.skus?.includes(item.sku) ?? false) ||
    (item.category !== undefined && (filter.categories?.includes(item.category) ?? false)) ||
    (item.brand !== undefined && (filter.brands?.includes(item.brand) ?? false))
  );
}

/** The items a selector makes eligible; null means the whole event (no selector). */
export function eligibleItems(event: EarnEvent, selector: ItemsSelector | undefined): EventItem[] | null {
  if (!selector || (!selector.include && !selector.exclude)) return null;
  return (event.items ?? []).filter(
    (item) =>
      (!selector.include || matchesFilter(item, selector.include)) &&
      !(selector.exclude && matchesFilter(item, selector.exclude)),
  );
}

function intersect(a: EventItem[] | null, b: EventItem[] | null): EventItem[] | null {
  if (a === null) return b;
  if (b === null) return a;
  return a.filter((item) => b.includes(item));
}

/**
 * The amount paid for some items: the event's amount shared across its items by line total, so
 * an order-level discount lowers every item's share. `null` items: the whole amount.
 */
export function paidFor(event: EarnEvent, items: EventItem[] | null): Fraction {
  const amount = event.amount ?? 0;
  if (items === null) return frac(amount);
  const all = (event.items ?? []).reduce((sum, i) => sum + lineTotal(i), 0);
  if (all === 0) return ZERO;
  return frac(BigInt(amount) * BigInt(items.reduce((sum, i) => sum + lineTotal(i), 0)), all);
}

const quantityOf = (event: EarnEvent, items: EventItem[] | null) =>
  (items ?? event.items ?? []).reduce((sum, i) => sum + i.quantity, 0);

// ---------------------------------------------------------------------------------------------
// Conditions

const local = (at: Date, timezone: string) => DateTime.fromJSDate(at, { zone: timezone });

/** Resolves a date-or-instant bound: a date means the start of that day (or, for an end, of the next). */
export function resolveBound(value: string, timezone: string, edge: "start" | "end"): Date {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const day = DateTime.fromISO(value, { zone: timezone }).startOf("day");
    return (edge === "end" ? day.plus({ days: 1 }) : day).toJSDate();
  }
  return new Date(value);
}

function attributeHolds(
  source: Record<string, unknown>,
  test: { key: string; op: "eq" | "neq" | "in" | "exists" | "gte" | "lte"; value?: unknown },
) {
  const actual = source[test.key];
  switch (test.op) {
    case "exists":
      return actual !== undefined && actual !== null;
    case "eq":
      return JSON.stringify(actual) === JSON.stringify(test.value);
    case "neq":
      return JSON.stringify(actual) !== JSON.stringify(test.value);
    case "in":
      return Array.isArray(test.value) && test.value.some((v) => JSON.stringify(v) === JSON.stringify(actual));
    case "gte":
    case "lte": {
      const a = typeof actual === "number" ? actual : typeof actual === "string" ? actual : undefined;
      const b = test.value as number | string | undefined;
      if (a === undefined || b === undefined || typeof a !== typeof b) return false;
      return test.op === "gte" ? a >= b : a <= b;
    }
  }
}

const show = (value: unknown) => JSON.stringify(value);

/** Null when the condition holds, else why not (one line). */
export function failedCondition(
  condition: Condition | MemberCondition,
  event: EarnEvent | null,
  member: MemberFacts,
  history: Pick<MemberHistory, "purchases"> | null,
  program: ProgramFacts,
): string | null {
  switch (condition.type) {
    case "member_attribute":
      return attributeHolds(member.attributes, condition)
        ? null
        : `member attribute ${condition.key} is ${show(member.attributes[condition.key] ?? null)}, not ${condition.op} ${show(condition.value ?? null)}`;
    case "tier":
      return member.tier && (condition.in.includes(member.tier.id) || condition.in.includes(member.tier.name))
        ? null
        : `member's tier ${member.tier ? member.tier.name : "(none)"} is not one of ${condition.in.join(", ")}`;
    case "segment":
      return member.segments.some((s) => condition.in.includes(s)) ? null : `member is in none of ${condition.in.join(", ")}`;
  }
  if (!event || !history) return null;
  switch (condition.type) {
    case "min_amount":
      return (event.amount ?? 0) >= condition.amount
        ? null
        : `amount ${formatMoney(event.amount ?? 0, program.currency)} is below ${formatMoney(condition.amount, program.currency)}`;
    case "channel":
      return event.channel !== null && (condition.in as string[]).includes(event.channel)
        ? null
        : `channel ${event.channel ?? "(none)"} is not ${condition.in.join(" or ")}`;
    case "store":
      return event.storeId !== null && condition.in.includes(event.storeId)
        ? null
        : `store ${event.storeId ?? "(none)"} is not ${condition.in.join(" or ")}`;
    case "partner":
      return event.partnerId !== null && condition.in.includes(event.partnerId)
        ? null
        : `partner ${event.partnerId ?? "(none)"} is not ${condition.in.join(" or ")}`;
    case "event_attribute":
      return attributeHolds(event.attributes, condition)
        ? null
        : `event attribute ${condition.key} is ${show(event.attributes[condition.key] ?? null)}, not ${condition.op} ${show(condition.value ?? null)}`;
    case "day_of_week": {
      const day = WEEKDAYS[local(event.occurredAt, program.timezone).weekday - 1] ?? "mon";
      return condition.days.includes(day) ? null : `${day} is not one of ${condition.days.join(", ")}`;
    }
    case "time_of_day": {
      const t = local(event.occurredAt, program.timezone).toFormat("HH:mm");
      const inside =
        condition.from <= condition.to ? t >= condition.from && t < condition.to : t >= condition.from || t < condition.to;
      return inside ? null : `${t} is outside ${condition.from}-${condition.to}`;
    }
    case "date_window": {
      const from = condition.from ? resolveBound(condition.from, program.timezone, "start") : null;
      const to = condition.to ? resolveBound(condition.to, program.timezone, "end") : null;
      if (from && event.occurredAt < from) return `occurred before ${condition.from}`;
      if (to && event.occurredAt >= to) return `occurred after ${condition.to}`;
      return null;
    }
    case "purchase_number": {
      const number = history.purchases + (event.type === "purchase" ? 1 : 0);
      const hit = condition.every ? number % condition.n === 0 : number === condition.n;
      return hit ? null : `this is purchase number ${number}, not ${condition.every ? "a multiple of " : ""}${condition.n}`;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Campaigns

/** Whether a campaign runs for an event that occurred at `at` (its status is as stored now). */
export function campaignRunsAt(campaign: LiveCampaign, at: Date): boolean {
  return (
    campaign.status === "active" &&
    (campaign.startsAt === null || campaign.startsAt <= at) &&
    (campaign.endsAt === null || at < campaign.endsAt)
  );
}

/**
 * A member's place in a campaign's holdout: a number in [0, 100) fixed by the campaign and member
 * ids, so the same members are held out on every event, every server, every replay.
 */
export function holdoutBucket(campaignId: string, memberId: string): number {
  const digest = createHash("sha256").update(`${campaignId}:${memberId}`).digest();
  return (digest.readUInt32BE(0) % 10_000) / 100;
}

export const isHeldOut = (campaign: LiveCampaign, memberId: string) =>
  campaign.holdoutPercent > 0 && holdoutBucket(campaign.id, memberId) < campaign.holdoutPercent;

// ---------------------------------------------------------------------------------------------
// Limits

export type Period = "day" | "week" | "month" | "year" | "lifetime";

/** The calendar period (programme time) that contains `at`; lifetime starts at the epoch. */
export function periodStart(period: Period, at: Date, timezone: string): Date {
  if (period === "lifetime") return new Date(0);
  return local(at, timezone).startOf(period).toJSDate();
}

export function periodEnd(period: Period, at: Date, timezone: string): Date {
  if (period === "lifetime") return new Date(8.64e15);
  return local(at, timezone)
    .startOf(period)
    .plus({ [`${period}s`]: 1 })
    .toJSDate();
}

// ---------------------------------------------------------------------------------------------
// Evaluation

interface Candidate {
  rule: LiveRule;
  items: EventItem[] | null;
  /** Points before rounding and limits. */
  raw: Fraction;
  points: number;
  explanation: string;
  stamps: number;
}

const refOf = (rule: LiveRule) => ({
  ruleId: rule.id,
  ruleVersion: rule.version,
  ruleName: rule.name,
  campaignId: rule.campaign?.id ?? null,
  campaignVersion: rule.campaign?.version ?? null,
});

const byPriority = (a: { rule: LiveRule }, b: { rule: LiveRule }) =>
  b.rule.definition.priority - a.rule.definition.priority || (a.rule.id < b.rule.id ? -1 : a.rule.id > b.rule.id ? 1 : 0);

/** What a base (non-multiplier) effect gives on some of the event's items, before rounding. */
function baseRaw(effect: Effect, event: EarnEvent, ruleItems: EventItem[] | null, on: EventItem[] | null): Fraction {
  switch (effect.type) {
    case "points_per_amount":
      return mul(paidFor(event, on), frac(effect.points, effect.per));
    case "points_per_item":
      return frac(quantityOf(event, on) * effect.points);
    case "fixed_points": {
      if (on === ruleItems) return frac(effect.points);
      // a share of a fixed award: by the part of the eligible amount these items make up
      const whole = paidFor(event, ruleItems);
      const part = paidFor(event, on);
      if (whole.n === 0n) return ZERO;
      return mul(frac(effect.points), { n: part.n * whole.d, d: part.d * whole.n });
    }
    default:
      return ZERO;
  }
}

function describeBase(effect: Effect, event: EarnEvent, items: EventItem[] | null, points: number, currency: string): string {
  const onItems = items === null ? "" : " of eligible items";
  switch (effect.type) {
    case "points_per_amount": {
      const paid = paidFor(event, items);
      const amount = formatMoney(Number(paid.n / paid.d), currency);
      return `${plural(effect.points, "point")} per ${formatMoney(effect.per, currency)} on ${amount}${onItems} (${effect.rounding}): ${plural(points, "point")}`;
    }
    case "points_per_item":
      return `${plural(effect.points, "point")} per item x ${quantityOf(event, items)} eligible: ${plural(points, "point")}`;
    case "fixed_points":
      return `${plural(points, "point")} for this ${event.type}`;
    default:
      return "";
  }
}

interface LimitState {
  points: number;
  awards: number;
}

/** Points and awards a rule already gave the member in the period around `at`. */
function usedInPeriod(rule: LiveRule, history: MemberHistory, at: Date, timezone: string): LimitState {
  const limit = rule.definition.limits.perMember;
  if (!limit) return { points: 0, awards: 0 };
  const from = periodStart(limit.period, at, timezone);
  const to = periodEnd(limit.period, at, timezone);
  let points = 0;
  let awards = 0;
  for (const a of history.awards) {
    if (a.ruleId === rule.id && a.occurredAt >= from && a.occurredAt < to) {
      points += a.points;
      awards += 1;
    }
  }
  return { points, awards };
}

/** Applies a rule's per-event and per-member limits; returns the points left and why they were cut. */
function applyLimits(
  rule: LiveRule,
  points: number,
  history: MemberHistory,
  at: Date,
  timezone: string,
): { points: number; note: string | null; blocked: string | null } {
  const { perEvent, perMember } = rule.definition.limits;
  let result = points;
  let note: string | null = null;
  if (perEvent !== undefined && result > perEvent) {
    result = perEvent;
    note = `capped at ${plural(perEvent, "point")} per event`;
  }
  if (perMember) {
    const used = usedInPeriod(rule, history, at, timezone);
    const period = perMember.period === "lifetime" ? "ever" : `this ${perMember.period}`;
    if (perMember.maxAwards !== undefined && used.awards >= perMember.maxAwards) {
      return {
        points: 0,
        note: null,
        blocked: `already awarded ${plural(used.awards, "time")} ${period} (limit ${perMember.maxAwards})`,
      };
    }
    if (perMember.maxPoints !== undefined) {
      const left = Math.max(0, perMember.maxPoints - used.points);
      if (left === 0) {
        return {
          points: 0,
          note: null,
          blocked: `already gave ${plural(used.points, "point")} ${period} (limit ${perMember.maxPoints})`,
        };
      }
      if (result > left) {
        result = left;
        note = `limited to ${plural(left, "point")} left of ${perMember.maxPoints} ${period}`;
      }
    }
  }
  return { points: result, note, blocked: null };
}

/**
 * Points campaigns may still give, by campaign id; evaluate() takes what it awards out of it.
 * A campaign not in the map has no budget.
 */
export type Budgets = Map<string, number>;

/**
 * Evaluates one event for one member. `history` is read and then updated with what this event
 * gives (purchases, stamps, awards), so a batch of events for one member evaluates in order.
 * Budgets cut a campaign's rules before exclusive rules compete and before multipliers count,
 * so a spent campaign neither outranks a standing rule nor lends a multiplier points it lacks.
 */
export function evaluate(
  event: EarnEvent,
  member: MemberFacts,
  history: MemberHistory,
  rules: LiveRule[],
  program: ProgramFacts,
  budgets: Budgets = new Map(),
): Evaluation {
  const skipped: Skip[] = [];
  const stamps: StampProgress[] = [];
  const skip = (rule: LiveRule, reason: SkipReason, explanation: string) => skipped.push({ ...refOf(rule), reason, explanation });

  const matched: { rule: LiveRule; items: EventItem[] | null }[] = [];
  for (const rule of rules) {
    if (rule.status !== "active" || rule.definition.trigger !== event.type) continue;
    if (rule.campaign && !campaignRunsAt(rule.campaign, event.occurredAt)) continue;
    const audienceMiss = rule.campaign?.audience
      .map((c) => failedCondition(c, null, member, null, program))
      .find((why) => why !== null);
    if (audienceMiss) {
      skip(rule, "audience", `Not in the campaign's audience: ${audienceMiss}`);
      continue;
    }
    const miss = rule.definition.conditions.map((c) => failedCondition(c, event, member, history, program)).find((w) => w);
    if (miss) {
      skip(rule, "condition", `Condition not met: ${miss}`);
      continue;
    }
    if (rule.definition.fundedBy === "partner" && event.partnerId === null) {
      skip(rule, "condition", "Condition not met: a partner-funded rule needs the event's partnerId");
      continue;
    }
    const items = eligibleItems(event, rule.definition.items);
    if (items !== null && items.length === 0) {
      skip(rule, "no_eligible_items", "No eligible items in this event");
      continue;
    }
    if (rule.definition.effect.type === "points_per_item" && (items ?? event.items ?? []).length === 0) {
      skip(rule, "no_eligible_items", "Points per item need the event's items");
      continue;
    }
    if (rule.campaign && isHeldOut(rule.campaign, member.id)) {
      skip(rule, "holdout", `Member is in the ${rule.campaign.holdoutPercent}% holdout of campaign ${rule.campaign.name}`);
      continue;
    }
    matched.push({ rule, items });
  }
  matched.sort(byPriority);

  // Base points and stamps.
  const base: Candidate[] = [];
  for (const { rule, items } of matched) {
    const effect = rule.definition.effect;
    if (effect.type === "multiplier") continue;
    if (effect.type === "stamps") {
      const earned = effect.per === "item" ? quantityOf(event, items) : 1;
      const before = history.stamps.get(rule.id) ?? 0;
      const completed = Math.floor((before + earned) / effect.cardSize) - Math.floor(before / effect.cardSize);
      const progress = (before + earned) % effect.cardSize;
      const points = completed * effect.rewardPoints;
      const text =
        completed > 0
          ? `Stamp card ${rule.name}: +${plural(earned, "stamp")}, ${plural(completed, "card")} complete: ${plural(points, "point")}`
          : `Stamp card ${rule.name}: +${plural(earned, "stamp")}, ${progress}/${effect.cardSize}`;
      base.push({ rule, items, raw: frac(points), points, explanation: text, stamps: earned });
      continue;
    }
    const raw = baseRaw(effect, event, items, items);
    const points = roundPoints(raw, effect.type === "points_per_amount" ? effect.rounding : "floor");
    base.push({ rule, items, raw, points, explanation: describeBase(effect, event, items, points, program.currency), stamps: 0 });
  }

  const applied = resolve(base, history, event, program, budgets, skip);

  // Multipliers on what the base rules gave.
  const multipliers: Candidate[] = [];
  for (const { rule, items } of matched) {
    const effect = rule.definition.effect;
    if (effect.type !== "multiplier") continue;
    const targets = applied.filter(
      (c) =>
        c.rule.definition.effect.type !== "stamps" && (effect.appliesTo === undefined || effect.appliesTo.includes(c.rule.id)),
    );
    let raw = ZERO;
    for (const target of targets) {
      const on = intersect(target.items, items);
      const full = baseRaw(target.rule.definition.effect, event, target.items, on);
      // a base rule cut by its limits gave less than its own points: multiply what it gave
      raw = add(raw, target.given < target.points ? mul(full, frac(target.given, target.points)) : full);
    }
    const extra = mul(raw, { n: BigInt(Math.round(effect.factor * 100) - 100), d: 100n });
    const points = roundPoints(extra, effect.rounding);
    const basePoints = targets.reduce((sum, t) => sum + t.given, 0);
    const on = items === null ? "" : " on eligible items";
    multipliers.push({
      rule,
      items,
      raw: extra,
      points,
      stamps: 0,
      explanation: `x${effect.factor} on ${plural(basePoints, "base point")}${on} (${effect.rounding}): +${plural(points, "point")}`,
    });
  }
  const appliedMultipliers = resolve(multipliers, history, event, program, budgets, skip);
  // Stamps count only where the stamp rule survived its limits and competition.
  for (const c of applied) {
    const effect = c.rule.definition.effect;
    if (effect.type !== "stamps") continue;
    const before = history.stamps.get(c.rule.id) ?? 0;
    history.stamps.set(c.rule.id, before + c.stamps);
    stamps.push({
      ruleId: c.rule.id,
      cardSize: effect.cardSize,
      stamps: c.stamps,
      progress: (before + c.stamps) % effect.cardSize,
      completedCards: Math.floor((before + c.stamps) / effect.cardSize) - Math.floor(before / effect.cardSize),
    });
  }

  const contributions = [...applied, ...appliedMultipliers]
    .filter((c) => c.given > 0 || c.stamps > 0)
    .sort(byPriority)
    .map((c): Contribution => {
      const d = c.rule.definition;
      return {
        ...refOf(c.rule),
        priority: d.priority,
        points: c.given,
        stamps: c.stamps,
        fundedBy: d.fundedBy,
        pendingDays: d.pendingDays ?? null,
        // A rule's own expiry wins over the member's tier's, which wins over the programme's.
        expiry: d.expiry ?? member.tier?.pointsExpiry ?? null,
        explanation: c.note ? `${c.explanation}; ${c.note}` : c.explanation,
      };
    });
  for (const c of contributions) {
    history.awards.push({ ruleId: c.ruleId, occurredAt: event.occurredAt, points: c.points, stamps: c.stamps });
  }
  contributions.push(...tierBonus(member, contributions));
  if (event.type === "purchase") history.purchases += 1;
  return { contributions, skipped, stamps };
}

/**
 * The member's tier multiplies every point the event's rules gave (base, bonus, multiplier and
 * stamp-card rules alike; campaign budgets do not pay for it): floor(points x (m - 1)) extra, as
 * its own line, funded by the programme. One line per timing (pending days and expiry) among the
 * points it multiplies, with that timing: a promotion's points that expire in a month, or stay
 * pending for 30 days, bring a bonus that does the same (each line rounded down on its own).
 */
function tierBonus(member: MemberFacts, contributions: Contribution[]): Contribution[] {
  const tier = member.tier;
  const factor = tier?.earnMultiplier ?? 1;
  if (!tier || factor <= 1) return [];
  const groups = new Map<string, { pendingDays: number | null; expiry: ExpiryPolicy | null; points: number }>();
  for (const c of contributions) {
    const key = JSON.stringify([c.pendingDays, c.expiry]);
    const group = groups.get(key) ?? { pendingDays: c.pendingDays, expiry: c.expiry, points: 0 };
    group.points += c.points;
    groups.set(key, group);
  }
  return [...groups.values()].flatMap((group) => {
    // Multipliers have at most two decimals: an exact fraction of hundredths.
    const points = roundPoints(mul(frac(group.points), frac(Math.round(factor * 100) - 100, 100)), "floor");
    if (points <= 0) return [];
    return [
      {
        ruleId: tier.id,
        ruleVersion: 0,
        ruleName: `${tier.name} tier`,
        campaignId: null,
        campaignVersion: null,
        priority: -5_000,
        points,
        stamps: 0,
        fundedBy: "program" as const,
        pendingDays: group.pendingDays,
        expiry: group.expiry,
        explanation: `${tier.name} tier x${factor} on ${plural(group.points, "point")} (floor): +${plural(points, "point")}`,
        tierId: tier.id,
      },
    ];
  });
}

type Resolved = Candidate & { given: number; note: string | null };

/**
 * Applies limits and campaign budgets, then lets exclusive candidates compete: only the best
 * exclusive one stays, and what the losers had taken from a budget goes back to it.
 */
function resolve(
  candidates: Candidate[],
  history: MemberHistory,
  event: EarnEvent,
  program: ProgramFacts,
  budgets: Budgets,
  skip: (rule: LiveRule, reason: SkipReason, explanation: string) => void,
): Resolved[] {
  const limited: Resolved[] = [];
  for (const c of [...candidates].sort(byPriority)) {
    const limits = applyLimits(c.rule, c.points, history, event.occurredAt, program.timezone);
    if (limits.blocked) {
      skip(c.rule, "limit_reached", `Limit reached: ${limits.blocked}`);
      continue;
    }
    let { points, note } = limits;
    const campaignId = c.rule.campaign?.id;
    const left = campaignId === undefined ? undefined : budgets.get(campaignId);
    if (campaignId !== undefined && left !== undefined) {
      if (points > left) {
        points = left;
        note = points > 0 ? `cut to ${plural(points, "point")} by the campaign's budget` : note;
      }
      budgets.set(campaignId, left - points);
      if (points === 0 && c.points > 0 && c.stamps === 0) {
        skip(c.rule, "budget_exhausted", "The campaign's budget is spent");
        continue;
      }
    }
    if (points === 0 && c.stamps === 0) {
      skip(c.rule, "zero_points", `${c.explanation}`);
      continue;
    }
    limited.push({ ...c, given: points, note });
  }
  const exclusive = limited.filter((c) => c.rule.definition.stacking === "exclusive");
  const best = exclusive.reduce<Resolved | null>((top, c) => (top === null || c.given > top.given ? c : top), null);
  for (const c of exclusive) {
    if (c === best || !best) continue;
    skip(c.rule, "outranked", `Exclusive: ${best.rule.name} gives more (${plural(best.given, "point")} vs ${c.given})`);
    const campaignId = c.rule.campaign?.id;
    const left = campaignId === undefined ? undefined : budgets.get(campaignId);
    if (campaignId !== undefined && left !== undefined) budgets.set(campaignId, left + c.given);
  }
  return limited.filter((c) => c.rule.definition.stacking !== "exclusive" || c === best);
}

/** Points each budgeted campaign wants for an evaluation. */
export function budgetWants(evaluation: Evaluation, budgeted: ReadonlySet<string>): Map<string, number> {
  const wants = new Map<string, number>();
  for (const c of evaluation.contributions) {
    if (c.campaignId !== null && budgeted.has(c.campaignId)) {
      wants.set(c.campaignId, (wants.get(c.campaignId) ?? 0) + c.points);
    }
  }
  return wants;
}
