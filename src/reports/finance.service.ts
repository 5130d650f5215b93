import type { Kysely } from "kysely";
import { DateTime } from "luxon";
import type { DB } from "../db/schema.ts";
import type { Clock } from "../shared/clock.ts";
import { notFound } from "../shared/errors.ts";
import { breakageRate, liabilityMoment, monthEnds, perHead, pointsMoney, share } from "./finance.rules.ts";
import type {
  Breakage,
  Liability,
  LiabilityQuery,
  LiabilitySeries,
  LiabilitySeriesQuery,
  ProgramCost,
  RangeQuery,
} from "./finance.schemas.ts";
import * as q from "./finance.sql.ts";
import * as fr from "./finance-rollups.sql.ts";
import { type ReportRange, reportRange } from "./reports.rules.ts";
import { dayOf, dayStart, nextDay, type RollupView, splitRange } from "./rollups.rules.ts";
import { FLOWS, type RollupDefinition, type RollupService } from "./rollups.service.ts";

/** The first instant any ledger entry can carry (dates are in the years 1900 to 9999). */
const BEGINNING = new Date("1900-01-01T00:00:00Z");
/** A liability series' default: the twelve months up to this one. */
const SERIES_DEFAULT_MONTHS = 12;

/** The first programme day a lifetime or an as-of read starts from (before any ledger entry in any zone). */
const FIRST_DAY = "1899-12-31";

type Program = { timezone: string; currency: string; point_value: number };

/**
 * Points on lots per programme day, by their lots' expiry and activation days and their holds'
 * time-out day: the liability at any day's end sums these rows (finance-rollups.sql.ts). Ledger
 * entries dated on a day are all that change its rows, as for the daily flows.
 */
export const LOT_POINTS: RollupDefinition = {
  name: "daily_lot_points",
  changedDays: FLOWS.changedDays,
  rebuild: fr.rebuildLotPoints,
  tables: ["report_daily_lot_points"],
};

/** Points each partner funded per programme day. */
export const PARTNER_FUNDING: RollupDefinition = {
  name: "daily_partner_funding",
  changedDays: FLOWS.changedDays,
  rebuild: fr.rebuildPartnerFunding,
  tables: ["report_daily_partner_funding"],
};

/** A range's lifetime: everything up to its end, as one period. */
const lifetimeOf = (range: ReportRange): ReportRange => ({
  ...range,
  from: FIRST_DAY,
  start: BEGINNING,
  periods: [{ period: FIRST_DAY, start: BEGINNING }],
});

/** Finance reports over a programme, in aggregate SQL: the liability at any day, breakage, programme cost. */
export class FinanceReportService {
  constructor(private readonly deps: { db: Kysely<DB>; clock: Clock; rollups: RollupService }) {}

  async #program(programId: string): Promise<Program> {
    const program = await q.programTerms(this.deps.db, programId);
    if (!program) throw notFound("Program", programId);
    return program;
  }

  /** Points members held at the end of a day (or now), in points and money, by expiry. */
  async liability(programId: string, query: LiabilityQuery): Promise<Liability> {
    const program = await this.#program(programId);
    const moment = liabilityMoment(query.asOf, program.timezone, this.deps.clock.now());
    const view = await this.deps.rollups.view(programId, LOT_POINTS, program.timezone);
    const figures = await this.#figuresAt(programId, program, view, moment.end, moment.bucketEnds);
    return {
      asOf: moment.asOf,
      at: moment.end.toISOString(),
      timezone: program.timezone,
      currency: program.currency,
      pointValue: program.point_value,
      ...figures.figures,
      buckets: figures.buckets,
    };
  }

  /** The liability at each month end from `from` to `to` (this month: now). */
  async liabilitySeries(programId: string, query: LiabilitySeriesQuery): Promise<LiabilitySeries> {
    const program = await this.#program(programId);
    const now = this.deps.clock.now();
    const thisMonth = DateTime.fromJSDate(now, { zone: program.timezone }).startOf("month");
    const to = query.to ?? thisMonth.toFormat("yyyy-MM");
    const from =
      query.from ??
      DateTime.fromFormat(to, "yyyy-MM", { zone: program.timezone })
        .minus({ months: SERIES_DEFAULT_MONTHS - 1 })
        .toFormat("yyyy-MM");
    const ends = monthEnds(from, to, program.timezone, now);
    const monthEndFigures = [];
    const view = await this.deps.rollups.view(programId, LOT_POINTS, program.timezone);
    // One month end after another: each is the same aggregate the single-day report runs.
    for (const m of ends) {
      const moment = liabilityMoment(m.asOf, program.timezone, now);
      const { figures } = await this.#figuresAt(programId, program, view, moment.end, moment.bucketEnds);
      monthEndFigures.push({ month: m.month, asOf: m.asOf, ...figures });
    }
    return {
      from,
      to,
      timezone: program.timezone,
      currency: program.currency,
      pointValue: program.point_value,
      monthEnds: monthEndFigures,
    };
  }

  /**
   * The books at `end`: from the lot points rollup and live (exactly what `liabilityAt` answers),
   * or all live when the rollup holds nothing for the programme's zone.
   */
  async #liabilityRows(programId: string, timezone: string, view: RollupView, end: Date, bucketEnds: Date[]) {
    if (view.rolledThrough === null) return q.liabilityAt(this.deps.db, programId, end, bucketEnds);
    const endDay = dayOf(end, timezone);
    const midday = dayStart(endDay, timezone).getTime() !== end.getTime();
    // A day's end reads the days before it; a moment during today reads today's postings (live) too.
    const split = splitRange(view, FIRST_DAY, midday ? nextDay(endDay) : endDay, timezone);
    return fr.liabilityFromRollup(this.deps.db, programId, timezone, {
      end,
      bucketEnds,
      endDay,
      bucketDays: bucketEnds.map((b) => dayOf(b, timezone)),
      midday,
      split,
    });
  }

  async #figuresAt(programId: string, program: Program, view: RollupView, end: Date, bucketEnds: Date[]) {
    const rows = await this.#liabilityRows(programId, program.timezone, view, end, bucketEnds);
    const value = (p: number) => pointsMoney(p, program.point_value);
    const buckets = rows.buckets.map((b) => ({
      ...b,
      points: b.available + b.pending,
      amount: value(b.available + b.pending),
    }));
    const available = buckets.reduce((s, b) => s + b.available, 0);
    const pending = buckets.reduce((s, b) => s + b.pending, 0);
    const outstanding = available + pending;
    return {
      buckets,
      figures: {
        availablePoints: available,
        pendingPoints: pending,
        outstandingPoints: outstanding,
        heldPoints: rows.held,
        liabilityPoints: outstanding + rows.held,
        debtPoints: rows.debt,
        outstandingAmount: value(outstanding),
        heldAmount: value(rows.held),
        liabilityAmount: value(outstanding + rows.held),
        debtAmount: value(rows.debt),
      },
    };
  }

  /** Points expired per period, in money, and the breakage rate, over the range and the programme's life. */
  async breakage(programId: string, query: RangeQuery): Promise<Breakage> {
    const program = await this.#program(programId);
    const now = this.deps.clock.now();
    const range = reportRange(query, program.timezone, now);
    const [flows, life] = await Promise.all([
      this.#systemFlows(programId, program.timezone, range, now),
      this.#systemFlows(programId, program.timezone, lifetimeOf(range), now),
    ]);
    const figures = (expired: number, redeemed: number) => ({
      expired,
      expiredAmount: pointsMoney(expired, program.point_value),
      redeemed,
      breakageRate: breakageRate(expired, redeemed),
    });
    const byBucket = new Map(flows.map((f) => [f.bucket, f]));
    const series = range.periods.map((p, i) => {
      const f = byBucket.get(i + 1);
      return { period: p.period, ...figures(f?.expired ?? 0, f?.redeemed ?? 0) };
    });
    const sum = (key: "expired" | "redeemed") => series.reduce((s, x) => s + x[key], 0);
    const lifetime = life.find((f) => f.bucket === 1);
    return {
      from: range.from,
      to: range.to,
      interval: range.interval,
      timezone: program.timezone,
      currency: program.currency,
      pointValue: program.point_value,
      series,
      totals: figures(sum("expired"), sum("redeemed")),
      lifetime: figures(lifetime?.expired ?? 0, lifetime?.redeemed ?? 0),
    };
  }

  /**
   * `systemFlows` (the system accounts per period, with expiries not yet recorded by the jobs
   * dated at the lots' expiry): the daily flows rollup and live, plus the unrecorded expiries
   * (live: lots past their expiry still holding points, which the jobs soon clear).
   */
  async #systemFlows(programId: string, timezone: string, range: ReportRange, now: Date): Promise<q.SystemFlowRow[]> {
    const [flows, unposted] = await Promise.all([
      this.deps.rollups.flows(programId, timezone, range),
      q.unpostedExpiry(
        this.deps.db,
        programId,
        range.periods.map((p) => p.start),
        range.start,
        range.end,
        new Date(now.getTime() + 1),
      ),
    ]);
    const rows = new Map<number, q.SystemFlowRow>();
    const row = (bucket: number) => {
      let r = rows.get(bucket);
      if (!r) {
        r = { bucket, issued: 0, adjusted: 0, partner: 0, redeemed: 0, expired: 0 };
        rows.set(bucket, r);
      }
      return r;
    };
    for (const f of flows) {
      const r = row(f.bucket);
      r.issued += f.earned;
      r.adjusted += f.adjustmentsAdded - f.adjustmentsRemoved;
      r.partner += f.partnerFunded;
      r.redeemed += f.redeemed;
      r.expired += f.expired;
    }
    for (const u of unposted) row(u.bucket).expired += u.expired;
    return [...rows.values()];
  }

  /** What the programme's points and rewards cost over a range, who funds them, per member and against member revenue. */
  async programCost(programId: string, query: RangeQuery): Promise<ProgramCost> {
    const program = await this.#program(programId);
    const { db } = this.deps;
    const now = this.deps.clock.now();
    const range = reportRange(query, program.timezone, now);
    const [flows, partners, rewards, purchases, counts] = await Promise.all([
      this.#systemFlows(programId, program.timezone, range, now),
      this.deps.rollups
        .split(programId, PARTNER_FUNDING, program.timezone, range.from, nextDay(range.to))
        .then((split) => fr.partnerFundingByDays(db, programId, program.timezone, split)),
      q.rewardsRedeemed(db, programId, range.start, range.end),
      this.deps.rollups.purchases(programId, program.timezone, range),
      this.deps.rollups.active(programId, program.timezone, range),
    ]);
    // Members' revenue net of returns: the purchases rollup's (it leaves out purchases returned in
    // full, which add nothing: a return is never more than its purchase).
    const revenue = { amount: purchases.reduce((s, r) => s + r.memberRevenue, 0) };
    const value = (p: number) => pointsMoney(p, program.point_value);
    const costs = (f: { issued: number; adjusted: number; partner: number; redeemed: number }) => ({
      issuedPoints: f.issued,
      adjustedPoints: f.adjusted,
      programFundedPoints: f.issued + f.adjusted,
      partnerFundedPoints: f.partner,
      programFundedCost: value(f.issued + f.adjusted),
      partnerFundedCost: value(f.partner),
      redeemedPoints: f.redeemed,
      redeemedCost: value(f.redeemed),
    });
    const byBucket = new Map(flows.map((f) => [f.bucket, f]));
    const none = { issued: 0, adjusted: 0, partner: 0, redeemed: 0 };
    const series = range.periods.map((p, i) => ({ period: p.period, ...costs(byBucket.get(i + 1) ?? none) }));
    const sum = flows.reduce(
      (s, f) => ({
        issued: s.issued + f.issued,
        adjusted: s.adjusted + f.adjusted,
        partner: s.partner + f.partner,
        redeemed: s.redeemed + f.redeemed,
      }),
      none,
    );
    const totals = costs(sum);
    const rewardRows = rewards.map((r) => ({
      rewardId: r.rewardId,
      name: r.name,
      redemptions: r.redemptions,
      units: r.units,
      points: r.points,
      pointsCost: value(r.points),
      unitCost: r.unitCost,
      rewardCost: r.unitCost === null ? null : r.unitCost * r.units,
    }));
    const rewardPoints = rewardRows.reduce((s, r) => s + r.points, 0);
    return {
      from: range.from,
      to: range.to,
      interval: range.interval,
      timezone: program.timezone,
      currency: program.currency,
      pointValue: program.point_value,
      series,
      totals: {
        ...totals,
        partnerFundedShare: share(totals.partnerFundedPoints, totals.programFundedPoints + totals.partnerFundedPoints),
        rewardsRedeemed: rewardRows.reduce((s, r) => s + r.redemptions, 0),
        rewardPoints,
        rewardPointsCost: value(rewardPoints),
        rewardCost: rewardRows.reduce((s, r) => s + (r.rewardCost ?? 0), 0),
        unitsWithoutCost: rewardRows.reduce((s, r) => s + (r.unitCost === null ? r.units : 0), 0),
        activeMembers: counts.total,
        memberRevenue: revenue.amount,
        costPerActiveMember: perHead(totals.programFundedCost, counts.total),
        costShareOfMemberRevenue: share(totals.programFundedCost, revenue.amount),
      },
      partners: partners.map((p) => ({ ...p, cost: value(p.points) })),
      rewards: rewardRows,
    };
  }
}
