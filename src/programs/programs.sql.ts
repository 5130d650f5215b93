import type { Insertable, Transaction, Updateable } from "kysely";
import type { DB, Db, ProgramRow, ProgramsTable } from "../db/schema.ts";

export const findProgram = (db: Db, id: string): Promise<ProgramRow | undefined> =>
  db.selectFrom("programs").selectAll().where("id", "=", id).executeTakeFirst();

export const insertProgram = (trx: Transaction<DB>, row: Insertable<ProgramsTable>): Promise<ProgramRow> =>
  trx.insertInto("programs").values(row).returningAll().executeTakeFirstOrThrow();

/** The programme's row, locked against other changes to it (FOR NO KEY UPDATE: rows that refer to it are not held up). */
export const lockProgram = (trx: Transaction<DB>, id: string): Promise<ProgramRow | undefined> =>
  trx.selectFrom("programs").selectAll().where("id", "=", id).forNoKeyUpdate().executeTakeFirst();

export const updateProgram = (
  trx: Transaction<DB>,
  id: string,
  set: Updateable<ProgramsTable>,
): Promise<ProgramRow | undefined> => trx.updateTable("programs").set(set).where("id", "=", id).returningAll().executeTakeFirst();
