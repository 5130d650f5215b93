import type { Db, ProgramRow } from "../db/schema.ts";

export const findProgram = (db: Db, id: string): Promise<ProgramRow | undefined> =>
  db.selectFrom("programs").selectAll().where("id", "=", id).executeTakeFirst();
