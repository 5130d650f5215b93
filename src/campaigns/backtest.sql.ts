import type { Kysely } from "kysely";
import type { DB, EventRow } from "../db/schema.ts";

// What a backtest reads: stored events and the facts of the programme and members they name.

/** What a backtest needs of the programme; undefined if there is no such programme. */
export async function backtestProgram(db: Kysely<DB>, programId: string) {
  const row = await db
    .selectFrom("programs")
    .select(["timezone", "currency", "point_value", "rules_revision"])
    .where("id", "=", programId)
    .executeTakeFirst();
  return (
    row && { timezone: row.timezone, currency: row.currency, pointValue: row.point_value, rulesRevision: row.rules_revision }
  );
}

/** The attributes of these members of the programme. */
export async function memberAttributes(db: Kysely<DB>, programId: string, memberIds: string[]) {
  if (memberIds.length === 0) return [];
  return db
    .selectFrom("members")
    .select(["id", "attributes"])
    .where("program_id", "=", programId)
    .where("id", "in", memberIds)
    .execute();
}

/** A page of the programme's processed or claimed events of members in [from, to), in time order, after `after`. */
export function eventsPage(
  db: Kysely<DB>,
  programId: string,
  window: { from: Date; to: Date },
  after: { at: Date; id: string } | null,
  limit: number,
): Promise<EventRow[]> {
  let query = db
    .selectFrom("events")
    .selectAll()
    .where("program_id", "=", programId)
    .where("occurred_at", ">=", window.from)
    .where("occurred_at", "<", window.to)
    .where("status", "in", ["processed", "claimed"])
    .where("member_id", "is not", null)
    .orderBy("occurred_at")
    .orderBy("id")
    .limit(limit);
  if (after) {
    const { at, id } = after;
    query = query.where((eb) => eb.or([eb("occurred_at", ">", at), eb.and([eb("occurred_at", "=", at), eb("id", ">", id)])]));
  }
  return query.execute();
}

/** How many purchases each of these members made before `before`. */
export function purchasesBefore(db: Kysely<DB>, memberIds: string[], before: Date) {
  return db
    .selectFrom("events")
    .select(["member_id", (eb) => eb.fn.countAll<number>().as("n")])
    .where("member_id", "in", memberIds)
    .where("type", "=", "purchase")
    .where("status", "in", ["processed", "claimed"])
    .where("occurred_at", "<", before)
    .groupBy("member_id")
    .execute();
}
