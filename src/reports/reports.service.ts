import type { Kysely } from "kysely";
import { DateTime } from "luxon";
import type { DB } from "../db/schema.ts";
import type { Clock } from "../shared/clock.ts";
import { notFound } from "../shared/errors.ts";
import type { ActorNames } from "../shared/principal.ts";
import type { RedemptionRollups } from "./redemption-rollups.service.ts";
import { ACTIVE_DAYS, redemptionRate, reportRange } from "./reports.rules.ts";
import type { Overview, OverviewQuery, StaffReport, StaffReportQuery } from "./reports.schemas.ts";
import * as q from "./reports.sql.ts";
import type { RollupService } from "./rollups.service.ts";
import { foldStaffActivity } from "./staff-report.rules.ts";
import { staffActivity } from "./staff-report.sql.ts";

const TOP_REWARDS = 5;
/** The staff report's default range: the last 30 days. */
const STAFF_DEFAULT_DAYS = 30;

/** Read-only reports over a programme, in aggregate SQL (no per-member work). */
export class ReportService {
  constructor(
    private readonly deps: {
      db: Kysely<DB>;
      clock: Clock;
      actorNames: ActorNames;
      rollups: RollupService;
      redemptions: RedemptionRollups;
    },
  ) {}

  async overview(programId: string, query: OverviewQuery): Promise<Overview> {
    const { db, clock } = this.deps;
    const program = await q.programTimezone(db, programId);
    if (!program) throw notFound("Program", programId);
    const now = clock.now();
    const range = reportRange(query, program.timezone, now);
    // Active: in the last ACTIVE_DAYS programme days of the range.
    const activeFrom = DateTime.fromISO(range.to, { zone: "UTC" })
      .minus({ days: ACTIVE_DAYS - 1 })
      .toISODate() as string;
    const lastDays = { from: activeFrom, to: range.to, periods: [{ period: activeFrom, start: range.start }], end: range.end };
    const [flows, counts, active, owed, tiers, rewards] = await Promise.all([
      this.deps.rollups.flows(programId, program.timezone, range),
      q.memberCounts(db, programId, range.start, range.end),
      this.deps.rollups.active(programId, program.timezone, lastDays),
      q.outstanding(db, programId, now),
      q.tierCounts(db, programId),
      this.deps.redemptions.topRewards(programId, program.timezone, range, TOP_REWARDS),
    ]);
    const byBucket = new Map(flows.map((f) => [f.bucket, f]));
    const series = range.periods.map((p, i) => {
      const f = byBucket.get(i + 1);
      // Issued: earning, partner-funded earning and adjustments, net (as the points report's accounts sum).
      const issued = f ? f.earned + f.partnerFunded + f.adjustmentsAdded - f.adjustmentsRemoved : 0;
      return { period: p.period, issued, redeemed: f?.redeemed ?? 0, expired: f?.expired ?? 0 };
    });
    const totals = series.reduce(
      (sum, s) => ({ issued: sum.issued + s.issued, redeemed: sum.redeemed + s.redeemed, expired: sum.expired + s.expired }),
      { issued: 0, redeemed: 0, expired: 0 },
    );
    const tierDistribution =
      tiers.tiers.length > 0 && tiers.untiered > 0
        ? [{ tierId: null, name: "No tier", members: tiers.untiered }, ...tiers.tiers]
        : tiers.tiers;
    return {
      from: range.from,
      to: range.to,
      interval: range.interval,
      timezone: program.timezone,
      ...counts,
      activeMembers: active.total,
      outstandingPoints: owed.points,
      heldPoints: owed.held,
      debtPoints: owed.debt,
      series,
      totals,
      redemptionRate: redemptionRate(totals.redeemed, totals.issued),
      tierDistribution,
      topRewards: rewards,
    };
  }

  /**
   * Per cashier (or key) and per store over whole days in the programme's time zone: enrolments,
   * sales (count and amount, net of returns) and redemptions, with the staff members' names as
   * they are now.
   */
  async staff(programId: string, query: StaffReportQuery): Promise<StaffReport> {
    const { db, clock } = this.deps;
    const program = await q.programTimezone(db, programId);
    if (!program) throw notFound("Program", programId);
    const now = clock.now();
    // Months: the range's periods are not used here, and months keep any allowed range within the period limit.
    const range = reportRange({ ...query, interval: "month" }, program.timezone, now, STAFF_DEFAULT_DAYS);
    const folded = foldStaffActivity(await staffActivity(db, programId, range.start, range.end));
    const names = await this.deps.actorNames(
      programId,
      folded.staff.flatMap((s) => (s.actor ? [s.actor] : [])),
    );
    return {
      from: range.from,
      to: range.to,
      timezone: program.timezone,
      currency: program.currency,
      staff: folded.staff.map((s) => ({ ...s, name: s.actor ? (names.get(s.actor) ?? null) : null })),
      stores: folded.stores,
      totals: folded.totals,
    };
  }
}
