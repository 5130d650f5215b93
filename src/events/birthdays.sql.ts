import { sql } from "kysely";
import type { Db } from "../db/schema.ts";

/** The programmes with a live birthday rule (one, if `programId`). */
export async function programsWithBirthdayRules(db: Db, programId?: string): Promise<string[]> {
  let query = db
    .selectFrom("rules")
    .select("program_id")
    .distinct()
    .where("status", "=", "active")
    .where(sql<string>`definition->>'trigger'`, "=", "birthday");
  if (programId) query = query.where("program_id", "=", programId);
  return (await query.execute()).map((r) => r.program_id);
}

/** Whether a job marker (a done programme's birthday day) is there. */
export async function hasJobMarker(db: Db, name: string): Promise<boolean> {
  return (await db.selectFrom("job_leases").select("name").where("name", "=", name).executeTakeFirst()) !== undefined;
}

export async function addJobMarker(db: Db, name: string, until: Date): Promise<void> {
  await db
    .insertInto("job_leases")
    .values({ name, owner: "done", leased_until: until })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/** Active members born on `day` of `month` (with `alsoDay` too: 29 February on the 28th in other years). */
export async function membersBornOn(db: Db, programId: string, month: number, day: number, alsoDay: number | null) {
  return db
    .selectFrom("members")
    .select("id")
    .where("program_id", "=", programId)
    .where("status", "=", "active")
    .where(sql<number>`extract(month from birth_date)`, "=", month)
    .where((eb) =>
      alsoDay !== null
        ? eb.or([
            eb(sql<number>`extract(day from birth_date)`, "=", day),
            eb(sql<number>`extract(day from birth_date)`, "=", alsoDay),
          ])
        : eb(sql<number>`extract(day from birth_date)`, "=", day),
    )
    .execute();
}
