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
