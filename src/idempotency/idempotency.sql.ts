import type { Insertable, Kysely, QueryCreator, Transaction } from "kysely";
import type { DB } from "../db/schema.ts";

// The unit of work's statements: stored answers of idempotency keys, and the audit row written with
// a change (src/audit builds the row and reads the log).

type AuditRow = Insertable<DB["audit_log"]>;

export async function insertAudit(trx: Transaction<DB>, audit: AuditRow): Promise<void> {
  await trx.insertInto("audit_log").values(audit).execute();
}

/**
 * Stores an answer under its key, and the change's audit row if any in the same statement (a
 * data-modifying WITH): one round trip for both. False if the key is already taken.
 */
export async function storeAnswer(
  trx: Transaction<DB>,
  answer: { scope: string; key: string; fingerprint: string; status: number; text: string; now: Date },
  audit: AuditRow | null,
): Promise<boolean> {
  // The WITH adds only its own name to the tables in scope: the insert below is typed on DB alone.
  const db: QueryCreator<DB> = audit
    ? (trx.with("audit", (q) => q.insertInto("audit_log").values(audit)) as unknown as QueryCreator<DB>)
    : trx;
  const inserted = await db
    .insertInto("idempotency_keys")
    .values({
      scope: answer.scope,
      key: answer.key,
      fingerprint: answer.fingerprint,
      status_code: answer.status,
      // The text for replays, byte for byte; the jsonb copy for servers of the version before 0008.
      response: answer.text,
      response_text: answer.text,
      created_at: answer.now,
    })
    .onConflict((oc) => oc.columns(["scope", "key"]).doNothing())
    .returning("key")
    .executeTakeFirst();
  return inserted !== undefined;
}

/** The answer stored under a key (which must exist). */
export const storedAnswer = (db: Kysely<DB>, scope: string, key: string) =>
  db
    .selectFrom("idempotency_keys")
    .select(["fingerprint", "status_code", "response", "response_text"])
    .where("scope", "=", scope)
    .where("key", "=", key)
    .executeTakeFirstOrThrow();

/** Forgets the answers stored before `before`: a retry after that is a new request. */
export async function deleteAnswersBefore(db: Kysely<DB>, before: Date): Promise<void> {
  await db.deleteFrom("idempotency_keys").where("created_at", "<", before).execute();
}
