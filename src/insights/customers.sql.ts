import { sql } from "kysely";
import type { Db } from "../db/schema.ts";
import type { BgNbdParameters } from "./customer-value.rules.ts";
import { COUNTED } from "./customer-value.sql.ts";

/**
 * Loyal vs non-loyal (issue 14): members' and non-members' purchases side by side, members before and after
 * joining, the non-members' summaries by customerRef, and members whose P(alive) is falling. Purchases are
 * counted as the customer-value fit counts them (COUNTED), for their amount less what was returned.
 *
 * A customerRef is *a member's* when a purchase of a member's carries it (a claimed guest purchase keeps its
 * reference, and an integrator may send it on members' purchases too): its other guest purchases are the
 * member's from before joining, not a non-member's.
 */

/** The references members' purchases carry (the index events_customer_ref, refs not null). */
const membersRefs = (programId: string) => sql`
  select distinct customer_ref from events
   where program_id = ${programId} and customer_ref is not null and member_id is not null and type = 'purchase'`;

export interface SideRow {
  side: "members" | "non_members" | "anonymous" | "joined_since";
  customers: number;
  purchases: number;
  revenue: number;
  repeat_customers: number;
  previous_customers: number;
  retained_customers: number;
}

export interface ComparisonBounds {
  timezone: string;
  previousStart: Date;
  start: Date;
  end: Date;
}

/**
 * Each side's counts in the window: members (purchases with a member, claimed ones included) and non-members
 * (guest purchases with a customerRef no member's purchase carries) per customer; guest purchases without a
 * reference (anonymous) and under a member's reference (joined_since) as purchases and revenue only.
 */
export async function sideCounts(db: Db, programId: string, w: ComparisonBounds): Promise<SideRow[]> {
  const result = await sql<SideRow>`
    with linked as (${membersRefs(programId)}),
    purchases as (
      select e.member_id, e.customer_ref, (e.occurred_at at time zone ${w.timezone})::date as day,
             coalesce(e.amount, 0) - e.returned_amount as spend, e.occurred_at >= ${w.start} as in_window,
             l.customer_ref is not null as linked
        from events e left join linked l on l.customer_ref = e.customer_ref
       where e.program_id = ${programId} and ${COUNTED}
         and e.occurred_at >= ${w.previousStart} and e.occurred_at < ${w.end}
    ), sided as (
      select case when member_id is not null then 'members'
                  when customer_ref is null then 'anonymous'
                  when linked then 'joined_since'
                  else 'non_members' end as side,
             coalesce(member_id, customer_ref, '') as customer, day, spend, in_window
        from purchases
    ), customers as (
      select side, customer,
             count(*) filter (where in_window) as purchases,
             coalesce(sum(spend) filter (where in_window), 0) as revenue,
             count(distinct day) filter (where in_window) as days,
             bool_or(not in_window) as before
        from sided
       where side in ('members', 'non_members')
       group by side, customer
    )
    select side, (count(*) filter (where purchases > 0))::int as customers, sum(purchases)::int as purchases,
           sum(revenue)::float8 as revenue, (count(*) filter (where days >= 2))::int as repeat_customers,
           (count(*) filter (where before))::int as previous_customers,
           (count(*) filter (where before and purchases > 0))::int as retained_customers
      from customers group by side
    union all
    select side, 0, count(*)::int, sum(spend)::float8, 0, 0, 0
      from sided where side in ('anonymous', 'joined_since') and in_window group by side`.execute(db);
  return result.rows;
}

export interface MembersClvRow {
  members: number;
  valued: number;
  mean_clv: number | null;
}

/** The stored CLV (customer_values, the latest member fit) of the members with a purchase in the window. */
export async function membersClv(db: Db, programId: string, w: Pick<ComparisonBounds, "start" | "end">) {
  const result = await sql<MembersClvRow>`
    with buyers as (
      select distinct member_id from events
       where program_id = ${programId} and ${COUNTED} and member_id is not null
         and occurred_at >= ${w.start} and occurred_at < ${w.end}
    )
    select count(*)::int as members, count(v.clv)::int as valued, avg(v.clv)::float8 as mean_clv
      from buyers b left join customer_values v on v.program_id = ${programId} and v.member_id = b.member_id`.execute(db);
  return result.rows[0] ?? { members: 0, valued: 0, mean_clv: null };
}

export interface JoiningRow {
  members: number;
  purchases_before: number;
  revenue_before: number;
  purchases_after: number;
  revenue_after: number;
  exposure_before: number;
  exposure_after: number;
}

/**
 * Members with a claimed guest purchase: their purchases in the window before and after they joined (the
 * member's enrolment instant), their own (claimed ones included) and the guest purchases under a reference of
 * theirs never claimed; and the days each was observed in either part of the window (up to `observedEnd`).
 */
export async function joiningCounts(
  db: Db,
  programId: string,
  w: Pick<ComparisonBounds, "start"> & { observedEnd: Date },
): Promise<JoiningRow> {
  const result = await sql<JoiningRow>`
    with joined as (
      select m.id as member_id, m.created_at as joined_at from members m
       where m.program_id = ${programId}
         and exists (select 1 from events c
                      where c.program_id = ${programId} and c.member_id = m.id and c.status = 'claimed' and c.type = 'purchase')
    ), refs as (
      select distinct e.member_id, e.customer_ref
        from events e join joined j on j.member_id = e.member_id
       where e.program_id = ${programId} and e.customer_ref is not null and e.type = 'purchase'
    ), bought as (
      select j.member_id, j.joined_at, e.occurred_at, coalesce(e.amount, 0) - e.returned_amount as spend
        from joined j join events e on e.program_id = ${programId} and e.member_id = j.member_id
       where ${COUNTED} and e.occurred_at >= ${w.start} and e.occurred_at < ${w.observedEnd}
      union all
      select j.member_id, j.joined_at, e.occurred_at, coalesce(e.amount, 0) - e.returned_amount as spend
        from refs r join joined j on j.member_id = r.member_id
        join events e on e.program_id = ${programId} and e.customer_ref = r.customer_ref and e.member_id is null
       where ${COUNTED} and e.occurred_at >= ${w.start} and e.occurred_at < ${w.observedEnd}
    ), exposure as (
      select coalesce(sum(greatest(0, extract(epoch from (least(joined_at, ${w.observedEnd}::timestamptz) - ${w.start}::timestamptz)))), 0) / 86400.0 as before,
             coalesce(sum(greatest(0, extract(epoch from (${w.observedEnd}::timestamptz - greatest(joined_at, ${w.start}::timestamptz))))), 0) / 86400.0 as after,
             count(*)::int as members
        from joined
    )
    select x.members,
           (select count(*) from bought where occurred_at < joined_at)::int as purchases_before,
           (select coalesce(sum(spend), 0) from bought where occurred_at < joined_at)::float8 as revenue_before,
           (select count(*) from bought where occurred_at >= joined_at)::int as purchases_after,
           (select coalesce(sum(spend), 0) from bought where occurred_at >= joined_at)::float8 as revenue_after,
           x.before::float8 as exposure_before, x.after::float8 as exposure_after
      from exposure x`.execute(db);
  const row = result.rows[0];
  if (!row) throw new Error("the joining counts answer one row");
  return row;
}

export interface RefSummaryRow {
  customer_ref: string;
  frequency: number;
  recency: number;
  age: number;
  repeat_spend: number;
  purchases: number;
  spend: number;
  first_day: string;
  last_day: string;
  /** A purchase on or after `windowFrom`. */
  in_window: boolean;
}

/**
 * The summary step (as customer-value.sql.ts `summaryRows`) on non-members' guest purchases by customerRef, up
 * to `end`, with T running to `asOf`; references a member's purchase carries are left out. In code-unit order.
 */
export async function nonMemberSummaries(
  db: Db,
  programId: string,
  w: { timezone: string; end: Date; asOf: string; windowFrom: string },
): Promise<RefSummaryRow[]> {
  const result = await sql<RefSummaryRow>`
    with linked as (${membersRefs(programId)}),
    days as (
      select e.customer_ref, (e.occurred_at at time zone ${w.timezone})::date as day,
             sum(coalesce(e.amount, 0) - e.returned_amount) as spend, count(*) as n
        from events e
       where e.program_id = ${programId} and ${COUNTED} and e.member_id is null and e.customer_ref is not null
         and e.occurred_at < ${w.end}
         and not exists (select 1 from linked l where l.customer_ref = e.customer_ref)
       group by 1, 2
    ), marked as (
      select customer_ref, day, spend, n, min(day) over (partition by customer_ref) as first_day from days
    )
    select customer_ref, (count(*) - 1)::int as frequency, (max(day) - min(day))::int as recency,
           (${w.asOf}::date - min(day))::int as age,
           coalesce(sum(spend) filter (where day > first_day), 0)::float8 as repeat_spend,
           sum(n)::int as purchases, sum(spend)::float8 as spend,
           min(day)::text as first_day, max(day)::text as last_day,
           bool_or(day >= ${w.windowFrom}::date) as in_window
      from marked
     group by customer_ref
     order by customer_ref collate "C"`.execute(db);
  return result.rows;
}

/** The BG/NBD's P(alive | x, t_x, T) in SQL (customer-value.rules.ts bgnbdProbabilityAlive), log odds clamped to +-700 so exp never leaves float8. */
function probabilityAlive(p: BgNbdParameters, x: string, tx: string, T: string) {
  const [r, alpha, a, b] = [p.r, p.alpha, p.a, p.b].map((v) => sql`${v}::float8`);
  const [X, TX, TT] = [x, tx, T].map((c) => sql.ref(c));
  return sql`case when ${X} = 0 then 1.0::float8 else 1.0 / (1.0 + exp(least(700.0, greatest(-700.0,
    ln(${a} / (${b} + ${X} - 1)) + (${r} + ${X}) * ln((${alpha} + ${TT}) / (${alpha} + ${TX})))))) end`;
}

export interface AtRiskRow {
  member_id: string;
  name: string | null;
  /** The latest fit's stored CLV; null when the fit did not value the member. */
  stored_clv: number | null;
  first_day: string;
  last_day: string;
  days_since: number;
  purchase_days: number;
  frequency_now: number;
  recency_now: number;
  age_now: number;
  frequency_then: number;
  recency_then: number;
  age_then: number;
  /** The repeat days' spend up to `thenDay`, minor units. */
  repeat_spend_then: number;
  alive_then: number;
  alive_now: number;
}

export interface AtRiskQuery {
  timezone: string;
  now: Date;
  today: string;
  thenDay: string;
  maxAlive: number;
  minDrop: number;
}

/**
 * Members whose P(alive) fell: now (their purchase days up to now, T to today) below maxAlive and at least
 * minDrop below then (their purchase days up to `thenDay`, T to `then`), with the fit's BG/NBD parameters, and with
 * their history up to `thenDay` for the caller to value. Members first seen after `thenDay` have no earlier figure
 * and are left out.
 */
export async function fallingMembers(db: Db, programId: string, params: BgNbdParameters, q: AtRiskQuery): Promise<AtRiskRow[]> {
  const result = await sql<AtRiskRow>`
    with days as (
      select member_id, (occurred_at at time zone ${q.timezone})::date as day, sum(coalesce(amount, 0) - returned_amount) as spend
        from events
       where program_id = ${programId} and ${COUNTED} and member_id is not null and occurred_at < ${q.now}
       group by 1, 2
    ), marked as (
      select member_id, day, spend, min(day) over (partition by member_id) as first_day from days
    ), h as (
      select member_id, min(day) as first_day, max(day) as last_day, count(*)::int as purchase_days,
             (count(*) - 1)::int as frequency_now, (count(*) filter (where day <= ${q.thenDay}::date) - 1)::int as frequency_then,
             max(day) filter (where day <= ${q.thenDay}::date) as last_then,
             coalesce(sum(spend) filter (where day > first_day and day <= ${q.thenDay}::date), 0) as repeat_spend_then
        from marked group by member_id
    ), figures as (
      select member_id, first_day, last_day, purchase_days, frequency_now, frequency_then, repeat_spend_then,
             (last_day - first_day)::float8 as recency_now, (${q.today}::date - first_day)::float8 as age_now,
             (last_then - first_day)::float8 as recency_then, (${q.thenDay}::date - first_day)::float8 as age_then
        from h
       where first_day <= ${q.thenDay}::date
    ), scored as (
      select f.*, ${probabilityAlive(params, "frequency_now", "recency_now", "age_now")} as alive_now,
             ${probabilityAlive(params, "frequency_then", "recency_then", "age_then")} as alive_then
        from figures f
    )
    select s.member_id, m.name, v.clv as stored_clv, s.first_day::text as first_day, s.last_day::text as last_day,
           (${q.today}::date - s.last_day)::int as days_since, s.purchase_days, s.frequency_now, s.recency_now, s.age_now,
           s.frequency_then, s.recency_then, s.age_then, s.repeat_spend_then::float8 as repeat_spend_then,
           s.alive_then, s.alive_now
      from scored s
      join members m on m.id = s.member_id
      left join customer_values v on v.program_id = ${programId} and v.member_id = s.member_id
     where s.alive_now < ${q.maxAlive} and s.alive_then - s.alive_now >= ${q.minDrop}
     order by s.member_id collate "C"`.execute(db);
  return result.rows;
}

/** The median stored CLV: the default threshold of "valuable"; null without stored values. */
export async function medianClv(db: Db, programId: string): Promise<number | null> {
  const result = await sql<{ median: number | null }>`
    select percentile_disc(0.5) within group (order by clv) as median from customer_values where program_id = ${programId}`.execute(
    db,
  );
  return result.rows[0]?.median ?? null;
}
