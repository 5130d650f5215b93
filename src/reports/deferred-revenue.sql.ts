import { type RawBuilder, sql } from "kysely";
import type { Db } from "../db/schema.ts";
import type { FlowCell, SalesCell } from "./deferred-revenue.rules.ts";
import { arrayLiteral } from "./rollups.rules.ts";
import type { DayRange, RollupSplit } from "./rollups.sql.ts";

/** A PostgreSQL array literal of instants, for width_bucket (one text parameter on both engines). */
const instants = (dates: Date[]) => `{${dates.map((d) => `"${d.toISOString()}"`).join(",")}}`;
const numbers = (values: number[]) => `{${values.map((v) => String(v)).join(",")}}`;

/** The programme's settings the report needs, or undefined if there is no such programme. */
export const programForRevenue = (db: Db, programId: string) =>
  db.selectFrom("programs").select(["timezone", "currency", "point_value"]).where("id", "=", programId).executeTakeFirst();

export interface EstimateRow {
  id: string;
  rate: number;
  effectiveFrom: string;
  note: string | null;
  actor: string;
  createdAt: Date;
}

/** Finance's estimates, oldest in force first (then oldest made). */
export async function listEstimates(db: Db, programId: string): Promise<EstimateRow[]> {
  const rows = await db
    .selectFrom("redemption_estimates")
    .select(["id", "rate", sql<string>`effective_from::text`.as("effective_from"), "note", "actor", "created_at"])
    .where("program_id", "=", programId)
    .orderBy("effective_from")
    .orderBy("created_at")
    .orderBy("id")
    .execute();
  return rows.map((r) => ({
    id: r.id,
    rate: Number(r.rate),
    effectiveFrom: r.effective_from,
    note: r.note,
    actor: r.actor,
    createdAt: r.created_at,
  }));
}

export const insertEstimate = (
  db: Db,
  row: { id: string; programId: string; rate: number; effectiveFrom: string; note: string | null; actor: string; now: Date },
) =>
  db
    .insertInto("redemption_estimates")
    .values({
      id: row.id,
      program_id: row.programId,
      rate: String(row.rate),
      effective_from: row.effectiveFrom,
      note: row.note,
      actor: row.actor,
      created_at: row.now,
    })
    .execute();

// ---------------------------------------------------------------------------------------------
// The report's figures per programme day, as the rollup keeps them (report_deferred_days and
// report_deferred_layers, migration 0022) and as the live query reads the days the rollup does not
// hold (or no longer holds right): each read below sums the rolled-up rows of `split.rolled` days
// but `split.changed`, and the same figures computed live over `split.live`, then groups them by
// layer and period. Every period boundary and layer is a programme day (or month) start, so the
// figures grouped by day then by period are the figures grouped by period.

/** A programme id or time zone: a value, or a column of a query over several programmes (verify). */
type Param = string | RawBuilder<unknown>;

/** The day an instant column falls on in the programme's zone. */
const localDay = (at: RawBuilder<unknown>, timezone: Param) => sql`(${at} at time zone ${timezone})::date`;

/**
 * The figures of a split's live ranges, one part per range with its bounds as values (so the
 * planner sees how short a range is and uses the indexes; an empty range when there is none).
 */
const live = (split: RollupSplit, part: (start: Date, end: Date) => RawBuilder<unknown>) => {
  const ranges = split.live.length > 0 ? split.live : [{ start: new Date(0), end: new Date(0) }];
  return sql.join(
    ranges.map((r) => sql`select * from (${part(r.start, r.end)}) f`),
    sql` union all `,
  );
};

/** The rolled-up rows a split reads from a rollup table: its `rolled` days but the changed ones. */
const rolledDays = (programId: string, split: RollupSplit) => sql`program_id = ${programId}
  and day >= ${split.rolled.from}::date and day < ${split.rolled.to}::date
  and day <> all(${arrayLiteral(split.changed)}::date[])`;

/** The expected redemption rate as a step function of time (from breaks[i] on, rates[i]) and the point value. */
export interface PriceSteps {
  breaks: Date[];
  rates: number[];
  pointValue: number;
}

/** Points redeemed and expired on the system accounts per day of [start, end), by effective time. */
export const historyFigures = (programId: Param, timezone: Param, start: unknown, end: unknown) => sql`
  select ${localDay(sql.ref("effective_at"), timezone)} as day,
         coalesce(sum(amount) filter (where account = 'redeemed'), 0) as redeemed,
         coalesce(sum(amount) filter (where account = 'breakage'), 0) as expired
    from postings
   where program_id = ${programId} and member_id is null and account in ('redeemed', 'breakage')
     and effective_at >= ${start} and effective_at < ${end}
   group by 1`;

/** Purchases that earned points (have a ledger entry), by when they happened. */
const earningPurchases = (programId: Param, start: unknown, end: unknown) => sql`
  e.program_id = ${programId} and e.type = 'purchase' and e.txn_id is not null
  and e.occurred_at >= ${start} and e.occurred_at < ${end}`;

/**
 * Purchases with lots that happened in [start, end), per day: their count, net amount (amount -
 * returned_amount), the points their lots were credited with, and the exact amount allocated to
 * those points by relative stand-alone selling price with the rate in force when the purchase
 * happened (the rate and point value used, the same for a whole day, kept with them).
 */
export const salesFigures = (programId: Param, timezone: Param, steps: PriceSteps | null, start: unknown, end: unknown) => sql`
  with sales as (
    select e.occurred_at as issued_at,
           greatest(e.amount - e.returned_amount, 0)::numeric as net,
           sum(l.amount)::numeric as points
      from events e
      join lots l on l.txn_id = e.txn_id and l.program_id = e.program_id
     where ${earningPurchases(programId, start, end)}
     group by e.id, e.occurred_at, e.amount, e.returned_amount
  ), rated as (
    select issued_at, net, points,
           (${numbers(steps?.rates ?? [])}::numeric[])[width_bucket(issued_at, ${instants(steps?.breaks ?? [])}::timestamptz[])] as rate
      from sales
  ), priced as (
    select issued_at, net, points, rate, points * ${steps?.pointValue ?? null}::numeric * rate as ssp from rated
  )
  select ${localDay(sql.ref("issued_at"), timezone)} as day,
         count(*) as purchases,
         coalesce(sum(net), 0) as sales,
         sum(points) as points,
         coalesce(sum(case when net + ssp > 0 then net * ssp / (net + ssp) else 0 end), 0) as allocated,
         max(rate) as rate,
         ${steps?.pointValue ?? null}::numeric as point_value
    from priced
   group by 1`;

/**
 * Postings on purchase lots in [start, end) (by effective time), per day and layer (the month the
 * purchase happened; `issued_after`: its day when later than the posting's, else -infinity):
 * credited by their earn, the change of what they hold for members (available, pending, held),
 * spent into `redeemed` (postings on the lot in a transaction that posts to `redeemed`: captures,
 * payments, their refunds and reversals), and moved to `breakage` (booked per lot). A transaction's
 * postings all share its effective time, so they are found by their transactions' (indexed). The rest (returns' clawbacks, reversals, negative
 * adjustments, transfers) is what the rules call cancelled.
 */
export const layerFigures = (programId: Param, timezone: Param, start: unknown, end: unknown) => sql`
  select ${localDay(sql.ref("x.effective_at"), timezone)} as day,
         date_trunc('month', e.occurred_at at time zone ${timezone})::date as issue_month,
         case when ${localDay(sql.ref("e.occurred_at"), timezone)} > ${localDay(sql.ref("x.effective_at"), timezone)}
              then ${localDay(sql.ref("e.occurred_at"), timezone)} else '-infinity'::date end as issued_after,
         coalesce(sum(x.amount) filter (where x.member_id is not null and x.txn_id = l.txn_id), 0) as issued,
         coalesce(sum(x.amount) filter (where x.member_id is not null), 0) as outstanding,
         coalesce(-sum(x.amount) filter (where x.member_id is not null and rd.redeems), 0) as redeemed,
         coalesce(sum(x.amount) filter (where x.account = 'breakage'), 0) as expired
    from ledger_transactions t
    -- Each transaction's postings probed by its id (a join let the planner scan every posting).
    cross join lateral (select count(*) > 0 as redeems from postings rp
                         where rp.txn_id = t.id and rp.account = 'redeemed') rd
    cross join lateral (select * from postings x where x.txn_id = t.id and x.lot_id is not null offset 0) x
    join lots l on l.id = x.lot_id and l.program_id = ${programId}
    join events e on e.program_id = l.program_id and e.txn_id = l.txn_id and e.type = 'purchase'
   where t.program_id = ${programId} and t.effective_at >= ${start} and t.effective_at < ${end}
     and x.program_id = ${programId} and x.effective_at >= ${start} and x.effective_at < ${end}
   group by 1, 2, 3`;

/**
 * A row of report_deferred_days per day of [start, end) with anything to hold: the history, the
 * first earning purchase, the sales (allocated with `steps`; with none, the allocation is not
 * computed: verify compares the rest).
 */
export const dayFigures = (programId: Param, timezone: Param, steps: PriceSteps | null, start: unknown, end: unknown) => sql`
  select day, sum(redeemed) as redeemed, sum(expired) as expired, min(first_at) as first_issued_at, sum(purchases) as purchases,
         sum(sales) as sales, sum(points) as points, sum(allocated) as allocated, max(rate) as rate, max(point_value) as point_value
    from (
      select day, redeemed, expired, null::timestamptz as first_at, 0::bigint as purchases, 0::numeric as sales,
             0::numeric as points, 0::numeric as allocated, null::numeric as rate, null::numeric as point_value
        from (${historyFigures(programId, timezone, start, end)}) h
      union all
      select ${localDay(sql.ref("e.occurred_at"), timezone)}, 0, 0, min(e.occurred_at), 0, 0, 0, 0, null, null
        from events e where ${earningPurchases(programId, start, end)}
       group by 1
      union all
      select day, 0, 0, null, purchases, sales, points, allocated, rate, point_value
        from (${salesFigures(programId, timezone, steps, start, end)}) s
    ) x
   group by day`;

/** Rewrites the rollup's rows of the days [from, to), allocating each day's sales with `steps`. */
export async function rebuildDeferred(tx: Db, programId: string, timezone: string, days: DayRange, steps: PriceSteps) {
  await sql`delete from report_deferred_days
    where program_id = ${programId} and day >= ${days.from}::date and day < ${days.to}::date`.execute(tx);
  await sql`
    insert into report_deferred_days (program_id, day, redeemed, expired, first_issued_at, purchases, sales, points, allocated,
      rate, point_value)
    select ${programId}, f.* from (${dayFigures(programId, timezone, steps, days.start, days.end)}) f`.execute(tx);
  await sql`delete from report_deferred_layers
    where program_id = ${programId} and day >= ${days.from}::date and day < ${days.to}::date`.execute(tx);
  await sql`
    insert into report_deferred_layers (program_id, day, issue_month, issued_after, issued, outstanding, redeemed, expired)
    select ${programId}, f.* from (${layerFigures(programId, timezone, days.start, days.end)}) f`.execute(tx);
}

/**
 * Rolled-up days before `before` (YYYY-MM-DD) whose sales were allocated with another rate or point
 * value than the ones in force (`steps`, which must cover those days): a back-dated estimate, a
 * change of the history the rate is measured from, or of the point value. They are read live, and
 * the jobs rebuild them.
 */
export async function repricedDays(db: Db, programId: string, steps: PriceSteps, before: string): Promise<string[]> {
  const result = await sql<{ day: string }>`
    select to_char(day, 'YYYY-MM-DD') as day from report_deferred_days
     where program_id = ${programId} and day < ${before}::date and purchases > 0
       and (rate is distinct from (${numbers(steps.rates)}::numeric[])[width_bucket(first_issued_at, ${instants(steps.breaks)}::timestamptz[])]
            or point_value is distinct from ${steps.pointValue}::numeric)
     order by day`.execute(db);
  return result.rows.map((r) => r.day);
}

/** When the first purchase that earned points happened, or null: over the days of `split` (up to the far future). */
export async function firstPurchaseIssue(db: Db, programId: string, split: RollupSplit): Promise<Date | null> {
  const result = await sql<{ first: Date | null }>`
    select min(first) as first from (
      select min(first_issued_at) as first from report_deferred_days where ${rolledDays(programId, split)}
      union all
      ${live(split, (start, end) => sql`select min(e.occurred_at) as first from events e where ${earningPurchases(programId, start, end)}`)}
    ) x`.execute(db);
  const first = result.rows[0]?.first;
  return first ? new Date(first) : null;
}

/**
 * Points ever redeemed and expired (the `redeemed` and `breakage` system accounts, so net of
 * refunds, cancellations and expired points taken back) before each of `ats` (day starts, `atDays`
 * their days): the history the estimate falls back on. `split` covers every day before the last.
 */
export async function historyBefore(
  db: Db,
  programId: string,
  timezone: string,
  ats: Date[],
  atDays: string[],
  split: RollupSplit,
) {
  if (ats.length === 0) return [];
  const result = await sql<{ bucket: number; redeemed: string; expired: string }>`
    with days as (
      select day, redeemed, expired from report_deferred_days where ${rolledDays(programId, split)}
      union all
      ${live(split, (start, end) => historyFigures(programId, timezone, start, end))}
    )
    select width_bucket(day, ${arrayLiteral(atDays)}::date[]) as bucket,
           coalesce(sum(redeemed), 0) as redeemed, coalesce(sum(expired), 0) as expired
      from days
     where day < ${atDays[atDays.length - 1] ?? "-infinity"}::date
     group by 1`.execute(db);
  // Bucket b holds [ats[b-1], ats[b]); what happened before ats[i] is buckets 0..i.
  const per = new Map(result.rows.map((r) => [Number(r.bucket), { redeemed: Number(r.redeemed), expired: Number(r.expired) }]));
  let redeemed = 0;
  let expired = 0;
  return ats.map((at, i) => {
    const b = per.get(i);
    redeemed += b?.redeemed ?? 0;
    expired += b?.expired ?? 0;
    return { at, redeemed, expired };
  });
}

/** A report's layers and periods as days: each layer's month (first day), each period's first day and the range's end day. */
export interface LayerDays {
  monthDays: string[];
  boundDays: string[];
  endDay: string;
}

/**
 * Purchases that happened before the range's end and earned points (a lot), per layer (the month
 * the purchase happened) and period (bucket 0 is before the range), counted by when they happened
 * (occurredAt, however late they were posted): their count, net amount, the points their lots were
 * credited with, and the exact amount allocated to those points with the rate in force when the
 * purchase happened (`steps`). `split` covers every day before the end; its changed days include
 * those allocated with another rate (repricedDays).
 */
export async function purchaseSales(
  db: Db,
  programId: string,
  timezone: string,
  p: LayerDays & { steps: PriceSteps },
  split: RollupSplit,
): Promise<SalesCell[]> {
  const result = await sql<{
    layer: number;
    bucket: number;
    purchases: string;
    sales: string;
    points: string;
    allocated: string;
  }>`
    with days as (
      select day, purchases, sales, points, allocated from report_deferred_days
       where ${rolledDays(programId, split)} and purchases > 0
      union all
      select day, purchases, sales, points, allocated from (
        ${live(split, (start, end) => salesFigures(programId, timezone, p.steps, start, end))}) s
    )
    select width_bucket(date_trunc('month', day::timestamp)::date, ${arrayLiteral(p.monthDays)}::date[]) as layer,
           width_bucket(day, ${arrayLiteral(p.boundDays)}::date[]) as bucket,
           sum(purchases) as purchases, sum(sales) as sales, sum(points) as points, coalesce(sum(allocated), 0) as allocated
      from days
     where day < ${p.endDay}::date
     group by 1, 2
     order by 1, 2`.execute(db);
  return result.rows.map((r) => ({
    layer: Number(r.layer),
    bucket: Number(r.bucket),
    purchases: Number(r.purchases),
    sales: Number(r.sales),
    points: Number(r.points),
    allocated: Number(r.allocated),
  }));
}

/**
 * What happened to the points of purchase lots before the range's end, per layer (the month the
 * purchase happened) and period (by the postings' effective time), from the postings on those
 * lots (see layerFigures). `split` covers every day before the end.
 */
export async function purchaseLotFlows(
  db: Db,
  programId: string,
  timezone: string,
  p: LayerDays,
  split: RollupSplit,
): Promise<FlowCell[]> {
  const result = await sql<{
    layer: number;
    bucket: number;
    issued: string;
    outstanding: string;
    redeemed: string;
    expired: string;
  }>`
    with days as (
      select day, issue_month, issued_after, issued, outstanding, redeemed, expired from report_deferred_layers
       where ${rolledDays(programId, split)}
      union all
      ${live(split, (start, end) => layerFigures(programId, timezone, start, end))}
    )
    select width_bucket(issue_month, ${arrayLiteral(p.monthDays)}::date[]) as layer,
           width_bucket(day, ${arrayLiteral(p.boundDays)}::date[]) as bucket,
           sum(issued) as issued, sum(outstanding) as outstanding, sum(redeemed) as redeemed, sum(expired) as expired
      from days
     where day < ${p.endDay}::date and issued_after < ${p.endDay}::date
     group by 1, 2
     order by 1, 2`.execute(db);
  return result.rows.map((r) => ({
    layer: Number(r.layer),
    bucket: Number(r.bucket),
    issued: Number(r.issued),
    outstanding: Number(r.outstanding),
    redeemed: Number(r.redeemed),
    expired: Number(r.expired),
  }));
}
