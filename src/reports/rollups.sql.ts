import { type RawBuilder, sql } from "kysely";
import type { Db } from "../db/schema.ts";
import { arrayLiteral } from "./rollups.rules.ts";

/**
 * The report rollups' queries: where each rollup stands, what changed since its watermark, and the
 * statements that rebuild a run of days from the ledger and the events. Each rebuild is
 * `delete` the days' rows then `insert ... select` them again, so running it twice, or over days
 * already right, changes nothing.
 */

export interface RollupStateRow {
  timezone: string;
  rolled_through: string;
  watermark: Date;
}

export async function rollupState(db: Db, programId: string, rollup: string): Promise<RollupStateRow | undefined> {
  const result = await sql<RollupStateRow>`
    select timezone, to_char(rolled_through, 'YYYY-MM-DD') as rolled_through, watermark
      from report_rollups where program_id = ${programId} and rollup = ${rollup}`.execute(db);
  return result.rows[0];
}

export async function saveRollupState(
  db: Db,
  programId: string,
  rollup: string,
  state: { timezone: string; rolledThrough: string; watermark: Date },
  now: Date,
): Promise<void> {
  await sql`
    insert into report_rollups (program_id, rollup, timezone, rolled_through, watermark, updated_at)
    values (${programId}, ${rollup}, ${state.timezone}, ${state.rolledThrough}::date, ${state.watermark}, ${now})
    on conflict (program_id, rollup) do update set timezone = excluded.timezone,
      rolled_through = excluded.rolled_through, watermark = excluded.watermark, updated_at = excluded.updated_at`.execute(db);
}

/** One rollup of one programme is rebuilt by one transaction at a time (servers run the jobs side by side). */
export async function lockRollup(tx: Db, programId: string, rollup: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext(${`rollup:${programId}:${rollup}`}))`.execute(tx);
}

/**
 * The same lock, without waiting: false when a tick holds it (verify then leaves that rollup for
 * the next run rather than wait, so it never waits on a server's tick while holding rows a tick
 * may need).
 */
export async function tryLockRollup(tx: Db, programId: string, rollup: string): Promise<boolean> {
  const result = await sql<{ locked: boolean }>`
    select pg_try_advisory_xact_lock(hashtext(${`rollup:${programId}:${rollup}`})) as locked`.execute(tx);
  return result.rows[0]?.locked === true;
}

/** Every programme and its time zone, for the jobs. */
export async function programZones(db: Db): Promise<{ id: string; timezone: string }[]> {
  return db.selectFrom("programs").select(["id", "timezone"]).orderBy("id").execute();
}

/** The first programme day anything happened on (an event, a ledger entry, an enrolment), or null. */
export async function firstDay(db: Db, programId: string, timezone: string): Promise<string | null> {
  const result = await sql<{ day: string | null }>`
    select to_char(least(
      (select min(occurred_at) from events where program_id = ${programId}),
      (select min(effective_at) from ledger_transactions where program_id = ${programId}),
      (select min(created_at) from members where program_id = ${programId})
    ) at time zone ${timezone}, 'YYYY-MM-DD') as day`.execute(db);
  return result.rows[0]?.day ?? null;
}

/** A programme id or time zone: a value, or a column of a query over several programmes (verify). */
type Param = string | RawBuilder<unknown>;

/** The day an instant column falls on in the programme's zone. */
const localDay = (at: RawBuilder<unknown>, timezone: Param) => sql`(${at} at time zone ${timezone})::date`;

/** Recorded at or after `since` (and before `until`, if given). */
const recordedIn = (column: RawBuilder<unknown>, since: unknown, until: unknown) =>
  until ? sql`${column} >= ${since} and ${column} < ${until}` : sql`${column} >= ${since}`;

const dayList = async (db: Db, query: RawBuilder<{ day: string }>) => (await query.execute(db)).rows.map((r) => r.day).sort();

/**
 * Days of the system accounts' flows changed by ledger entries recorded in [since, until): each
 * entry's postings are on its effective day (the ledger is append-only, so nothing else changes).
 */
export const changedFlowDaysQuery = (programId: Param, timezone: Param, since: unknown, until: unknown) => sql<{ day: string }>`
  select distinct to_char(${localDay(sql.ref("effective_at"), timezone)}, 'YYYY-MM-DD') as day
    from ledger_transactions
   where program_id = ${programId} and ${recordedIn(sql.ref("created_at"), since, until)}`;

export const changedFlowDays = (db: Db, programId: string, timezone: string, since: Date, until: Date | null) =>
  dayList(db, changedFlowDaysQuery(programId, timezone, since, until));

/**
 * Days of purchases changed by events recorded or changed in [since, until) (each its own branch,
 * so each reads its BRIN index: an `or` of the two made PostgreSQL scan every event): an event's own day,
 * and for a return the day of the purchase it returns (whose net amount it lowers).
 */
export const changedPurchaseDays = (db: Db, programId: string, timezone: string, since: Date, until: Date | null) =>
  dayList(db, changedPurchaseDaysQuery(programId, timezone, since, until));

export const changedPurchaseDaysQuery = (programId: Param, timezone: Param, since: unknown, until: unknown) => sql<{
  day: string;
}>`
      select to_char(${localDay(sql.ref("occurred_at"), timezone)}, 'YYYY-MM-DD') as day
        from events
       where program_id = ${programId} and ${recordedIn(sql.ref("created_at"), since, until)}
      union
      select to_char(${localDay(sql.ref("occurred_at"), timezone)}, 'YYYY-MM-DD') as day
        from events
       where program_id = ${programId} and ${recordedIn(sql.ref("changed_at"), since, until)}
      union
      select to_char(${localDay(sql.ref("o.occurred_at"), timezone)}, 'YYYY-MM-DD')
        from events r join events o on o.program_id = r.program_id and o.id = r.original_event_id
       where r.program_id = ${programId} and r.original_event_id is not null
         and ${recordedIn(sql.ref("r.created_at"), since, until)}`;

/**
 * Days of members' activity changed by what was recorded in [since, until): events (and claims)
 * and ledger entries, each on the day it happened, for the member and for a transfer's
 * counterparty.
 */
export const changedActivityDays = (db: Db, programId: string, timezone: string, since: Date, until: Date | null) =>
  dayList(db, changedActivityDaysQuery(programId, timezone, since, until));

export const changedActivityDaysQuery = (programId: Param, timezone: Param, since: unknown, until: unknown) => sql<{
  day: string;
}>`
      with touched as (
        select member_id, occurred_at as at from events
         where program_id = ${programId} and member_id is not null and ${recordedIn(sql.ref("created_at"), since, until)}
        union all
        select member_id, occurred_at as at from events
         where program_id = ${programId} and member_id is not null and ${recordedIn(sql.ref("changed_at"), since, until)}
        union all
        select member_id, effective_at from ledger_transactions
         where program_id = ${programId} and ${recordedIn(sql.ref("created_at"), since, until)}
        union all
        select counterparty_member_id, effective_at from ledger_transactions
         where program_id = ${programId} and counterparty_member_id is not null
           and ${recordedIn(sql.ref("created_at"), since, until)}
      )
      select distinct to_char(${localDay(sql.ref("t.at"), timezone)}, 'YYYY-MM-DD') as day from touched t`;

// ---------------------------------------------------------------------------------------------
// Daily flows through the system accounts

/** The flows' figures of a range of postings, per day: what report_daily_flows holds. */
export const flowFigures = (programId: Param, timezone: Param, start: unknown, end: unknown) => sql`
  select ${localDay(sql.ref("p.effective_at"), timezone)} as day,
         coalesce(-sum(p.amount) filter (where p.account = 'issued'), 0) as earned,
         coalesce(-sum(p.amount) filter (where p.account = 'partner'), 0) as partner_funded,
         coalesce(-sum(p.amount) filter (where p.account = 'adjustments'
           and case when t.type = 'reversal' then -p.amount else p.amount end < 0), 0) as adjustments_added,
         coalesce(sum(p.amount) filter (where p.account = 'adjustments'
           and case when t.type = 'reversal' then -p.amount else p.amount end > 0), 0) as adjustments_removed,
         coalesce(sum(p.amount) filter (where p.account = 'redeemed'), 0) as redeemed,
         coalesce(sum(p.amount) filter (where p.account = 'breakage'), 0) as expired
    from postings p
    join ledger_transactions t on t.id = p.txn_id
   where p.program_id = ${programId} and p.member_id is null
     and p.account in ('issued', 'partner', 'adjustments', 'redeemed', 'breakage')
     and p.effective_at >= ${start} and p.effective_at < ${end}
   group by 1`;

export async function rebuildFlows(tx: Db, programId: string, timezone: string, days: DayRange): Promise<void> {
  await sql`delete from report_daily_flows
    where program_id = ${programId} and day >= ${days.from}::date and day < ${days.to}::date`.execute(tx);
  await sql`insert into report_daily_flows (program_id, day, earned, partner_funded, adjustments_added,
      adjustments_removed, redeemed, expired)
    select ${programId}, f.* from (${flowFigures(programId, timezone, days.start, days.end)}) f`.execute(tx);
}

export interface DayRange {
  from: string;
  to: string;
  start: Date;
  end: Date;
}

/** A report's periods as the rollup reads take them: each period's first day, and the range's end day (exclusive). */
export interface DayBuckets {
  /** Each period's first day, YYYY-MM-DD. */
  days: string[];
  /** The day after the range's last. */
  endDay: string;
  /** Each period's start instant, and the range's end instant. */
  starts: Date[];
  end: Date;
}

/** Which rows a rollup read takes: rolled-up days in [from, to) but `changed`, and live instant ranges. */
export interface RollupSplit {
  rolled: { from: string; to: string };
  changed: string[];
  live: { start: Date; end: Date }[];
}

/** The live ranges of a split, as a `r(s, e)` relation. */
const liveRanges = (split: RollupSplit) => sql`select * from unnest(
  ${arrayLiteral(split.live.map((l) => l.start))}::timestamptz[],
  ${arrayLiteral(split.live.map((l) => l.end))}::timestamptz[]) as r(s, e)`;

/** The 1-based period of a day (its start instant in the programme's zone), as width_bucket over the periods' first days. */
const dayBucket = (b: DayBuckets) => sql`width_bucket(day, ${arrayLiteral(b.days)}::date[])`;

export interface FlowDayRow {
  bucket: number;
  earned: number;
  partnerFunded: number;
  adjustmentsAdded: number;
  adjustmentsRemoved: number;
  redeemed: number;
  expired: number;
}

/** Flows per period: rolled-up days, and the live query over the rest, summed. */
export async function flowsByPeriod(
  db: Db,
  programId: string,
  timezone: string,
  b: DayBuckets,
  split: RollupSplit,
): Promise<FlowDayRow[]> {
  const result = await sql<Record<keyof FlowDayRow, string>>`
    with days as (
      select day, earned, partner_funded, adjustments_added, adjustments_removed, redeemed, expired
        from report_daily_flows
       where program_id = ${programId} and day >= ${split.rolled.from}::date and day < ${split.rolled.to}::date
         and day <> all(${arrayLiteral(split.changed)}::date[])
      union all
      select f.* from (${liveRanges(split)}) r
        cross join lateral (${flowFigures(programId, timezone, sql.ref("r.s"), sql.ref("r.e"))}) f
    )
    select ${dayBucket(b)} as bucket,
           sum(earned) as "earned", sum(partner_funded) as "partnerFunded",
           sum(adjustments_added) as "adjustmentsAdded", sum(adjustments_removed) as "adjustmentsRemoved",
           sum(redeemed) as "redeemed", sum(expired) as "expired"
      from days group by 1`.execute(db);
  return result.rows.map((r) => ({
    bucket: Number(r.bucket),
    earned: Number(r.earned),
    partnerFunded: Number(r.partnerFunded),
    adjustmentsAdded: Number(r.adjustmentsAdded),
    adjustmentsRemoved: Number(r.adjustmentsRemoved),
    redeemed: Number(r.redeemed),
    expired: Number(r.expired),
  }));
}

// ---------------------------------------------------------------------------------------------
// Daily purchases

/** Counted purchases of a range, per day: not refused, not returned in full; revenue net of returns. */
export const purchaseFigures = (programId: Param, timezone: Param, start: unknown, end: unknown) => sql`
  select ${localDay(sql.ref("occurred_at"), timezone)} as day,
         count(*) filter (where member_id is not null) as member_purchases,
         count(*) filter (where member_id is null) as guest_purchases,
         coalesce(sum(coalesce(amount, 0) - returned_amount) filter (where member_id is not null), 0) as member_revenue,
         coalesce(sum(coalesce(amount, 0) - returned_amount) filter (where member_id is null), 0) as guest_revenue
    from events
   where program_id = ${programId} and type = 'purchase' and status <> 'rejected'
     and (returned_amount = 0 or returned_amount < coalesce(amount, 0))
     and occurred_at >= ${start} and occurred_at < ${end}
   group by 1`;

export async function rebuildPurchases(tx: Db, programId: string, timezone: string, days: DayRange): Promise<void> {
  await sql`delete from report_daily_purchases
    where program_id = ${programId} and day >= ${days.from}::date and day < ${days.to}::date`.execute(tx);
  await sql`insert into report_daily_purchases (program_id, day, member_purchases, guest_purchases, member_revenue, guest_revenue)
    select ${programId}, f.* from (${purchaseFigures(programId, timezone, days.start, days.end)}) f`.execute(tx);
}

export interface PurchaseDayRow {
  bucket: number;
  memberPurchases: number;
  guestPurchases: number;
  memberRevenue: number;
  guestRevenue: number;
}

/** Counted purchases per period: rolled-up days, and the live query over the rest, summed. */
export async function purchasesByPeriod(
  db: Db,
  programId: string,
  timezone: string,
  b: DayBuckets,
  split: RollupSplit,
): Promise<PurchaseDayRow[]> {
  const result = await sql<Record<keyof PurchaseDayRow, string>>`
    with days as (
      select day, member_purchases, guest_purchases, member_revenue, guest_revenue
        from report_daily_purchases
       where program_id = ${programId} and day >= ${split.rolled.from}::date and day < ${split.rolled.to}::date
         and day <> all(${arrayLiteral(split.changed)}::date[])
      union all
      select f.* from (${liveRanges(split)}) r
        cross join lateral (${purchaseFigures(programId, timezone, sql.ref("r.s"), sql.ref("r.e"))}) f
    )
    select ${dayBucket(b)} as bucket,
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

// ---------------------------------------------------------------------------------------------
// Active members

/**
 * Members' activity in instant ranges `r(s, e)`, as (member, programme day): an event that is a
 * purchase or moved points, by when it happened (occurredAt, however late it was posted), not
 * refused; a ledger entry of a member's own that is not an expiry or an activation and did not
 * come from an event (adjustments, redemptions, holds, reversals, transfers), by its effective
 * time; a transfer's counterparty. Only what a member did as a member: activity dated before they
 * enrolled (a history import, a receipt claimed at sign-up) is no activity, so no range has more
 * active members than members and a late event is not activity today.
 */
/** Which instants of a column a query reads: a predicate on the column. */
export type Within = (column: RawBuilder<unknown>) => RawBuilder<unknown>;

/** Instants in [start, end). */
export const between =
  (start: unknown, end: unknown): Within =>
  (column) =>
    sql`${column} >= ${start} and ${column} < ${end}`;

/**
 * Instants in any of the ranges, each with its bounds as values: the planner estimates each range
 * and reads it through the column's index (a join to the ranges as a relation left it guessing, and
 * at 10M events it scanned them all for a day's live part).
 */
export const inRanges =
  (ranges: { start: Date; end: Date }[]): Within =>
  (column) =>
    ranges.length === 0
      ? sql`false`
      : sql`(${sql.join(
          ranges.map((r) => sql`(${column} >= ${r.start} and ${column} < ${r.end})`),
          sql` or `,
        )})`;

/** Not from an event: one probe of events_txn per entry (`offset 0` keeps it from becoming an anti join over the whole index). */
const notFromAnEvent = sql`not exists (select 1 from events x where x.txn_id = t.id offset 0)`;

export const activity = (programId: Param, timezone: Param, within: Within) => sql`
  with act as (
    select e.member_id, e.occurred_at as at from events e
     where e.program_id = ${programId} and ${within(sql.ref("e.occurred_at"))}
       and e.member_id is not null and e.status <> 'rejected' and (e.type = 'purchase' or e.txn_id is not null)
    union all
    select t.member_id, t.effective_at from ledger_transactions t
     where t.program_id = ${programId} and ${within(sql.ref("t.effective_at"))}
       and t.type not in ('expiry', 'activation') and ${notFromAnEvent}
    union all
    select t.counterparty_member_id, t.effective_at from ledger_transactions t
     where t.program_id = ${programId} and ${within(sql.ref("t.effective_at"))} and t.counterparty_member_id is not null
  )
  select distinct a.member_id, ${localDay(sql.ref("a.at"), timezone)} as day
    from act a cross join lateral (select created_at from members where id = a.member_id limit 1) m
   where a.at >= m.created_at`;

/**
 * Rebuilds members' active days in [from, to), each row's previous active day, and the per-day
 * counts by previous active day. The new rows get their previous day as they are written (the
 * member's day before, in the range or before it); after the range only each member's first
 * later row can have a new previous day. Catching up (no later rows) updates nothing.
 */
export async function rebuildActivity(tx: Db, programId: string, timezone: string, days: DayRange): Promise<void> {
  const from = sql`${days.from}::date`;
  const to = sql`${days.to}::date`;
  await sql`create temp table rollup_old (member_id text, day date, prev_day date) on commit drop`.execute(tx);
  await sql`
    with gone as (
      delete from report_member_days where program_id = ${programId} and day >= ${from} and day < ${to}
      returning member_id, day, prev_day
    )
    insert into rollup_old select * from gone`.execute(tx);
  await sql`
    create temp table rollup_new on commit drop as
    select a.member_id, a.day,
           coalesce(lag(a.day) over (partition by a.member_id order by a.day),
                    (select max(x.day) from report_member_days x
                      where x.program_id = ${programId} and x.member_id = a.member_id and x.day < ${from}),
                    '-infinity'::date) as prev_day
      from (${activity(programId, timezone, between(days.start, days.end))}) a`.execute(tx);
  await sql`insert into report_member_days (program_id, member_id, day, prev_day)
    select ${programId}, member_id, day, prev_day from rollup_new`.execute(tx);
  await sql`
    create temp table rollup_fix on commit drop as
    select n.member_id, n.day, n.prev_day as old_prev,
           coalesce((select max(x.day) from report_member_days x
                      where x.program_id = ${programId} and x.member_id = n.member_id and x.day < ${to}),
                    '-infinity'::date) as new_prev
      from (select member_id from rollup_old union select member_id from rollup_new) t
      cross join lateral (select md.member_id, md.day, md.prev_day from report_member_days md
                           where md.program_id = ${programId} and md.member_id = t.member_id and md.day >= ${to}
                           order by md.day limit 1) n`.execute(tx);
  await sql`
    insert into report_active_pairs (program_id, day, prev_day, members)
    select ${programId}, day, prev_day, sum(delta) from (
      select day, prev_day, -1 as delta from rollup_old
      union all
      select day, prev_day, 1 from rollup_new
      union all
      select day, old_prev, -1 from rollup_fix where old_prev <> new_prev
      union all
      select day, new_prev, 1 from rollup_fix where old_prev <> new_prev
    ) d
    group by day, prev_day
    on conflict (program_id, day, prev_day) do update set members = report_active_pairs.members + excluded.members`.execute(tx);
  await sql`
    update report_member_days md set prev_day = f.new_prev
      from rollup_fix f
     where md.program_id = ${programId} and md.member_id = f.member_id and md.day = f.day and f.old_prev <> f.new_prev`.execute(
    tx,
  );
  await sql`delete from report_active_pairs where program_id = ${programId} and day >= ${from} and members = 0`.execute(tx);
  for (const table of ["rollup_old", "rollup_new", "rollup_fix"]) await sql`drop table ${sql.table(table)}`.execute(tx);
}

/**
 * Members active per period and in the whole range (bucket 0), exactly, from the rollup and live:
 * - from the rollup, for each period [f, t): members whose first rolled-up active day in it is a
 *   day the rollup is still valid for (its previous active day is before f);
 * - live, members active on the other days of the period (not rolled up, or changed since the
 *   watermark), unless the rollup already counted them (their first rolled-up day in the period is
 *   one it is valid for). Activity is never removed, only added, so the two never miss a member.
 */
export async function activeByPeriod(
  db: Db,
  programId: string,
  timezone: string,
  b: DayBuckets,
  split: RollupSplit,
): Promise<{ bucket: number; n: number }[]> {
  const froms = [...b.days, b.days[0] ?? b.endDay];
  const tos = [...b.days.slice(1), b.endDay, b.endDay];
  const ids = [...b.days.map((_, i) => i + 1), 0];
  const changed = arrayLiteral(split.changed);
  // With nothing rolled up in the range every active member is counted live, with no probe each.
  const nothingRolled = split.rolled.from >= split.rolled.to;
  const result = await sql<{ bucket: number; n: string }>`
    with p as (
      select * from unnest(${arrayLiteral(froms)}::date[], ${arrayLiteral(tos)}::date[], ${`{${ids.join(",")}}`}::int[])
        as p(f, t, bucket)
    ),
    rolled as (
      select p.bucket, sum(pr.members) as n
        from p join report_active_pairs pr
          on pr.program_id = ${programId} and pr.day >= p.f and pr.day < least(p.t, ${split.rolled.to}::date)
             and pr.prev_day < p.f
       where pr.day <> all(${changed}::date[])
       group by p.bucket
    ),
    live as (${activity(programId, timezone, inRanges(split.live))}),
    added as (
      select p.bucket, count(distinct l.member_id) as n
        from live l join p on l.day >= p.f and l.day < p.t
       ${
         nothingRolled
           ? sql``
           : sql`
        cross join lateral (select min(md.day) as first from report_member_days md
                             where md.program_id = ${programId} and md.member_id = l.member_id
                               and md.day >= p.f and md.day < least(p.t, ${split.rolled.to}::date)) f
       where f.first is null or f.first = any(${changed}::date[])`
       }
       group by p.bucket
    )
    select bucket, sum(n) as n from (select * from rolled union all select * from added) x group by bucket`.execute(db);
  return result.rows.map((r) => ({ bucket: Number(r.bucket), n: Number(r.n) }));
}

const rollupTable = (table: string) => {
  if (!/^report_[a-z_]+$/.test(table)) throw new Error(`not a rollup table: ${table}`);
  return sql.table(table);
};

/**
 * Runs `work` in a transaction that sees one snapshot of the database (repeatable read), or in a
 * savepoint of the transaction given (verify of a database changed in a transaction not
 * committed: tests), and undoes it; `work` ends by throwing.
 */
export async function rolledBack(db: Db, work: (tx: Db) => Promise<void>): Promise<void> {
  if (!db.isTransaction) return db.transaction().setIsolationLevel("repeatable read").execute(work);
  await sql`savepoint rollup_verify`.execute(db);
  try {
    await work(db);
  } finally {
    await sql`rollback to savepoint rollup_verify`.execute(db);
  }
}

/** Copies a programme's rows of a rollup table from a day on into a temporary table (verify; dropped at commit or rollback). */
export async function keepRollupRows(tx: Db, table: string, copy: string, programId: string, from: string): Promise<void> {
  await sql`create temp table ${sql.table(copy)} on commit drop as
    select * from ${rollupTable(table)} where program_id = ${programId} and day >= ${from}::date`.execute(tx);
}

/** The rows from a day on that differ between a rollup table and its kept copy: each side's extra rows, counted, and a few of them. */
export async function rollupDifferences(tx: Db, table: string, copy: string, programId: string, from: string) {
  const now = sql`(select * from ${rollupTable(table)} where program_id = ${programId} and day >= ${from}::date)`;
  const kept = sql`(select * from ${sql.table(copy)})`;
  const result = await sql<{ side: string; row: unknown; n: string }>`
    with d as (
      select 'stored' as side, to_jsonb(x) as row from (${kept} except all ${now}) x
      union all
      select 'rebuilt', to_jsonb(y) from (${now} except all ${kept}) y
    )
    select side, row, count(*) over () as n from d order by side, row::text limit 5`.execute(tx);
  return {
    violations: Number(result.rows[0]?.n ?? 0),
    examples: result.rows.map((r) => ({ [r.side]: r.row })),
  };
}

/** Removes a programme's rows from one rollup table (its name from a rollup definition, never from input). */
export async function clearRollupTable(tx: Db, table: string, programId: string): Promise<void> {
  await sql`delete from ${rollupTable(table)} where program_id = ${programId}`.execute(tx);
}
