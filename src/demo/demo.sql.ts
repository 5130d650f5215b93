/** The demo's own reads: whether to seed at all, the rewards it redeems, and the tier counts it reports. */
import { sql } from "kysely";
import type { Db } from "../db/schema.ts";

/** Some programme's id, if the database has any. */
export const findAnyProgram = (db: Db) => db.selectFrom("programs").select("id").limit(1).executeTakeFirst();

export const listRewards = (db: Db, programId: string) =>
  db.selectFrom("rewards").select(["id", "name", "cost_points"]).where("program_id", "=", programId).execute();

/** How many members hold each tier on the ladder, bottom first. */
export const membersPerTier = (db: Db, programId: string) =>
  sql<{ name: string; n: string }>`
    select t.name, count(m.id) as n from tiers t left join members m on m.tier_id = t.id
     where t.program_id = ${programId} and t.removed_at is null group by t.name, t.rank order by t.rank`.execute(db);

/**
 * Gathers the planner's statistics after the seed wrote its year: PGlite runs no autovacuum, and
 * without them the reports' joins are planned for near-empty tables (seconds become minutes).
 */
export const analyzeDatabase = (db: Db) => sql`analyze`.execute(db);
