import { type RawBuilder, sql } from "kysely";
import type { Db } from "../db/schema.ts";
import type { DayRange, RollupSplit } from "./rollups.sql.ts";

/** The campaigns whose results are read: one, or all of the programme's (oldest first). */
export async function campaignsOf(db: Db, programId: string, campaignId?: string) {
  let query = db
    .selectFrom("campaigns")
    .select(["id", "name", "status", "starts_at", "ends_at", "holdout_percent", "created_at"])
    .where("program_id", "=", programId);
  if (campaignId !== undefined) query = query.where("id", "=", campaignId);
  return query.orderBy("created_at").orderBy("id").execute();
}

export const programFacts = (db: Db, programId: string) =>
  db.selectFrom("programs").select(["timezone", "currency", "point_value"]).where("id", "=", programId).executeTakeFirst();

/** Each campaign's window: [start, end) and the equally long window before it, [beforeStart, start). */
export interface CampaignWindow {
  campaignId: string;
  beforeStart: Date;
  start: Date;
  end: Date;
}

/**
 * How members' spend over one window [beforeStart, end) is read (campaigns with the same window
 * share one): the days of `split.rolled` from report_member_spend_days, less `split.changed`, and
 * the purchases of `split.live` from the events, each side of `start` (its day: `startDay`).
 */
export interface SpendRead {
  key: number;
  startDay: string;
  start: Date;
  split: RollupSplit;
}

/** A campaign's window and the spend read it takes its members' figures from. */
export type ReadWindow = CampaignWindow & { read: number };

/** A PostgreSQL array literal (one text parameter, the same on both engines); ids and instants hold no quote or comma. */
const arrayLiteral = (values: string[]) => `{${values.map((v) => `"${v}"`).join(",")}}`;

/**
 * The campaigns' windows as a relation, from four array parameters.
 */
const windows = (list: CampaignWindow[]) => sql`
  select * from unnest(
    ${arrayLiteral(list.map((w) => w.campaignId))}::text[],
    ${arrayLiteral(list.map((w) => w.beforeStart.toISOString()))}::timestamptz[],
    ${arrayLiteral(list.map((w) => w.start.toISOString()))}::timestamptz[],
    ${arrayLiteral(list.map((w) => w.end.toISOString()))}::timestamptz[]
  ) as w(campaign_id, before_start, start_at, end_at)`;

/** The campaigns' windows with the spend read of each, as a relation. */
const readWindows = (list: ReadWindow[]) => sql`
  select * from unnest(
    ${arrayLiteral(list.map((w) => w.campaignId))}::text[],
    ${arrayLiteral(list.map((w) => w.beforeStart.toISOString()))}::timestamptz[],
    ${arrayLiteral(list.map((w) => w.start.toISOString()))}::timestamptz[],
    ${arrayLiteral(list.map((w) => w.end.toISOString()))}::timestamptz[],
    ${arrayLiteral(list.map((w) => String(w.read)))}::int[]
  ) as w(campaign_id, before_start, start_at, end_at, read_key)`;

/**
 * Each member's counted purchases and net spend in a window and in the window before, per spend
 * read (`k`): summed from report_member_spend_days over the read's rolled-up days (less the days
 * changed since the rollup's watermark) and from the events over its live instant ranges. Members
 * with no purchase in either window have no row.
 */
const memberSpend = (programId: string, reads: SpendRead[]) => {
  const changed = reads.flatMap((r) => r.split.changed.map((day) => ({ key: r.key, day })));
  const live = reads.flatMap((r) => r.split.live.map((l) => ({ key: r.key, ...l })));
  return sql`
  select k, member_id, sum(purchases) as purchases, sum(spend) as spend, sum(spend_before) as spend_before
    from (
      select rd.k, d.member_id,
             case when d.day >= rd.start_day then d.purchases else 0 end as purchases,
             case when d.day >= rd.start_day then d.spend else 0 end as spend,
             case when d.day < rd.start_day then d.spend else 0 end as spend_before
        from (select * from unnest(
                ${arrayLiteral(reads.map((r) => String(r.key)))}::int[],
                ${arrayLiteral(reads.map((r) => r.split.rolled.from))}::date[],
                ${arrayLiteral(reads.map((r) => r.split.rolled.to))}::date[],
                ${arrayLiteral(reads.map((r) => r.startDay))}::date[]) as rd(k, rolled_from, rolled_to, start_day)
               where rolled_from < rolled_to) rd
        join report_member_spend_days d on d.program_id = ${programId} and d.day >= rd.rolled_from and d.day < rd.rolled_to
       where not exists (
         select 1 from unnest(
           ${arrayLiteral(changed.map((c) => String(c.key)))}::int[],
           ${arrayLiteral(changed.map((c) => c.day))}::date[]) as c(k, day)
          where c.k = rd.k and c.day = d.day)
      union all
      select lv.k, e.member_id,
             case when e.occurred_at >= lv.start_at then 1 else 0 end,
             case when e.occurred_at >= lv.start_at then e.amount - e.returned_amount else 0 end,
             case when e.occurred_at < lv.start_at then e.amount - e.returned_amount else 0 end
        from unnest(
               ${arrayLiteral(live.map((l) => String(l.key)))}::int[],
               ${arrayLiteral(live.map((l) => l.start.toISOString()))}::timestamptz[],
               ${arrayLiteral(live.map((l) => l.end.toISOString()))}::timestamptz[],
               ${arrayLiteral(live.map((l) => (reads.find((r) => r.key === l.key) as SpendRead).start.toISOString()))}::timestamptz[]
             ) as lv(k, s, e, start_at)
        join events e on e.program_id = ${programId} and e.type = 'purchase' and e.status <> 'rejected'
             and e.amount > e.returned_amount and e.member_id is not null
             and e.occurred_at >= lv.s and e.occurred_at < lv.e
    ) x
   group by k, member_id`;
};

/**
 * A (campaign, member) pair's holdout bucket, as `holdoutBucket` (earning/campaign-reach.rules.ts)
 * draws it: sha256("<campaign id>:<member id>")'s first four bytes, as an unsigned integer, modulo
 * 10,000. The one SQL statement of the draw: the report reads it for pairs without a stored bucket,
 * the jobs store it (rebuildCampaignBuckets).
 */
const holdoutBucket = (campaignId: RawBuilder<unknown>, memberId: RawBuilder<unknown>) => sql`(
  select ((get_byte(h, 0)::bigint * 16777216 + get_byte(h, 1) * 65536 + get_byte(h, 2) * 256 + get_byte(h, 3)) % 10000)::int
    from (select sha256(convert_to(${campaignId} || ':' || ${memberId}, 'UTF8')) as h) h)`;

/**
 * Whether a member (`m`) meets one audience condition (`cond`, a MemberCondition as stored), in
 * SQL, as `failedCondition` (earning/conditions.rules.ts) judges it on the member's facts now:
 * member_attribute (eq/neq/in by JSON equality, exists, gte/lte between two numbers or two
 * strings), tier (the member's tier by id or name), segment (the strings of attributes.segments).
 */
const conditionHolds = sql`
  case cond->>'type'
    when 'tier' then exists (
      select 1 from tiers t, jsonb_array_elements_text(cond->'in') l
       where t.id = m.tier_id and (l = t.id or l = t.name))
    when 'segment' then exists (
      select 1
        from jsonb_array_elements(case when jsonb_typeof(m.attributes->'segments') = 'array'
                                       then m.attributes->'segments' else '[]'::jsonb end) s,
             jsonb_array_elements_text(cond->'in') l
       where jsonb_typeof(s) = 'string' and s #>> '{}' = l)
    when 'member_attribute' then (
      case coalesce(cond->>'op', 'eq')
        when 'eq' then (m.attributes -> (cond->>'key')) is not distinct from (cond->'value')
        when 'neq' then (m.attributes -> (cond->>'key')) is distinct from (cond->'value')
        when 'in' then exists (
          select 1 from jsonb_array_elements(case when jsonb_typeof(cond->'value') = 'array'
                                                  then cond->'value' else '[]'::jsonb end) v
           where v = m.attributes -> (cond->>'key'))
        when 'exists' then coalesce(jsonb_typeof(m.attributes -> (cond->>'key')), 'null') <> 'null'
        else (
          case
            when jsonb_typeof(m.attributes -> (cond->>'key')) = 'number' and jsonb_typeof(cond->'value') = 'number'
              then case when cond->>'op' = 'gte'
                        then (m.attributes -> (cond->>'key'))::numeric >= (cond->'value')::numeric
                        else (m.attributes -> (cond->>'key'))::numeric <= (cond->'value')::numeric end
            when jsonb_typeof(m.attributes -> (cond->>'key')) = 'string' and jsonb_typeof(cond->'value') = 'string'
              then case when cond->>'op' = 'gte'
                        then (m.attributes ->> (cond->>'key')) collate "C" >= (cond->>'value') collate "C"
                        else (m.attributes ->> (cond->>'key')) collate "C" <= (cond->>'value') collate "C" end
            else false
          end)
      end)
    else false
  end`;

/**
 * Every campaign's audience, each member in their group, with what they bought: one row per
 * (campaign, member). The audience is the members enrolled before the window's end who meet all
 * of the campaign's audience conditions now (no conditions: every member). A member is held out
 * when sha256("<campaign id>:<member id>")'s first four bytes, as an unsigned integer, modulo
 * 10,000 are below holdout_percent x 100: `holdoutBucket` (earning/campaign-reach.rules.ts) in SQL,
 * so every audience member is in a group whether or not they had an event; the bucket is read from
 * report_campaign_buckets, or drawn here for a pair the jobs have not written yet. Purchases count
 * by when they happened, net of returns (not rejected; a purchase returned in full is no purchase),
 * read per member from the daily rollup and live (memberSpend).
 */
const perMember = (programId: string, list: ReadWindow[], reads: SpendRead[]) => sql`
  with w as (${readWindows(list)}),
  aud as (
    select c.id as campaign_id, m.id as member_id, m.created_at, w.before_start, w.read_key,
           c.holdout_percent > 0
             and coalesce(b.bucket, ${holdoutBucket(sql.ref("c.id"), sql.ref("m.id"))}) < c.holdout_percent * 100 as held_out
      from w
      join campaigns c on c.id = w.campaign_id and c.program_id = ${programId}
      join members m on m.program_id = ${programId} and m.created_at < w.end_at
      left join report_campaign_buckets b on b.program_id = ${programId} and b.campaign_id = c.id and b.member_id = m.id
           and b.campaign_id = any(${arrayLiteral(list.map((w) => w.campaignId))}::text[])
     where jsonb_array_length(c.audience) = 0
        or not exists (select 1 from jsonb_array_elements(c.audience) cond where not (${conditionHolds}))
  ),
  spent as (${memberSpend(programId, reads)})
  select a.campaign_id, a.held_out, a.created_at < a.before_start as steady,
         coalesce(s.purchases, 0) as purchases,
         coalesce(s.spend, 0)::numeric as spend,
         coalesce(s.spend_before, 0)::numeric as spend_before
    from aud a
    left join spent s on s.k = a.read_key and s.member_id = a.member_id`;

export interface GroupRow {
  campaignId: string;
  heldOut: boolean;
  members: number;
  buyers: number;
  purchases: number;
  spend: number;
  spendVariance: number | null;
  /** Members enrolled before the before-window began, and their spend in each window. */
  steadyMembers: number;
  steadySpendBefore: number;
  steadySpendDuring: number;
  /** Each member's spend in the window, ascending (asked for with `withSpends`: what a bootstrap resamples), else null. */
  spends: number[] | null;
}

/**
 * Per campaign and group (treated, held out): members, buyers, purchases, spend and its variance per
 * member, in one round trip; with `withSpends`, each member's spend too (one campaign's bootstrap),
 * from the same rows rather than a second pass over the audience.
 */
export async function groupFigures(
  db: Db,
  programId: string,
  list: ReadWindow[],
  reads: SpendRead[],
  withSpends = false,
): Promise<GroupRow[]> {
  if (list.length === 0) return [];
  const result = await sql<{
    campaign_id: string;
    held_out: boolean;
    members: string;
    buyers: string;
    purchases: string;
    spend: string;
    spend_variance: string | null;
    steady_members: string;
    steady_before: string;
    steady_during: string;
    spends: string[] | null;
  }>`
    with pm as (${perMember(programId, list, reads)})
    select campaign_id, held_out, count(*) as members, count(*) filter (where purchases > 0) as buyers,
           sum(purchases) as purchases, sum(spend) as spend, var_samp(spend) as spend_variance,
           count(*) filter (where steady) as steady_members,
           coalesce(sum(spend_before) filter (where steady), 0) as steady_before,
           coalesce(sum(spend) filter (where steady), 0) as steady_during,
           ${withSpends ? sql`array_agg(spend::text order by spend)` : sql`null::text[]`} as spends
      from pm
     group by campaign_id, held_out`.execute(db);
  return result.rows.map((r) => ({
    campaignId: r.campaign_id,
    heldOut: r.held_out,
    members: Number(r.members),
    buyers: Number(r.buyers),
    purchases: Number(r.purchases),
    spend: Number(r.spend),
    spendVariance: r.spend_variance === null ? null : Number(r.spend_variance),
    steadyMembers: Number(r.steady_members),
    steadySpendBefore: Number(r.steady_before),
    steadySpendDuring: Number(r.steady_during),
    spends: r.spends === null ? null : r.spends.map(Number),
  }));
}

/**
 * Points each campaign's rules awarded for events in its window (by when they occurred), the
 * points returns took back from those awards' campaigns in the window, the members awarded, and
 * the members whose event a rule of the campaign matched while they were held out.
 */
export async function campaignPoints(db: Db, programId: string, list: CampaignWindow[]) {
  if (list.length === 0) return [];
  const result = await sql<{
    campaign_id: string;
    awarded: string;
    returned: string;
    members_awarded: string;
    members_held_out: string;
  }>`
    with w as (${windows(list)})
    select w.campaign_id,
           (select coalesce(sum(a.points), 0) from event_awards a
             where a.program_id = ${programId} and a.campaign_id = w.campaign_id and a.outcome = 'awarded'
               and a.occurred_at >= w.start_at and a.occurred_at < w.end_at) as awarded,
           (select coalesce(sum(r.points), 0) from campaign_budget_refunds r
              join events e on e.program_id = r.program_id and e.id = r.event_id
             where r.program_id = ${programId} and r.campaign_id = w.campaign_id
               and e.occurred_at >= w.start_at and e.occurred_at < w.end_at) as returned,
           (select count(distinct a.member_id) from event_awards a
             where a.program_id = ${programId} and a.campaign_id = w.campaign_id and a.outcome = 'awarded'
               and a.occurred_at >= w.start_at and a.occurred_at < w.end_at) as members_awarded,
           (select count(distinct a.member_id) from event_awards a
             where a.program_id = ${programId} and a.campaign_id = w.campaign_id and a.outcome = 'holdout'
               and a.occurred_at >= w.start_at and a.occurred_at < w.end_at) as members_held_out
      from w`.execute(db);
  return result.rows.map((r) => ({
    campaignId: r.campaign_id,
    pointsAwarded: Number(r.awarded),
    pointsReturned: Number(r.returned),
    membersAwarded: Number(r.members_awarded),
    membersHeldOutTriggered: Number(r.members_held_out),
  }));
}

// ---------------------------------------------------------------------------------------------
// The members' daily spend rollup (report_member_spend_days), kept by the jobs

/**
 * Rewrites the days [from, to) of report_member_spend_days: per day (programme zone) and member,
 * the purchases that count (not refused, not returned in full) and their spend net of returns.
 * Its days change with the events recorded or changed since a watermark, and a return changes its
 * purchase's day: exactly the daily purchases rollup's changed days (rollups.sql.ts).
 */
export async function rebuildMemberSpend(tx: Db, programId: string, timezone: string, days: DayRange): Promise<void> {
  await sql`delete from report_member_spend_days
    where program_id = ${programId} and day >= ${days.from}::date and day < ${days.to}::date`.execute(tx);
  await sql`insert into report_member_spend_days (program_id, day, member_id, purchases, spend)
    select ${programId}, (occurred_at at time zone ${timezone})::date, member_id, count(*), sum(amount - returned_amount)
      from events
     where program_id = ${programId} and type = 'purchase' and status <> 'rejected' and amount > returned_amount
       and member_id is not null and occurred_at >= ${days.start} and occurred_at < ${days.end}
     group by 2, 3`.execute(tx);
}

// ---------------------------------------------------------------------------------------------
// The (campaign, member) holdout buckets (report_campaign_buckets), kept by the jobs

/**
 * Days with members or campaigns recorded in [since, until) (until null: up to now): the pairs
 * they make need a bucket. A row never changes, so nothing else does.
 */
export async function changedBucketDays(db: Db, programId: string, timezone: string, since: Date, until: Date | null) {
  const recorded = until ? sql`created_at >= ${since} and created_at < ${until}` : sql`created_at >= ${since}`;
  const result = await sql<{ day: string }>`
    select to_char((created_at at time zone ${timezone})::date, 'YYYY-MM-DD') as day
      from members where program_id = ${programId} and ${recorded}
    union
    select to_char((created_at at time zone ${timezone})::date, 'YYYY-MM-DD')
      from campaigns where program_id = ${programId} and ${recorded}`.execute(db);
  return result.rows.map((r) => r.day).sort();
}

/**
 * Stores the bucket of every pair of a member or campaign created in [start, end) that has none:
 * those members with every campaign, those campaigns with every member. Running it again, or in
 * another zone, adds nothing.
 */
export async function rebuildCampaignBuckets(tx: Db, programId: string, _timezone: string, days: DayRange): Promise<void> {
  const missing = sql`not exists (select 1 from report_campaign_buckets b
    where b.program_id = ${programId} and b.campaign_id = c.id and b.member_id = m.id)`;
  await sql`insert into report_campaign_buckets (program_id, campaign_id, member_id, bucket)
    select ${programId}, c.id, m.id, ${holdoutBucket(sql.ref("c.id"), sql.ref("m.id"))}
      from members m join campaigns c on c.program_id = ${programId}
     where m.program_id = ${programId} and m.created_at >= ${days.start} and m.created_at < ${days.end} and ${missing}
    on conflict do nothing`.execute(tx);
  await sql`insert into report_campaign_buckets (program_id, campaign_id, member_id, bucket)
    select ${programId}, c.id, m.id, ${holdoutBucket(sql.ref("c.id"), sql.ref("m.id"))}
      from campaigns c join members m on m.program_id = ${programId}
     where c.program_id = ${programId} and c.created_at >= ${days.start} and c.created_at < ${days.end} and ${missing}
    on conflict do nothing`.execute(tx);
}
