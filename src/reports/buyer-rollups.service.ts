import type { Kysely } from "kysely";
import { DateTime } from "luxon";
import type { DB } from "../db/schema.ts";
import * as q from "./buyer-rollups.sql.ts";
import type { CohortCountRow } from "./engagement.rules.ts";
import type { PurchaseCounts, RetentionCounts } from "./goals.rules.ts";
import type { ReportRange } from "./reports.rules.ts";
import { dayOf, nextDay } from "./rollups.rules.ts";
import type { RollupDefinition, RollupService } from "./rollups.service.ts";
import { changedPurchaseDays } from "./rollups.sql.ts";

/**
 * Members' buying days, kept by the jobs (migration 0024): the cohort report's chain (purchases
 * not refused and not returned in full) with per-cohort counts, and the goals' chain (purchases
 * with something still paid) with per-day counts by previous buying day. Both change exactly
 * where daily purchases change: an event's day, and a returned purchase's day.
 */
export const COHORT_BUYERS: RollupDefinition = {
  name: "cohort_buyers",
  changedDays: changedPurchaseDays,
  rebuild: q.rebuildCohortBuyers,
  tables: ["report_cohort_buyer_days", "report_cohort_firsts"],
};
export const PAID_BUYERS: RollupDefinition = {
  name: "paid_buyers",
  changedDays: changedPurchaseDays,
  rebuild: q.rebuildPaidBuyers,
  tables: ["report_paid_buyer_days", "report_paid_buyer_pairs", "report_daily_unpaid_purchases"],
};

const dayBefore = (day: string) => DateTime.fromISO(day, { zone: "UTC" }).minus({ days: 1 }).toISODate() ?? "";

/** The cohort report's and the goals' counts of buyers, from the buyer rollups and live, exactly as their live queries. */
export class BuyerReports {
  constructor(private readonly deps: { db: Kysely<DB>; rollups: RollupService }) {}

  /**
   * Cohorts of members enrolled in the range by enrolment month in programme time: each cohort's
   * size, its members who bought again on a later programme day than the one they enrolled on
   * (before the range's end), and for each month k after the enrolment month the members with a
   * counted purchase in it (calendar months, purchases by when they happened, before the range's
   * end; purchases before the enrolment month are not counted).
   */
  async cohorts(programId: string, timezone: string, range: Pick<ReportRange, "from" | "to" | "start" | "end">) {
    const { db, rollups } = this.deps;
    const monthStart = DateTime.fromISO(range.from, { zone: timezone }).startOf("month");
    const monthEnd = DateTime.fromISO(range.to, { zone: timezone }).startOf("month").plus({ months: 1 });
    const endDay = nextDay(range.to);
    const [sizes, split] = await Promise.all([
      q.cohortSizes(db, programId, timezone, {
        start: range.start,
        end: range.end,
        monthStart: monthStart.toJSDate(),
        monthEnd: monthEnd.toJSDate(),
      }),
      rollups.split(programId, COHORT_BUYERS, timezone, monthStart.toISODate() ?? range.from, endDay),
    ]);
    const cohorts = sizes.filter((s) => s.n > 0);
    // A cohort all of whose month's members are in the range is read from its rolled-up counts.
    const whole = cohorts.filter((s) => s.n === s.month).map((s) => s.cohort);
    const figures = await q.cohortFigures(db, programId, timezone, { start: range.start, end: range.end, whole }, split);
    return [...cohorts.map((s): CohortCountRow => ({ cohort: s.cohort, metric: "size", k: null, n: s.n })), ...figures];
  }

  /**
   * Purchases (members' and guests', net of returns, with distinct purchasing members) and retention
   * per window of the goals: bucket i is [starts[i-1], starts[i]), the last up to `end` (instants at
   * the start of programme days). Purchases count when not refused and something is still paid.
   * Retention of bucket i: its buyers, and how many of them bought in bucket i + 1 (buyers in both =
   * buyers in i + buyers in i + 1 - buyers in the two together).
   */
  async goalCounts(
    programId: string,
    timezone: string,
    starts: Date[],
    end: Date,
    needs: { purchases: boolean; retention: boolean },
  ): Promise<{ purchases: Map<number, PurchaseCounts>; retention: Map<number, RetentionCounts> }> {
    const purchases = new Map<number, PurchaseCounts>();
    const retention = new Map<number, RetentionCounts>();
    if ((!needs.purchases && !needs.retention) || starts.length === 0) return { purchases, retention };
    const { db, rollups } = this.deps;
    const days = starts.map((s) => dayOf(s, timezone));
    const endDay = dayOf(end, timezone);
    const n = days.length;
    const bound = (i: number) => days[i] ?? endDay;
    // Window i (1-based) is bucket i; window n + i is buckets i and i + 1 together.
    const windows: q.DayWindow[] = days.map((d, i) => ({ id: i + 1, from: d, to: bound(i + 1) }));
    if (needs.retention) {
      for (let i = 0; i < n - 1; i++) windows.push({ id: n + i + 1, from: bound(i), to: bound(i + 2) });
    }
    const range: ReportRange = {
      from: days[0] ?? endDay,
      to: dayBefore(endDay),
      interval: "day",
      start: starts[0] ?? end,
      end,
      periods: days.map((d, i) => ({ period: d, start: starts[i] ?? end })),
    };
    const split = await rollups.split(programId, PAID_BUYERS, timezone, range.from, endDay);
    const [all, unpaid, buyers] = await Promise.all([
      needs.purchases ? rollups.purchases(programId, timezone, range) : [],
      needs.purchases ? q.unpaidByPeriod(db, programId, timezone, days, split) : [],
      q.paidBuyersIn(db, programId, timezone, windows, split),
    ]);
    if (needs.purchases) {
      const less = new Map(unpaid.map((u) => [u.bucket, u]));
      for (const p of all) {
        const u = less.get(p.bucket);
        purchases.set(p.bucket, {
          memberPurchases: p.memberPurchases - (u?.memberPurchases ?? 0),
          memberRevenue: p.memberRevenue - (u?.memberRevenue ?? 0),
          purchasers: buyers.get(p.bucket) ?? 0,
          guestPurchases: p.guestPurchases - (u?.guestPurchases ?? 0),
          guestRevenue: p.guestRevenue - (u?.guestRevenue ?? 0),
        });
      }
    }
    if (needs.retention) {
      for (let i = 1; i <= n; i++) {
        const here = buyers.get(i) ?? 0;
        if (here === 0) continue;
        const next = i < n ? (buyers.get(i + 1) ?? 0) : 0;
        const both = i < n ? here + next - (buyers.get(n + i) ?? 0) : 0;
        retention.set(i, { previousBuyers: here, retained: both });
      }
    }
    return { purchases, retention };
  }
}
