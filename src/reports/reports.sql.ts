import { sql } from "kysely";
import type { Db } from "../db/schema.ts";

/** The programme's time zone (report days are its days), or undefined if there is no such programme. */
export const programTimezone = (db: Db, programId: string) =>
  db.selectFrom("programs").select(["timezone", "currency"]).where("id", "=", programId).executeTakeFirst();

/**
 * Members enrolled by `end`, and those enrolled in [start, end). (Active members are counted by
 * `activeByPeriod` in rollups.sql.ts, from the activity rollup.)
 */
export async function memberCounts(db: Db, programId: string, start: Date, end: Date) {
  const result = await sql<{ members: string; new_members: string }>`
    select (select count(*) from members where program_id = ${programId} and created_at < ${end}) as members,
           (select count(*) from members where program_id = ${programId}
               and created_at >= ${start} and created_at < ${end}) as new_members`.execute(db);
  const row = result.rows[0];
  return { members: Number(row?.members ?? 0), newMembers: Number(row?.new_members ?? 0) };
}

/**
 * Points members hold at `at`: what their lots still hold (available and pending; held points
 * are counted apart), less lots already past their expiry that the jobs have not yet moved to
 * breakage; and debt owed.
 */
export async function outstanding(db: Db, programId: string, at: Date) {
  const result = await sql<{ points: string; held: string; debt: string }>`
    select (select coalesce(sum(remaining), 0) from lots
             where program_id = ${programId} and remaining > 0
               and (expires_at is null or expires_at > ${at})) as points,
           (select coalesce(sum(points), 0) from holds
             where program_id = ${programId} and status = 'active' and expires_at > ${at}) as held,
           (select coalesce(sum(debt), 0) from members where program_id = ${programId} and debt > 0) as debt`.execute(db);
  const row = result.rows[0];
  return { points: Number(row?.points ?? 0), held: Number(row?.held ?? 0), debt: Number(row?.debt ?? 0) };
}

/** Members per tier on the current ladder (bottom first, empty tiers included), and members without a tier. */
export async function tierCounts(db: Db, programId: string) {
  const tiers = await sql<{ id: string; name: string; members: string }>`
    select t.id, t.name, count(m.id) as members
      from tiers t
      left join members m on m.program_id = t.program_id and m.tier_id = t.id
     where t.program_id = ${programId} and t.removed_at is null
     group by t.id, t.name, t.rank
     order by t.rank`.execute(db);
  const untiered = await sql<{ n: string }>`
    select count(*) as n from members m
     where m.program_id = ${programId}
       and (m.tier_id is null or not exists (
             select 1 from tiers t where t.id = m.tier_id and t.removed_at is null))`.execute(db);
  return {
    tiers: tiers.rows.map((r) => ({ tierId: r.id as string | null, name: r.name, members: Number(r.members) })),
    untiered: Number(untiered.rows[0]?.n ?? 0),
  };
}
