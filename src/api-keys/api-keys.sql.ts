import { type Insertable, type Kysely, sql, type Transaction } from "kysely";
import type { ApiKeyRow, ApiKeysTable, DB } from "../db/schema.ts";

// A Transaction is a Kysely too: reads take either; writes and row locks take a Transaction.

/** Held while the operator key is made: two servers starting at once must not both make one. */
const ROOT_KEY_LOCK = 7_315_029_115;

/** The key a secret's hash names, unless revoked. */
export const findLiveKey = (db: Kysely<DB>, secretHash: string) =>
  db
    .selectFrom("api_keys")
    .select(["id", "scope", "program_id"])
    .where("secret_hash", "=", secretHash)
    .where("revoked_at", "is", null)
    .executeTakeFirst();

/** Takes the lock that serializes making the operator key, until the transaction ends. */
export async function lockRootKey(trx: Transaction<DB>): Promise<void> {
  await sql`select pg_advisory_xact_lock(${ROOT_KEY_LOCK})`.execute(trx);
}

export async function hasLiveRootKey(trx: Transaction<DB>): Promise<boolean> {
  const existing = await trx
    .selectFrom("api_keys")
    .select("id")
    .where("scope", "=", "root")
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return existing !== undefined;
}

export const insertKey = (trx: Transaction<DB>, row: Insertable<ApiKeysTable>): Promise<ApiKeyRow> =>
  trx.insertInto("api_keys").values(row).returningAll().executeTakeFirstOrThrow();

/** The programme's keys, oldest first. */
export const listKeys = (db: Kysely<DB>, programId: string): Promise<ApiKeyRow[]> =>
  db.selectFrom("api_keys").selectAll().where("program_id", "=", programId).orderBy("created_at").orderBy("id").execute();

export const lockKey = (trx: Transaction<DB>, programId: string, keyId: string): Promise<ApiKeyRow | undefined> =>
  trx
    .selectFrom("api_keys")
    .selectAll()
    .where("program_id", "=", programId)
    .where("id", "=", keyId)
    .forUpdate()
    .executeTakeFirst();

/** Revokes a key (a revoked key keeps its first revocation time); undefined if the programme has no such key. */
export const revokeKey = (trx: Transaction<DB>, programId: string, keyId: string, now: Date): Promise<ApiKeyRow | undefined> =>
  trx
    .updateTable("api_keys")
    .set((eb) => ({ revoked_at: eb.fn.coalesce("revoked_at", eb.val(now)) }))
    .where("program_id", "=", programId)
    .where("id", "=", keyId)
    .returningAll()
    .executeTakeFirst();
