import { DateTime } from "luxon";
import { DomainError } from "../shared/errors.ts";
import type { RefusalReason } from "./customer-value.rules.ts";
import {
  DEFAULT_HORIZON_MONTHS,
  DEFAULT_MONTHLY_DISCOUNT_RATE,
  figuresOfMany,
  fitModels,
  type History,
  type MemberFigures,
  type ModelParameters,
  parametersOf,
  roundMinor,
} from "./customer-value-fit.rules.ts";

/**
 * Loyal vs non-loyal customers (issue 14), with no I/O: the window a comparison reads, the measures of each side
 * from the counts the SQL aggregates, members' purchases before and after joining, the non-members' model fit
 * (the members' BG/NBD + Gamma-Gamma on summaries by customerRef) and the at-risk criteria.
 */

/** The longest comparison window (as the reports'). */
export const MAX_WINDOW_DAYS = 3 * 366;
export const DEFAULT_WINDOW_DAYS = 365;

/** At risk: P(alive) now below this ... */
export const AT_RISK_MAX_ALIVE = 0.5;
/** ... and at least this much below P(alive) `lookbackDays` ago. */
export const AT_RISK_MIN_DROP = 0.2;
export const DEFAULT_LOOKBACK_DAYS = 90;

export interface ComparisonWindow {
  /** First and last day (inclusive, programme time). */
  from: string;
  to: string;
  days: number;
  /** The previous window, as many days just before `from` (for retention). */
  previousFrom: string;
  previousStart: Date;
  start: Date;
  /** The start of the day after `to`. */
  end: Date;
  /** Where exposure stops: `end`, or now when `to` is today. */
  observedEnd: Date;
}

function day(value: string, field: string, timezone: string): DateTime {
  const d = DateTime.fromISO(value, { zone: timezone }).startOf("day");
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || !d.isValid) {
    throw new DomainError("validation_error", `${field} is not a date (YYYY-MM-DD)`, { field });
  }
  return d;
}

/**
 * The window a comparison names: `to` defaults to today and must not be after it, `from` defaults to 364 days
 * before `to` (365 days in all), is not after `to`, and the window is at most MAX_WINDOW_DAYS long.
 */
export function comparisonWindow(query: { from?: string; to?: string }, timezone: string, now: Date): ComparisonWindow {
  const today = DateTime.fromJSDate(now, { zone: timezone }).startOf("day");
  const to = query.to === undefined ? today : day(query.to, "to", timezone);
  if (to > today) {
    throw new DomainError("validation_error", `to must not be after today (${today.toISODate()} in ${timezone})`, {
      field: "to",
    });
  }
  const from = query.from === undefined ? to.minus({ days: DEFAULT_WINDOW_DAYS - 1 }) : day(query.from, "from", timezone);
  if (from > to) throw new DomainError("validation_error", "from must not be after to", { field: "from" });
  const days = Math.round(to.diff(from, "days").days) + 1;
  if (days > MAX_WINDOW_DAYS) {
    throw new DomainError("validation_error", `A comparison covers at most ${MAX_WINDOW_DAYS} days`, { field: "from" });
  }
  const previous = from.minus({ days });
  const end = to.plus({ days: 1 }).toJSDate();
  return {
    from: from.toISODate() ?? "",
    to: to.toISODate() ?? "",
    days,
    previousFrom: previous.toISODate() ?? "",
    previousStart: previous.toJSDate(),
    start: from.toJSDate(),
    end,
    observedEnd: end.getTime() > now.getTime() ? now : end,
  };
}

/** n / d with four decimals; null when there is nothing to divide by. */
export function share(n: number, d: number): number | null {
  if (d <= 0) return null;
  return Math.round((n / d) * 10_000) / 10_000;
}

/** Money per unit, rounded half away from zero to the minor unit; null when there is nothing to divide by. */
export function perUnit(money: number, units: number): number | null {
  if (units <= 0) return null;
  return roundMinor(money / units);
}

/** What the SQL counts of one side's customers in the window. */
export interface SideCounts {
  /** Customers with a purchase in the window. */
  customers: number;
  purchases: number;
  /** Net revenue, minor units. */
  revenue: number;
  /** Customers with purchases on two or more programme days in the window. */
  repeatCustomers: number;
  /** Customers with a purchase in the previous window ... */
  previousCustomers: number;
  /** ... of whom bought again in this one. */
  retainedCustomers: number;
}

export interface SideMeasures extends SideCounts {
  purchasesPerCustomer: number | null;
  spendPerTransaction: number | null;
  revenuePerCustomer: number | null;
  repeatRate: number | null;
  retention: number | null;
}

/** A side's measures from its counts (the definitions are the comparison route's). */
export function sideMeasures(c: SideCounts): SideMeasures {
  return {
    ...c,
    purchasesPerCustomer: share(c.purchases, c.customers),
    spendPerTransaction: perUnit(c.revenue, c.purchases),
    revenuePerCustomer: perUnit(c.revenue, c.customers),
    repeatRate: share(c.repeatCustomers, c.customers),
    retention: share(c.retainedCustomers, c.previousCustomers),
  };
}

export interface PartCounts {
  purchases: number;
  revenue: number;
  /** Days the members were observed in this part, summed over them (fractional). */
  exposureDays: number;
}

export interface PartMeasures {
  purchases: number;
  revenue: number;
  exposureDays: number;
  /** purchases / exposureDays x 30: purchases per member per 30 days. */
  purchasesPer30Days: number | null;
  spendPerTransaction: number | null;
}

/** One part (before or after joining) of the claimed members' purchases. */
export function partMeasures(c: PartCounts): PartMeasures {
  const exposureDays = Math.round(c.exposureDays * 10_000) / 10_000;
  return {
    purchases: c.purchases,
    revenue: c.revenue,
    exposureDays,
    purchasesPer30Days: c.exposureDays > 0 ? Math.round(((c.purchases * 30) / c.exposureDays) * 10_000) / 10_000 : null,
    spendPerTransaction: perUnit(c.revenue, c.purchases),
  };
}

/** A non-member customer's history by customerRef: the summary step's figures and what the list shows. */
export interface RefSummary {
  customerRef: string;
  frequency: number;
  recency: number;
  age: number;
  /** The repeat days' spend summed, minor units. */
  repeatSpend: number;
}

export const historyOf = (s: Pick<RefSummary, "frequency" | "recency" | "age" | "repeatSpend">): History => ({
  frequency: s.frequency,
  recency: s.recency,
  T: s.age,
  monetaryValue: s.frequency === 0 ? 0 : s.repeatSpend / s.frequency,
});

export interface ValuedFit<S> {
  status: "fitted";
  parameters: ModelParameters;
  customers: number;
  repeatCustomers: number;
  valued: { summary: S; history: History; figures: MemberFigures }[];
}

export interface RefusedFit {
  status: "refused";
  reason: RefusalReason | "unprocessable";
  message: string;
}

/**
 * The members' models fitted on other customers' summaries (the non-members' by customerRef), each customer's
 * figures over the stored values' horizon (12 months at 1% a month); a fit the data cannot support is answered
 * with the rules' own refusal reason and message instead of thrown.
 */
export function fitAndValue<S extends Pick<RefSummary, "frequency" | "recency" | "age" | "repeatSpend">>(
  summaries: readonly S[],
): ValuedFit<S> | RefusedFit {
  const histories = summaries.map(historyOf);
  try {
    const parameters = parametersOf(fitModels(histories));
    const figuresOf = figuresOfMany(parameters, {
      months: DEFAULT_HORIZON_MONTHS,
      monthlyDiscountRate: DEFAULT_MONTHLY_DISCOUNT_RATE,
    });
    return {
      status: "fitted",
      parameters,
      customers: histories.length,
      repeatCustomers: histories.filter((h) => h.frequency > 0).length,
      valued: summaries.map((summary, i) => {
        const history = histories[i] as History;
        return { summary, history, figures: figuresOf(history) };
      }),
    };
  } catch (error) {
    if (error instanceof DomainError && error.code === "unprocessable") {
      const reason = (error.details as { reason?: RefusalReason } | undefined)?.reason ?? "unprocessable";
      return { status: "refused", reason, message: error.message };
    }
    throw error;
  }
}

/** Days between two programme days (YYYY-MM-DD): to - from. */
export function daysBetween(from: string, to: string): number {
  return Math.round(DateTime.fromISO(to, { zone: "UTC" }).diff(DateTime.fromISO(from, { zone: "UTC" }), "days").days);
}

/** The programme's today and the day `lookbackDays` before it (`thenDay`), for the at-risk comparison. */
export function atRiskDays(timezone: string, now: Date, lookbackDays: number): { today: string; thenDay: string } {
  const today = DateTime.fromJSDate(now, { zone: timezone }).startOf("day");
  return { today: today.toISODate() ?? "", thenDay: today.minus({ days: lookbackDays }).toISODate() ?? "" };
}

/** A member whose P(alive) fell, with the history up to `then` the value is judged by. */
export interface FallingMember {
  memberId: string;
  frequencyThen: number;
  recencyThen: number;
  ageThen: number;
  repeatSpendThen: number;
}

/**
 * The at-risk list from the members whose P(alive) fell: each valued as they were `then` (CLV over the stored
 * values' horizon from their history up to `then`, with the fit's parameters: a member's value *now* already
 * carries the lapse, so a nightly refit would never find a lapsing member valuable), those worth at least minClv
 * kept, highest value first (ties by member id), at most `limit`.
 */
export function rankAtRisk<M extends FallingMember>(
  members: readonly M[],
  params: ModelParameters,
  minClv: number,
  limit: number,
): (M & { clvThen: number; historyThen: History })[] {
  const figuresOf = figuresOfMany(params, { months: DEFAULT_HORIZON_MONTHS, monthlyDiscountRate: DEFAULT_MONTHLY_DISCOUNT_RATE });
  return members
    .map((m) => {
      const historyThen = historyOf({
        frequency: m.frequencyThen,
        recency: m.recencyThen,
        age: m.ageThen,
        repeatSpend: m.repeatSpendThen,
      });
      return { ...m, historyThen, clvThen: figuresOf(historyThen).clv };
    })
    .filter((m) => m.clvThen >= minClv)
    .sort((x, y) => y.clvThen - x.clvThen || (x.memberId < y.memberId ? -1 : x.memberId > y.memberId ? 1 : 0))
    .slice(0, limit);
}
