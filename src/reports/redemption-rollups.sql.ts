import { type RawBuilder, sql } from "kysely";
import type { Db } from "../db/schema.ts";
import { arrayLiteral } from "./rollups.rules.ts";
import type { DayBuckets, DayRange, RollupSplit } from "./rollups.sql.ts";

/**
 * The redemption rollups' queries (migration 0020): what they hold per programme day, what changed
 * since a watermark, how a run of days is rebuilt, and the reads that combine rolled-up days with
 * the live query over the rest (see rollups.sql.ts for the framework). A redemption counts when it
 * is completed and not cancelled since, on the programme day it was completed.
 *
 * The tables:
 * - report_reward_days: per reward per day, redemptions, units, points, and vouchers used that day;
 * - report_voucher_days: per reward, issue day and expiry day, vouchers not cancelled, unused and used;
 * - report_redeemer_days / report_redeemer_pairs: members redeeming (per reward, and any: reward '');
 * - report_redemption_gaps: how many first redemptions / gaps between redemptions of each length in days.
 */

/** The day an instant column falls on in the programme's zone. */
const localDay = (at: RawBuilder<unknown>, timezone: string) => sql`(${at} at time zone ${timezone})::date`;

/** Recorded at or after `since` (and before `until`, if given). */
const recordedIn = (column: RawBuilder<unknown>, since: Date, until: Date | null) =>
  until ? sql`${column} >= ${since} and ${column} < ${until}` : sql`${column} >= ${since}`;

/** Instant ranges as a `r(s, e)` relation. */
const ranges = (list: { start: Date; end: Date }[]) => sql`select * from unnest(
  ${arrayLiteral(list.map((l) => l.start))}::timestamptz[],
  ${arrayLiteral(list.map((l) => l.end))}::timestamptz[]) as r(s, e)`;

const oneRange = (days: DayRange) => sql`select ${days.start}::timestamptz as s, ${days.end}::timestamptz as e`;

/** The 1-based period of a day, as width_bucket over the periods' first days. */
const dayBucket = (b: DayBuckets, day: RawBuilder<unknown> = sql.ref("day")) =>
  sql`width_bucket(${day}, ${arrayLiteral(b.days)}::date[])`;

/** Rolled-up rows of `table` the split reads: days in [rolled.from, rolled.to), not changed since the watermark. */
const rolledDays = (split: RollupSplit, column: RawBuilder<unknown> = sql.ref("day")) =>
  sql`${column} >= ${split.rolled.from}::date and ${column} < ${split.rolled.to}::date
      and ${column} <> all(${arrayLiteral(split.changed)}::date[])`;

/** Which rewards a members-redeeming read counts: any reward (''), each reward apart, or one. */
export type RewardScope = { kind: "any" } | { kind: "each" } | { kind: "one"; rewardId: string };

const inScope = (scope: RewardScope, column: RawBuilder<unknown>) =>
  scope.kind === "any" ? sql`${column} = ''` : scope.kind === "each" ? sql`${column} <> ''` : sql`${column} = ${scope.rewardId}`;

// ---------------------------------------------------------------------------------------------
// What changed

/**
 * Days changed by what was recorded in [since, until): a redemption completed, or cancelled after
 * it was completed (its day, its vouchers' issue day, and the day of the member's next completed
 * redemption, whose gap and first-ness it changes), and a voucher used (its issue day and the day
 * of use).
 */
export async function changedRedemptionDays(db: Db, programId: string, timezone: string, since: Date, until: Date | null) {
  const result = await sql<{ day: string }>`
    with touched as (
      select id, member_id, completed_at from redemptions
       where program_id = ${programId} and cancel_txn_id is not null and completed_at is not null
         and ${recordedIn(sql.ref("cancelled_at"), since, until)}
      union
      select id, member_id, completed_at from redemptions
       where program_id = ${programId} and status = 'completed' and ${recordedIn(sql.ref("completed_at"), since, until)}
    ),
    used as (
      select created_at, used_at from vouchers
       where program_id = ${programId} and status = 'used' and ${recordedIn(sql.ref("used_at"), since, until)}
    ),
    days as (
      select completed_at as at from touched
      union all
      select n.next from touched t
       cross join lateral (select min(y.completed_at) as next from redemptions y
                            where y.member_id = t.member_id and y.status = 'completed'
                              and (y.completed_at > t.completed_at or (y.completed_at = t.completed_at and y.id > t.id))) n
      union all
      select v.created_at from touched t join vouchers v on v.redemption_id = t.id
      union all
      select created_at from used
      union all
      select used_at from used
    )
    select distinct to_char(${localDay(sql.ref("at"), timezone)}, 'YYYY-MM-DD') as day from days where at is not null`.execute(
    db,
  );
  return result.rows.map((r) => r.day).sort();
}

// ---------------------------------------------------------------------------------------------
// Figures of instant ranges `r(s, e)`, per programme day: what the tables hold, or the live part of a read

/** Per day and reward: redemptions completed (and not cancelled), units, points; vouchers used that day. */
const rewardFigures = (programId: string, timezone: string, r: RawBuilder<unknown>) => sql`
  select day, reward_id, sum(redemptions) as redemptions, sum(units) as units, sum(points) as points,
         sum(vouchers_used) as vouchers_used
    from (select ${localDay(sql.ref("x.completed_at"), timezone)} as day, x.reward_id, count(*) as redemptions,
                 sum(x.quantity) as units, sum(x.points) as points, 0 as vouchers_used
            from (${r}) r join redemptions x
              on x.program_id = ${programId} and x.status = 'completed' and x.completed_at >= r.s and x.completed_at < r.e
           group by 1, 2
          union all
          select ${localDay(sql.ref("v.used_at"), timezone)}, v.reward_id, 0, 0, 0, count(*)
            from (${r}) r join vouchers v
              on v.program_id = ${programId} and v.status = 'used' and v.used_at >= r.s and v.used_at < r.e
           group by 1, 2) parts
   group by day, reward_id`;

/** Per issue day, reward and expiry day ('infinity': none): vouchers not cancelled, unused and used. */
const voucherFigures = (programId: string, timezone: string, r: RawBuilder<unknown>) => sql`
  select ${localDay(sql.ref("v.created_at"), timezone)} as day, v.reward_id,
         coalesce(${localDay(sql.ref("v.expires_at"), timezone)}, 'infinity'::date) as expires_day,
         count(*) filter (where v.status = 'issued') as unused, count(*) filter (where v.status = 'used') as used
    from (${r}) r join vouchers v
      on v.program_id = ${programId} and v.status <> 'cancelled' and v.created_at >= r.s and v.created_at < r.e
   group by 1, 2, 3`;

/** Members redeeming per day: per reward, and for any reward (reward_id ''). */
const redeemerRows = (programId: string, timezone: string, r: RawBuilder<unknown>) => sql`
  select distinct w.reward_id, x.member_id, ${localDay(sql.ref("x.completed_at"), timezone)} as day
    from (${r}) r join redemptions x
      on x.program_id = ${programId} and x.status = 'completed' and x.completed_at >= r.s and x.completed_at < r.e
   cross join lateral (values (x.reward_id), ('')) as w(reward_id)`;

/**
 * Each redemption completed in the ranges, on its day: 'first' (the member's first completed and
 * not cancelled, ever) with the programme days since enrolment, or 'between' with the days since
 * the member's previous one (ordered by completion, then id, as the live report orders them).
 */
const gapRows = (programId: string, timezone: string, r: RawBuilder<unknown>) => sql`
  with mine as (
    select distinct x.member_id from (${r}) r join redemptions x
      on x.program_id = ${programId} and x.status = 'completed' and x.completed_at >= r.s and x.completed_at < r.e
  ),
  done as (
    select mine.member_id, x.completed_at, x.previous
      from mine cross join lateral (
        select y.completed_at, lag(y.completed_at) over (order by y.completed_at, y.id) as previous
          from redemptions y where y.member_id = mine.member_id and y.status = 'completed') x
  )
  select ${localDay(sql.ref("d.completed_at"), timezone)} as day,
         case when d.previous is null then 'first' else 'between' end as kind,
         ${localDay(sql.ref("d.completed_at"), timezone)}
           - ${localDay(sql`coalesce(d.previous, m.created_at)`, timezone)} as days
    from done d join members m on m.id = d.member_id
   where exists (select 1 from (${r}) r where d.completed_at >= r.s and d.completed_at < r.e)`;

// ---------------------------------------------------------------------------------------------
// Rebuilding a run of days

export async function rebuildRedemptions(tx: Db, programId: string, timezone: string, days: DayRange): Promise<void> {
  const r = oneRange(days);
  const inDays = sql`program_id = ${programId} and day >= ${days.from}::date and day < ${days.to}::date`;
  await sql`delete from report_reward_days where ${inDays}`.execute(tx);
  await sql`insert into report_reward_days (program_id, day, reward_id, redemptions, units, points, vouchers_used)
    select ${programId}, f.* from (${rewardFigures(programId, timezone, r)}) f`.execute(tx);
  await sql`delete from report_voucher_days where ${inDays}`.execute(tx);
  await sql`insert into report_voucher_days (program_id, day, reward_id, expires_day, unused, used)
    select ${programId}, f.* from (${voucherFigures(programId, timezone, r)}) f`.execute(tx);
  await sql`delete from report_redemption_gaps where ${inDays}`.execute(tx);
  await sql`insert into report_redemption_gaps (program_id, day, kind, days, n)
    select ${programId}, g.day, g.kind, g.days, count(*) from (${gapRows(programId, timezone, r)}) g
     group by g.day, g.kind, g.days`.execute(tx);
  await rebuildRedeemers(tx, programId, timezone, days);
}

/**
 * Rebuilds members' redemption days in [from, to) (per reward and any), each row's previous day,
 * and the per-day counts by previous day, as rebuildActivity (rollups.sql.ts) does for active
 * members: only the rows of members who redeemed in the range (before or now), from its first day on.
 */
async function rebuildRedeemers(tx: Db, programId: string, timezone: string, days: DayRange): Promise<void> {
  await sql`create temp table redeemer_old (reward_id text, member_id text, day date, prev_day date) on commit drop`.execute(tx);
  await sql`
    with gone as (
      delete from report_redeemer_days
       where program_id = ${programId} and day >= ${days.from}::date and day < ${days.to}::date
      returning reward_id, member_id, day, prev_day
    )
    insert into redeemer_old select * from gone`.execute(tx);
  await sql`
    insert into report_redeemer_days (program_id, reward_id, member_id, day, prev_day)
    select ${programId}, a.reward_id, a.member_id, a.day, '-infinity'::date
      from (${redeemerRows(programId, timezone, oneRange(days))}) a`.execute(tx);
  await sql`
    create temp table redeemer_fix on commit drop as
    with touched as (
      select reward_id, member_id from redeemer_old
      union
      select reward_id, member_id from report_redeemer_days
       where program_id = ${programId} and day >= ${days.from}::date and day < ${days.to}::date
    )
    select md.reward_id, md.member_id, md.day, md.prev_day as old_prev,
           (md.day < ${days.to}::date) as fresh,
           coalesce(lag(md.day) over (partition by md.reward_id, md.member_id order by md.day),
                    (select max(x.day) from report_redeemer_days x
                      where x.program_id = ${programId} and x.reward_id = md.reward_id and x.member_id = md.member_id
                        and x.day < ${days.from}::date),
                    '-infinity'::date) as new_prev
      from report_redeemer_days md join touched t on t.reward_id = md.reward_id and t.member_id = md.member_id
     where md.program_id = ${programId} and md.day >= ${days.from}::date`.execute(tx);
  await sql`
    insert into report_redeemer_pairs (program_id, reward_id, day, prev_day, members)
    select ${programId}, reward_id, day, prev_day, sum(delta) from (
      select reward_id, day, prev_day, -1 as delta from redeemer_old
      union all
      select reward_id, day, old_prev, -1 from redeemer_fix where not fresh and old_prev <> new_prev
      union all
      select reward_id, day, new_prev, 1 from redeemer_fix where fresh or old_prev <> new_prev
    ) d
    group by reward_id, day, prev_day
    on conflict (program_id, reward_id, day, prev_day) do update set members = report_redeemer_pairs.members + excluded.members`.execute(
    tx,
  );
  await sql`
    update report_redeemer_days md set prev_day = f.new_prev
      from redeemer_fix f
     where md.program_id = ${programId} and md.reward_id = f.reward_id and md.member_id = f.member_id
       and md.day = f.day and md.prev_day <> f.new_prev`.execute(tx);
  await sql`delete from report_redeemer_pairs where program_id = ${programId} and day >= ${days.from}::date and members = 0`.execute(
    tx,
  );
  await sql`drop table redeemer_old`.execute(tx);
  await sql`drop table redeemer_fix`.execute(tx);
}

// ---------------------------------------------------------------------------------------------
// Reads

export interface RewardDayRow {
  bucket: number;
  rewardId: string;
  redemptions: number;
  units: number;
  points: number;
  vouchersUsed: number;
}

/**
 * Per period (bucket) and reward: redemptions completed and not cancelled, units, points, and
 * vouchers used in the period; rolled-up days and the live query over the rest, summed. Rows
 * with nothing are left out. `rewardId` limits it to one reward.
 */
export async function rewardDaysByPeriod(
  db: Db,
  programId: string,
  timezone: string,
  b: DayBuckets,
  split: RollupSplit,
  rewardId?: string,
): Promise<RewardDayRow[]> {
  const one = rewardId === undefined ? sql`true` : sql`reward_id = ${rewardId}`;
  const result = await sql<{
    bucket: number;
    reward_id: string;
    redemptions: string;
    units: string;
    points: string;
    vouchers_used: string;
  }>`
    with days as (
      select day, reward_id, redemptions, units, points, vouchers_used from report_reward_days
       where program_id = ${programId} and ${rolledDays(split)} and ${one}
      union all
      select f.* from (${rewardFigures(programId, timezone, ranges(split.live))}) f where ${one}
    )
    select ${dayBucket(b)} as bucket, reward_id, sum(redemptions) as redemptions, sum(units) as units,
           sum(points) as points, sum(vouchers_used) as vouchers_used
      from days group by 1, 2
    having sum(redemptions) > 0 or sum(vouchers_used) > 0`.execute(db);
  return result.rows.map((r) => ({
    bucket: Number(r.bucket),
    rewardId: r.reward_id,
    redemptions: Number(r.redemptions),
    units: Number(r.units),
    points: Number(r.points),
    vouchersUsed: Number(r.vouchers_used),
  }));
}

/** The most redeemed rewards in the split's days (redemptions, then points, then id), from the rollup and live. */
export async function topRewards(db: Db, programId: string, timezone: string, split: RollupSplit, limit: number) {
  const result = await sql<{ reward_id: string; name: string; redemptions: string; points: string }>`
    with days as (
      select reward_id, redemptions, points from report_reward_days
       where program_id = ${programId} and ${rolledDays(split)} and redemptions > 0
      union all
      select f.reward_id, f.redemptions, f.points
        from (${rewardFigures(programId, timezone, ranges(split.live))}) f where f.redemptions > 0
    )
    select d.reward_id, w.name, sum(d.redemptions) as redemptions, sum(d.points) as points
      from days d join rewards w on w.id = d.reward_id
     group by d.reward_id, w.name
     order by sum(d.redemptions) desc, sum(d.points) desc, d.reward_id
     limit ${limit}`.execute(db);
  return result.rows.map((r) => ({
    rewardId: r.reward_id,
    name: r.name,
    redemptions: Number(r.redemptions),
    points: Number(r.points),
  }));
}

/**
 * Members redeeming per period and in the whole range (bucket 0), per reward in scope (reward ''
 * for any reward), exactly, from the rollup and live:
 * - from the rollup, for each period [f, t): members whose first rolled-up redemption day in it
 *   is one the rollup is still valid for (a stored row's previous day is the member's previous
 *   stored row, so that is a previous day before f). Rows on valid days are the truth.
 * - the others who redeemed in the period: among the candidates (members redeeming live in it, and
 *   members with a rolled-up row on a changed day in it, which a cancellation may have removed),
 *   those whose first rolled-up day in it is none or a changed one, and who redeemed live in the
 *   period or on a valid rolled-up day of it.
 */
export async function redeemersByPeriod(
  db: Db,
  programId: string,
  timezone: string,
  b: DayBuckets,
  split: RollupSplit,
  scope: RewardScope,
): Promise<{ rewardId: string; bucket: number; n: number }[]> {
  const froms = [...b.days, b.days[0] ?? b.endDay];
  const tos = [...b.days.slice(1), b.endDay, b.endDay];
  const ids = [...b.days.map((_, i) => i + 1), 0];
  const changed = arrayLiteral(split.changed);
  const rolledTo = sql`${split.rolled.to}::date`;
  const result = await sql<{ reward_id: string; bucket: number; n: string }>`
    with p as (
      select * from unnest(${arrayLiteral(froms)}::date[], ${arrayLiteral(tos)}::date[], ${`{${ids.join(",")}}`}::int[])
        as p(f, t, bucket)
    ),
    rolled as (
      select pr.reward_id, p.bucket, sum(pr.members) as n
        from p join report_redeemer_pairs pr
          on pr.program_id = ${programId} and ${inScope(scope, sql.ref("pr.reward_id"))}
             and pr.day >= p.f and pr.day < least(p.t, ${rolledTo}) and pr.prev_day < p.f
       where pr.day <> all(${changed}::date[])
       group by pr.reward_id, p.bucket
    ),
    live as (
      select * from (${redeemerRows(programId, timezone, ranges(split.live))}) l where ${inScope(scope, sql.ref("l.reward_id"))}
    ),
    candidates as (
      select reward_id, member_id, day from live
      union
      select reward_id, member_id, day from report_redeemer_days
       where program_id = ${programId} and ${inScope(scope, sql.ref("reward_id"))} and day = any(${changed}::date[])
    ),
    added as (
      select c.reward_id, p.bucket, count(distinct c.member_id) as n
        from candidates c join p on c.day >= p.f and c.day < p.t
        cross join lateral (select min(md.day) as first from report_redeemer_days md
                             where md.program_id = ${programId} and md.reward_id = c.reward_id and md.member_id = c.member_id
                               and md.day >= p.f and md.day < least(p.t, ${rolledTo})) f
       where (f.first is null or f.first = any(${changed}::date[]))
         and (exists (select 1 from live l
                       where l.reward_id = c.reward_id and l.member_id = c.member_id and l.day >= p.f and l.day < p.t)
              or exists (select 1 from report_redeemer_days md
                          where md.program_id = ${programId} and md.reward_id = c.reward_id and md.member_id = c.member_id
                            and md.day >= p.f and md.day < least(p.t, ${rolledTo}) and md.day <> all(${changed}::date[])))
       group by c.reward_id, p.bucket
    )
    select reward_id, bucket, sum(n) as n from (select * from rolled union all select * from added) x
     group by reward_id, bucket`.execute(db);
  return result.rows.map((r) => ({ rewardId: r.reward_id, bucket: Number(r.bucket), n: Number(r.n) }));
}

export interface GapRow {
  bucket: number;
  kind: "first" | "between";
  days: number;
  n: number;
}

/** How many first redemptions / gaps of each length in days per period, from the rollup and live. */
export async function gapsByPeriod(
  db: Db,
  programId: string,
  timezone: string,
  b: DayBuckets,
  split: RollupSplit,
): Promise<GapRow[]> {
  const result = await sql<{ bucket: number; kind: GapRow["kind"]; days: number; n: string }>`
    with g as (
      select day, kind, days, n from report_redemption_gaps where program_id = ${programId} and ${rolledDays(split)}
      union all
      select day, kind, days, count(*) from (${gapRows(programId, timezone, ranges(split.live))}) l group by 1, 2, 3
    )
    select ${dayBucket(b)} as bucket, kind, days, sum(n) as n from g group by 1, 2, 3`.execute(db);
  return result.rows.map((r) => ({ bucket: Number(r.bucket), kind: r.kind, days: Number(r.days), n: Number(r.n) }));
}

/**
 * Members enrolled before `endDay` (the day after the range), and those of them whose first
 * completed (and not cancelled) redemption was before it: the rollup's first redemptions of every
 * valid day before it whose enrolment day (the day less its days) is before it, and the live ones.
 * `split` covers every day before `endDay`.
 */
export async function redeemedBefore(db: Db, programId: string, timezone: string, endDay: string, end: Date, split: RollupSplit) {
  const result = await sql<{ members: string; redeemed: string }>`
    select (select count(*) from members where program_id = ${programId} and created_at < ${end}) as members,
           coalesce((select sum(n) from report_redemption_gaps
                      where program_id = ${programId} and kind = 'first' and ${rolledDays(split)}
                        and day - days < ${endDay}::date), 0)
           + (select count(*) from (${gapRows(programId, timezone, ranges(split.live))}) l
               where l.kind = 'first' and l.day - l.days < ${endDay}::date) as redeemed`.execute(db);
  const row = result.rows[0];
  return { members: Number(row?.members ?? 0), redeemed: Number(row?.redeemed ?? 0) };
}

export interface VoucherTotals {
  issued: number;
  used: number;
  expired: number;
  open: number;
}

/**
 * Per reward, vouchers issued in the split's days (not cancelled) by what became of them as of
 * `now`: used, expired unused, still open. Rolled-up rows by expiry day: before today's expired,
 * after it open; those expiring today are split by the instant, live; the live days are counted live.
 */
export async function vouchersIssued(
  db: Db,
  programId: string,
  timezone: string,
  split: RollupSplit,
  now: Date,
  today: { day: string; start: Date; end: Date },
): Promise<Map<string, VoucherTotals>> {
  const result = await sql<{ reward_id: string; issued: string; used: string; expired: string; open: string }>`
    select reward_id, sum(issued) as issued, sum(used) as used, sum(expired) as expired, sum(open) as open
      from (select reward_id, sum(unused + used) as issued, sum(used) as used,
                   coalesce(sum(unused) filter (where expires_day < ${today.day}::date), 0) as expired,
                   coalesce(sum(unused) filter (where expires_day > ${today.day}::date), 0) as open
              from report_voucher_days
             where program_id = ${programId} and ${rolledDays(split)}
             group by reward_id
            union all
            select v.reward_id, 0, 0, count(*) filter (where v.expires_at <= ${now}), count(*) filter (where v.expires_at > ${now})
              from vouchers v
             where v.program_id = ${programId} and v.status = 'issued'
               and v.expires_at >= ${today.start} and v.expires_at < ${today.end}
               and ${rolledDays(split, localDay(sql.ref("v.created_at"), timezone))}
             group by v.reward_id
            union all
            select v.reward_id, count(*), count(*) filter (where v.status = 'used'),
                   count(*) filter (where v.status = 'issued' and v.expires_at <= ${now}),
                   count(*) filter (where v.status = 'issued' and (v.expires_at is null or v.expires_at > ${now}))
              from (${ranges(split.live)}) r join vouchers v
                on v.program_id = ${programId} and v.status <> 'cancelled' and v.created_at >= r.s and v.created_at < r.e
             group by v.reward_id) parts
     group by reward_id`.execute(db);
  return new Map(
    result.rows.map((r) => [
      r.reward_id,
      { issued: Number(r.issued), used: Number(r.used), expired: Number(r.expired), open: Number(r.open) },
    ]),
  );
}
