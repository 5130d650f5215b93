import { sql } from "kysely";
import type { Db } from "../db/schema.ts";
import { MAX_CODE_ATTEMPTS, MAX_FAILED_TRIES_PER_DAY } from "./portal.rules.ts";

/** The member an email names in a programme (emails are stored normalized). */
export const findMemberByEmail = (db: Db, programId: string, email: string) =>
  db
    .selectFrom("members")
    .select(["id", "email", "status"])
    .where("program_id", "=", programId)
    .where("email", "=", email)
    .executeTakeFirst();

export async function codesSince(db: Db, memberId: string, since: Date): Promise<number> {
  const row = await db
    .selectFrom("member_login_codes")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("member_id", "=", memberId)
    .where("created_at", ">", since)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export const insertLoginCode = (
  db: Db,
  row: { id: string; programId: string; memberId: string; codeHash: string; expiresAt: Date; now: Date },
) =>
  db
    .insertInto("member_login_codes")
    .values({
      id: row.id,
      program_id: row.programId,
      member_id: row.memberId,
      code_hash: row.codeHash,
      expires_at: row.expiresAt,
      created_at: row.now,
    })
    .execute();

/**
 * Takes one try of the member's newest code, if it is still good (unused, unexpired, tries left)
 * and the member has not made MAX_FAILED_TRIES_PER_DAY wrong tries over the codes of the last 24
 * hours, in one statement: parallel guesses each use a try, so no more than MAX_CODE_ATTEMPTS are
 * ever checked. Returns the code to compare against, or nothing.
 */
export async function takeCodeAttempt(db: Db, memberId: string, now: Date) {
  const dayAgo = new Date(now.getTime() - 24 * 60 * 60_000);
  const result = await sql<{ id: string; code_hash: string }>`
    update member_login_codes set attempts = attempts + 1
    where id = (select id from member_login_codes where member_id = ${memberId} order by created_at desc, id desc limit 1)
      and used_at is null and expires_at > ${now} and attempts < ${MAX_CODE_ATTEMPTS}
      and (select coalesce(sum(attempts - case when used_at is null then 0 else 1 end), 0)
             from member_login_codes where member_id = ${memberId} and created_at > ${dayAgo}) < ${MAX_FAILED_TRIES_PER_DAY}
    returning id, code_hash`.execute(db);
  return result.rows[0];
}

/** Marks a code used; false if another request used it first. */
export async function markCodeUsed(db: Db, codeId: string, now: Date): Promise<boolean> {
  const row = await db
    .updateTable("member_login_codes")
    .set({ used_at: now })
    .where("id", "=", codeId)
    .where("used_at", "is", null)
    .returning("id")
    .executeTakeFirst();
  return row !== undefined;
}

export const insertMemberSession = (
  db: Db,
  row: { tokenHash: string; memberId: string; programId: string; csrfToken: string; now: Date; expiresAt: Date },
) =>
  db
    .insertInto("member_sessions")
    .values({
      token_hash: row.tokenHash,
      member_id: row.memberId,
      program_id: row.programId,
      csrf_token: row.csrfToken,
      created_at: row.now,
      expires_at: row.expiresAt,
    })
    .execute();

/** A live session: not revoked, not expired, and its member still active. */
export const findMemberSession = (db: Db, tokenHash: string, now: Date) =>
  db
    .selectFrom("member_sessions as s")
    .innerJoin("members as m", "m.id", "s.member_id")
    .select(["s.member_id", "s.program_id", "s.csrf_token", "s.expires_at"])
    .where("s.token_hash", "=", tokenHash)
    .where("s.revoked_at", "is", null)
    .where("s.expires_at", ">", now)
    .where("m.status", "=", "active")
    .executeTakeFirst();

/**
 * Ends a member's portal sign-in for good (staff blocked them, or changed their email): every live
 * session is revoked and unused codes expire, so neither comes back with an unblock, nor works
 * for whoever reads the old mailbox.
 */
export async function endMemberSignIns(db: Db, memberId: string, now: Date): Promise<void> {
  await db
    .updateTable("member_sessions")
    .set({ revoked_at: now })
    .where("member_id", "=", memberId)
    .where("revoked_at", "is", null)
    .execute();
  // Expired rather than marked used: used_at stays the mark of a right code (takeCodeAttempt counts on it).
  await db
    .updateTable("member_login_codes")
    .set({ expires_at: now })
    .where("member_id", "=", memberId)
    .where("used_at", "is", null)
    .where("expires_at", ">", now)
    .execute();
}

export const revokeMemberSession = (db: Db, tokenHash: string, now: Date) =>
  db
    .updateTable("member_sessions")
    .set({ revoked_at: now })
    .where("token_hash", "=", tokenHash)
    .where("revoked_at", "is", null)
    .execute();
