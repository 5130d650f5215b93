import type { Kysely } from "kysely";
import type { DB, EventRow } from "../db/schema.ts";
import { parseApiInstant } from "../shared/api-years.ts";
import { DomainError, notFound } from "../shared/errors.ts";
import { findEvent, listMemberEvents } from "./events.sql.ts";

/** An event as the API shows it. */
export function eventView(row: EventRow) {
  return {
    id: row.id,
    type: row.type,
    memberId: row.member_id,
    status: row.status,
    occurredAt: row.occurred_at,
    amount: row.amount,
    currency: row.currency,
    items: row.items,
    channel: row.channel,
    storeId: row.store_id,
    partnerId: row.partner_id,
    receiptId: row.receipt_id,
    customerRef: row.customer_ref,
    originalEventId: row.original_event_id,
    attributes: row.attributes,
    points: row.points,
    transactionId: row.txn_id,
    returnedAmount: row.returned_amount,
    clawedBack: row.clawed_back,
    result: row.result,
    actor: row.actor,
    createdAt: row.created_at,
  };
}

export async function getEvent(db: Kysely<DB>, programId: string, eventId: string) {
  const row = await findEvent(db, programId, eventId);
  if (!row) throw notFound("Event", eventId);
  return eventView(row);
}

/** The cursor is the last event's (occurredAt, id): events at the same instant page by id. */
export const eventCursor = (row: Pick<EventRow, "occurred_at" | "id">) => `${row.occurred_at.toISOString()}|${row.id}`;

export function parseEventCursor(cursor: string): { at: Date; id: string } {
  const at = parseApiInstant(cursor.slice(0, cursor.indexOf("|")));
  const id = cursor.slice(cursor.indexOf("|") + 1);
  if (!at) throw new DomainError("validation_error", "cursor is not one this API gave", { field: "cursor" });
  return { at, id };
}

/** A member's events, newest first, a page at a time. */
export async function listEventsOfMember(
  db: Kysely<DB>,
  programId: string,
  memberId: string,
  query: { type?: string | undefined; limit: number; cursor?: string | undefined },
) {
  const after = query.cursor ? parseEventCursor(query.cursor) : null;
  const rows = await listMemberEvents(db, programId, memberId, { type: query.type, limit: query.limit, after });
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    data: page.map(eventView),
    nextCursor: rows.length > query.limit && last ? eventCursor(last) : null,
  };
}
