import { sql } from "kysely";
import type { Db } from "../db/schema.ts";
import type { FlowCell, SalesCell } from "./deferred-revenue.rules.ts";

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

/** When the first purchase that earned points happened, or null. */
export async function firstPurchaseIssue(db: Db, programId: string): Promise<Date | null> {
  const result = await sql<{ first: Date | null }>`
    select min(e.occurred_at) as first from events e
     where e.program_id = ${programId} and e.type = 'purchase' and e.txn_id is not null`.execute(db);
  const first = result.rows[0]?.first;
  return first ? new Date(first) : null;
}

/**
 * Points ever redeemed and expired (the `redeemed` and `breakage` system accounts, so net of
 * refunds, cancellations and expired points taken back) before each of `ats`: the history the
 * estimate falls back on.
 */
export async function historyBefore(db: Db, programId: string, ats: Date[]) {
  if (ats.length === 0) return [];
  const result = await sql<{ bucket: number; redeemed: string; expired: string }>`
    select width_bucket(effective_at, ${instants(ats)}::timestamptz[]) as bucket,
           coalesce(sum(amount) filter (where account = 'redeemed'), 0) as redeemed,
           coalesce(sum(amount) filter (where account = 'breakage'), 0) as expired
      from postings
     where program_id = ${programId} and member_id is null and account in ('redeemed', 'breakage')
       and effective_at < ${ats[ats.length - 1] ?? new Date(0)}
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

/**
 * Purchases that happened before `end` and earned points (a lot), per layer (the month the purchase
 * happened, by `months`) and period (by `bounds`: bucket 0 is before the range), counted by when
 * they happened (occurredAt, however late they were posted): their count, net amount (amount -
 * returned_amount), the points their lots were credited with, and the exact amount allocated to
 * those points by relative stand-alone selling price, with the rate in force when the purchase
 * happened (`rateBreaks` / `rates`, a step function of time).
 */
export async function purchaseSales(
  db: Db,
  programId: string,
  p: { months: Date[]; bounds: Date[]; end: Date; rateBreaks: Date[]; rates: number[]; pointValue: number },
): Promise<SalesCell[]> {
  const result = await sql<{
    layer: number;
    bucket: number;
    purchases: string;
    sales: string;
    points: string;
    allocated: string;
  }>`
    with sales as (
      select e.occurred_at as issued_at,
             greatest(e.amount - e.returned_amount, 0)::numeric as net,
             sum(l.amount)::numeric as points
        from events e
        join lots l on l.txn_id = e.txn_id and l.program_id = e.program_id
       where e.program_id = ${programId} and e.type = 'purchase' and e.txn_id is not null
         and e.occurred_at < ${p.end}
       group by e.id, e.occurred_at, e.amount, e.returned_amount
    ), priced as (
      select issued_at, net, points,
             points * ${p.pointValue}::numeric
               * (${numbers(p.rates)}::numeric[])[width_bucket(issued_at, ${instants(p.rateBreaks)}::timestamptz[])] as ssp
        from sales
    )
    select width_bucket(issued_at, ${instants(p.months)}::timestamptz[]) as layer,
           width_bucket(issued_at, ${instants(p.bounds)}::timestamptz[]) as bucket,
           count(*) as purchases,
           sum(net) as sales,
           sum(points) as points,
           coalesce(sum(case when net + ssp > 0 then net * ssp / (net + ssp) else 0 end), 0) as allocated
      from priced
     group by 1, 2`.execute(db);
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
 * What happened to the points of purchase lots before `end`, per layer (the month the purchase
 * happened) and period (by the postings' effective time), from the postings on those lots: credited by their earn, the change of what they hold for members
 * (available, pending, held), spent into `redeemed` (postings on the lot in a transaction that
 * posts to `redeemed`: captures, payments, their refunds and reversals), and moved to `breakage`
 * (booked per lot). The rest (returns' clawbacks, reversals, negative adjustments, transfers) is
 * what the rules call cancelled.
 */
export async function purchaseLotFlows(
  db: Db,
  programId: string,
  p: { months: Date[]; bounds: Date[]; end: Date },
): Promise<FlowCell[]> {
  const result = await sql<{
    layer: number;
    bucket: number;
    issued: string;
    outstanding: string;
    redeemed: string;
    expired: string;
  }>`
    with purchase_lots as (
      select l.id, l.txn_id, e.occurred_at as issued_at
        from lots l
        join events e on e.program_id = l.program_id and e.txn_id = l.txn_id and e.type = 'purchase'
       where l.program_id = ${programId} and e.occurred_at < ${p.end}
    ), redeeming as (
      select distinct txn_id from postings
       where program_id = ${programId} and account = 'redeemed' and effective_at < ${p.end}
    )
    select width_bucket(pl.issued_at, ${instants(p.months)}::timestamptz[]) as layer,
           width_bucket(x.effective_at, ${instants(p.bounds)}::timestamptz[]) as bucket,
           coalesce(sum(x.amount) filter (where x.member_id is not null and x.txn_id = pl.txn_id), 0) as issued,
           coalesce(sum(x.amount) filter (where x.member_id is not null), 0) as outstanding,
           coalesce(-sum(x.amount) filter (where x.member_id is not null and r.txn_id is not null), 0) as redeemed,
           coalesce(sum(x.amount) filter (where x.account = 'breakage'), 0) as expired
      from postings x
      join purchase_lots pl on pl.id = x.lot_id
      left join redeeming r on r.txn_id = x.txn_id
     where x.program_id = ${programId} and x.effective_at < ${p.end}
     group by 1, 2`.execute(db);
  return result.rows.map((r) => ({
    layer: Number(r.layer),
    bucket: Number(r.bucket),
    issued: Number(r.issued),
    outstanding: Number(r.outstanding),
    redeemed: Number(r.redeemed),
    expired: Number(r.expired),
  }));
}
