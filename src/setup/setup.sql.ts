/** Setup links and the new-programme checklist: their own tables, and the reads that tick the checklist. */
import { type Insertable, sql } from "kysely";
import type { ChecklistMark, Db, SetupTokensTable } from "../db/schema.ts";

/** One lock for issuing and using setup tokens, so two uses at once cannot both create a programme. */
const SETUP_LOCK = 7_240_912;

export async function lockSetup(trx: Db): Promise<void> {
  await sql`select pg_advisory_xact_lock(${SETUP_LOCK})`.execute(trx);
}

/** What decides whether setup is open. */
export async function setupFacts(db: Db) {
  const row = await db
    .selectNoFrom((eb) => [
      eb.exists(eb.selectFrom("programs").select("id")).as("anyProgram"),
      eb.exists(eb.selectFrom("setup_tokens").select("id")).as("tokensIssued"),
      eb.exists(eb.selectFrom("setup_tokens").select("id").where("used_at", "is not", null)).as("tokenUsed"),
    ])
    .executeTakeFirstOrThrow();
  return { anyProgram: Boolean(row.anyProgram), tokensIssued: Boolean(row.tokensIssued), tokenUsed: Boolean(row.tokenUsed) };
}

export const insertSetupToken = (db: Db, row: Insertable<SetupTokensTable>) =>
  db.insertInto("setup_tokens").values(row).execute();

export const findSetupToken = (db: Db, tokenHash: string) =>
  db.selectFrom("setup_tokens").selectAll().where("token_hash", "=", tokenHash).executeTakeFirst();

/** Closes setup: every unused token is spent on the programme just created (the used one among them). */
export const spendSetupTokens = (db: Db, programId: string, now: Date) =>
  db.updateTable("setup_tokens").set({ used_at: now, program_id: programId }).where("used_at", "is", null).execute();

/** The facts the checklist is derived from, in one round trip. */
export async function checklistFacts(db: Db, programId: string) {
  const row = await db
    .selectNoFrom((eb) => [
      eb
        .exists(eb.selectFrom("rules").select("id").where("program_id", "=", programId).where("status", "=", "active"))
        .as("activeRule"),
      eb
        .exists(eb.selectFrom("rewards").select("id").where("program_id", "=", programId).where("status", "=", "active"))
        .as("activeReward"),
      eb.exists(eb.selectFrom("tiers").select("id").where("program_id", "=", programId).where("rank", "is not", null)).as("tier"),
      eb
        .selectFrom("staff")
        .select((s) => s.fn.countAll<string>().as("n"))
        .where("program_id", "=", programId)
        .as("staffAccounts"),
      eb.exists(eb.selectFrom("member_sessions").select("token_hash").where("program_id", "=", programId)).as("memberSignedIn"),
    ])
    .executeTakeFirstOrThrow();
  const marks = await db.selectFrom("program_checklist_marks").select("item").where("program_id", "=", programId).execute();
  return {
    activeRule: Boolean(row.activeRule),
    activeReward: Boolean(row.activeReward),
    tier: Boolean(row.tier),
    staffAccounts: Number(row.staffAccounts ?? 0),
    memberSignedIn: Boolean(row.memberSignedIn),
    marks: new Set(marks.map((m) => m.item)),
  };
}

/** Marks a step once; marking it again keeps the first mark. */
export const insertMark = (db: Db, programId: string, item: ChecklistMark, markedBy: string, now: Date) =>
  db
    .insertInto("program_checklist_marks")
    .values({ program_id: programId, item, marked_by: markedBy, marked_at: now })
    .onConflict((oc) => oc.columns(["program_id", "item"]).doNothing())
    .execute();
