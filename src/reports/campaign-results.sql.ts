import { type RawBuilder, sql } from "kysely";
import type { Db } from "../db/schema.ts";
import { changedPurchaseDaysQuery, type DayRange, inRanges, type RollupSplit } from "./rollups.sql.ts";

/** The campaigns whose results are read: one, or all of the programme's (oldest first). */
export async function campaignsOf(db: Db, programId: string, campaignId?: string) {
  let query = db
    .selectFrom("campaigns")
    .select(["id", "name", "status", "starts_at", "ends_at", "holdout_percent", "created_at", "audience", "version"])
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
 *
 * Each read is its own aggregate, the rolled-up days apart from the live purchases, so a long
 * window streams its rows in member order (report_member_spend_days_member, migration 0025: an
 * index-only scan and a group per member, no hash table of every buyer to spill) and a short one
 * reads its days by the primary key; the few live members are added by a full join.
 */
const memberSpend = (programId: string, reads: SpendRead[]) =>
  sql.join(
    reads.map((r) => {
      const rolled = sql`
        select member_id, sum(purchases) filter (where day >= ${r.startDay}::date) as purchases,
               coalesce(sum(spend) filter (where day >= ${r.startDay}::date), 0) as spend,
               coalesce(sum(spend) filter (where day < ${r.startDay}::date), 0) as spend_before
          from report_member_spend_days
         where program_id = ${programId} and day >= ${r.split.rolled.from}::date and day < ${r.split.rolled.to}::date
           and day <> all(${arrayLiteral(r.split.changed)}::date[])
         group by member_id`;
      if (r.split.live.length === 0)
        return sql`select ${r.key}::int as k, member_id, coalesce(purchases, 0) as purchases, spend, spend_before from (${rolled}) r`;
      const live = sql`
        select e.member_id, count(*) filter (where e.occurred_at >= ${r.start}) as purchases,
               coalesce(sum(e.amount - e.returned_amount) filter (where e.occurred_at >= ${r.start}), 0) as spend,
               coalesce(sum(e.amount - e.returned_amount) filter (where e.occurred_at < ${r.start}), 0) as spend_before
          from events e
         where e.program_id = ${programId} and ${inRanges(r.split.live)(sql.ref("e.occurred_at"))}
           and e.type = 'purchase' and e.status <> 'rejected' and e.amount > e.returned_amount and e.member_id is not null
         group by e.member_id`;
      return sql`
        select ${r.key}::int as k, coalesce(r.member_id, l.member_id) as member_id,
               coalesce(r.purchases, 0) + coalesce(l.purchases, 0) as purchases,
               coalesce(r.spend, 0) + coalesce(l.spend, 0) as spend,
               coalesce(r.spend_before, 0) + coalesce(l.spend_before, 0) as spend_before
          from (${rolled}) r full join (${live}) l on l.member_id = r.member_id`;
    }),
    sql` union all `,
  );

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
 * Where the stored holdout draws (report_campaign_buckets) are known to be complete: every pair of
 * a member and a campaign both created outside `uncovered` (instant ranges: the days the
 * CAMPAIGN_BUCKETS rollup has not rolled up, or that changed since its watermark) has its row. A
 * member created in `uncovered` is drawn live (its stored row, if any, else the draw in SQL) for
 * every campaign; a campaign created there (`drawn` on its window) for every member.
 */
export interface BucketCoverage {
  /** [start, end) instant ranges, ISO strings or '-infinity'/'infinity'. */
  uncovered: { start: string; end: string }[];
}

/**
 * A campaign's window with its spend read, whether its holdout draws are read live (created on an
 * uncovered day), and whether it has audience conditions (judged member by member).
 */
export type GroupWindow = ReadWindow & { drawn: boolean; conditional: boolean };

/**
 * No JIT compilation for the rest of the transaction: the group figures' estimates (a full join,
 * the audience conditions' subplans) pass PostgreSQL's JIT thresholds, and compiling their few
 * hundred expressions took longer than running them (1 to 3 s of a report of 0.3 s, measured).
 */
export async function withoutJit(tx: Db): Promise<void> {
  await sql`set local jit = off`.execute(tx);
}

/** Every member judged by a campaign's audience conditions (`w.audience`) on their facts now, in SQL. */
const meetsAudience = sql`(jsonb_array_length(w.audience) = 0
  or not exists (select 1 from jsonb_array_elements(w.audience) cond where not (${conditionHolds})))`;

/**
 * The members each campaign holds out (`held`: campaign_id, member_id), whether or not they are in
 * its audience: the stored pairs whose bucket is below holdout_percent x 100 (one index range per
 * campaign, about holdout_percent of its members), and the pairs not known to be stored drawn
 * live: members created on an uncovered day, and every member of a campaign created on one.
 */
const heldOut = (programId: string, coverage: BucketCoverage, list: GroupWindow[]) => {
  const live = (members: RawBuilder<unknown>) => sql`
    select w.campaign_id, m.id as member_id
      from w ${members}
     where w.cut > 0 and coalesce(
       (select b.bucket from report_campaign_buckets b
         where b.program_id = ${programId} and b.campaign_id = w.campaign_id and b.member_id = m.id),
       ${holdoutBucket(sql.ref("w.campaign_id"), sql.ref("m.id"))}) < w.cut`;
  const parts = [
    sql`select w.campaign_id, b.member_id
      from w cross join lateral (select b.member_id from report_campaign_buckets b
                                  where b.program_id = ${programId} and b.campaign_id = w.campaign_id and b.bucket < w.cut
                                 offset 0) b
     where not w.drawn`,
  ];
  if (coverage.uncovered.length > 0)
    parts.push(
      live(sql`join unnest(${arrayLiteral(coverage.uncovered.map((u) => u.start))}::timestamptz[],
                           ${arrayLiteral(coverage.uncovered.map((u) => u.end))}::timestamptz[]) as u(s, e) on true
        join members m on m.program_id = ${programId} and m.created_at >= u.s and m.created_at < u.e
             and m.created_at < w.end_at`),
    );
  if (list.some((w) => w.drawn))
    parts.push(live(sql`join members m on m.program_id = ${programId} and m.created_at < w.end_at and w.drawn`));
  return sql.join(parts, sql` union `);
};

/**
 * Per campaign and group (treated, held out), in one statement, without a row per audience member:
 * - `spent`: each member's purchases and spend in the window and spend in the window before, per
 *   spend read, for the members who bought in either (memberSpend);
 * - the audience of a campaign with no conditions is every member enrolled before its end: its
 *   members, and its buyers' sums, come from members and buyers counted per segment of enrolment
 *   time between the windows' instants (`cuts`: every end and before-window start), so a campaign
 *   sums the segments before its end, and its steady members those before its before-window;
 * - a campaign with audience conditions judges every member on them (current facts, a live pass);
 * - the held-out group is the audience members the campaign holds out (heldOut, about
 *   holdout_percent of the members), joined to their spend; the treated group is the audience less
 *   them. Sums, sums of squares and counts subtract exactly (numeric), and the variance is
 *   var_samp's own formula over them, (n Σx² - (Σx)²) / (n (n - 1)), so the figures are exactly
 *   those of var_samp over every audience member's spend, zeros included.
 */
const groupRows = (
  programId: string,
  list: GroupWindow[],
  reads: SpendRead[],
  coverage: BucketCoverage,
  withSpends: boolean,
) => sql`
  with w as (
    select w.*, c.holdout_percent * 100 as cut, c.audience, not d.conditional as everyone, d.drawn
      from (${readWindows(list)}) w
      join campaigns c on c.id = w.campaign_id and c.program_id = ${programId}
      join unnest(${arrayLiteral(list.map((x) => x.campaignId))}::text[],
                  ${arrayLiteral(list.map((x) => String(x.drawn)))}::boolean[],
                  ${arrayLiteral(list.map((x) => String(x.conditional)))}::boolean[]) as d(campaign_id, drawn, conditional)
        on d.campaign_id = w.campaign_id
  ),
  cuts as (select array_agg(x order by x) as p, max(x) as last
             from (select end_at as x from w union select before_start from w) x),
  spent as (${memberSpend(programId, reads)}),
  seg_members as (
    select width_bucket(m.created_at, cuts.p) as seg, count(*) as n
      from cuts join members m on m.program_id = ${programId} and m.created_at < cuts.last
     where exists (select 1 from w where w.everyone)
     group by 1
  ),
  bought as (
    select s.*, m.created_at, width_bucket(m.created_at, cuts.p) as seg
      from spent s cross join cuts join members m on m.program_id = ${programId} and m.id = s.member_id
     where m.created_at < cuts.last
  ),
  seg_spent as (
    select k, seg, count(*) filter (where purchases > 0) as buyers, sum(purchases) as purchases, sum(spend) as spend,
           sum(spend * spend) as squares, sum(spend_before) as spend_before
      from bought
     where exists (select 1 from w where w.everyone)
     group by 1, 2
  ),
  aud_cond as (${
    list.some((x) => x.conditional)
      ? sql`
    select w.campaign_id, w.read_key, m.id as member_id, m.created_at < w.before_start as steady
      from w join members m on m.program_id = ${programId} and m.created_at < w.end_at
     where not w.everyone and ${meetsAudience}`
      : sql`
    select null::text as campaign_id, null::int as read_key, null::text as member_id, null::boolean as steady where false`
  }),
  all_members as (
    select w.campaign_id, coalesce(sum(sm.n), 0) as members,
           coalesce(sum(sm.n) filter (where sm.seg < array_position(cuts.p, w.before_start)), 0) as steady_members
      from w cross join cuts left join seg_members sm on sm.seg < array_position(cuts.p, w.end_at)
     where w.everyone
     group by 1
    union all
    select campaign_id, count(*), count(*) filter (where steady) from aud_cond group by 1
  ),
  all_spent as (
    select w.campaign_id, sum(ss.buyers) as buyers, sum(ss.purchases) as purchases, sum(ss.spend) as spend,
           sum(ss.squares) as squares,
           sum(ss.spend) filter (where ss.seg < array_position(cuts.p, w.before_start)) as steady_during,
           sum(ss.spend_before) filter (where ss.seg < array_position(cuts.p, w.before_start)) as steady_before
      from w cross join cuts join seg_spent ss on ss.k = w.read_key and ss.seg < array_position(cuts.p, w.end_at)
     where w.everyone
     group by 1
    union all
    select a.campaign_id, count(*) filter (where s.purchases > 0), sum(s.purchases), sum(s.spend),
           sum(s.spend * s.spend), sum(s.spend) filter (where a.steady), sum(s.spend_before) filter (where a.steady)
      from aud_cond a join spent s on s.k = a.read_key and s.member_id = a.member_id
     group by 1
  ),
  held as (${heldOut(programId, coverage, list)}),
  held_aud as (
    select h.campaign_id, w.read_key, h.member_id, m.created_at < w.before_start as steady
      from held h join w on w.campaign_id = h.campaign_id
      join members m on m.program_id = ${programId} and m.id = h.member_id and m.created_at < w.end_at
     where ${list.some((x) => x.conditional) ? meetsAudience : sql`true`}
  ),
  held_figures as (
    select a.campaign_id, count(*) as members, count(*) filter (where a.steady) as steady_members,
           count(*) filter (where s.purchases > 0) as buyers, coalesce(sum(s.purchases), 0) as purchases,
           coalesce(sum(s.spend), 0) as spend, coalesce(sum(s.spend * s.spend), 0) as squares,
           coalesce(sum(s.spend) filter (where a.steady), 0) as steady_during,
           coalesce(sum(s.spend_before) filter (where a.steady), 0) as steady_before
      from held_aud a left join spent s on s.k = a.read_key and s.member_id = a.member_id
     group by 1
  ),
  groups as (
    select w.campaign_id, false as held_out,
           coalesce(am.members, 0) - coalesce(h.members, 0) as members,
           coalesce(sp.buyers, 0) - coalesce(h.buyers, 0) as buyers,
           coalesce(sp.purchases, 0) - coalesce(h.purchases, 0) as purchases,
           coalesce(sp.spend, 0) - coalesce(h.spend, 0) as spend,
           coalesce(sp.squares, 0) - coalesce(h.squares, 0) as squares,
           coalesce(am.steady_members, 0) - coalesce(h.steady_members, 0) as steady_members,
           coalesce(sp.steady_before, 0) - coalesce(h.steady_before, 0) as steady_before,
           coalesce(sp.steady_during, 0) - coalesce(h.steady_during, 0) as steady_during
      from w left join all_members am on am.campaign_id = w.campaign_id
      left join all_spent sp on sp.campaign_id = w.campaign_id
      left join held_figures h on h.campaign_id = w.campaign_id
    union all
    select campaign_id, true, members, buyers, purchases, spend, squares, steady_members, steady_before, steady_during
      from held_figures
  )${
    withSpends
      ? sql`,
  spends as (
    select w.campaign_id, h.member_id is not null as held_out, array_agg(b.spend::text order by b.spend) as spends
      from w join bought b on b.k = w.read_key and b.spend <> 0 and b.created_at < w.end_at
      left join held h on h.campaign_id = w.campaign_id and h.member_id = b.member_id
     where ${
       list.some((x) => x.conditional)
         ? sql`(w.everyone or exists (select 1 from members m where m.id = b.member_id and ${meetsAudience}))`
         : sql`true`
     }
     group by 1, 2
  )`
      : sql``
  }
  select g.campaign_id, g.held_out, g.members, g.buyers, g.purchases, g.spend,
         case when g.members < 2 then null
              when g.members * g.squares - g.spend * g.spend <= 0 then 0::numeric
              else (g.members * g.squares - g.spend * g.spend) / (g.members * (g.members - 1)) end as spend_variance,
         g.steady_members, g.steady_before, g.steady_during,
         ${withSpends ? sql`coalesce(x.spends, '{}'::text[])` : sql`null::text[]`} as spends
    from groups g
    ${withSpends ? sql`left join spends x on x.campaign_id = g.campaign_id and x.held_out = g.held_out` : sql``}
   where g.members > 0`;

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
  /**
   * Asked for with `withSpends` (what a bootstrap resamples), else null: the spends of the group's
   * members who spent anything in the window, ascending; the others (members - values.length) spent 0.
   */
  spends: { values: number[]; zeros: number } | null;
}

/**
 * Per campaign and group (treated, held out): members, buyers, purchases, spend and its variance per
 * member, in one round trip (groupRows); with `withSpends`, the spends of the group's buyers too
 * (one campaign's bootstrap), the other members counted as zeros.
 */
export async function groupFigures(
  db: Db,
  programId: string,
  list: GroupWindow[],
  reads: SpendRead[],
  coverage: BucketCoverage,
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
  }>`${groupRows(programId, list, reads, coverage, withSpends)}`.execute(db);
  return result.rows.map((r) => {
    const members = Number(r.members);
    const values = r.spends === null ? null : r.spends.map(Number);
    return {
      campaignId: r.campaign_id,
      heldOut: r.held_out,
      members,
      buyers: Number(r.buyers),
      purchases: Number(r.purchases),
      spend: Number(r.spend),
      spendVariance: r.spend_variance === null ? null : Number(r.spend_variance),
      steadyMembers: Number(r.steady_members),
      steadySpendBefore: Number(r.steady_before),
      steadySpendDuring: Number(r.steady_during),
      spends: values === null ? null : { values, zeros: members - values.length },
    };
  });
}

/**
 * Points each campaign's rules awarded for events in its window (by when they occurred), the
 * points returns took back from those awards' campaigns in the window, the members awarded, and
 * the members whose event a rule of the campaign matched while they were held out: from the
 * campaign's awards in the window (index only, event_awards_campaign of migration 0025), the
 * members by one hash table of a flag or two each (count(distinct) sorted them, and spilled).
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
           (select coalesce(sum(r.points), 0) from campaign_budget_refunds r
              join events e on e.program_id = r.program_id and e.id = r.event_id
             where r.program_id = ${programId} and r.campaign_id = w.campaign_id
               and e.occurred_at >= w.start_at and e.occurred_at < w.end_at) as returned,
           (select coalesce(sum(a.points), 0) from event_awards a
             where a.campaign_id = w.campaign_id and a.occurred_at >= w.start_at and a.occurred_at < w.end_at
               and a.program_id = ${programId} and a.outcome = 'awarded') as awarded,
           m.*
      from w cross join lateral (
        select count(*) filter (where x.awarded) as members_awarded, count(*) filter (where x.held) as members_held_out
          from (select a.member_id, bool_or(a.outcome = 'awarded') as awarded, bool_or(a.outcome = 'holdout') as held
                  from event_awards a
                 where a.campaign_id = w.campaign_id and a.occurred_at >= w.start_at and a.occurred_at < w.end_at
                   and a.program_id = ${programId} and a.outcome in ('awarded', 'holdout') and a.member_id is not null
                 group by a.member_id) x) m`.execute(db);
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

// ---------------------------------------------------------------------------------------------
// Campaign results kept for closed windows (report_campaign_results, migration 0030)

/** A campaign's points figures over its window (campaignPoints). */
export type PointsRow = Awaited<ReturnType<typeof campaignPoints>>[number];

/** What a closed window's results keep: the groups' figures, the points, the bootstrap interval. */
export interface KeptResult {
  campaignId: string;
  campaignVersion: number;
  beforeStart: Date;
  start: Date;
  end: Date;
  /** Nothing of [beforeStart, end) was recorded or changed from this instant on, when last looked. */
  validAt: Date;
  /** When the figures were computed (read back; ignored when kept). */
  computedAt?: Date;
  groups: GroupRow[];
  points: PointsRow | null;
  bootstrap: { resamples: number; seed: number; difference: [number, number]; lift: [number, number] | null } | null;
}

/** The kept results of these campaigns (those kept). */
export async function keptResults(db: Db, programId: string, campaignIds: string[]): Promise<KeptResult[]> {
  if (campaignIds.length === 0) return [];
  const result = await sql<{
    campaign_id: string;
    campaign_version: number;
    before_start: Date | string;
    start_at: Date | string;
    end_at: Date | string;
    valid_at: Date | string;
    computed_at: Date | string;
    groups: GroupRow[] | string;
    points: PointsRow | null | string;
    bootstrap: KeptResult["bootstrap"] | string;
  }>`select campaign_id, campaign_version, before_start, start_at, end_at, valid_at, computed_at, groups, points, bootstrap
      from report_campaign_results
     where program_id = ${programId} and campaign_id = any(${arrayLiteral(campaignIds)}::text[])`.execute(db);
  // PGlite and node-postgres both parse jsonb; a string is parsed here in case a driver does not.
  const json = <T>(v: T | string): T => (typeof v === "string" ? (JSON.parse(v) as T) : v);
  return result.rows.map((r) => ({
    campaignId: r.campaign_id,
    campaignVersion: Number(r.campaign_version),
    beforeStart: new Date(r.before_start),
    start: new Date(r.start_at),
    end: new Date(r.end_at),
    validAt: new Date(r.valid_at),
    computedAt: new Date(r.computed_at),
    groups: json(r.groups),
    points: json(r.points),
    bootstrap: json(r.bootstrap),
  }));
}

/** Keeps (or replaces) a campaign's results, computed at `computedAt`. */
export async function keepResult(db: Db, programId: string, kept: KeptResult, computedAt: Date): Promise<void> {
  await sql`insert into report_campaign_results
      (program_id, campaign_id, campaign_version, before_start, start_at, end_at, computed_at, valid_at, groups, points, bootstrap)
    values (${programId}, ${kept.campaignId}, ${kept.campaignVersion}, ${kept.beforeStart}, ${kept.start}, ${kept.end},
            ${computedAt}, ${kept.validAt}, ${JSON.stringify(kept.groups)}::jsonb, ${JSON.stringify(kept.points)}::jsonb,
            ${kept.bootstrap === null ? null : JSON.stringify(kept.bootstrap)}::jsonb)
    on conflict (program_id, campaign_id) do update set
      campaign_version = excluded.campaign_version, before_start = excluded.before_start, start_at = excluded.start_at,
      end_at = excluded.end_at, computed_at = excluded.computed_at, valid_at = excluded.valid_at,
      groups = excluded.groups, points = excluded.points, bootstrap = excluded.bootstrap`.execute(db);
}

/** Moves a kept result's `valid_at` on (nothing of its windows changed up to it). */
export async function confirmKept(db: Db, programId: string, campaignId: string, validAt: Date): Promise<void> {
  await sql`update report_campaign_results set valid_at = ${validAt}
     where program_id = ${programId} and campaign_id = ${campaignId} and valid_at < ${validAt}`.execute(db);
}

/** Drops kept results (a campaign that no longer qualifies: its audience got conditions, it reopened). */
export async function dropKept(db: Db, programId: string, campaignIds: string[]): Promise<void> {
  if (campaignIds.length === 0) return;
  await sql`delete from report_campaign_results
     where program_id = ${programId} and campaign_id = any(${arrayLiteral(campaignIds)}::text[])`.execute(db);
}

/**
 * Which of these day ranges [from, to] (programme days, inclusive) hold a purchase day changed by
 * what was recorded since `since` (changedPurchaseDaysQuery: events recorded or changed, and the
 * purchases returns were recorded against), as the indexes of the ranges that changed.
 */
export async function changedWindows(
  db: Db,
  programId: string,
  timezone: string,
  since: Date,
  ranges: { from: string; to: string }[],
): Promise<number[]> {
  if (ranges.length === 0) return [];
  const result = await sql<{ i: number }>`
    select distinct r.i - 1 as i
      from (${changedPurchaseDaysQuery(programId, timezone, since, null)}) d
      join unnest(${arrayLiteral(ranges.map((r) => r.from))}::text[], ${arrayLiteral(ranges.map((r) => r.to))}::text[])
           with ordinality as r(from_day, to_day, i)
        on d.day >= r.from_day and d.day <= r.to_day`.execute(db);
  return result.rows.map((r) => Number(r.i));
}
