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

/**
 * A purchase that counts: not refused, and not returned in full since (a partial return lowers
 * its net amount, `amount - returned_amount`).
 */
const countedPurchase = sql`type = 'purchase' and status <> 'rejected'
  and (returned_amount = 0 or returned_amount < coalesce(amount, 0))`;

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
