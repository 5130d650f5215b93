import { type RawBuilder, sql } from "kysely";
import {
  activity,
  between,
  changedActivityDaysQuery,
  changedFlowDaysQuery,
  changedPurchaseDaysQuery,
  flowFigures,
  purchaseFigures,
} from "./rollups.sql.ts";

/**
 * The report rollups hold what the ledger and the events say: every rolled-up day not changed
 * since the rollup's watermark (those the reports read live) equals its figures recomputed from
 * the source tables, and the active-member counts equal the members' active days they count. Run by
 * `stampbook verify` with the ledger's own checks; each query returns the rows that break it.
 */

/** Each valid rollup of each programme: its zone is still the programme's. */
const states = (rollup: string) => sql`
  select r.program_id, r.timezone, r.rolled_through, r.watermark,
         (r.rolled_through::timestamp at time zone r.timezone) as rolled_end
    from report_rollups r join programs p on p.id = r.program_id and p.timezone = r.timezone
   where r.rollup = ${rollup}`;

const pid = sql.ref("st.program_id");
const zone = sql.ref("st.timezone");

/**
 * Rolled-up rows of `table` that differ from `figures` recomputed over everything before the
 * rollup's end (either side missing counts as a difference), except on days changed since the
 * watermark.
 */
function dailyCheck(
  rollup: string,
  table: string,
  columns: string[],
  figures: RawBuilder<unknown>,
  changed: RawBuilder<unknown>,
) {
  const cols = (alias: string) => sql.join(columns.map((c) => sql.ref(`${alias}.${c}`)));
  return sql`
    with st as (${states(rollup)}),
    stored as (select t.* from ${sql.table(table)} t join st on st.program_id = t.program_id where t.day < st.rolled_through),
    live as (select st.program_id, f.* from st cross join lateral (${figures}) f where f.day < st.rolled_through),
    changed as (select st.program_id, c.day::date as day from st cross join lateral (${changed}) c)
    select coalesce(s.program_id, l.program_id) as program_id, coalesce(s.day, l.day) as day,
           row(${cols("s")})::text as stored, row(${cols("l")})::text as recomputed
      from stored s full join live l on l.program_id = s.program_id and l.day = s.day
     where row(${cols("s")}) is distinct from row(${cols("l")})
       and not exists (select 1 from changed c
         where c.program_id = coalesce(s.program_id, l.program_id) and c.day = coalesce(s.day, l.day))`;
}

const everything = sql`'-infinity'::timestamptz`;

/**
 * A chain of members' days (`days`: member, day, previous day, per programme and `keys`) and its
 * counts by previous day (`pairs`), which the rollups keep by adding and taking away (so a rebuild
 * does not mend a wrong count): every row's previous day is the member's day before, and every
 * count is the rows it counts.
 */
function pairsCheck(name: string, description: string, days: string, pairs: string, keys: string[]) {
  const k = sql.join([sql.ref("program_id"), ...keys.map((c) => sql.ref(c))]);
  const on = sql.join(
    ["program_id", ...keys, "day", "prev_day"].map((c) => sql`p.${sql.ref(c)} = c.${sql.ref(c)}`),
    sql` and `,
  );
  const either = sql.join(
    ["program_id", ...keys, "day", "prev_day"].map((c) => sql`coalesce(c.${sql.ref(c)}, p.${sql.ref(c)}) as ${sql.ref(c)}`),
  );
  return {
    name,
    description,
    query: sql`
      with days as (
        select ${k}, member_id, day, prev_day,
               coalesce(lag(day) over (partition by ${k}, member_id order by day), '-infinity'::date) as previous
          from ${sql.table(days)}
      ),
      wrong_prev as (
        select ${k}, day, prev_day, 'previous day ' || previous::text as problem from days where prev_day <> previous
      ),
      counted as (select ${k}, day, prev_day, count(*) as members from ${sql.table(days)} group by ${k}, day, prev_day),
      wrong_count as (
        select ${either},
               'counted ' || coalesce(p.members, 0)::text || ', rows ' || coalesce(c.members, 0)::text as problem
          from counted c full join ${sql.table(pairs)} p on ${on}
         where coalesce(p.members, 0) <> coalesce(c.members, 0)
      )
      select * from wrong_prev union all select * from wrong_count`,
  };
}

export const rollupChecks = () => [
  {
    name: "flows_rollup_matches_postings",
    description:
      "Every rolled-up day of points through the system accounts equals the postings of that day (days changed since the rollup's watermark aside: reports read those live)",
    query: dailyCheck(
      "daily_flows",
      "report_daily_flows",
      ["earned", "partner_funded", "adjustments_added", "adjustments_removed", "redeemed", "expired"],
      flowFigures(pid, zone, everything, sql.ref("st.rolled_end")),
      changedFlowDaysQuery(pid, zone, sql.ref("st.watermark"), null),
    ),
  },
  {
    name: "purchases_rollup_matches_events",
    description:
      "Every rolled-up day of purchases by members and guests equals the counted purchases of that day (days changed since the watermark aside)",
    query: dailyCheck(
      "daily_purchases",
      "report_daily_purchases",
      ["member_purchases", "guest_purchases", "member_revenue", "guest_revenue"],
      purchaseFigures(pid, zone, everything, sql.ref("st.rolled_end")),
      changedPurchaseDaysQuery(pid, zone, sql.ref("st.watermark"), null),
    ),
  },
  {
    name: "activity_rollup_matches_activity",
    description: "Members' rolled-up active days are the days they were active (days changed since the watermark aside)",
    query: sql`
      with st as (${states("member_activity")}),
      stored as (select md.program_id, md.member_id, md.day from report_member_days md
                   join st on st.program_id = md.program_id where md.day < st.rolled_through),
      live as (select st.program_id, a.member_id, a.day from st cross join lateral (
                 ${activity(pid, zone, between(everything, sql.ref("st.rolled_end")))}) a),
      changed as (select st.program_id, c.day::date as day from st cross join lateral (
                 ${changedActivityDaysQuery(pid, zone, sql.ref("st.watermark"), null)}) c)
      select coalesce(s.program_id, l.program_id) as program_id, coalesce(s.member_id, l.member_id) as member_id,
             coalesce(s.day, l.day) as day, s.day is not null as stored, l.day is not null as active
        from stored s full join live l on l.program_id = s.program_id and l.member_id = s.member_id and l.day = s.day
       where (s.day is null or l.day is null)
         and not exists (select 1 from changed c
           where c.program_id = coalesce(s.program_id, l.program_id) and c.day = coalesce(s.day, l.day))`,
  },
  pairsCheck(
    "active_pairs_match_member_days",
    "Each member's active day records the member's previous active day, and the counts of active members per day by previous active day are those rows counted",
    "report_member_days",
    "report_active_pairs",
    [],
  ),
  pairsCheck(
    "redeemer_pairs_match_redeemer_days",
    "Each member's day of redeeming a reward records their previous such day, and the counts of redeemers per reward and day by previous day are those rows counted",
    "report_redeemer_days",
    "report_redeemer_pairs",
    ["reward_id"],
  ),
  {
    name: "cohort_firsts_match_buyer_days",
    description:
      "Each member's buying day records their previous one, and the cohorts' counts of first buyers of a month and first repeat buyers per day are those rows counted",
    query: sql`
      with st as (${states("cohort_buyers")}),
      days as (
        select d.program_id, d.member_id, d.day, d.prev_day, st.timezone,
               coalesce(lag(d.day) over (partition by d.program_id, d.member_id order by d.day), '-infinity'::date) as previous
          from report_cohort_buyer_days d join st on st.program_id = d.program_id
      ),
      counted as (
        select d.program_id, date_trunc('month', m.created_at at time zone d.timezone)::date as cohort, d.day,
               count(*) filter (where d.prev_day < date_trunc('month', d.day::timestamp)::date) as month_firsts,
               count(*) filter (where d.day > (m.created_at at time zone d.timezone)::date
                                  and d.prev_day <= (m.created_at at time zone d.timezone)::date) as later_firsts
          from days d join members m on m.id = d.member_id
         group by 1, 2, 3
      )
      select d.program_id, d.member_id as cohort, d.day, 'previous day ' || d.previous::text as problem
        from days d where d.prev_day <> d.previous
      union all
      select coalesce(c.program_id, f.program_id), coalesce(c.cohort, f.cohort)::text, coalesce(c.day, f.day),
             'counted ' || coalesce(f.month_firsts, 0)::text || '/' || coalesce(f.later_firsts, 0)::text
               || ', rows ' || coalesce(c.month_firsts, 0)::text || '/' || coalesce(c.later_firsts, 0)::text
        from counted c
        full join (select f.* from report_cohort_firsts f join st on st.program_id = f.program_id) f
          on f.program_id = c.program_id and f.cohort = c.cohort and f.day = c.day
       where coalesce(f.month_firsts, 0) <> coalesce(c.month_firsts, 0)
          or coalesce(f.later_firsts, 0) <> coalesce(c.later_firsts, 0)`,
  },
  pairsCheck(
    "paid_buyer_pairs_match_buyer_days",
    "Each member's paid buying day records their previous one, and the counts of buyers per day by previous buying day are those rows counted",
    "report_paid_buyer_days",
    "report_paid_buyer_pairs",
    [],
  ),
];
