import type { Insertable, Kysely, Transaction, Updateable } from "kysely";
import type { DB, StaffRow, StaffTable } from "../db/schema.ts";

// A Transaction is a Kysely too: reads take either; what must run inside a transaction (row locks,
// writes that go with others) takes a Transaction.

/** Adds a staff account; undefined if the programme already has one with this email. */
export const insertStaff = (trx: Transaction<DB>, row: Insertable<StaffTable>): Promise<StaffRow | undefined> =>
  trx
    .insertInto("staff")
    .values(row)
    .onConflict((oc) => oc.columns(["program_id", "email"]).doNothing())
    .returningAll()
    .executeTakeFirst();

export const listStaff = (db: Kysely<DB>, programId: string): Promise<StaffRow[]> =>
  db.selectFrom("staff").selectAll().where("program_id", "=", programId).orderBy("id").execute();

/** Locks the programme's active owners, in id order, and returns their ids. */
export const lockActiveOwners = (trx: Transaction<DB>, programId: string): Promise<{ id: string }[]> =>
  trx
    .selectFrom("staff")
    .select("id")
    .where("program_id", "=", programId)
    .where("role", "=", "owner")
    .where("status", "=", "active")
    .orderBy("id")
    .forUpdate()
    .execute();

export const lockStaff = (trx: Transaction<DB>, programId: string, staffId: string): Promise<StaffRow | undefined> =>
  trx
    .selectFrom("staff")
    .selectAll()
    .where("program_id", "=", programId)
    .where("id", "=", staffId)
    .forUpdate()
    .executeTakeFirst();

export const updateStaff = (trx: Transaction<DB>, staffId: string, set: Updateable<StaffTable>): Promise<StaffRow> =>
  trx.updateTable("staff").set(set).where("id", "=", staffId).returningAll().executeTakeFirstOrThrow();

/** Sets a new password hash and clears the lockout; undefined if the programme has no such account. */
export const resetPassword = (
  trx: Transaction<DB>,
  programId: string,
  staffId: string,
  passwordHash: string,
  now: Date,
): Promise<StaffRow | undefined> =>
  trx
    .updateTable("staff")
    .set({ password_hash: passwordHash, failed_attempts: 0, locked_until: null, updated_at: now })
    .where("program_id", "=", programId)
    .where("id", "=", staffId)
    .returningAll()
    .executeTakeFirst();

/** The accounts an email has (emails are stored normalized), in one programme or in all, by programme. */
export const staffByEmail = (db: Kysely<DB>, email: string, programId?: string): Promise<StaffRow[]> => {
  let query = db.selectFrom("staff").selectAll().where("email", "=", email);
  if (programId !== undefined) query = query.where("program_id", "=", programId);
  return query.orderBy("program_id").execute();
};

/** The programmes to choose from at sign-in, by name. */
export const programChoices = (db: Kysely<DB>, programIds: string[]): Promise<{ id: string; name: string }[]> =>
  db.selectFrom("programs").select(["id", "name"]).where("id", "in", programIds).orderBy("name").execute();

/** A successful sign-in: the failures are forgotten, and a new password hash stored if it was rehashed. */
export const recordSignIn = (trx: Transaction<DB>, staffId: string, now: Date, rehash: string | null) =>
  trx
    .updateTable("staff")
    .set({ failed_attempts: 0, locked_until: null, last_sign_in_at: now, ...(rehash && { password_hash: rehash }) })
    .where("id", "=", staffId)
    .execute();

export const insertSession = (
  trx: Transaction<DB>,
  session: {
    tokenHash: string;
    staffId: string;
    programId: string;
    csrfToken: string;
    storeId: string | null;
    now: Date;
    expiresAt: Date;
  },
) =>
  trx
    .insertInto("staff_sessions")
    .values({
      token_hash: session.tokenHash,
      staff_id: session.staffId,
      program_id: session.programId,
      csrf_token: session.csrfToken,
      store_id: session.storeId,
      created_at: session.now,
      expires_at: session.expiresAt,
    })
    .execute();

/** Counts one more failed sign-in in one statement and returns the new count. */
export async function countFailure(db: Kysely<DB>, staffId: string): Promise<number> {
  const counted = await db
    .updateTable("staff")
    .set({ failed_attempts: (eb) => eb("failed_attempts", "+", 1) })
    .where("id", "=", staffId)
    .returning("failed_attempts")
    .executeTakeFirstOrThrow();
  return counted.failed_attempts;
}

export const lockUntil = (db: Kysely<DB>, staffId: string, until: Date) =>
  db.updateTable("staff").set({ locked_until: until }).where("id", "=", staffId).execute();

/** The live session a token hash names, with its account's role, if the account is active. */
export const findActiveSession = (db: Kysely<DB>, tokenHash: string, now: Date) =>
  db
    .selectFrom("staff_sessions as s")
    .innerJoin("staff as f", "f.id", "s.staff_id")
    .select(["s.staff_id", "s.program_id", "s.csrf_token", "s.store_id", "f.role"])
    .where("s.token_hash", "=", tokenHash)
    .where("s.revoked_at", "is", null)
    .where("s.expires_at", ">", now)
    .where("f.status", "=", "active")
    .executeTakeFirst();

/** The live session a token hash names, with its whole account (whatever the account's status). */
export const findSessionWithStaff = (db: Kysely<DB>, tokenHash: string, now: Date) =>
  db
    .selectFrom("staff_sessions as s")
    .innerJoin("staff as f", "f.id", "s.staff_id")
    .selectAll("f")
    .select(["s.csrf_token", "s.expires_at", "s.store_id"])
    .where("s.token_hash", "=", tokenHash)
    .where("s.revoked_at", "is", null)
    .where("s.expires_at", ">", now)
    .executeTakeFirst();

export const revokeSession = (db: Kysely<DB>, tokenHash: string, now: Date) =>
  db
    .updateTable("staff_sessions")
    .set({ revoked_at: now })
    .where("token_hash", "=", tokenHash)
    .where("revoked_at", "is", null)
    .execute();

/** Ends every live session of a staff account (on every server: sessions are looked up per request). */
export const endSessions = (trx: Transaction<DB>, staffId: string, now: Date) =>
  trx
    .updateTable("staff_sessions")
    .set({ revoked_at: now })
    .where("staff_id", "=", staffId)
    .where("revoked_at", "is", null)
    .execute();
