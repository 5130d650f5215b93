import type { Kysely } from "kysely";
import type { DB } from "../db/schema.ts";
import { histogramMedian } from "./redemption-rollups.rules.ts";
import * as q from "./redemption-rollups.sql.ts";
import { dayBuckets, type ReportRange } from "./reports.rules.ts";
import { dayOf, dayStart, nextDay } from "./rollups.rules.ts";
import type { RollupDefinition, RollupService } from "./rollups.service.ts";

/**
 * The redemption rollup (migration 0020): per programme day, redemptions completed and not
 * cancelled since per reward, their vouchers, the members redeeming, and the days to a first
 * redemption and between redemptions. A cancellation changes a past day in place; it is found by
 * its cancelled_at (changedRedemptionDays).
 */
export const REDEMPTIONS: RollupDefinition = {
  name: "redemptions",
  changedDays: q.changedRedemptionDays,
  rebuild: q.rebuildRedemptions,
  tables: [
    "report_reward_days",
    "report_voucher_days",
    "report_redeemer_days",
    "report_redeemer_pairs",
    "report_redemption_gaps",
  ],
};

/** The first day the never-redeemed count reads from: every day before a range's end counts. */
const BEGINNING = "1900-01-01";

type Range = Pick<ReportRange, "from" | "to" | "periods" | "end">;

/** The redemption reports' figures, from the rollup and live, exactly as the live queries answer them. */
export class RedemptionRollups {
  constructor(private readonly deps: { db: Kysely<DB>; rollups: RollupService }) {}

  #split(programId: string, timezone: string, from: string, to: string) {
    return this.deps.rollups.split(programId, REDEMPTIONS, timezone, from, to);
  }

  /**
   * Redemption frequency's figures: per period (bucket i is period i) and in the range (bucket
   * null) the redemptions and members redeeming, the medians of days to a first redemption and
   * between redemptions, and the members enrolled by the range's end who never redeemed before it.
   */
  async frequency(programId: string, timezone: string, range: Range) {
    const { db } = this.deps;
    const b = dayBuckets(range);
    const [split, before] = await Promise.all([
      this.#split(programId, timezone, range.from, b.endDay),
      this.#split(programId, timezone, BEGINNING, b.endDay),
    ]);
    const [days, members, gaps, never] = await Promise.all([
      q.rewardDaysByPeriod(db, programId, timezone, b, split),
      q.redeemersByPeriod(db, programId, timezone, b, split, { kind: "any" }),
      q.gapsByPeriod(db, programId, timezone, b, split),
      q.redeemedBefore(db, programId, timezone, b.endDay, b.end, before),
    ]);
    const redemptions = new Map<number, number>();
    for (const d of days) redemptions.set(d.bucket, (redemptions.get(d.bucket) ?? 0) + d.redemptions);
    const membersIn = new Map(members.map((m) => [m.bucket, m.n]));
    const redeemed = [...redemptions].flatMap(([bucket, n]) =>
      n > 0 ? [{ bucket: bucket as number | null, redemptions: n, members: membersIn.get(bucket) ?? 0 }] : [],
    );
    redeemed.push({
      bucket: null,
      redemptions: [...redemptions.values()].reduce((t, n) => t + n, 0),
      members: membersIn.get(0) ?? 0,
    });
    const medians: { kind: "first" | "between"; bucket: number | null; median: number | null }[] = [];
    for (const kind of ["first", "between"] as const) {
      const rows = gaps.filter((g) => g.kind === kind);
      for (const bucket of new Set(rows.map((g) => g.bucket)))
        medians.push({ kind, bucket, median: histogramMedian(rows.filter((g) => g.bucket === bucket)) });
      medians.push({ kind, bucket: null, median: histogramMedian(rows) });
    }
    return { redeemed, medians, never: { members: never.members, never: never.members - never.redeemed } };
  }

  /** The most redeemed rewards in the range (redemptions, then points, then id), with their names. */
  async topRewards(programId: string, timezone: string, range: Range, limit: number) {
    const b = dayBuckets(range);
    const split = await this.#split(programId, timezone, range.from, b.endDay);
    return q.topRewards(this.deps.db, programId, timezone, split, limit);
  }

  /**
   * Per reward in the range: redemptions (count, units, distinct members, points) and the vouchers
   * issued then (not cancelled) by what became of them as of `now`. Rewards with neither are absent.
   */
  async rewardActivity(programId: string, timezone: string, range: Range, now: Date) {
    const { db } = this.deps;
    const b = dayBuckets(range);
    const whole = { ...b, days: [range.from] };
    const split = await this.#split(programId, timezone, range.from, b.endDay);
    const todayDay = dayOf(now, timezone);
    const today = { day: todayDay, start: dayStart(todayDay, timezone), end: dayStart(nextDay(todayDay), timezone) };
    const [days, members, vouchers] = await Promise.all([
      q.rewardDaysByPeriod(db, programId, timezone, whole, split),
      q.redeemersByPeriod(db, programId, timezone, whole, split, { kind: "each" }),
      q.vouchersIssued(db, programId, timezone, split, now, today),
    ]);
    const redeemed = new Map(days.filter((d) => d.redemptions > 0).map((d) => [d.rewardId, d]));
    const membersOf = new Map(members.filter((m) => m.bucket === 0).map((m) => [m.rewardId, m.n]));
    const ids = new Set([...redeemed.keys(), ...[...vouchers].filter(([, v]) => v.issued > 0).map(([id]) => id)]);
    return new Map(
      [...ids].map((id) => {
        const r = redeemed.get(id);
        const v = vouchers.get(id);
        return [
          id,
          {
            redemptions: r?.redemptions ?? 0,
            units: r?.units ?? 0,
            members: r ? (membersOf.get(id) ?? 0) : 0,
            pointsSpent: r?.points ?? 0,
            vouchersIssued: v?.issued ?? 0,
            vouchersUsed: v?.used ?? 0,
            vouchersExpiredUnused: v?.expired ?? 0,
            vouchersOpen: v?.open ?? 0,
          },
        ];
      }),
    );
  }

  /** One reward per period: redemptions (count, units, distinct members, points) and its vouchers used in the period. */
  async rewardSeries(programId: string, timezone: string, range: Range, rewardId: string) {
    const { db } = this.deps;
    const b = dayBuckets(range);
    const split = await this.#split(programId, timezone, range.from, b.endDay);
    const [days, members] = await Promise.all([
      q.rewardDaysByPeriod(db, programId, timezone, b, split, rewardId),
      q.redeemersByPeriod(db, programId, timezone, b, split, { kind: "one", rewardId }),
    ]);
    const membersIn = new Map(members.map((m) => [m.bucket, m.n]));
    return days.map((d) => ({
      bucket: d.bucket,
      redemptions: d.redemptions,
      units: d.units,
      members: membersIn.get(d.bucket) ?? 0,
      pointsSpent: d.points,
      vouchersUsed: d.vouchersUsed,
    }));
  }
}
