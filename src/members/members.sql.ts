import type { Kysely, Transaction } from "kysely";
import type { DB } from "../db/schema.ts";

type Db = Kysely<DB> | Transaction<DB>;

export const findMember = (db: Db, programId: string, id: string) =>
  db.selectFrom("members").selectAll().where("program_id", "=", programId).where("id", "=", id).executeTakeFirst();

export function searchMembers(
  db: Db,
  programId: string,
  filter: { phone?: string; email?: string; externalId?: string; q?: string },
  limit: number,
  after: string | null,
) {
  let query = db.selectFrom("members").selectAll().where("program_id", "=", programId);
  if (filter.phone !== undefined) query = query.where("phone", "=", filter.phone);
  if (filter.email !== undefined) query = query.where("email", "=", filter.email);
  if (filter.externalId !== undefined) query = query.where("external_id", "=", filter.externalId);
  if (filter.q !== undefined) {
    const like = `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where((eb) =>
      eb.or([eb("name", "ilike", like), eb("email", "ilike", like), eb("phone", "like", like), eb("external_id", "ilike", like)]),
    );
  }
  if (after) query = query.where("id", ">", after);
  return query
    .orderBy("id")
    .limit(limit + 1)
    .execute();
}
