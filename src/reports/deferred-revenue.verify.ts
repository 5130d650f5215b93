import { type RawBuilder, sql } from "kysely";
import { dayFigures, layerFigures } from "./deferred-revenue.sql.ts";
import { changedFlowDaysQuery, changedPurchaseDaysQuery } from "./rollups.sql.ts";

/** A rollup state's columns, for the figures recomputed per programme. */
interface StateRefs {
  program: RawBuilder<unknown>;
  zone: RawBuilder<unknown>;
  end: RawBuilder<unknown>;
  watermark: RawBuilder<unknown>;
}

/**
 * The rollup's rows that differ from `figures` recomputed over everything before the rollup's end
 * (either side missing counts as a difference), matched on `keys`, except on days changed since
 * the watermark (reports read those live).
 */
function rollupCheck(table: string, keys: string[], columns: string[], figures: (st: StateRefs) => RawBuilder<unknown>) {
  const st: StateRefs = {
    program: sql.ref("st.program_id"),
    zone: sql.ref("st.timezone"),
    end: sql.ref("st.rolled_end"),
    watermark: sql.ref("st.watermark"),
  };
  const cols = (alias: string) => sql.join(columns.map((c) => sql.ref(`${alias}.${c}`)));
  const on = sql.join(
    keys.map((k) => sql`l.${sql.ref(k)} = s.${sql.ref(k)}`),
    sql` and `,
  );
  return sql`
    with st as (
      select r.program_id, r.timezone, r.rolled_through, r.watermark,
             (r.rolled_through::timestamp at time zone r.timezone) as rolled_end
        from report_rollups r join programs p on p.id = r.program_id and p.timezone = r.timezone
       where r.rollup = 'deferred_revenue'
    ),
    stored as (select t.* from ${sql.table(table)} t join st on st.program_id = t.program_id where t.day < st.rolled_through),
    live as (select st.program_id, f.* from st cross join lateral (${figures(st)}) f where f.day < st.rolled_through),
    changed as (
      select st.program_id, c.day::date as day from st cross join lateral (
        ${changedPurchaseDaysQuery(st.program, st.zone, st.watermark, null)}
        union ${changedFlowDaysQuery(st.program, st.zone, st.watermark, null)}) c
    )
    select coalesce(s.program_id, l.program_id) as program_id, coalesce(s.day, l.day) as day,
           row(${cols("s")})::text as stored, row(${cols("l")})::text as recomputed
      from stored s full join live l on l.program_id = s.program_id and ${on}
     where row(${cols("s")}) is distinct from row(${cols("l")})
       and not exists (select 1 from changed c
         where c.program_id = coalesce(s.program_id, l.program_id) and c.day = coalesce(s.day, l.day))`;
}

const everything = sql`'-infinity'::timestamptz`;

/**
 * What the deferred revenue report relies on to trace every point redeemed or expired to the sale
 * that issued it, and its rollup, as queries returning the rows that break it (run by `verify`
 * with the ledger's own checks).
 */
export const deferredRevenueChecks = () => [
  {
    name: "breakage_booked_per_lot",
    description:
      "Every posting to breakage names the lot its points expired from (so expiry is traced to the sale that issued them)",
    query: sql`select id, txn_id, program_id, amount from postings where account = 'breakage' and lot_id is null`,
  },
  {
    name: "redemptions_post_to_redeemed_alone",
    description:
      "A transaction that posts to redeemed posts to no other system account, so the points it takes from (or gives back to) lots are all redeemed points",
    query: sql`select txn_id, array_agg(distinct account) as accounts from postings
      where member_id is null
      group by txn_id
      having bool_or(account = 'redeemed') and bool_or(account <> 'redeemed')`,
  },
  {
    name: "deferred_days_rollup_matches_ledger",
    description:
      "Every rolled-up day of the deferred revenue rollup holds that day's redeemed and expired points, first earning purchase, and purchases with their net amount and points (days changed since the watermark aside; the allocation is checked by the reports' comparison with the rate in force)",
    query: rollupCheck(
      "report_deferred_days",
      ["day"],
      ["redeemed", "expired", "first_issued_at", "purchases", "sales", "points"],
      (st) => dayFigures(st.program, st.zone, null, everything, st.end),
    ),
  },
  {
    name: "deferred_layers_rollup_matches_postings",
    description:
      "Every rolled-up day of each issue layer's points (issued, held, redeemed, expired) equals the postings on its purchase lots that day (days changed since the watermark aside)",
    query: rollupCheck(
      "report_deferred_layers",
      ["day", "issue_month", "issued_after"],
      ["issued", "outstanding", "redeemed", "expired"],
      (st) => layerFigures(st.program, st.zone, everything, st.end),
    ),
  },
];
