import { type RawBuilder, sql } from "kysely";
import type { Db } from "../db/schema.ts";
import { arrayLiteral } from "./rollups.rules.ts";
import { type DayRange, inRanges, type RollupSplit } from "./rollups.sql.ts";

/**
 * The buyer rollups' queries (migration 0024): members' buying days as two chains (each day with
 * the member's previous buying day), one per definition of a purchase, and what the cohort report
 * and the goals read from them. Unlike members' activity, a buying day can go away (a purchase
 * returned in full, a guest receipt claimed by someone else), so every read here is exact when
 * days are removed as well as added: a rolled-up day changed since the watermark is never trusted,
 * and a member whose first rolled-up day in a window is such a day is looked at one by one.
 */

/** The day an instant column falls on in the programme's zone. */
const localDay = (at: RawBuilder<unknown>, timezone: string) => sql`(${at} at time zone ${timezone})::date`;

/** The first day of a date's calendar month. */
const monthOf = (day: RawBuilder<unknown>) => sql`date_trunc('month', ${day}::timestamp)::date`;

/** A purchase the cohort report counts: not refused, not returned in full (nothing paid included). */
const COUNTED = sql`type = 'purchase' and status <> 'rejected'
  and (returned_amount = 0 or returned_amount < coalesce(amount, 0))`;

/** A purchase the goals count: not refused, something still paid (amount > returned_amount). */
const PAID = sql`type = 'purchase' and status <> 'rejected' and amount > returned_amount`;

/** What report_daily_purchases counts and the goals do not: nothing paid and nothing returned. */
const UNPAID = sql`type = 'purchase' and status <> 'rejected'
  and (returned_amount = 0 or returned_amount < coalesce(amount, 0)) and not coalesce(amount > returned_amount, false)`;

type ChainTable = "report_cohort_buyer_days" | "report_paid_buyer_days";

/**
 * Rewrites a chain's buying days in [from, to) and re-links each touched member's later days,
 * leaving in the temp table `buyer_delta` (member_id, day, prev_day, sign) every row that went
 * (-1) and came (+1), for the caller's per-day counts; the caller drops it.
 */
async function rebuildChain(
  tx: Db,
  programId: string,
  timezone: string,
  days: DayRange,
  table: ChainTable,
  purchase: RawBuilder<unknown>,
): Promise<void> {
  const t = sql.table(table);
  await sql`create temp table buyer_old (member_id text, day date, prev_day date) on commit drop`.execute(tx);
  await sql`
    with gone as (
      delete from ${t} where program_id = ${programId} and day >= ${days.from}::date and day < ${days.to}::date
      returning member_id, day, prev_day
    )
    insert into buyer_old select * from gone`.execute(tx);
  await sql`
    create temp table buyer_new on commit drop as
    select distinct member_id, ${localDay(sql.ref("occurred_at"), timezone)} as day
      from events
     where program_id = ${programId} and member_id is not null and ${purchase}
       and occurred_at >= ${days.start} and occurred_at < ${days.end}`.execute(tx);
  // The days' new rows, and each touched member's first row after the days (the only later row
  // whose previous day can change), each with its previous buying day. Every row of the chain is
  // reached by its key, member by member, so the plans do not depend on the chain's statistics
  // (stale while a long history is caught up).
  await sql`
    create temp table buyer_fix on commit drop as
    with touched as (select member_id from buyer_old union select member_id from buyer_new),
    rows as (
      select member_id, day, '-infinity'::date as old_prev, true as fresh from buyer_new
      union all
      select t.member_id, md.day, md.prev_day, false from touched t
       cross join lateral (
         select x.day, x.prev_day from ${t} x
          where x.program_id = ${programId} and x.member_id = t.member_id and x.day >= ${days.to}::date
          order by x.day limit 1) md
    )
    select r.member_id, r.day, r.old_prev, r.fresh,
           coalesce(lag(r.day) over (partition by r.member_id order by r.day),
                    (select max(x.day) from ${t} x
                      where x.program_id = ${programId} and x.member_id = r.member_id and x.day < ${days.from}::date),
                    '-infinity'::date) as new_prev
      from rows r`.execute(tx);
  await sql`analyze buyer_fix`.execute(tx);
  await sql`
    insert into ${t} (program_id, member_id, day, prev_day)
    select ${programId}, member_id, day, new_prev from buyer_fix where fresh`.execute(tx);
  await sql`
    create temp table buyer_delta on commit drop as
    select member_id, day, prev_day, -1 as sign from buyer_old
    union all
    select member_id, day, old_prev, -1 from buyer_fix where not fresh and old_prev <> new_prev
    union all
    select member_id, day, new_prev, 1 from buyer_fix where fresh or old_prev <> new_prev`.execute(tx);
  await sql`
    update ${t} md set prev_day = f.new_prev
      from buyer_fix f
     where not f.fresh and f.old_prev <> f.new_prev
       and md.program_id = ${programId} and md.member_id = f.member_id and md.day = f.day`.execute(tx);
  await sql`drop table buyer_old`.execute(tx);
  await sql`drop table buyer_new`.execute(tx);
  await sql`drop table buyer_fix`.execute(tx);
}

/**
 * Cohort buying days in [from, to) and the cohorts' first-of-month and first-after-enrolment
 * counts of the days whose rows changed. A row is its member's first buying day of its month when
 * the previous one is before the month; the first after enrolment when it is after the enrolment
 * day and the previous one is not.
 */
export async function rebuildCohortBuyers(tx: Db, programId: string, timezone: string, days: DayRange): Promise<void> {
  await rebuildChain(tx, programId, timezone, days, "report_cohort_buyer_days", COUNTED);
  await sql`
    insert into report_cohort_firsts (program_id, cohort, day, month_firsts, later_firsts)
    select ${programId}, ${monthOf(sql`(m.created_at at time zone ${timezone})`)}, d.day,
           coalesce(sum(d.sign) filter (where d.prev_day < ${monthOf(sql.ref("d.day"))}), 0),
           coalesce(sum(d.sign) filter (where d.day > ${localDay(sql.ref("m.created_at"), timezone)}
                                          and d.prev_day <= ${localDay(sql.ref("m.created_at"), timezone)}), 0)
      from buyer_delta d join members m on m.id = d.member_id
     group by 2, 3
    having coalesce(sum(d.sign) filter (where d.prev_day < ${monthOf(sql.ref("d.day"))}), 0) <> 0
        or coalesce(sum(d.sign) filter (where d.day > ${localDay(sql.ref("m.created_at"), timezone)}
                                          and d.prev_day <= ${localDay(sql.ref("m.created_at"), timezone)}), 0) <> 0
    on conflict (program_id, cohort, day) do update
      set month_firsts = report_cohort_firsts.month_firsts + excluded.month_firsts,
          later_firsts = report_cohort_firsts.later_firsts + excluded.later_firsts`.execute(tx);
  await sql`delete from report_cohort_firsts
    where program_id = ${programId} and day >= ${days.from}::date and month_firsts = 0 and later_firsts = 0`.execute(tx);
  await sql`drop table buyer_delta`.execute(tx);
}

/** Paid buying days in [from, to), their per-day counts by previous buying day, and the days' unpaid purchases. */
export async function rebuildPaidBuyers(tx: Db, programId: string, timezone: string, days: DayRange): Promise<void> {
  await rebuildChain(tx, programId, timezone, days, "report_paid_buyer_days", PAID);
  await sql`
    insert into report_paid_buyer_pairs (program_id, day, prev_day, members)
    select ${programId}, day, prev_day, sum(sign) from buyer_delta
     group by day, prev_day having sum(sign) <> 0
    on conflict (program_id, day, prev_day) do update set members = report_paid_buyer_pairs.members + excluded.members`.execute(
    tx,
  );
  await sql`delete from report_paid_buyer_pairs where program_id = ${programId} and day >= ${days.from}::date and members = 0`.execute(
    tx,
  );
  await sql`drop table buyer_delta`.execute(tx);
  await sql`delete from report_daily_unpaid_purchases
    where program_id = ${programId} and day >= ${days.from}::date and day < ${days.to}::date`.execute(tx);
  await sql`insert into report_daily_unpaid_purchases (program_id, day, member_purchases, guest_purchases, member_revenue, guest_revenue)
    select ${programId}, f.* from (${unpaidFigures(programId, timezone, days.start, days.end)}) f`.execute(tx);
}

/** Purchases counted by report_daily_purchases and not by the goals, per day, of a range of instants. */
const unpaidFigures = (programId: string, timezone: string, start: unknown, end: unknown) => sql`
  select ${localDay(sql.ref("occurred_at"), timezone)} as day,
         count(*) filter (where member_id is not null) as member_purchases,
         count(*) filter (where member_id is null) as guest_purchases,
         coalesce(sum(coalesce(amount, 0) - returned_amount) filter (where member_id is not null), 0) as member_revenue,
         coalesce(sum(coalesce(amount, 0) - returned_amount) filter (where member_id is null), 0) as guest_revenue
    from events
   where program_id = ${programId} and ${UNPAID} and occurred_at >= ${start} and occurred_at < ${end}
   group by 1`;

/** The live ranges of a split, as a `r(s, e)` relation. */
const liveRanges = (split: RollupSplit) => sql`select * from unnest(
  ${arrayLiteral(split.live.map((l) => l.start))}::timestamptz[],
  ${arrayLiteral(split.live.map((l) => l.end))}::timestamptz[]) as r(s, e)`;

export interface UnpaidRow {
  bucket: number;
  memberPurchases: number;
  guestPurchases: number;
  memberRevenue: number;
  guestRevenue: number;
}

/** Unpaid purchases per period (bucket i: [days[i-1], days[i]), the last up to the split's end), rolled up and live. */
export async function unpaidByPeriod(
  db: Db,
  programId: string,
  timezone: string,
  periodDays: string[],
  split: RollupSplit,
): Promise<UnpaidRow[]> {
  const result = await sql<Record<keyof UnpaidRow, string>>`
    with days as (
      select day, member_purchases, guest_purchases, member_revenue, guest_revenue
        from report_daily_unpaid_purchases
       where program_id = ${programId} and day >= ${split.rolled.from}::date and day < ${split.rolled.to}::date
         and day <> all(${arrayLiteral(split.changed)}::date[])
      union all
      select f.* from (${liveRanges(split)}) r
        cross join lateral (${unpaidFigures(programId, timezone, sql.ref("r.s"), sql.ref("r.e"))}) f
    )
    select width_bucket(day, ${arrayLiteral(periodDays)}::date[]) as bucket,
           sum(member_purchases) as "memberPurchases", sum(guest_purchases) as "guestPurchases",
           sum(member_revenue) as "memberRevenue", sum(guest_revenue) as "guestRevenue"
      from days group by 1`.execute(db);
  return result.rows.map((r) => ({
    bucket: Number(r.bucket),
    memberPurchases: Number(r.memberPurchases),
    guestPurchases: Number(r.guestPurchases),
    memberRevenue: Number(r.memberRevenue),
    guestRevenue: Number(r.guestRevenue),
  }));
}

/** A window of days [from, to) named by `id`. */
export interface DayWindow {
  id: number;
  from: string;
  to: string;
}

/**
 * Distinct members with a paid purchase in each window, exactly, from the rollup and live:
 * - rolled up: members whose first rolled-up buying day in the window is a day the rollup is still
 *   valid for (sum of the pairs of the window's days whose previous buying day is before it);
 * - one by one, the others who may have bought in the window: members with a purchase on a live
 *   day of it, and members whose rolled-up buying day in it is a changed day (that purchase may be
 *   gone). Each counts unless the rolled-up sum already did, if they bought on a live day of the
 *   window or on a rolled-up day of it that is still valid.
 * The split must cover every window's days.
 */
export async function paidBuyersIn(
  db: Db,
  programId: string,
  timezone: string,
  windows: DayWindow[],
  split: RollupSplit,
): Promise<Map<number, number>> {
  if (windows.length === 0) return new Map();
  const changed = arrayLiteral(split.changed);
  const rolledTo = split.rolled.to;
  const result = await sql<{ id: number; n: string }>`
    with p as (
      select * from unnest(${arrayLiteral(windows.map((w) => w.from))}::date[], ${arrayLiteral(windows.map((w) => w.to))}::date[],
                           ${`{${windows.map((w) => w.id).join(",")}}`}::int[]) as p(f, t, id)
    ),
    rolled as (
      select p.id, sum(pr.members) as n
        from p join report_paid_buyer_pairs pr
          on pr.program_id = ${programId} and pr.day >= p.f and pr.day < least(p.t, ${rolledTo}::date) and pr.prev_day < p.f
       where pr.day <> all(${changed}::date[])
       group by p.id
    ),
    live as (
      select distinct e.member_id, ${localDay(sql.ref("e.occurred_at"), timezone)} as day
        from events e
       where e.program_id = ${programId} and ${inRanges(split.live)(sql.ref("e.occurred_at"))}
         and e.member_id is not null and ${PAID}
    ),
    cand as (
      select id, member_id, bool_or(live) as live from (
        select p.id, l.member_id, true as live from live l join p on l.day >= p.f and l.day < p.t
        union all
        select p.id, bd.member_id, false
          from unnest(${changed}::date[]) c(day)
          join p on c.day >= p.f and c.day < least(p.t, ${rolledTo}::date)
          join report_paid_buyer_days bd on bd.program_id = ${programId} and bd.day = c.day
      ) x group by id, member_id
    ),
    added as (
      select c.id, count(*) as n
        from cand c join p on p.id = c.id
        cross join lateral (
          select min(bd.day) as first, bool_or(bd.day <> all(${changed}::date[])) as valid
            from report_paid_buyer_days bd
           where bd.program_id = ${programId} and bd.member_id = c.member_id
             and bd.day >= p.f and bd.day < least(p.t, ${rolledTo}::date)
        ) f
       where (f.first is null or f.first = any(${changed}::date[])) and (c.live or coalesce(f.valid, false))
       group by c.id
    )
    select id, sum(n) as n from (select * from rolled union all select * from added) x group by id`.execute(db);
  return new Map(result.rows.map((r) => [Number(r.id), Number(r.n)]));
}

export interface CohortSize {
  /** YYYY-MM */
  cohort: string;
  /** Members of the month enrolled in the report's range. */
  n: number;
  /** Members of the whole month. */
  month: number;
}

/** Members by enrolment month over the months [monthStart, monthEnd): in [start, end), and in the whole month. */
export async function cohortSizes(
  db: Db,
  programId: string,
  timezone: string,
  range: { start: Date; end: Date; monthStart: Date; monthEnd: Date },
): Promise<CohortSize[]> {
  const result = await sql<{ cohort: string; n: string; month: string }>`
    select to_char(created_at at time zone ${timezone}, 'YYYY-MM') as cohort,
           count(*) filter (where created_at >= ${range.start} and created_at < ${range.end}) as n,
           count(*) as month
      from members
     where program_id = ${programId} and created_at >= ${range.monthStart} and created_at < ${range.monthEnd}
     group by 1`.execute(db);
  return result.rows.map((r) => ({ cohort: r.cohort, n: Number(r.n), month: Number(r.month) }));
}

export interface CohortFigureRow {
  cohort: string;
  metric: "repeat" | "month";
  k: number | null;
  n: number;
}

/**
 * The cohort report's repeat buyers and monthly buyers of members enrolled in [start, end), from
 * the rollup and live, exactly (see cohortCounts in engagement.sql.ts for the definitions):
 * - `whole` cohorts (every member of the month is in the range) from the per-cohort counts of
 *   rolled-up days still valid;
 * - one by one, members of the other cohorts, members with a purchase on a live day, and members
 *   with a rolled-up buying day that changed since the watermark: their buying days are the valid
 *   rolled-up ones and the live ones; each figure counts them unless the rolled-up counts did.
 * The split covers [first day of start's month, end's day).
 */
export async function cohortFigures(
  db: Db,
  programId: string,
  timezone: string,
  range: { start: Date; end: Date; whole: string[] },
  split: RollupSplit,
): Promise<CohortFigureRow[]> {
  const changed = arrayLiteral(split.changed);
  const rolledTo = split.rolled.to;
  const monthsAfter = (month: RawBuilder<unknown>, cohort: RawBuilder<unknown>) =>
    sql`((extract(year from ${month}) * 12 + extract(month from ${month}))
        - (extract(year from ${cohort}) * 12 + extract(month from ${cohort})))::int`;
  const result = await sql<{ cohort: string; metric: "repeat" | "month"; k: number | null; n: string }>`
    with whole as (select unnest(${arrayLiteral(range.whole.map((m) => `${m}-01`))}::date[]) as cohort),
    rolled as (
      select f.cohort, f.day, f.month_firsts, f.later_firsts
        from report_cohort_firsts f join whole w on w.cohort = f.cohort
       where f.program_id = ${programId} and f.day >= f.cohort and f.day < ${rolledTo}::date
         and f.day <> all(${changed}::date[])
    ),
    live as (
      select distinct e.member_id, ${localDay(sql.ref("e.occurred_at"), timezone)} as day
        from events e
       where e.program_id = ${programId} and ${inRanges(split.live)(sql.ref("e.occurred_at"))}
         and e.member_id is not null and ${COUNTED}
    ),
    cand as (
      select member_id from live
      union
      select bd.member_id from unnest(${changed}::date[]) c(day)
        join report_cohort_buyer_days bd on bd.program_id = ${programId} and bd.day = c.day
       where c.day < ${rolledTo}::date
      union
      select id from members
       where program_id = ${programId} and created_at >= ${range.start} and created_at < ${range.end}
         and ${monthOf(sql`(created_at at time zone ${timezone})`)} <> all(select cohort from whole)
    ),
    cm as (
      select m.id as member_id, ${monthOf(sql`(m.created_at at time zone ${timezone})`)} as cohort,
             ${localDay(sql.ref("m.created_at"), timezone)} as enrolled
        from cand c cross join lateral (
          select id, created_at from members m
           where m.id = c.member_id and m.program_id = ${programId}
             and m.created_at >= ${range.start} and m.created_at < ${range.end}) m
    ),
    cmw as (select cm.*, exists (select 1 from whole w where w.cohort = cm.cohort) as whole from cm),
    days as materialized (
      select cmw.member_id, cmw.cohort, cmw.enrolled, cmw.whole, bd.day from cmw cross join lateral (
        select x.day from report_cohort_buyer_days x
         where x.program_id = ${programId} and x.member_id = cmw.member_id
           and x.day >= cmw.cohort and x.day < ${rolledTo}::date and x.day <> all(${changed}::date[])
        offset 0) bd
      union
      select l.member_id, cmw.cohort, cmw.enrolled, cmw.whole, l.day
        from live l join cmw on cmw.member_id = l.member_id where l.day >= cmw.cohort
    ),
    -- Each candidate's buying months and whether they bought after enrolling, from their own rows
    -- (no join between these sets: their sizes are guessed, and a guess of a billion rows made the
    -- planner hash them to disk).
    months as (
      select distinct member_id, cohort, whole, ${monthOf(sql.ref("day"))} as month from days
    ),
    repeaters as (
      select member_id, cohort, whole, enrolled from days where day > enrolled group by member_id, cohort, whole, enrolled
    ),
    month_added as (
      select mo.cohort, mo.month, count(*) as n
        from months mo
       where not mo.whole or not exists (
         select 1 from (
           select min(bd.day) as first from report_cohort_buyer_days bd
            where bd.program_id = ${programId} and bd.member_id = mo.member_id
              and bd.day >= mo.month and bd.day < (mo.month + interval '1 month')::date and bd.day < ${rolledTo}::date
         ) x where x.first is not null and x.first <> all(${changed}::date[]))
       group by 1, 2
    ),
    repeat_added as (
      select r.cohort, count(*) as n
        from repeaters r
       where not r.whole or not exists (
           select 1 from (
             select min(bd.day) as first from report_cohort_buyer_days bd
              where bd.program_id = ${programId} and bd.member_id = r.member_id
                and bd.day > r.enrolled and bd.day < ${rolledTo}::date
           ) x where x.first is not null and x.first <> all(${changed}::date[]))
       group by 1
    )
    select to_char(cohort, 'YYYY-MM') as cohort, 'repeat' as metric, null::int as k, sum(n) as n from (
      select cohort, sum(later_firsts) as n from rolled group by 1
      union all
      select cohort, n from repeat_added
    ) r group by 1
    union all
    select to_char(cohort, 'YYYY-MM'), 'month', k, sum(n) from (
      select cohort, ${monthsAfter(monthOf(sql.ref("day")), sql.ref("cohort"))} as k, sum(month_firsts) as n from rolled group by 1, 2
      union all
      select cohort, ${monthsAfter(sql.ref("month"), sql.ref("cohort"))}, n from month_added
    ) m group by 1, 3`.execute(db);
  return result.rows
    .map((r) => ({ cohort: r.cohort, metric: r.metric, k: r.k === null ? null : Number(r.k), n: Number(r.n) }))
    .filter((r) => r.n > 0);
}
