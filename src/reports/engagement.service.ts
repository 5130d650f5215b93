import type { Kysely } from "kysely";
import type { DB } from "../db/schema.ts";
import type { Clock } from "../shared/clock.ts";
import { notFound } from "../shared/errors.ts";
import type { BuyerReports } from "./buyer-rollups.service.ts";
import { cohortRange, cohortTable, days, perPeriod, ratio, runningTotal, share } from "./engagement.rules.ts";
import type {
  CohortQuery,
  CohortReport,
  EngagementQuery,
  ParticipationReport,
  PointsReport,
  RedemptionFrequencyReport,
} from "./engagement.schemas.ts";
import * as q from "./engagement.sql.ts";
import type { RedemptionRollups } from "./redemption-rollups.service.ts";
import { type ReportRange, reportRange } from "./reports.rules.ts";
import { programTimezone } from "./reports.sql.ts";
import type { RollupService } from "./rollups.service.ts";

const buckets = (range: ReportRange): q.Buckets => ({ starts: range.periods.map((p) => p.start), end: range.end });

const sum = <T>(rows: readonly T[], value: (row: T) => number) => rows.reduce((total, row) => total + value(row), 0);

/** The Engagement reports: participation, points by account, redemption frequency, cohorts. Aggregate SQL only. */
export class EngagementService {
  constructor(
    private readonly deps: {
      db: Kysely<DB>;
      clock: Clock;
      rollups: RollupService;
      redemptions: RedemptionRollups;
      buyers: BuyerReports;
    },
  ) {}

  async #program(programId: string) {
    const program = await programTimezone(this.deps.db, programId);
    if (!program) throw notFound("Program", programId);
    return program;
  }

  async #range(programId: string, query: EngagementQuery) {
    const program = await this.#program(programId);
    const range = reportRange(query, program.timezone, this.deps.clock.now());
    return { program, range, head: { from: range.from, to: range.to, interval: range.interval, timezone: program.timezone } };
  }

  async participation(programId: string, query: EngagementQuery): Promise<ParticipationReport> {
    const { db } = this.deps;
    const { program, range, head } = await this.#range(programId, query);
    const b = buckets(range);
    const [purchases, enrolled, active] = await Promise.all([
      this.deps.rollups.purchases(programId, program.timezone, range),
      q.enrolmentsByPeriod(db, programId, b),
      this.deps.rollups.active(programId, program.timezone, range),
    ]);
    const none = { memberPurchases: 0, guestPurchases: 0, memberRevenue: 0, guestRevenue: 0 };
    const bought = perPeriod(range, purchases, ({ bucket: _, ...r }) => r, none);
    const enrolments = perPeriod(range, enrolled.periods, (r) => r.n, 0);
    const activeIn = perPeriod(range, active.periods, (r) => r.n, 0);
    const membersAt = runningTotal(
      enrolled.before,
      enrolments.map((e) => e.value),
    );
    const shares = (p: typeof none) => ({
      ...p,
      memberPurchaseShare: share(p.memberPurchases, p.memberPurchases + p.guestPurchases),
      memberRevenueShare: share(p.memberRevenue, p.memberRevenue + p.guestRevenue),
    });
    const series = bought.map((p, i) => {
      const members = membersAt[i] ?? 0;
      const activeMembers = activeIn[i]?.value ?? 0;
      return {
        period: p.period,
        ...shares(p.value),
        enrolments: enrolments[i]?.value ?? 0,
        members,
        activeMembers,
        activeShare: share(activeMembers, members),
      };
    });
    const members = enrolled.before + sum(enrolments, (e) => e.value);
    const totals = {
      ...shares({
        memberPurchases: sum(series, (s) => s.memberPurchases),
        guestPurchases: sum(series, (s) => s.guestPurchases),
        memberRevenue: sum(series, (s) => s.memberRevenue),
        guestRevenue: sum(series, (s) => s.guestRevenue),
      }),
      enrolments: sum(enrolments, (e) => e.value),
      members,
      activeMembers: active.total,
      activeShare: share(active.total, members),
    };
    return { ...head, currency: program.currency, series, totals };
  }

  async points(programId: string, query: EngagementQuery): Promise<PointsReport> {
    const { program, range, head } = await this.#range(programId, query);
    const rows = await this.deps.rollups.flows(programId, program.timezone, range);
    const none = { earned: 0, partnerFunded: 0, adjustmentsAdded: 0, adjustmentsRemoved: 0, redeemed: 0, expired: 0 };
    const figures = (r: typeof none) => {
      const adjustments = r.adjustmentsAdded - r.adjustmentsRemoved;
      return {
        earned: r.earned,
        partnerFunded: r.partnerFunded,
        adjustmentsAdded: r.adjustmentsAdded,
        adjustmentsRemoved: r.adjustmentsRemoved,
        adjustments,
        redeemed: r.redeemed,
        expired: r.expired,
        netChange: r.earned + r.partnerFunded + adjustments - r.redeemed - r.expired,
      };
    };
    const series = perPeriod(range, rows, ({ bucket: _, ...r }) => r, none).map((p) => ({
      period: p.period,
      ...figures(p.value),
    }));
    const keys = Object.keys(none) as (keyof typeof none)[];
    const totals = figures(Object.fromEntries(keys.map((k) => [k, sum(series, (s) => s[k])])) as typeof none);
    return { ...head, series, totals };
  }

  async redemptionFrequency(programId: string, query: EngagementQuery): Promise<RedemptionFrequencyReport> {
    const { program, range, head } = await this.#range(programId, query);
    const [{ redeemed, medians, never }, active] = await Promise.all([
      this.deps.redemptions.frequency(programId, program.timezone, range),
      this.deps.rollups.active(programId, program.timezone, range),
    ]);
    const median = (kind: "first" | "between") => medians.filter((m) => m.kind === kind);
    const activeIn = perPeriod(range, active.periods, (r) => r.n, 0);
    const toFirst = perPeriod(range, median("first"), (r) => days(r.median), null);
    const between = perPeriod(range, median("between"), (r) => days(r.median), null);
    const series = perPeriod(range, redeemed, (r) => r, { bucket: 0, redemptions: 0, members: 0 }).map((p, i) => {
      const activeMembers = activeIn[i]?.value ?? 0;
      return {
        period: p.period,
        redemptions: p.value.redemptions,
        membersRedeeming: p.value.members,
        activeMembers,
        redemptionsPerActiveMember: ratio(p.value.redemptions, activeMembers),
        medianDaysToFirstRedemption: toFirst[i]?.value ?? null,
        medianDaysBetweenRedemptions: between[i]?.value ?? null,
      };
    });
    const total = redeemed.find((r) => r.bucket === null) ?? { redemptions: 0, members: 0 };
    const whole = (kind: "first" | "between") => days(median(kind).find((m) => m.bucket === null)?.median);
    return {
      ...head,
      series,
      totals: {
        redemptions: total.redemptions,
        membersRedeeming: total.members,
        activeMembers: active.total,
        redemptionsPerActiveMember: ratio(total.redemptions, active.total),
        medianDaysToFirstRedemption: whole("first"),
        medianDaysBetweenRedemptions: whole("between"),
        members: never.members,
        neverRedeemed: never.never,
        neverRedeemedShare: share(never.never, never.members),
      },
    };
  }

  async cohorts(programId: string, query: CohortQuery): Promise<CohortReport> {
    const program = await this.#program(programId);
    const range = cohortRange(query, program.timezone, this.deps.clock.now());
    const rows = await this.deps.buyers.cohorts(programId, program.timezone, range);
    return {
      from: range.from,
      to: range.to,
      timezone: program.timezone,
      cohorts: cohortTable(rows, range.to.slice(0, 7)),
    };
  }
}
