import { DateTime } from "luxon";
import type { CaptureField, GoalKind } from "../db/schema.ts";
import { formatMoney } from "../earning/money.rules.ts";
import { DomainError } from "../shared/errors.ts";
import type { GoalProgress } from "./goals.schemas.ts";
import type { Interval } from "./reports.rules.ts";

/**
 * Programme goals, with no I/O: a goal checked in its own unit, each measure computed from the
 * aggregates the goals queries return, and the pace a goal is judged against.
 */

export type GoalUnit = GoalProgress["unit"];
export type GoalStatus = GoalProgress["status"];

export const MAX_GOALS = 20;

export function goalUnit(kind: GoalKind): GoalUnit {
  if (kind === "average_order_value") return "money";
  if (kind === "purchase_frequency") return "purchases_per_30_days";
  return "share";
}

const KIND_WORDS: Record<GoalKind, string> = {
  retention: "Retention",
  purchase_frequency: "Purchase frequency",
  average_order_value: "Average order value",
  member_revenue_share: "Members' share of revenue",
  data_capture: "Data capture",
};

/** A goal's name as the console and messages say it ("Data capture: birth date"). */
export function goalWords(kind: GoalKind, captureField: CaptureField | null): string {
  if (kind !== "data_capture" || captureField === null) return KIND_WORDS[kind];
  const detail =
    captureField === "contact" ? "email or phone" : captureField === "marketing_consent" ? "marketing consent" : "birth date";
  return `${KIND_WORDS.data_capture}: ${detail}`;
}

/** A value in the goal's own unit, as a person reads it: "$25.00", "35%", "1.5 purchases per 30 days". */
export function valueWords(value: number, kind: GoalKind, currency: string): string {
  const unit = goalUnit(kind);
  if (unit === "money") return Number.isInteger(value) ? formatMoney(value, currency) : String(value);
  if (unit === "share") return `${Math.round(value * 10_000) / 100}%`;
  return `${value} purchase${value === 1 ? "" : "s"} per 30 days`;
}

/** A goal as stored, whole (after a create or a change merged with what it was). */
export interface GoalDraft {
  kind: GoalKind;
  captureField: CaptureField | null;
  target: number;
  baseline: number | null;
  startDate: string;
  targetDate: string;
}

interface GoalIssue {
  path: string;
  message: string;
  code: "custom";
}

const MAX_FREQUENCY = 1000;

/** What is wrong with a value in the goal's unit, in words (null: nothing). */
function unitProblem(value: number, label: string, draft: GoalDraft, currency: string): string | null {
  const unit = goalUnit(draft.kind);
  const name = goalWords(draft.kind, draft.captureField);
  if (unit === "share" && value > 1) {
    return `${name} is a share between 0 and 1 (0.35 means 35%): ${label.toLowerCase()} ${value} would be ${Math.round(value * 10_000) / 100}%`;
  }
  if (unit === "money" && !Number.isInteger(value)) {
    return `${name} is money in minor units of ${currency}: ${label.toLowerCase()} must be a whole number, such as ${Math.round(value * 100)} for ${formatMoney(Math.round(value * 100), currency)}`;
  }
  if (unit === "purchases_per_30_days" && value > MAX_FREQUENCY) {
    return `${name} counts purchases per member per 30 days: ${value} is more than ${MAX_FREQUENCY}`;
  }
  return null;
}

/**
 * A goal checked in its own terms: data capture names the detail it counts (and only it does),
 * the target and baseline are in the kind's unit (a share 0..1, money in whole minor units), a
 * goal raises its measure (the target is above the baseline and above zero), and the target
 * date comes after the start.
 */
export function goalIssues(draft: GoalDraft, currency: string): GoalIssue[] {
  const issues: GoalIssue[] = [];
  const add = (path: string, message: string) => issues.push({ path, message, code: "custom" });
  if (draft.kind === "data_capture" && draft.captureField === null) {
    add("captureField", "A data capture goal names the detail it counts: contact, marketing_consent or birth_date");
  }
  if (draft.kind !== "data_capture" && draft.captureField !== null) {
    add("captureField", `Only data capture goals name a detail; ${goalWords(draft.kind, null).toLowerCase()} does not`);
  }
  const target = unitProblem(draft.target, "Target", draft, currency);
  if (target) add("target", target);
  else if (draft.target <= 0) add("target", `The target must be above ${valueWords(0, draft.kind, currency)}`);
  if (draft.baseline !== null) {
    const baseline = unitProblem(draft.baseline, "Baseline", draft, currency);
    if (baseline) add("baseline", baseline);
    else if (!target && draft.baseline >= draft.target) {
      add(
        "baseline",
        `A goal raises ${goalWords(draft.kind, draft.captureField).toLowerCase()}: the target (${valueWords(draft.target, draft.kind, currency)}) must be above the baseline (${valueWords(draft.baseline, draft.kind, currency)})`,
      );
    }
  }
  if (draft.targetDate <= draft.startDate) {
    add("targetDate", `The target date (${draft.targetDate}) must come after the start date (${draft.startDate})`);
  }
  return issues;
}

/** Refuses a goal that is wrong in its own terms, naming the first problem. */
export function checkGoal(draft: GoalDraft, currency: string): void {
  const issues = goalIssues(draft, currency);
  const first = issues[0];
  if (first) throw new DomainError("validation_error", first.message, { field: first.path, issues });
}

// --- Measures -------------------------------------------------------------------------------

/** Purchases in one window: members' and guests' (member null), net of returns. */
export interface PurchaseCounts {
  memberPurchases: number;
  memberRevenue: number;
  /** Distinct members with a purchase in the window: the active members of purchase frequency. */
  purchasers: number;
  guestPurchases: number;
  guestRevenue: number;
}

export const NO_PURCHASES: PurchaseCounts = {
  memberPurchases: 0,
  memberRevenue: 0,
  purchasers: 0,
  guestPurchases: 0,
  guestRevenue: 0,
};

/** Members who bought in the window before, and how many of them bought again in this one. */
export interface RetentionCounts {
  previousBuyers: number;
  retained: number;
}

/** Members enrolled by a moment, and those of them with each detail then. */
export interface CaptureCounts {
  members: number;
  contact: number;
  marketingConsent: number;
  birthDate: number;
}

export interface WindowCounts {
  purchases: PurchaseCounts;
  retention: RetentionCounts;
  capture: CaptureCounts;
  /** Days the window covers (purchase frequency is scaled to 30 of them). */
  days: number;
}

const FOUR_DECIMALS = 10_000;
const rate = (n: number) => Math.round(n * FOUR_DECIMALS) / FOUR_DECIMALS;

/** n / d to four decimals; null when there is nothing to divide by. */
export const share = (n: number, d: number): number | null => (d > 0 ? rate(n / d) : null);

/** Money divided: rounded half away from zero to the minor unit (Math.round rounds -2.5 to -2). */
export const roundMinor = (x: number): number => Math.sign(x) * Math.round(Math.abs(x));

export const averageOrderValue = (revenue: number, purchases: number): number | null =>
  purchases > 0 ? roundMinor(revenue / purchases) : null;

/** Purchases per purchasing member, scaled to 30 days: (purchases / members who bought) x 30 / days. */
export const purchaseFrequency = (purchases: number, purchasers: number, days: number): number | null =>
  purchasers > 0 && days > 0 ? rate((purchases / purchasers) * (30 / days)) : null;

export function captured(counts: CaptureCounts, field: CaptureField): number {
  if (field === "contact") return counts.contact;
  if (field === "marketing_consent") return counts.marketingConsent;
  return counts.birthDate;
}

/** A goal's measure over one window, in its unit (see GoalsReportSchema for each definition). */
export function measure(kind: GoalKind, captureField: CaptureField | null, w: WindowCounts): number | null {
  const p = w.purchases;
  switch (kind) {
    case "retention":
      return share(w.retention.retained, w.retention.previousBuyers);
    case "purchase_frequency":
      return purchaseFrequency(p.memberPurchases, p.purchasers, w.days);
    case "average_order_value":
      return averageOrderValue(p.memberRevenue, p.memberPurchases);
    case "member_revenue_share":
      return share(p.memberRevenue, p.memberRevenue + p.guestRevenue);
    case "data_capture":
      return share(captured(w.capture, captureField ?? "contact"), w.capture.members);
  }
}

/** Whether a kind compares members with guest purchases (the rest concern members alone). */
export const comparesGuests = (kind: GoalKind): boolean =>
  kind === "purchase_frequency" || kind === "average_order_value" || kind === "member_revenue_share";

// --- Pace -----------------------------------------------------------------------------------

const dayNumber = (day: string) => DateTime.fromISO(day, { zone: "UTC" }).toMillis() / 86_400_000;

/**
 * Where a goal stands on the range's last day (`asOf`): the pace is a straight line from the
 * baseline on the start date to the target on the target date (flat at the baseline before the
 * start, at the target after the target date).
 */
export function pace(input: {
  current: number | null;
  baseline: number | null;
  target: number;
  startDate: string;
  targetDate: string;
  asOf: string;
  unit: GoalUnit;
}): { expected: number | null; progress: number | null; status: GoalStatus; daysLeft: number } {
  const { current, baseline, target } = input;
  const daysLeft = Math.round(dayNumber(input.targetDate) - dayNumber(input.asOf));
  const span = dayNumber(input.targetDate) - dayNumber(input.startDate);
  const elapsed = Math.min(1, Math.max(0, (dayNumber(input.asOf) - dayNumber(input.startDate)) / span));
  const round = input.unit === "money" ? roundMinor : rate;
  const expected = baseline === null ? null : round(baseline + (target - baseline) * elapsed);
  const progress =
    baseline === null || current === null || target === baseline ? null : rate((current - baseline) / (target - baseline));
  let status: GoalStatus;
  if (current === null) status = "no_data";
  else if (current >= target) status = "achieved";
  else if (daysLeft < 0) status = "missed";
  else if (expected === null) status = "no_baseline";
  else status = current >= expected ? "on_track" : "behind";
  return { expected, progress, status, daysLeft };
}

// --- Windows --------------------------------------------------------------------------------

const startOfDay = (day: string, zone: string) => DateTime.fromISO(day, { zone }).startOf("day");

/**
 * The instants the goals queries bucket by. The range as one window, with the window as long
 * before it (retention's previous buyers): [from - days, from, to + 1 day). The series: the
 * periods, with one interval (day, week, month) before `from` as the first period's previous one.
 */
export function goalWindows(
  range: { from: string; to: string; interval: Interval; periods: { start: Date }[]; end: Date },
  zone: string,
) {
  const from = startOfDay(range.from, zone);
  const days = Math.round(startOfDay(range.to, zone).plus({ days: 1 }).diff(from, "days").days);
  const unit = range.interval === "day" ? "days" : range.interval === "week" ? "weeks" : "months";
  return {
    days,
    whole: { starts: [from.minus({ days }).toJSDate(), from.toJSDate()], end: range.end },
    series: { starts: [from.minus({ [unit]: 1 }).toJSDate(), ...range.periods.map((p) => p.start)], end: range.end },
  };
}

/** The window a baseline is measured over: as many days as the range, ending the day before the goal's start. */
export function baselineWindow(startDate: string, days: number, zone: string) {
  const start = startOfDay(startDate, zone);
  return { starts: [start.minus({ days: 2 * days }).toJSDate(), start.minus({ days }).toJSDate()], end: start.toJSDate() };
}

/** Days in each period of a series (the last one ends at the range's end). */
export function periodDays(starts: Date[], end: Date): number[] {
  return starts.map((s, i) => Math.round(((starts[i + 1] ?? end).getTime() - s.getTime()) / 86_400_000));
}
