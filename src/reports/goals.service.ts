import { DateTime } from "luxon";
import type { GoalRow } from "../db/schema.ts";
import type { MutationContext } from "../idempotency/idempotency.service.ts";
import { DomainError, notFound } from "../shared/errors.ts";
import type { ServiceDeps } from "../shared/service-deps.ts";
import type { BuyerReports } from "./buyer-rollups.service.ts";
import {
  averageOrderValue,
  baselineWindow,
  type CaptureCounts,
  checkGoal,
  comparesGuests,
  type GoalDraft,
  goalUnit,
  goalWindows,
  MAX_GOALS,
  measure,
  NO_PURCHASES,
  type PurchaseCounts,
  pace,
  periodDays,
  type WindowCounts,
} from "./goals.rules.ts";
import type { CreateGoalInput, Goal, GoalProgress, GoalsReport, GoalsReportQuery, UpdateGoalInput } from "./goals.schemas.ts";
import * as q from "./goals.sql.ts";
import { reportRange } from "./reports.rules.ts";
import { programTimezone } from "./reports.sql.ts";

const goalView = (row: GoalRow): Goal => ({
  id: row.id,
  kind: row.kind,
  captureField: row.capture_field,
  target: row.target,
  baseline: row.baseline,
  startDate: row.start_date,
  targetDate: row.target_date,
  note: row.note,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

const draftOf = (row: GoalRow): GoalDraft => ({
  kind: row.kind,
  captureField: row.capture_field,
  target: row.target,
  baseline: row.baseline,
  startDate: row.start_date,
  targetDate: row.target_date,
});

/** Counts for one run of the goals queries over a list of windows. */
interface Buckets {
  purchases: Map<number, PurchaseCounts>;
  retention: Map<number, { previousBuyers: number; retained: number }>;
  capture: CaptureCounts[];
}

/** The programme's goals (owners set them) and the report that measures each against its target. */
export class GoalService {
  constructor(private readonly deps: ServiceDeps & { buyers: BuyerReports }) {}

  async list(programId: string) {
    return { data: (await q.listGoals(this.deps.db, programId)).map(goalView) };
  }

  create(ctx: MutationContext, programId: string, input: CreateGoalInput) {
    return this.deps.uow.run(ctx, 201, async (trx) => {
      const program = await q.lockProgram(trx, programId);
      if (!program) throw notFound("Program", programId);
      if ((await q.countGoals(trx, programId)) >= MAX_GOALS) {
        throw new DomainError("conflict", `A programme keeps at most ${MAX_GOALS} goals: delete one it no longer pursues first`);
      }
      const now = this.deps.clock.now();
      const draft: GoalDraft = {
        kind: input.kind,
        captureField: input.captureField ?? null,
        target: input.target,
        baseline: input.baseline ?? null,
        startDate: input.startDate ?? DateTime.fromJSDate(now, { zone: program.timezone }).toISODate() ?? "",
        targetDate: input.targetDate,
      };
      checkGoal(draft, program.currency);
      const row = await q.insertGoal(trx, {
        id: this.deps.ids("goal"),
        program_id: programId,
        kind: draft.kind,
        capture_field: draft.captureField,
        target: draft.target,
        baseline: draft.baseline,
        start_date: draft.startDate,
        target_date: draft.targetDate,
        note: input.note ?? null,
        created_at: now,
        updated_at: now,
      });
      return goalView(row);
    });
  }

  update(ctx: MutationContext, programId: string, goalId: string, input: UpdateGoalInput) {
    return this.deps.uow.run(ctx, 200, async (trx) => {
      const program = await q.lockProgram(trx, programId);
      if (!program) throw notFound("Program", programId);
      const row = await q.lockGoal(trx, programId, goalId);
      if (!row) throw notFound("Goal", goalId);
      ctx.audit = { before: goalView(row) };
      const was = draftOf(row);
      const kind = input.kind ?? was.kind;
      const draft: GoalDraft = {
        kind,
        // A goal changed away from data capture drops its detail unless one is named.
        captureField: input.captureField !== undefined ? input.captureField : kind === "data_capture" ? was.captureField : null,
        target: input.target ?? was.target,
        baseline: input.baseline !== undefined ? input.baseline : was.baseline,
        startDate: input.startDate ?? was.startDate,
        targetDate: input.targetDate ?? was.targetDate,
      };
      checkGoal(draft, program.currency);
      const updated = await q.updateGoal(trx, goalId, {
        kind: draft.kind,
        capture_field: draft.captureField,
        target: draft.target,
        baseline: draft.baseline,
        start_date: draft.startDate,
        target_date: draft.targetDate,
        ...(input.note !== undefined && { note: input.note }),
        updated_at: this.deps.clock.now(),
      });
      return goalView(updated);
    });
  }

  remove(ctx: MutationContext, programId: string, goalId: string) {
    return this.deps.uow.run(ctx, 200, async (trx) => {
      const row = await q.lockGoal(trx, programId, goalId);
      if (!row) throw notFound("Goal", goalId);
      ctx.audit = { before: goalView(row) };
      await q.deleteGoal(trx, goalId);
      return goalView(row);
    });
  }

  /** Each goal measured over the range, against its target and its pace, with its series. */
  async report(programId: string, query: GoalsReportQuery): Promise<GoalsReport> {
    const { db, clock } = this.deps;
    const program = await programTimezone(db, programId);
    if (!program) throw notFound("Program", programId);
    const range = reportRange(query, program.timezone, clock.now());
    const goals = await q.listGoals(db, programId);
    const answer = {
      from: range.from,
      to: range.to,
      interval: range.interval,
      timezone: program.timezone,
      currency: program.currency,
    };
    if (goals.length === 0) return { ...answer, goals: [] };

    const windows = goalWindows(range, program.timezone);
    const needs = new Set(goals.map((g) => g.kind));
    const counts = (w: { starts: Date[]; end: Date }) => this.#buckets(programId, program.timezone, w.starts, w.end, needs);
    // Baselines not stated are measured before each goal's start (one run per distinct start day).
    const unstated = [...new Set(goals.filter((g) => g.baseline === null).map((g) => g.start_date))];
    const [whole, series, ...baselines] = await Promise.all([
      counts(windows.whole),
      counts(windows.series),
      ...unstated.map((day) => counts(baselineWindow(day, windows.days, program.timezone))),
    ]);
    const baselineByDay = new Map(unstated.map((day, i) => [day, baselines[i] as Buckets]));
    // Bucket 2 is the range (or the baseline's window); bucket 1 the window before it.
    const second = (b: Buckets, days: number): WindowCounts => windowAt(b, 2, days);
    const seriesDays = periodDays(windows.series.starts, windows.series.end);

    return {
      ...answer,
      goals: goals.map((g): GoalProgress => {
        const unit = goalUnit(g.kind);
        const current = measure(g.kind, g.capture_field, second(whole, windows.days));
        const measured = baselineByDay.get(g.start_date);
        const baseline = g.baseline ?? (measured ? measure(g.kind, g.capture_field, second(measured, windows.days)) : null);
        const guests = comparesGuests(g.kind);
        const side = (b: PurchaseCounts, who: "member" | "guest") => {
          const purchases = who === "member" ? b.memberPurchases : b.guestPurchases;
          const revenue = who === "member" ? b.memberRevenue : b.guestRevenue;
          return { purchases, revenue, averageOrderValue: averageOrderValue(revenue, purchases) };
        };
        const inRange = whole.purchases.get(2) ?? NO_PURCHASES;
        return {
          goalId: g.id,
          kind: g.kind,
          captureField: g.capture_field,
          unit,
          note: g.note,
          current,
          target: g.target,
          startDate: g.start_date,
          targetDate: g.target_date,
          baseline,
          baselineSource: g.baseline !== null ? "stated" : baseline !== null ? "measured" : null,
          ...pace({
            current,
            baseline,
            target: g.target,
            startDate: g.start_date,
            targetDate: g.target_date,
            asOf: answer.to,
            unit,
          }),
          asOf: answer.to,
          members: guests ? side(inRange, "member") : null,
          guests: guests ? side(inRange, "guest") : null,
          // Period i is bucket i + 2: bucket 1 is the interval before `from`.
          series: range.periods.map(({ period }, i) => {
            const w = windowAt(series, i + 2, seriesDays[i + 1] ?? 0);
            return {
              period,
              value: measure(g.kind, g.capture_field, w),
              guests:
                g.kind === "average_order_value" ? averageOrderValue(w.purchases.guestRevenue, w.purchases.guestPurchases) : null,
            };
          }),
        };
      }),
    };
  }

  /** The goals queries over consecutive windows, only those the goals need. */
  async #buckets(programId: string, timezone: string, starts: Date[], end: Date, needs: Set<GoalRow["kind"]>): Promise<Buckets> {
    const purchases = needs.has("purchase_frequency") || needs.has("average_order_value") || needs.has("member_revenue_share");
    const [counts, c] = await Promise.all([
      this.deps.buyers.goalCounts(programId, timezone, starts, end, { purchases, retention: needs.has("retention") }),
      needs.has("data_capture") ? q.captureCounts(this.deps.db, programId, starts, end) : [],
    ]);
    return { purchases: counts.purchases, retention: counts.retention, capture: c };
  }
}

/** Bucket `k`'s counts (1-based, width_bucket's numbering): retention from bucket k - 1 to k, capture as of k's end. */
function windowAt(b: Buckets, k: number, days: number): WindowCounts {
  return {
    purchases: b.purchases.get(k) ?? NO_PURCHASES,
    retention: b.retention.get(k - 1) ?? { previousBuyers: 0, retained: 0 },
    capture: b.capture[k] ?? { members: 0, contact: 0, marketingConsent: 0, birthDate: 0 },
    days,
  };
}
