import { sql } from "kysely";
import type { Db } from "../db/schema.ts";

/**
 * The Engagement reports' queries: participation (members vs guests, enrolment, active members),
 * point flows by account, redemption frequency and cohort retention. Each is aggregate SQL over
 * the programme, one round trip per figure family, bucketed by `width_bucket` over the periods'
 * start instants (bucket i is period i, 1-based).
 */

/** A PostgreSQL array literal of instants, for width_bucket and period ends (one text parameter on both engines). */
const instants = (dates: Date[]) => `{${dates.map((d) => `"${d.toISOString()}"`).join(",")}}`;

/** The periods of a range as the queries take them: each period's start, and the range's end. */
export interface Buckets {
  starts: Date[];
  end: Date;
}

/** Each period's end instant: the next period's start, the last one the range's end. */
const ends = (b: Buckets) => instants([...b.starts.slice(1), b.end]);

/**
 * A purchase that counts: not refused, and not returned in full since (a partial return lowers
 * its net amount, `amount - returned_amount`).
 */
const countedPurchase = sql`type = 'purchase' and status <> 'rejected'
  and (returned_amount = 0 or returned_amount < coalesce(amount, 0))`;

export interface PurchaseRow {
  bucket: number;
  memberPurchases: number;
  guestPurchases: number;
  memberRevenue: number;
  guestRevenue: number;
}

/** Purchases by when they happened, per period: by members (member_id set) and by guests (member_id null). */
export async function purchasesByPeriod(db: Db, programId: string, b: Buckets): Promise<PurchaseRow[]> {
  const result = await sql<{ bucket: number; mp: string; gp: string; mr: string; gr: string }>`
    select width_bucket(occurred_at, ${instants(b.starts)}::timestamptz[]) as bucket,
           count(*) filter (where member_id is not null) as mp,
           count(*) filter (where member_id is null) as gp,
           coalesce(sum(coalesce(amount, 0) - returned_amount) filter (where member_id is not null), 0) as mr,
           coalesce(sum(coalesce(amount, 0) - returned_amount) filter (where member_id is null), 0) as gr
      from events
     where program_id = ${programId} and ${countedPurchase}
       and occurred_at >= ${b.starts[0]} and occurred_at < ${b.end}
     group by 1`.execute(db);
  return result.rows.map((r) => ({
    bucket: Number(r.bucket),
    memberPurchases: Number(r.mp),
    guestPurchases: Number(r.gp),
    memberRevenue: Number(r.mr),
    guestRevenue: Number(r.gr),
  }));
}

/** Members enrolled before the range, and enrolments per period. */
export async function enrolmentsByPeriod(db: Db, programId: string, b: Buckets) {
  const result = await sql<{ bucket: number | null; n: string }>`
    select case when created_at < ${b.starts[0]} then 0
                else width_bucket(created_at, ${instants(b.starts)}::timestamptz[]) end as bucket,
           count(*) as n
      from members
     where program_id = ${programId} and created_at < ${b.end}
     group by 1`.execute(db);
  const rows = result.rows.map((r) => ({ bucket: Number(r.bucket), n: Number(r.n) }));
  return { before: rows.find((r) => r.bucket === 0)?.n ?? 0, periods: rows.filter((r) => r.bucket > 0) };
}

/**
 * Active members per period and in the whole range (bucket null), by the overview's definition
 * (`memberCounts`): a member with a purchase, or an event that moved points, by when it happened
 * (occurredAt, however late it was posted); or a ledger entry of their own that is not an expiry
 * or an activation (adjustments, redemptions, holds, reversals, transfers either side), by its
 * effective time. Refused events are not activity. A member counts in a period only if enrolled
 * by its end, so a late-posted event never makes a past period show more active members than
 * members; the range's figure counts each member once over the periods they count in.
 */
export async function activeMembers(db: Db, programId: string, b: Buckets) {
  const start = b.starts[0];
  const result = await sql<{ bucket: number | null; n: string }>`
    with activity as (
      select occurred_at as at, member_id from events
       where program_id = ${programId} and member_id is not null and status <> 'rejected'
         and (type = 'purchase' or txn_id is not null)
         and occurred_at >= ${start} and occurred_at < ${b.end}
      union all
      select t.effective_at, t.member_id from ledger_transactions t
       where t.program_id = ${programId} and t.type not in ('expiry', 'activation')
         and t.effective_at >= ${start} and t.effective_at < ${b.end}
         and not exists (select 1 from events e
           where e.member_id = t.member_id and e.program_id = t.program_id and e.txn_id = t.id)
      union all
      select effective_at, counterparty_member_id from ledger_transactions
       where program_id = ${programId} and counterparty_member_id is not null
         and effective_at >= ${start} and effective_at < ${b.end}
    ),
    counted as (
      select distinct a.bucket, a.member_id
        from (select width_bucket(at, ${instants(b.starts)}::timestamptz[]) as bucket, member_id from activity) a
        join members m on m.id = a.member_id
       where m.created_at < (${ends(b)}::timestamptz[])[a.bucket]
    )
    select bucket, count(distinct member_id) as n from counted group by grouping sets ((bucket), ())`.execute(db);
  const rows = result.rows.map((r) => ({ bucket: r.bucket === null ? null : Number(r.bucket), n: Number(r.n) }));
  return {
    periods: rows.filter((r) => r.bucket !== null) as { bucket: number; n: number }[],
    total: rows.find((r) => r.bucket === null)?.n ?? 0,
  };
}

export interface PointAccountRow {
  bucket: number;
  earned: number;
  partnerFunded: number;
  adjustmentsAdded: number;
  adjustmentsRemoved: number;
  redeemed: number;
  expired: number;
}

/**
 * Points through each system account per period, by effective time (like `pointFlows`): every
 * transaction balances, so what members gain or lose shows, with the opposite sign, on `issued`
 * (earning), `partner` (earning a partner funds), `adjustments`, `redeemed` and `breakage`.
 * Reversals, returns and refunds post to the same accounts with the opposite sign, so each figure
 * is net of them. An adjustment's direction is its own (a reversal's is the one it undoes), so
 * added and removed are each net of their reversals.
 */
export async function pointAccounts(db: Db, programId: string, b: Buckets): Promise<PointAccountRow[]> {
  const result = await sql<Record<keyof PointAccountRow, string>>`
    select width_bucket(p.effective_at, ${instants(b.starts)}::timestamptz[]) as bucket,
           coalesce(-sum(p.amount) filter (where p.account = 'issued'), 0) as "earned",
           coalesce(-sum(p.amount) filter (where p.account = 'partner'), 0) as "partnerFunded",
           coalesce(-sum(p.amount) filter (where p.account = 'adjustments'
             and case when t.type = 'reversal' then -p.amount else p.amount end < 0), 0) as "adjustmentsAdded",
           coalesce(sum(p.amount) filter (where p.account = 'adjustments'
             and case when t.type = 'reversal' then -p.amount else p.amount end > 0), 0) as "adjustmentsRemoved",
           coalesce(sum(p.amount) filter (where p.account = 'redeemed'), 0) as "redeemed",
           coalesce(sum(p.amount) filter (where p.account = 'breakage'), 0) as "expired"
      from postings p
      join ledger_transactions t on t.id = p.txn_id
     where p.program_id = ${programId} and p.member_id is null
       and p.account in ('issued', 'partner', 'adjustments', 'redeemed', 'breakage')
       and p.effective_at >= ${b.starts[0]} and p.effective_at < ${b.end}
     group by 1`.execute(db);
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

/** Redemptions completed per period (and in the range: bucket null) and not cancelled since, and the members who made them. */
export async function redemptionsByPeriod(db: Db, programId: string, b: Buckets) {
  const result = await sql<{ bucket: number | null; redemptions: string; members: string }>`
    with done as (
      select width_bucket(completed_at, ${instants(b.starts)}::timestamptz[]) as bucket, member_id
        from redemptions
       where program_id = ${programId} and status = 'completed'
         and completed_at >= ${b.starts[0]} and completed_at < ${b.end}
    )
    select bucket, count(*) as redemptions, count(distinct member_id) as members
      from done group by grouping sets ((bucket), ())`.execute(db);
  return result.rows.map((r) => ({
    bucket: r.bucket === null ? null : Number(r.bucket),
    redemptions: Number(r.redemptions),
    members: Number(r.members),
  }));
}

/**
 * Medians in whole programme days (calendar days in the programme's time zone), per period and
 * in the range (bucket null), by percentile_cont (the mean of the two middle values when their
 * number is even):
 * - toFirst: from enrolment to a member's first redemption, for first redemptions in the period
 *   (the first completed and not cancelled, ever);
 * - between: from one of a member's redemptions to their next, for the later one in the period.
 */
export async function redemptionMedians(db: Db, programId: string, timezone: string, b: Buckets) {
  const starts = instants(b.starts);
  const result = await sql<{ kind: "first" | "between"; bucket: number | null; median: number | string | null }>`
    with done as (
      select member_id, completed_at,
             lag(completed_at) over (partition by member_id order by completed_at, id) as previous
        from redemptions
       where program_id = ${programId} and status = 'completed' and completed_at < ${b.end}
    ),
    firsts as (
      select width_bucket(d.completed_at, ${starts}::timestamptz[]) as bucket,
             (d.completed_at at time zone ${timezone})::date - (m.created_at at time zone ${timezone})::date as days
        from done d join members m on m.id = d.member_id
       where d.previous is null and d.completed_at >= ${b.starts[0]}
    ),
    gaps as (
      select width_bucket(completed_at, ${starts}::timestamptz[]) as bucket,
             (completed_at at time zone ${timezone})::date - (previous at time zone ${timezone})::date as days
        from done
       where previous is not null and completed_at >= ${b.starts[0]}
    )
    select 'first' as kind, bucket, percentile_cont(0.5) within group (order by days) as median
      from firsts group by grouping sets ((bucket), ())
    union all
    select 'between', bucket, percentile_cont(0.5) within group (order by days)
      from gaps group by grouping sets ((bucket), ())`.execute(db);
  return result.rows.map((r) => ({
    kind: r.kind,
    bucket: r.bucket === null ? null : Number(r.bucket),
    median: r.median === null ? null : Number(r.median),
  }));
}

/** Members enrolled by `end`, and those of them with no redemption completed before `end` (and not cancelled). */
export async function neverRedeemed(db: Db, programId: string, end: Date) {
  const result = await sql<{ members: string; never: string }>`
    select count(*) as members,
           count(*) filter (where not exists (
             select 1 from redemptions r
              where r.member_id = m.id and r.status = 'completed' and r.completed_at < ${end})) as never
      from members m
     where m.program_id = ${programId} and m.created_at < ${end}`.execute(db);
  const row = result.rows[0];
  return { members: Number(row?.members ?? 0), never: Number(row?.never ?? 0) };
}

export interface CohortRow {
  /** The enrolment month, YYYY-MM in programme time. */
  cohort: string;
  metric: "size" | "repeat" | "month";
  /** Months after the enrolment month (for `month` rows). */
  k: number | null;
  n: number;
}

/**
 * Cohorts of members enrolled in [start, end) by enrolment month in programme time: each
 * cohort's size, its members who bought again on a later programme day than the one they
 * enrolled on (before `end`), and for each month k after the enrolment month the members with a
 * counted purchase in it (calendar months in programme time, purchases by when they happened,
 * before `end`; purchases in months before the enrolment month are not counted).
 */
export async function cohortCounts(db: Db, programId: string, timezone: string, start: Date, end: Date): Promise<CohortRow[]> {
  const result = await sql<{ cohort: string; metric: CohortRow["metric"]; k: number | null; n: string }>`
    with cohort as (
      select id, created_at, (created_at at time zone ${timezone}) as local
        from members
       where program_id = ${programId} and created_at >= ${start} and created_at < ${end}
    ),
    bought as (
      select distinct c.id, to_char(c.local, 'YYYY-MM') as cohort,
             (extract(year from e.local) * 12 + extract(month from e.local)
               - extract(year from c.local) * 12 - extract(month from c.local))::int as k,
             e.local::date > c.local::date as later_day
        from cohort c
        join (select member_id, occurred_at, occurred_at at time zone ${timezone} as local from events
               where program_id = ${programId} and member_id is not null and ${countedPurchase}
                 and occurred_at < ${end}) e
          on e.member_id = c.id
    )
    select to_char(local, 'YYYY-MM') as cohort, 'size' as metric, null::int as k, count(*) as n
      from cohort group by 1
    union all
    select cohort, 'repeat', null, count(distinct id) from bought where later_day group by cohort
    union all
    select cohort, 'month', k, count(distinct id) from bought where k >= 0 group by cohort, k`.execute(db);
  return result.rows.map((r) => ({ cohort: r.cohort, metric: r.metric, k: r.k === null ? null : Number(r.k), n: Number(r.n) }));
}
