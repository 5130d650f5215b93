import { sql } from "kysely";
import type { Db } from "../db/schema.ts";
import { balancesNow, snapshotHolds } from "./member-balances.sql.ts";
import type { CatalogueReward } from "./reward-report.rules.ts";

/**
 * Every reward of the programme as the catalogue holds it at `now`, with the units it can still
 * hand out: the lower of its stock and (a pool reward) its unassigned codes, plus what
 * reservations that ran out still hold (released before stock is taken, as `unitsLeft` in
 * rewards.rules.ts counts them); null when neither limits it.
 */
export async function catalogue(db: Db, programId: string, now: Date): Promise<CatalogueReward[]> {
  const result = await sql<{
    id: string;
    name: string;
    status: CatalogueReward["status"];
    cost_points: number;
    created_at: Date;
    available_from: Date | null;
    available_until: Date | null;
    stock_left: string | null;
  }>`
    select w.id, w.name, w.status, w.cost_points, w.created_at, w.available_from, w.available_until,
           case when w.stock_remaining is null and w.code_format->>'type' <> 'pool' then null
                else least(w.stock_remaining, case when w.code_format->>'type' = 'pool' then coalesce(c.n, 0) end)
                     + coalesce(l.n, 0) end as stock_left
      from rewards w
      left join (select reward_id, count(*) as n from reward_codes
                  where program_id = ${programId} and not assigned group by reward_id) c on c.reward_id = w.id
      left join (select reward_id, sum(quantity) as n from redemptions
                  where program_id = ${programId} and status = 'reserved' and reserved_until <= ${now}
                  group by reward_id) l on l.reward_id = w.id
     where w.program_id = ${programId}`.execute(db);
  return result.rows.map((r) => ({
    id: r.id,
    name: r.name,
    status: r.status,
    costPoints: Number(r.cost_points),
    createdAt: new Date(r.created_at),
    availableFrom: r.available_from ? new Date(r.available_from) : null,
    availableUntil: r.available_until ? new Date(r.available_until) : null,
    stockLeft: r.stock_left === null ? null : Number(r.stock_left),
  }));
}

/** The rewards redeemable at `now` (active, inside their dates) with their gates: the `offered` of both reach queries. */
const offeredRewards = (programId: string, now: Date) => sql`
  select w.id, w.cost_points, w.segments, w.min_tier_id, rt.rank as min_rank
    from rewards w
    left join tiers rt on rt.id = w.min_tier_id and rt.removed_at is null
   where w.program_id = ${programId} and w.status = 'active'
     and (w.available_from is null or w.available_from <= ${now})
     and (w.available_until is null or w.available_until > ${now})`;

/**
 * Per reward redeemable at `now` (active, inside its dates): the members who could redeem it but
 * for points and have not redeemed it in [start, end): active (not blocked), in its tier or above
 * and one of its segments if it names any; those whose available points are at least
 * `reachPercent`% of its cost, and of them those holding the whole cost. Available points are the
 * remaining of their available lots not expired at `now` (points on hold are already out of
 * them), plus what holds that timed out still keep from such lots: the jobs release those, and a
 * member's own books settle them on reading (as `spendableBalance` would count after `settle`).
 *
 * This reads every spendable lot of every member and checks each (reward, member) pair: the
 * reference, and the answer while the jobs have not built the balance snapshot;
 * `membersInReachFromSnapshot` answers the same from the snapshot.
 */
export async function membersInReach(db: Db, programId: string, start: Date, end: Date, now: Date, reachPercent: number) {
  const result = await sql<{ reward_id: string; within_reach: string; can_afford: string }>`
    with spendable as (
      select id, member_id, remaining
        from lots
       where program_id = ${programId} and state = 'available'
         and available_at <= ${now} and (expires_at is null or expires_at > ${now})
    ), balances as (
      select member_id, sum(points) as available
        from (select member_id, remaining as points from spendable where remaining > 0
              union all
              select l.member_id, (a.allocation->>'points')::bigint
                from holds h
                cross join jsonb_array_elements(h.allocations) as a(allocation)
                join spendable l on l.id = a.allocation->>'lotId'
               where h.program_id = ${programId} and h.status = 'active' and h.expires_at <= ${now}) as parts
       group by member_id
    ), offered as (
      ${offeredRewards(programId, now)}
    )
    select o.id as reward_id, count(*) as within_reach, count(*) filter (where b.available >= o.cost_points) as can_afford
      from offered o
      join balances b on b.available * 100 >= o.cost_points * ${reachPercent}
      join members m on m.id = b.member_id and m.program_id = ${programId} and m.status = 'active'
      left join tiers mt on mt.id = m.tier_id and mt.removed_at is null
     where (o.min_tier_id is null or mt.rank >= o.min_rank)
       and (jsonb_array_length(o.segments) = 0
            or (jsonb_typeof(m.attributes->'segments') = 'array'
                and exists (select 1 from jsonb_array_elements_text(o.segments) as s(segment)
                             where m.attributes->'segments' @> jsonb_build_array(s.segment))))
       and not exists (select 1 from redemptions r
                        where r.program_id = ${programId} and r.reward_id = o.id and r.member_id = b.member_id
                          and r.status = 'completed' and r.completed_at >= ${start} and r.completed_at < ${end})
     group by o.id`.execute(db);
  return new Map(result.rows.map((r) => [r.reward_id, { withinReach: Number(r.within_reach), canAfford: Number(r.can_afford) }]));
}

/**
 * `membersInReach` exactly, from the members' balances as the jobs keep them in a snapshot
 * (member-balances.sql.ts `balancesNow`; for a programme whose snapshot is built): only members
 * at or above the lowest threshold of the rewards on offer are read from it, and only those whose
 * balance can have changed since `asOf` (the snapshot's instant when the caller looked) are
 * recomputed from their lots. Null when the snapshot the statement reads is not one `asOf` covers
 * (brought past `now` since the caller looked): the caller asks `membersInReach`.
 *
 * Most members may be within reach of every reward, so pairs are not checked one by one: the
 * members within reach of some reward are joined to their facts once (`eligible`) and counted by
 * what the gates and thresholds look at (`facts`: points, tier rank, segments); each reward takes
 * the groups it reaches, less its pairs that redeemed it in the window (read from the window's
 * completed redemptions, joined to `eligible` by member).
 */
export async function membersInReachFromSnapshot(
  db: Db,
  programId: string,
  start: Date,
  end: Date,
  now: Date,
  reachPercent: number,
  asOf: Date,
): Promise<Map<string, { withinReach: number; canAfford: number }> | null> {
  const lowest = sql`(select min((cost_points * ${reachPercent} + 99) / 100) from offered)`;
  const reaches = (x: string) => sql`${sql.ref(`${x}.available`)} * 100 >= o.cost_points * ${reachPercent}
    and (o.min_tier_id is null or ${sql.ref(`${x}.tier_rank`)} >= o.min_rank)
    and (jsonb_array_length(o.segments) = 0
         or (${sql.ref(`${x}.segments`)} is not null
             and exists (select 1 from jsonb_array_elements_text(o.segments) as s(segment)
                          where ${sql.ref(`${x}.segments`)} @> jsonb_build_array(s.segment))))`;
  const result = await sql<{ holds: boolean; reward_id: string | null; within_reach: string; can_afford: string }>`
    with offered as (
      ${offeredRewards(programId, now)}
    ), ${balancesNow(programId, asOf, now, lowest)},
    eligible as materialized (
      select b.member_id, b.available, mt.rank as tier_rank,
             case when jsonb_typeof(m.attributes->'segments') = 'array' then m.attributes->'segments' end as segments
        from balances b
        join members m on m.id = b.member_id and m.program_id = ${programId} and m.status = 'active'
        left join tiers mt on mt.id = m.tier_id and mt.removed_at is null
       where b.available >= ${lowest}
    ), facts as (
      select available, tier_rank, segments, count(*) as n from eligible group by available, tier_rank, segments
    ), reached as (
      select o.id, sum(f.n) as within_reach, coalesce(sum(f.n) filter (where f.available >= o.cost_points), 0) as can_afford
        from offered o join facts f on ${reaches("f")}
       group by o.id
    ), redeemed as (
      select o.id, count(*) as within_reach, count(*) filter (where e.available >= o.cost_points) as can_afford
        -- The window's redeemers joined to their facts first, by member (planned apart: with the
        -- rewards in the same join the planner crossed every eligible member with every reward).
        from (select r.reward_id, el.available, el.tier_rank, el.segments
                from (select distinct reward_id, member_id from redemptions
                       where program_id = ${programId} and status = 'completed'
                         and completed_at >= ${start} and completed_at < ${end}) r
                join eligible el on el.member_id = r.member_id
              offset 0) e
        join offered o on o.id = e.reward_id
       where ${reaches("e")}
       group by o.id
    )
    select k.holds, x.reward_id, x.within_reach, x.can_afford
      from (select ${snapshotHolds(programId, asOf, now)} as holds) k
      left join (
        select r.id as reward_id, r.within_reach - coalesce(d.within_reach, 0) as within_reach,
               r.can_afford - coalesce(d.can_afford, 0) as can_afford
          from reached r left join redeemed d on d.id = r.id
         where r.within_reach > coalesce(d.within_reach, 0)) x on true`.execute(db);
  if (!result.rows[0]?.holds) return null;
  return new Map(
    result.rows.flatMap((r) =>
      r.reward_id === null ? [] : [[r.reward_id, { withinReach: Number(r.within_reach), canAfford: Number(r.can_afford) }]],
    ),
  );
}
