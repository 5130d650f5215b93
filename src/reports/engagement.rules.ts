import { DateTime } from "luxon";
import { type ReportRange, reportRange } from "./reports.rules.ts";

/**
 * The Engagement reports' arithmetic, with no I/O: shares and ratios, series with every period
 * (zeros where nothing happened), members at each period's end, the cohort table and its range.
 */

/** part / whole (0..1, four decimals); null when the whole is zero. */
export function share(part: number, whole: number): number | null {
  if (whole <= 0) return null;
  return Math.round((part / whole) * 10_000) / 10_000;
}

/** A ratio such as redemptions per active member, two decimals; null when there is nothing to divide by. */
export function ratio(n: number, d: number): number | null {
  if (d <= 0) return null;
  return Math.round((n / d) * 100) / 100;
}

/** A median in days as SQL's percentile_cont gives it (a whole day, or the mean of two), to two decimals. */
export const days = (median: number | null | undefined): number | null =>
  median === null || median === undefined ? null : Math.round(median * 100) / 100;

/** One value per period of the range, from rows keyed by their 1-based bucket; `empty` where no row came back. */
export function perPeriod<R extends { bucket: number | null }, V>(
  range: Pick<ReportRange, "periods">,
  rows: readonly R[],
  value: (row: R) => V,
  empty: V,
): { period: string; value: V }[] {
  const byBucket = new Map(rows.filter((r) => r.bucket !== null).map((r) => [r.bucket, r]));
  return range.periods.map((p, i) => {
    const row = byBucket.get(i + 1);
    return { period: p.period, value: row ? value(row) : empty };
  });
}

/** Members at each period's end: those enrolled before the range plus every enrolment up to that period. */
export function runningTotal(before: number, perPeriodCounts: readonly number[]): number[] {
  let total = before;
  return perPeriodCounts.map((n) => {
    total += n;
    return total;
  });
}

/** The default cohort range: the twelve enrolment months up to `to`'s (from the first of the month eleven months before). */
export const COHORT_MONTHS = 12;

/**
 * The cohort report's range: whole days in the programme's zone as for every report (`to`
 * defaults to today), `from` to the first day of the month eleven months before `to`'s month.
 */
export function cohortRange(query: { from?: string; to?: string }, timezone: string, now: Date): ReportRange {
  const to = query.to ?? DateTime.fromJSDate(now, { zone: timezone }).toISODate() ?? undefined;
  const toDay = to ? DateTime.fromISO(to, { zone: timezone }) : undefined;
  const from =
    query.from ??
    (toDay?.isValid
      ? (toDay
          .startOf("month")
          .minus({ months: COHORT_MONTHS - 1 })
          .toISODate() ?? undefined)
      : undefined);
  return reportRange({ from, to, interval: "month" }, timezone, now);
}

/** Calendar months from one YYYY-MM to another (0 for the same month). */
export function monthsBetween(from: string, to: string): number {
  const [fy, fm] = from.split("-").map(Number) as [number, number];
  const [ty, tm] = to.split("-").map(Number) as [number, number];
  return (ty - fy) * 12 + (tm - fm);
}

export interface CohortCountRow {
  cohort: string;
  metric: "size" | "repeat" | "month";
  k: number | null;
  n: number;
}

export interface Cohort {
  cohort: string;
  size: number;
  repeatPurchasers: number;
  repeatShare: number | null;
  months: { month: number; purchasers: number; share: number | null }[];
}

/**
 * The cohort table: one row per enrolment month (oldest first), each with months 0..K where K
 * is the last month the range reaches (`lastMonth`, the month holding `to`), zeros included.
 */
export function cohortTable(rows: readonly CohortCountRow[], lastMonth: string): Cohort[] {
  const sizes = new Map<string, number>();
  const repeat = new Map<string, number>();
  const cells = new Map<string, number>();
  for (const r of rows) {
    if (r.metric === "size") sizes.set(r.cohort, r.n);
    else if (r.metric === "repeat") repeat.set(r.cohort, r.n);
    else cells.set(`${r.cohort}/${r.k}`, r.n);
  }
  return [...sizes.keys()].sort().map((cohort) => {
    const size = sizes.get(cohort) ?? 0;
    const repeatPurchasers = repeat.get(cohort) ?? 0;
    const last = Math.max(0, monthsBetween(cohort, lastMonth));
    return {
      cohort,
      size,
      repeatPurchasers,
      repeatShare: share(repeatPurchasers, size),
      months: Array.from({ length: last + 1 }, (_, month) => {
        const purchasers = cells.get(`${cohort}/${month}`) ?? 0;
        return { month, purchasers, share: share(purchasers, size) };
      }),
    };
  });
}
