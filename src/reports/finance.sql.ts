import { sql } from "kysely";
import type { Db } from "../db/schema.ts";
import type { ExpiryBucket } from "./finance.rules.ts";

/** A PostgreSQL array literal of instants, for width_bucket (one text parameter on both engines). */
const instants = (dates: Date[]) => `{${dates.map((d) => `"${d.toISOString()}"`).join(",")}}`;

/** The programme's time zone, currency and point value, or undefined if there is no such programme. */
export const programTerms = (db: Db, programId: string) =>
  db.selectFrom("programs").select(["timezone", "currency", "point_value"]).where("id", "=", programId).executeTakeFirst();

export interface LiabilityRows {
  buckets: { bucket: ExpiryBucket; available: number; pending: number }[];
  held: number;
  debt: number;
}

/**
 * What members held just before `end`, rebuilt from the ledger rather than read off the lots'
 * cached `remaining` (which only says what they hold now):
 *
 * - each lot's points are the sum of its member postings dated before `end`; points on a hold
 *   that had timed out by then count as back on their lot (the jobs date that release at the
 *   hold's expiry), points on a live hold are `held`;
 * - a lot past its expiry before `end` is owed nothing, whether or not the jobs had moved it to
 *   breakage yet (they date the expiry at `expires_at`); a lot whose `available_at` is not yet
 *   reached is pending, otherwise available (the jobs date the activation at `available_at`);
 * - debt is the member_debt postings dated before `end`; where due work not yet recorded (an
 *   activation, a hold timing out) left a member owing debt with spendable points, those points
 *   pay it, soonest-expiring lot first, as the jobs' settle() would.
 *
 * So the answer for a past moment does not depend on when the jobs ran, and does not change when
 * more is written later: every write is dated when it is made, the jobs' postings at when their
 * work fell due.
 */
export async function liabilityAt(db: Db, programId: string, end: Date, bucketEnds: Date[]): Promise<LiabilityRows> {
  const [b30, b90, b365] = bucketEnds;
  const result = await sql<{ kind: string; available: string; pending: string }>`
    with lot_points as (
      select p.lot_id, p.member_id,
             coalesce(sum(p.amount) filter (where p.account <> 'member_held' or h.expires_at < ${end}), 0) as points,
             coalesce(sum(p.amount) filter (where p.account = 'member_held' and h.expires_at >= ${end}), 0) as held
        from postings p
        left join holds h on h.id = p.hold_id and p.account = 'member_held'
       where p.program_id = ${programId} and p.lot_id is not null
         and p.account in ('member_available', 'member_pending', 'member_held')
         and p.effective_at < ${end}
       group by p.lot_id, p.member_id
    ),
    owed as (
      select lp.lot_id, lp.member_id, lp.points, l.expires_at, l.available_at, l.available_at >= ${end} as pending
        from lot_points lp
        join lots l on l.id = lp.lot_id
       where lp.points > 0 and (l.expires_at is null or l.expires_at >= ${end})
    ),
    debts as (
      select member_id, -sum(amount) as debt
        from postings
       where program_id = ${programId} and account = 'member_debt' and effective_at < ${end}
       group by member_id
      having sum(amount) < 0
    ),
    paying as (
      select o.lot_id,
             least(o.points, greatest(0, d.debt - (sum(o.points) over w - o.points))) as paid
        from owed o
        join debts d on d.member_id = o.member_id
       where not o.pending
      window w as (partition by o.member_id
                   order by o.expires_at asc nulls last, o.available_at, o.lot_id collate "C"
                   rows between unbounded preceding and current row)
    )
    select case when o.expires_at is null then 'never'
                when o.expires_at <= ${b30} then 'within_30_days'
                when o.expires_at <= ${b90} then 'days_31_to_90'
                when o.expires_at <= ${b365} then 'days_91_to_365'
                else 'later' end as kind,
           coalesce(sum(o.points - coalesce(pay.paid, 0)) filter (where not o.pending), 0) as available,
           coalesce(sum(o.points) filter (where o.pending), 0) as pending
      from owed o
      left join paying pay on pay.lot_id = o.lot_id
     group by 1
    union all
    select 'held', coalesce(sum(held), 0), 0 from lot_points
    union all
    select 'debt', (select coalesce(sum(debt), 0) from debts) - (select coalesce(sum(paid), 0) from paying), 0`.execute(db);
  const rows = new Map(result.rows.map((r) => [r.kind, r]));
  return {
    buckets: (["within_30_days", "days_31_to_90", "days_91_to_365", "later", "never"] as const).map((bucket) => ({
      bucket,
      available: Number(rows.get(bucket)?.available ?? 0),
      pending: Number(rows.get(bucket)?.pending ?? 0),
    })),
    held: Number(rows.get("held")?.available ?? 0),
    debt: Number(rows.get("debt")?.available ?? 0),
  };
}

export interface SystemFlowRow {
  /** 1-based index of the period (width_bucket over the period starts). */
  bucket: number;
  /** Points the programme issued by earning (the `issued` account), net of reversals and returns. */
  issued: number;
  /** Net manual adjustments (the `adjustments` account): credits less debits. */
  adjusted: number;
  /** Points partners funded (the `partner` account), net of reversals and returns. */
  partner: number;
  /** Points spent on redemptions and payments (the `redeemed` account), net of cancellations and refunds. */
  redeemed: number;
  /** Points that expired (the `breakage` account), net of expired points a reversal or return took back. */
  expired: number;
}

/** Per reward: redemptions completed in [start, end) and not cancelled since, units, points, and the reward's unit cost now. */
export async function rewardsRedeemed(db: Db, programId: string, start: Date, end: Date) {
  const result = await sql<{
    reward_id: string;
    name: string;
    unit_cost: string | null;
    redemptions: string;
    units: string;
    points: string;
  }>`
    select r.reward_id, w.name, w.unit_cost, count(*) as redemptions, sum(r.quantity) as units, sum(r.points) as points
      from redemptions r
      join rewards w on w.id = r.reward_id
     where r.program_id = ${programId} and r.status = 'completed'
       and r.completed_at >= ${start} and r.completed_at < ${end}
     group by r.reward_id, w.name, w.unit_cost
     order by sum(r.points) desc, r.reward_id`.execute(db);
  return result.rows.map((r) => ({
    rewardId: r.reward_id,
    name: r.name,
    unitCost: r.unit_cost === null ? null : Number(r.unit_cost),
    redemptions: Number(r.redemptions),
    units: Number(r.units),
    points: Number(r.points),
  }));
}

/**
 * Points on lots past their expiry in [start, min(expiredBefore, end)) that the jobs have not moved
 * to breakage yet, per period (the second half of `systemFlows`' expiry; bounded by the expiries
 * not yet recorded).
 */
export async function unpostedExpiry(
  db: Db,
  programId: string,
  periodStarts: Date[],
  start: Date,
  end: Date,
  expiredBefore: Date,
): Promise<{ bucket: number; expired: number }[]> {
  const unpostedEnd = expiredBefore < end ? expiredBefore : end;
  const result = await sql<{ bucket: number; expired: string }>`
    select width_bucket(expires_at, ${instants(periodStarts)}::timestamptz[]) as bucket, sum(remaining) as expired
      from lots
     where program_id = ${programId} and remaining > 0 and expires_at is not null
       and expires_at >= ${start} and expires_at < ${unpostedEnd}
     group by 1`.execute(db);
  return result.rows.map((r) => ({ bucket: Number(r.bucket), expired: Number(r.expired) }));
}
