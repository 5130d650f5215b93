import { sql } from "kysely";
import type { Db } from "../db/schema.ts";

/**
 * The Engagement reports' queries: participation (members vs guests, enrolment, active members),
 * point flows by account and redemption frequency (cohorts: buyer-rollups.*). Each is aggregate SQL over
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
