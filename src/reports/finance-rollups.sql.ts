import { type RawBuilder, sql } from "kysely";
import type { Db } from "../db/schema.ts";
import type { LiabilityRows } from "./finance.sql.ts";
import { arrayLiteral } from "./rollups.rules.ts";
import { type DayRange, inRanges, type RollupSplit } from "./rollups.sql.ts";

/**
 * The finance reports' rollups: points on lots per programme day (for the liability at any moment)
 * and partner funding per programme day. Both change only with ledger entries dated on their day
 * (lots' and holds' times never change), so they are found changed as the daily flows are
 * (`changedFlowDays`) and rebuilt by `delete` + `insert ... select`.
 */

const localDay = (at: RawBuilder<unknown>, timezone: string) => sql`(${at} at time zone ${timezone})::date`;

/** The live ranges of a split, as a `r(s, e)` relation. */
const liveRanges = (split: RollupSplit) => sql`select * from unnest(
  ${arrayLiteral(split.live.map((l) => l.start))}::timestamptz[],
  ${arrayLiteral(split.live.map((l) => l.end))}::timestamptz[]) as r(s, e)`;

const LOT_ACCOUNTS = sql`('member_available', 'member_pending', 'member_held')`;

/**
 * A ledger entry's postings on lots, looked up by the entry (`offset 0` keeps the planner from
 * turning the lookups into one scan of every posting: a day or a week of entries is a small share).
 */
const txnLotPostings = (txnId: RawBuilder<unknown>) => sql`
  select p.id, p.amount, p.account, p.member_id, p.lot_id, p.hold_id, p.effective_at from postings p
   where p.txn_id = ${txnId} and p.lot_id is not null and p.account in ${LOT_ACCOUNTS} offset 0`;

// ---------------------------------------------------------------------------------------------
// Points on lots per day

/**
 * Rewrites the days [from, to) of report_daily_lot_points: each posting on a lot, by its effective
 * day and its lot's (and hold's) local days. A posting to member_held with no hold is left out, as
 * the live liability leaves it out (counted neither as points nor as held).
 */
export async function rebuildLotPoints(tx: Db, programId: string, timezone: string, days: DayRange): Promise<void> {
  await sql`delete from report_daily_lot_points
    where program_id = ${programId} and day >= ${days.from}::date and day < ${days.to}::date`.execute(tx);
  await sql`
    insert into report_daily_lot_points (program_id, day, expires_day, expires_by, available_day, hold_day, points)
    select ${programId}, day, expires_day, expires_by, available_day, hold_day, sum(amount)
      from (
        select ${localDay(sql.ref("p.effective_at"), timezone)} as day,
               coalesce(${localDay(sql.ref("l.expires_at"), timezone)}, 'infinity'::date) as expires_day,
               coalesce(${localDay(sql`(l.expires_at - interval '1 microsecond')`, timezone)}, 'infinity'::date) as expires_by,
               ${localDay(sql.ref("l.available_at"), timezone)} as available_day,
               case when p.account = 'member_held' then ${localDay(sql.ref("h.expires_at"), timezone)}
                    else '-infinity'::date end as hold_day,
               p.amount
          from ledger_transactions t
         cross join lateral (${txnLotPostings(sql.ref("t.id"))}) p
          join lots l on l.id = p.lot_id
          left join holds h on h.id = p.hold_id and p.account = 'member_held'
         where t.program_id = ${programId} and t.effective_at >= ${days.start} and t.effective_at < ${days.end}
           and not (p.account = 'member_held' and h.id is null)
      ) x
     group by day, expires_day, expires_by, available_day, hold_day
    having sum(amount) <> 0`.execute(tx);
}

export interface LiabilityRead {
  /** The moment read (everything dated before it). */
  end: Date;
  /** Where the 30, 90 and 365-day buckets end (inclusive). */
  bucketEnds: Date[];
  /** The local day `end` falls on, and the days the bucket ends fall on. */
  endDay: string;
  bucketDays: string[];
  /** False when `end` is a midnight (a past day's end): then every rolled-up row says on which side of it it falls. */
  midday: boolean;
  split: RollupSplit;
}

/**
 * The liability at `end` (what `liabilityAt` answers, exactly), from three parts:
 *
 * - rolled-up rows of the days the rollup holds and is valid for: with `end` a midnight, a row's
 *   days say everything `liabilityAt` asks of each posting (before the moment, lot expired,
 *   pending, hold timed out, which bucket: `expires_by` < a bucket's end day is "expires at or
 *   before its midnight"). With `end` during today, rows of lots expiring today or on a bucket's
 *   end day, of lots becoming available today, and of holds timing out today cannot say, so
 *   they are left out and their postings read one by one (a day's worth of lots);
 * - the postings of the other days (not rolled up, or changed since the watermark), read live;
 * - members in debt at the moment, read live (few: the debt postings alone find them): their
 *   spendable points pay their debt as `liabilityAt` has them pay it.
 *
 * Every figure but debt paying is a sum over postings (a lot's points at any moment are never
 * below zero: the ledger takes points from a lot only after they were credited), so the three
 * parts add up.
 */
export async function liabilityFromRollup(db: Db, programId: string, timezone: string, r: LiabilityRead): Promise<LiabilityRows> {
  const [b30, b90, b365] = r.bucketEnds;
  const [d30, d90, d365] = r.bucketDays;
  const { split, end } = r;
  const changed = arrayLiteral(split.changed);
  // With `end` during today: the expiry days and the day whose rows cannot say on which side of it they fall.
  const ambiguousDays = arrayLiteral(r.midday ? [r.endDay, ...r.bucketDays] : []);
  const ambiguousDay = arrayLiteral(r.midday ? [r.endDay] : []);
  const endDay = sql`${r.endDay}::date`;
  const inRolled = (day: RawBuilder<unknown>) =>
    sql`${day} >= ${split.rolled.from}::date and ${day} < ${split.rolled.to}::date and ${day} <> all(${changed}::date[])`;
  const dayRange = (day: string) => {
    const start = sql`(${day}::date)::timestamp at time zone ${timezone}`;
    const next = sql`(${day}::date + 1)::timestamp at time zone ${timezone}`;
    return { start, next };
  };
  // Lots whose rows cannot say on which side of a moment during today they fall.
  const ambiguousLots = r.midday
    ? sql`
        select l.id from lots l
          join unnest(${ambiguousDays}::date[]) as d(day)
            on l.program_id = ${programId}
           and l.expires_at >= (d.day::timestamp at time zone ${timezone})
           and l.expires_at < ((d.day + 1)::timestamp at time zone ${timezone})
        union
        select l.id from lots l
         where l.program_id = ${programId} and l.available_at >= ${dayRange(r.endDay).start}
           and l.available_at < ${dayRange(r.endDay).next}
        union
        select a.value ->> 'lotId' from holds h cross join lateral jsonb_array_elements(h.allocations) a
         where h.program_id = ${programId} and h.expires_at >= ${dayRange(r.endDay).start}
           and h.expires_at < ${dayRange(r.endDay).next}`
    : sql`select null::text as id where false`;
  const postingColumns = sql`p.id, p.amount, p.account, p.member_id, p.lot_id, l.expires_at, l.available_at, h.expires_at as hold_expires_at`;
  const result = await sql<{ kind: string; available: string; pending: string }>`
    with rolled as (
      select expires_day, expires_by, available_day, hold_day, points
        from report_daily_lot_points
       where program_id = ${programId} and ${inRolled(sql.ref("day"))}
         and not (expires_day = any(${ambiguousDays}::date[]) or available_day = any(${ambiguousDay}::date[])
                  or hold_day = any(${ambiguousDay}::date[]))
    ),
    live_postings as (
      select ${postingColumns}
        from ledger_transactions t
        cross join lateral (${txnLotPostings(sql.ref("t.id"))}) p
        join lots l on l.id = p.lot_id
        left join holds h on h.id = p.hold_id and p.account = 'member_held'
       where t.program_id = ${programId} and ${inRanges(split.live)(sql.ref("t.effective_at"))}
         and t.effective_at < ${end} and p.effective_at < ${end}
      union all
      select ${postingColumns}
        from (select distinct id from (${ambiguousLots}) a) a
        cross join lateral (select * from postings p where p.lot_id = a.id offset 0) p
        join lots l on l.id = p.lot_id
        left join holds h on h.id = p.hold_id and p.account = 'member_held'
       where p.effective_at < ${end} and p.account in ${LOT_ACCOUNTS}
         and ${inRolled(localDay(sql.ref("p.effective_at"), timezone))}
         and (${localDay(sql.ref("l.expires_at"), timezone)} = any(${ambiguousDays}::date[])
              or ${localDay(sql.ref("l.available_at"), timezone)} = ${endDay}
              or (p.account = 'member_held' and ${localDay(sql.ref("h.expires_at"), timezone)} = ${endDay}))
    ),
    live as (
      select expires_at, available_at, amount,
             account <> 'member_held' or hold_expires_at < ${end} as counted,
             account = 'member_held' and hold_expires_at >= ${end} as held
        from live_postings
    ),
    debts as (
      select member_id, -sum(amount) as debt
        from postings
       where program_id = ${programId} and account = 'member_debt' and effective_at < ${end}
       group by member_id
      having sum(amount) < 0
    ),
    debtor_lots as (
      select p.lot_id, p.member_id,
             coalesce(sum(p.amount) filter (where p.account <> 'member_held' or h.expires_at < ${end}), 0) as points
        from debts d
        cross join lateral (select * from postings p
                             where p.member_id = d.member_id and p.effective_at < ${end} offset 0) p
        left join holds h on h.id = p.hold_id and p.account = 'member_held'
       where p.program_id = ${programId} and p.lot_id is not null and p.account in ${LOT_ACCOUNTS}
       group by p.lot_id, p.member_id
    ),
    owed as (
      select dl.lot_id, dl.member_id, dl.points, l.expires_at, l.available_at
        from debtor_lots dl
        join lots l on l.id = dl.lot_id
       where dl.points > 0 and (l.expires_at is null or l.expires_at >= ${end}) and l.available_at < ${end}
    ),
    paying as (
      select o.expires_at,
             least(o.points, greatest(0, d.debt - (sum(o.points) over w - o.points))) as paid
        from owed o
        join debts d on d.member_id = o.member_id
      window w as (partition by o.member_id
                   order by o.expires_at asc nulls last, o.available_at, o.lot_id collate "C"
                   rows between unbounded preceding and current row)
    ),
    figures as (
      select case when expires_day = 'infinity'::date then 'never'
                  when expires_by < ${d30}::date then 'within_30_days'
                  when expires_by < ${d90}::date then 'days_31_to_90'
                  when expires_by < ${d365}::date then 'days_91_to_365'
                  else 'later' end as kind,
             coalesce(sum(points) filter (where available_day < ${endDay}), 0) as available,
             coalesce(sum(points) filter (where available_day >= ${endDay}), 0) as pending
        from rolled
       where expires_day >= ${endDay} and hold_day < ${endDay}
       group by 1
      union all
      select case when expires_at is null then 'never'
                  when expires_at <= ${b30} then 'within_30_days'
                  when expires_at <= ${b90} then 'days_31_to_90'
                  when expires_at <= ${b365} then 'days_91_to_365'
                  else 'later' end,
             coalesce(sum(amount) filter (where available_at < ${end}), 0),
             coalesce(sum(amount) filter (where available_at >= ${end}), 0)
        from live
       where counted and (expires_at is null or expires_at >= ${end})
       group by 1
      union all
      select case when expires_at is null then 'never'
                  when expires_at <= ${b30} then 'within_30_days'
                  when expires_at <= ${b90} then 'days_31_to_90'
                  when expires_at <= ${b365} then 'days_91_to_365'
                  else 'later' end,
             -coalesce(sum(paid), 0), 0
        from paying
       group by 1
      union all
      select 'held', coalesce(sum(points), 0), 0 from rolled where hold_day >= ${endDay}
      union all
      select 'held', coalesce(sum(amount), 0), 0 from live where held
      union all
      select 'debt', (select coalesce(sum(debt), 0) from debts) - (select coalesce(sum(paid), 0) from paying), 0
    )
    select kind, sum(available) as available, sum(pending) as pending from figures group by kind`.execute(db);
  const rows = new Map(result.rows.map((row) => [row.kind, row]));
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

// ---------------------------------------------------------------------------------------------
// Partner funding per day

const partnerFigures = (programId: string, timezone: string, start: unknown, end: unknown) => sql`
  select ${localDay(sql.ref("effective_at"), timezone)} as day, partner_id, -sum(amount) as points
    from postings
   where program_id = ${programId} and member_id is null and account = 'partner'
     and effective_at >= ${start} and effective_at < ${end}
   group by 1, 2`;

export async function rebuildPartnerFunding(tx: Db, programId: string, timezone: string, days: DayRange): Promise<void> {
  await sql`delete from report_daily_partner_funding
    where program_id = ${programId} and day >= ${days.from}::date and day < ${days.to}::date`.execute(tx);
  await sql`insert into report_daily_partner_funding (program_id, day, partner_id, points)
    select ${programId}, f.* from (${partnerFigures(programId, timezone, days.start, days.end)}) f
     where f.points <> 0`.execute(tx);
}

/** Points each partner funded over a split's days, net of reversals and returns, most first (as `partnerFunding`). */
export async function partnerFundingByDays(db: Db, programId: string, timezone: string, split: RollupSplit) {
  const result = await sql<{ partner_id: string; points: string }>`
    select partner_id, sum(points) as points
      from (
        select partner_id, points from report_daily_partner_funding
         where program_id = ${programId} and day >= ${split.rolled.from}::date and day < ${split.rolled.to}::date
           and day <> all(${arrayLiteral(split.changed)}::date[])
        union all
        select f.partner_id, f.points from (${liveRanges(split)}) r
          cross join lateral (${partnerFigures(programId, timezone, sql.ref("r.s"), sql.ref("r.e"))}) f
      ) x
     group by partner_id
    having sum(points) <> 0
     order by sum(points) desc, partner_id`.execute(db);
  return result.rows.map((r) => ({ partnerId: r.partner_id, points: Number(r.points) }));
}
