import { type Insertable, sql, type Updateable } from "kysely";
import type { Db, ProgramGoalsTable } from "../db/schema.ts";
import type { CaptureCounts } from "./goals.rules.ts";

/** A PostgreSQL array literal of instants, for width_bucket (one text parameter on both engines). */
const instants = (dates: Date[]) => `{${dates.map((d) => `"${d.toISOString()}"`).join(",")}}`;

// --- The goals themselves -------------------------------------------------------------------

export const listGoals = (db: Db, programId: string) =>
  db.selectFrom("program_goals").selectAll().where("program_id", "=", programId).orderBy("created_at").orderBy("id").execute();

export const countGoals = async (db: Db, programId: string) =>
  Number(
    (
      await db
        .selectFrom("program_goals")
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .where("program_id", "=", programId)
        .executeTakeFirst()
    )?.n ?? 0,
  );

/** The programme's row, locked: goals are counted against their limit one change at a time. */
export const lockProgram = (db: Db, programId: string) =>
  db.selectFrom("programs").select(["id", "currency", "timezone"]).where("id", "=", programId).forUpdate().executeTakeFirst();

export const lockGoal = (db: Db, programId: string, goalId: string) =>
  db
    .selectFrom("program_goals")
    .selectAll()
    .where("program_id", "=", programId)
    .where("id", "=", goalId)
    .forUpdate()
    .executeTakeFirst();

export const insertGoal = (db: Db, row: Insertable<ProgramGoalsTable>) =>
  db.insertInto("program_goals").values(row).returningAll().executeTakeFirstOrThrow();

export const updateGoal = (db: Db, goalId: string, changes: Updateable<ProgramGoalsTable>) =>
  db.updateTable("program_goals").set(changes).where("id", "=", goalId).returningAll().executeTakeFirstOrThrow();

export const deleteGoal = (db: Db, goalId: string) => db.deleteFrom("program_goals").where("id", "=", goalId).execute();

// --- What the measures are made of ----------------------------------------------------------

/**
 * Members enrolled by the end of each window and those of them with each detail, as cumulative
 * counts: bucket 0 holds members enrolled before starts[0]. Email, phone and birth date are as
 * they are now (their history is not kept); marketing consent counts from when it was given
 * (a withdrawn consent counts nowhere).
 */
export async function captureCounts(db: Db, programId: string, starts: Date[], end: Date): Promise<CaptureCounts[]> {
  const result = await sql<{ bucket: number; members: string; contact: string; birth: string; consent: string }>`
    select width_bucket(created_at, ${instants(starts)}::timestamptz[]) as bucket,
           count(*) as members,
           count(*) filter (where email is not null or phone is not null) as contact,
           count(*) filter (where birth_date is not null) as birth,
           0 as consent
      from members
     where program_id = ${programId} and created_at < ${end}
     group by 1
    union all
    select width_bucket(greatest(created_at, coalesce(marketing_consent_at, created_at)), ${instants(starts)}::timestamptz[]),
           0, 0, 0, count(*)
      from members
     where program_id = ${programId} and marketing_consent
       and greatest(created_at, coalesce(marketing_consent_at, created_at)) < ${end}
     group by 1`.execute(db);
  const buckets: CaptureCounts[] = starts.map(() => ({ members: 0, contact: 0, marketingConsent: 0, birthDate: 0 }));
  const cumulative: CaptureCounts[] = [{ members: 0, contact: 0, marketingConsent: 0, birthDate: 0 }, ...buckets];
  for (const r of result.rows) {
    const c = cumulative[Number(r.bucket)];
    if (!c) continue;
    c.members += Number(r.members);
    c.contact += Number(r.contact);
    c.birthDate += Number(r.birth);
    c.marketingConsent += Number(r.consent);
  }
  for (let i = 1; i < cumulative.length; i++) {
    const before = cumulative[i - 1] as CaptureCounts;
    const c = cumulative[i] as CaptureCounts;
    c.members += before.members;
    c.contact += before.contact;
    c.birthDate += before.birthDate;
    c.marketingConsent += before.marketingConsent;
  }
  return cumulative;
}
