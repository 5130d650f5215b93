import { DateTime } from "luxon";
import type { Db } from "../db/schema.ts";
import { type FinanceEstimate, type HistoryAt, rateSteps } from "./deferred-revenue.rules.ts";
import * as q from "./deferred-revenue.sql.ts";
import { dayOf, dayStart, NOTHING_ROLLED, type RollupView, splitRange } from "./rollups.rules.ts";
import type { RollupDefinition } from "./rollups.service.ts";
import { changedFlowDays, changedPurchaseDays, type DayRange, rollupState } from "./rollups.sql.ts";

/**
 * The deferred revenue report's rollup (report_deferred_days, report_deferred_layers), kept by the
 * jobs with the other report rollups (`RollupService`), and the reads that use it exactly.
 *
 * Per programme day it holds what each issue layer gained (purchases, their net amount, points and
 * the amount allocated to those points, by the day the purchase happened) and what each layer's
 * lots lost or gained (points issued, held, redeemed, expired, by the day the ledger booked them,
 * per issue month), and the history the expected rate is measured from (points redeemed and
 * expired on the system accounts per day). A report sums those rows per layer and period, and reads
 * live only the days not rolled up yet and the rolled-up days changed since the watermark.
 *
 * Changes are found by when they were recorded, as for the other rollups: an event recorded or
 * changed (a claim) on the day it happened, a return on the day of the purchase it returns, a
 * ledger entry on its effective day (its postings, and the lots it credits). One thing changes a
 * day's rows without being recorded on it: the allocation of a day's sales depends on the rate in
 * force that day (finance's estimate, or the history measured at the start of the month, which a
 * late posting or a back-dated estimate changes) and on the point value. Each day keeps the rate
 * and point value it was allocated with; a read compares them with the ones in force and reads the
 * days that differ live (`repricedDays`), and the jobs rebuild them (they are among the rollup's
 * changed days).
 */

export const DEFERRED_ROLLUP = "deferred_revenue";

/** The first break of the rate's step function: before any data the programme can hold. */
export const EPOCH = new Date(0);
/** Days before any data and after any: the bounds of "all history" for a split. */
export const FAR_PAST = "1900-01-01";
const FAR_FUTURE = "3000-01-01";

/** Finance's estimates with their start instants in the programme's zone. */
export const financeEstimates = (rows: q.EstimateRow[], zone: string): FinanceEstimate[] =>
  rows.map((r) => ({
    ...r,
    start: DateTime.fromISO(r.effectiveFrom, { zone }).startOf("day").toJSDate(),
    createdAt: new Date(r.createdAt),
  }));

/** Days whose rollup rows change with what was recorded in [since, until) (until null: up to now). */
async function recordedChanges(db: Db, programId: string, timezone: string, since: Date, until: Date | null) {
  const purchases = await changedPurchaseDays(db, programId, timezone, since, until);
  const flows = await changedFlowDays(db, programId, timezone, since, until);
  return [...new Set([...purchases, ...flows])].sort();
}

/**
 * Where the rollup stands for a read in the programme's zone now, by what was recorded: its
 * rolled-up days, and those changed since its watermark. Nothing when it was built in another zone.
 */
export async function deferredView(db: Db, programId: string, timezone: string): Promise<RollupView> {
  const state = await rollupState(db, programId, DEFERRED_ROLLUP);
  if (!state || state.timezone !== timezone) return NOTHING_ROLLED;
  const changed = (await recordedChanges(db, programId, timezone, state.watermark, null)).filter((d) => d < state.rolled_through);
  return { rolledThrough: state.rolled_through, changed };
}

/** When the first purchase that earned points happened, from the rollup and live. */
export const firstIssueAt = (db: Db, programId: string, timezone: string, view: RollupView) =>
  q.firstPurchaseIssue(db, programId, splitRange(view, FAR_PAST, FAR_FUTURE, timezone));

/** Points ever redeemed and expired before each of `ats` (programme day starts, ascending), from the rollup and live. */
export function historyAt(db: Db, programId: string, timezone: string, view: RollupView, ats: Date[]): Promise<HistoryAt[]> {
  const atDays = ats.map((at) => dayOf(at, timezone));
  const last = atDays[atDays.length - 1] ?? FAR_PAST;
  return q.historyBefore(db, programId, timezone, ats, atDays, splitRange(view, FAR_PAST, last, timezone));
}

/** What the rate in force at any time before `end` rests on, and the rate as a step function of time. */
export interface Pricing {
  firstIssue: Date | null;
  estimates: FinanceEstimate[];
  /** Month starts from the first purchase's month (or `start`'s, if earlier) to `end`: the layers and history measurements. */
  months: Date[];
  history: HistoryAt[];
  steps: q.PriceSteps;
}

/**
 * The rates in force before `end` (a day start): from each month start (the history measured then)
 * and each estimate's start on. The rate of an instant after the first purchase is the same
 * whatever `start`, so a day's sales are allocated alike by a report and by the rollup.
 */
export async function pricing(
  db: Db,
  programId: string,
  timezone: string,
  view: RollupView,
  p: { start: Date; end: Date; pointValue: number },
): Promise<Pricing> {
  const firstIssue = await firstIssueAt(db, programId, timezone, view);
  const estimates = financeEstimates(await q.listEstimates(db, programId), timezone);
  const firstDay = DateTime.fromJSDate(firstIssue && firstIssue < p.start ? firstIssue : p.start, { zone: timezone }).startOf(
    "month",
  );
  const months: Date[] = [];
  for (let m = firstDay; m.toJSDate() < p.end; m = m.plus({ months: 1 })) months.push(m.toJSDate());
  const history = await historyAt(db, programId, timezone, view, months);
  const { breaks, rates } = rateSteps(
    [EPOCH, ...months, ...estimates.map((e) => e.start).filter((s) => s < p.end)],
    estimates,
    history,
    firstIssue,
  );
  return { firstIssue, estimates, months, history, steps: { breaks, rates, pointValue: p.pointValue } };
}

/** Rebuilds a run of days, allocating their sales with the rates in force now (read exactly: rolled up and live). */
async function rebuild(tx: Db, programId: string, timezone: string, days: DayRange): Promise<void> {
  const program = await q.programForRevenue(tx, programId);
  if (!program) return;
  const view = await deferredView(tx, programId, timezone);
  const { steps } = await pricing(tx, programId, timezone, view, {
    start: days.start,
    end: days.end,
    pointValue: program.point_value,
  });
  await q.rebuildDeferred(tx, programId, timezone, days, steps);
}

/**
 * Rolled-up days to rebuild: those changed by what was recorded in [since, until), and those whose
 * sales were allocated with a rate or point value no longer in force.
 */
async function changedDays(db: Db, programId: string, timezone: string, since: Date, until: Date | null): Promise<string[]> {
  const recorded = await recordedChanges(db, programId, timezone, since, until);
  const view = await deferredView(db, programId, timezone);
  const program = await q.programForRevenue(db, programId);
  if (view.rolledThrough === null || !program) return recorded;
  const end = dayStart(view.rolledThrough, timezone);
  const { steps } = await pricing(db, programId, timezone, view, { start: end, end, pointValue: program.point_value });
  const repriced = await q.repricedDays(db, programId, steps, view.rolledThrough);
  return [...new Set([...recorded, ...repriced])].sort();
}

export const DEFERRED: RollupDefinition = {
  name: DEFERRED_ROLLUP,
  changedDays,
  rebuild,
  tables: ["report_deferred_days", "report_deferred_layers"],
};
