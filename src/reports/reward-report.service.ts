import type { Kysely } from "kysely";
import type { DB } from "../db/schema.ts";
import type { Clock } from "../shared/clock.ts";
import { notFound } from "../shared/errors.ts";
import { snapshotAsOf } from "./member-balances.sql.ts";
import type { RedemptionRollups } from "./redemption-rollups.service.ts";
import { type ReportRange, reportRange } from "./reports.rules.ts";
import { programTimezone } from "./reports.sql.ts";
import {
  type CatalogueReward,
  daysOffered,
  judgeRewards,
  listed,
  popularReason,
  type RewardFigures,
  rewardFigures,
  tableOrder,
  underusedReason,
} from "./reward-report.rules.ts";
import {
  REACH_PERCENT,
  type RewardDetail,
  type RewardDetailQuery,
  type RewardReport,
  type RewardReportQuery,
} from "./reward-report.schemas.ts";
import * as q from "./reward-report.sql.ts";

/**
 * Reward patterns over a window: per reward what was redeemed and what became of its vouchers,
 * how long its stock lasts, who is within reach of it, and which rewards are popular or underused.
 * Three aggregate queries whatever the number of members (members within reach from the jobs' balance
 * snapshot, member-balances.rollup.ts); the judging is pure (reward-report.rules.ts).
 */
export class RewardReportService {
  constructor(private readonly deps: { db: Kysely<DB>; clock: Clock; redemptions: RedemptionRollups }) {}

  async report(programId: string, query: RewardReportQuery): Promise<RewardReport> {
    const program = await this.#program(programId);
    const now = this.deps.clock.now();
    // Months: the list has no series, and months keep any allowed range within the period limit.
    const range = reportRange({ ...query, interval: "month" }, program.timezone, now);
    const all = await this.#figures(programId, range, program.timezone, now);
    const rows = all.filter((f) => listed(f.reward, f.figures.redemptions, range.end)).map((f) => f.figures);
    const { median, popular, underused } = judgeRewards(rows);
    return {
      from: range.from,
      to: range.to,
      timezone: program.timezone,
      median,
      rewards: rows.sort(tableOrder),
      popular,
      underused,
    };
  }

  /** One reward's figures over the window (whatever its status), judged against the others, and per period. */
  async reward(programId: string, rewardId: string, query: RewardDetailQuery): Promise<RewardDetail> {
    const program = await this.#program(programId);
    const now = this.deps.clock.now();
    const range = reportRange(query, program.timezone, now);
    const [all, periods] = await Promise.all([
      this.#figures(programId, range, program.timezone, now),
      this.deps.redemptions.rewardSeries(programId, program.timezone, range, rewardId),
    ]);
    const found = all.find((f) => f.reward.id === rewardId);
    if (!found) throw notFound("Reward", rewardId);
    const { median } = judgeRewards(all.filter((f) => listed(f.reward, f.figures.redemptions, range.end)).map((f) => f.figures));
    const byBucket = new Map(periods.map((p) => [p.bucket, p]));
    return {
      from: range.from,
      to: range.to,
      interval: range.interval,
      timezone: program.timezone,
      median,
      reward: found.figures,
      popular: popularReason(found.figures, median),
      underused: underusedReason(found.figures, median),
      series: range.periods.map((p, i) => {
        const s = byBucket.get(i + 1);
        return {
          period: p.period,
          redemptions: s?.redemptions ?? 0,
          units: s?.units ?? 0,
          members: s?.members ?? 0,
          pointsSpent: s?.pointsSpent ?? 0,
          vouchersUsed: s?.vouchersUsed ?? 0,
        };
      }),
    };
  }

  async #program(programId: string) {
    const program = await programTimezone(this.deps.db, programId);
    if (!program) throw notFound("Program", programId);
    return program;
  }

  /**
   * Members within reach of each reward on offer now: from the balance snapshot the jobs keep
   * (member-balances.rollup.ts) once built, else by reading every spendable lot; the same answer.
   */
  async #reach(programId: string, range: ReportRange, now: Date) {
    const { db } = this.deps;
    const asOf = await snapshotAsOf(db, programId);
    const fromSnapshot = asOf
      ? await q.membersInReachFromSnapshot(db, programId, range.start, range.end, now, REACH_PERCENT, asOf)
      : null;
    return fromSnapshot ?? q.membersInReach(db, programId, range.start, range.end, now, REACH_PERCENT);
  }

  /** Every reward of the programme with its figures over the range. */
  async #figures(
    programId: string,
    range: ReportRange,
    timezone: string,
    now: Date,
  ): Promise<{ reward: CatalogueReward; figures: RewardFigures }[]> {
    const { db } = this.deps;
    const [rewards, activity, reach] = await Promise.all([
      q.catalogue(db, programId, now),
      this.deps.redemptions.rewardActivity(programId, timezone, range, now),
      this.#reach(programId, range, now),
    ]);
    return rewards.map((reward) => ({
      reward,
      figures: rewardFigures(
        reward,
        activity.get(reward.id),
        reach.get(reward.id),
        daysOffered(reward, range, now, timezone),
        now,
      ),
    }));
  }
}
