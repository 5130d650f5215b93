import type { Kysely, Transaction } from "kysely";
import type { DB, ProgramRow } from "../db/schema.ts";

type Db = Kysely<DB> | Transaction<DB>;

export const findProgram = (db: Db, id: string): Promise<ProgramRow | undefined> =>
  db.selectFrom("programs").selectAll().where("id", "=", id).executeTakeFirst();
