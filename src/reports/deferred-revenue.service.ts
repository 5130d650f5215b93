import { DateTime } from "luxon";
import type { MutationContext } from "../idempotency/idempotency.service.ts";
import { notFound } from "../shared/errors.ts";
import type { ServiceDeps } from "../shared/service-deps.ts";
import { deferredView, FAR_PAST, financeEstimates, firstIssueAt, historyAt, pricing } from "./deferred-revenue.rollup.ts";
import { deferredRevenue, type RateInForce, rateAt } from "./deferred-revenue.rules.ts";
import type {
  CreateRedemptionEstimate,
  DeferredRevenue,
  DeferredRevenueQuery,
  RateInForceAnswer,
  RedemptionEstimate,
  RedemptionEstimates,
} from "./deferred-revenue.schemas.ts";
import * as q from "./deferred-revenue.sql.ts";
import { dayBuckets, reportRange } from "./reports.rules.ts";
import { dayOf, splitRange } from "./rollups.rules.ts";

export const ROUNDING =
  "Exact until the end, then half away from zero to the minor unit: the totals to date are rounded once at each period's start and end and a period is their difference (cumulative rounding), so every period and the range reconcile to the minor unit; layers are rounded by largest remainder to add up to the totals";

const answerRate = (r: RateInForce): RateInForceAnswer => ({
  ...r,
  sample: r.sample && { ...r.sample, measuredAt: r.sample.measuredAt.toISOString() },
});

const toEstimate = (row: q.EstimateRow): RedemptionEstimate => ({
  id: row.id,
  rate: row.rate,
  effectiveFrom: row.effectiveFrom,
  note: row.note,
  actor: row.actor,
  createdAt: new Date(row.createdAt).toISOString(),
});

/**
 * Deferred revenue for points (IFRS 15 / ASC 606) and the expected redemption rate it rests on, read
 * from the ledger in aggregate (the method: `deferred-revenue.rules.ts`): from the rollup the jobs
 * keep per day, and live over the days it does not hold right (`deferred-revenue.rollup.ts`).
 */
export class DeferredRevenueService {
  constructor(private readonly deps: ServiceDeps) {}

  async estimates(programId: string): Promise<RedemptionEstimates> {
    const { db, clock } = this.deps;
    const program = await q.programForRevenue(db, programId);
    if (!program) throw notFound("Program", programId);
    const rows = await q.listEstimates(db, programId);
    const now = clock.now();
    const monthStart = DateTime.fromJSDate(now, { zone: program.timezone }).startOf("month").toJSDate();
    const view = await deferredView(db, programId, program.timezone);
    const [firstIssue, history] = await Promise.all([
      firstIssueAt(db, programId, program.timezone, view),
      historyAt(db, programId, program.timezone, view, [monthStart]),
    ]);
    const inForce = rateAt(now, financeEstimates(rows, program.timezone), history, firstIssue);
    return { data: rows.map(toEstimate).reverse(), inForce: answerRate(inForce) };
  }

  /** Adds finance's estimate from a day on; none is ever changed, so the history stays. */
  addEstimate(ctx: MutationContext, programId: string, input: CreateRedemptionEstimate) {
    const { uow, ids, clock } = this.deps;
    return uow.run(ctx, 201, async (trx) => {
      const program = await q.programForRevenue(trx, programId);
      if (!program) throw notFound("Program", programId);
      const row = {
        id: ids("redemptionEstimate"),
        programId,
        // Kept to six decimals, as stored (numeric(7,6)).
        rate: Math.round(input.rate * 1_000_000) / 1_000_000,
        effectiveFrom: input.effectiveFrom,
        note: input.note ? input.note : null,
        actor: ctx.actor,
        now: clock.now(),
      };
      await q.insertEstimate(trx, row);
      return toEstimate({ ...row, createdAt: row.now });
    });
  }

  async report(programId: string, query: DeferredRevenueQuery): Promise<DeferredRevenue> {
    const { db, clock } = this.deps;
    const program = await q.programForRevenue(db, programId);
    if (!program) throw notFound("Program", programId);
    const zone = program.timezone;
    const range = reportRange(query, zone, clock.now());
    const view = await deferredView(db, programId, zone);
    // Layers and history measurements by month, from the month points were first issued (or the range's).
    const { firstIssue, estimates, months, history, steps } = await pricing(db, programId, zone, view, {
      start: range.start,
      end: range.end,
      pointValue: program.point_value,
    });
    const { endDay } = dayBuckets(range);
    const bounds = [...range.periods.map((p) => p.start), range.end];
    const days = {
      monthDays: months.map((m) => dayOf(m, zone)),
      boundDays: [...range.periods.map((p) => p.period), endDay],
      endDay,
    };
    const split = splitRange(view, FAR_PAST, endDay, zone);
    // Rolled-up days allocated with a rate no longer in force are read live too.
    const rolledTo = view.rolledThrough !== null && view.rolledThrough < endDay ? view.rolledThrough : endDay;
    const repriced = view.rolledThrough === null ? [] : await q.repricedDays(db, programId, steps, rolledTo);
    const salesSplit =
      repriced.length === 0 ? split : splitRange({ ...view, changed: [...view.changed, ...repriced] }, FAR_PAST, endDay, zone);
    const [sales, flows] = await Promise.all([
      q.purchaseSales(db, programId, zone, { ...days, steps }, salesSplit),
      q.purchaseLotFlows(db, programId, zone, days, split),
    ]);
    // The rate at a boundary is the one in force on the last day before it.
    const atBounds = bounds.map((b) => rateAt(new Date(b.getTime() - 1), estimates, history, firstIssue));
    const report = deferredRevenue({ periods: range.periods.length, rates: atBounds.map((r) => r.rate), sales, flows });
    const last = atBounds[atBounds.length - 1] ?? rateAt(range.end, estimates, history, firstIssue);
    return {
      from: range.from,
      to: range.to,
      interval: range.interval,
      timezone: zone,
      currency: program.currency,
      pointValue: program.point_value,
      rounding: ROUNDING,
      estimate: answerRate(last),
      periods: report.periods.map((p, i) => ({
        period: range.periods[i]?.period ?? "",
        ...p,
        expectedRate: atBounds[i + 1]?.rate ?? 1,
        rateSource: atBounds[i + 1]?.source ?? "default",
      })),
      totals: report.totals,
      points: report.points.map((p, i) => ({ period: range.periods[i]?.period ?? "", ...p })),
      layers: report.layers.map(({ layer, ...l }) => ({
        month: DateTime.fromJSDate(months[layer - 1] ?? range.start, { zone }).toFormat("yyyy-MM"),
        ...l,
      })),
    };
  }
}
