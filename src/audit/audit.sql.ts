import type { AuditRow, Db } from "../db/schema.ts";
import type { AuditCursor } from "./audit.rules.ts";

export interface AuditFilter {
  actor?: string;
  action?: string;
  targetId?: string;
  from?: Date;
  to?: Date;
  after?: AuditCursor;
  limit: number;
}

/** `%` and `_` are literal in a search for part of an action. */
const likeEscaped = (text: string) => text.replace(/[\\%_]/g, (ch) => `\\${ch}`);

/** One page, newest first, one row more than asked (to know whether another page follows). */
export function listAudit(db: Db, programId: string, f: AuditFilter): Promise<AuditRow[]> {
  let query = db.selectFrom("audit_log").selectAll().where("program_id", "=", programId);
  if (f.actor !== undefined) query = query.where("actor", "=", f.actor);
  if (f.action !== undefined) query = query.where("action", "ilike", `%${likeEscaped(f.action)}%`);
  if (f.targetId !== undefined) query = query.where("target_id", "=", f.targetId);
  if (f.from !== undefined) query = query.where("created_at", ">=", f.from);
  if (f.to !== undefined) query = query.where("created_at", "<", f.to);
  const after = f.after;
  if (after)
    query = query.where((eb) =>
      eb.or([eb("created_at", "<", after.at), eb.and([eb("created_at", "=", after.at), eb("id", "<", after.id)])]),
    );
  return query
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(f.limit + 1)
    .execute();
}

/** Readable names of the staff and keys that made changes: staff name (or email), key name. */
export async function actorNames(db: Db, programId: string, staffIds: string[], keyIds: string[]) {
  const names = new Map<string, string>();
  if (staffIds.length > 0) {
    const rows = await db
      .selectFrom("staff")
      .select(["id", "name", "email"])
      .where("program_id", "=", programId)
      .where("id", "in", staffIds)
      .execute();
    for (const r of rows) names.set(`staff:${r.id}`, r.name ?? r.email);
  }
  if (keyIds.length > 0) {
    const rows = await db
      .selectFrom("api_keys")
      .select(["id", "name"])
      .where("id", "in", keyIds)
      .where((eb) => eb.or([eb("program_id", "=", programId), eb("program_id", "is", null)]))
      .execute();
    for (const r of rows) names.set(`key:${r.id}`, r.name);
  }
  return names;
}
