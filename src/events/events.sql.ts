import type { Transaction } from "kysely";
import type { DB, Db, ExpiryPolicy, ReferralPolicy, TierPolicy, UnknownMemberPolicy } from "../db/schema.ts";
import type { ReturnPolicy } from "../ledger/ledger.schemas.ts";
import { maxPurchaseOf } from "../programs/programs.rules.ts";

export interface EventProgram {
  id: string;
  timezone: string;
  currency: string;
  country: string | null;
  pointsExpiry: ExpiryPolicy;
  pendingDays: number;
  unknownMemberPolicy: UnknownMemberPolicy;
  guestClaimDays: number;
  returnPolicy: ReturnPolicy;
  referralPolicy: ReferralPolicy | null;
  rulesRevision: number;
  pointValue: number;
  /** Null: the programme has no tiers. */
  tierPolicy: TierPolicy | null;
  /** The largest purchase accepted, minor units (the programme's setting or the default). */
  maxPurchaseAmount: number;
}

export async function programForEvents(db: Db, programId: string): Promise<EventProgram | null> {
  const row = await db.selectFrom("programs").selectAll().where("id", "=", programId).executeTakeFirst();
  if (!row) return null;
  return {
    id: row.id,
    timezone: row.timezone,
    currency: row.currency,
    country: row.country,
    pointsExpiry: row.points_expiry,
    pendingDays: row.pending_days,
    unknownMemberPolicy: row.unknown_member_policy,
    guestClaimDays: row.guest_claim_days,
    returnPolicy: row.return_policy,
    referralPolicy: row.referral_policy,
    rulesRevision: row.rules_revision,
    pointValue: row.point_value,
    tierPolicy: row.tier_policy,
    maxPurchaseAmount: maxPurchaseOf({ currency: row.currency, maxPurchaseAmount: row.max_purchase_amount }),
  };
}

export interface StoredEvent {
  id: string;
  fingerprint: string;
  status_code: number;
  result: unknown;
}

export async function findStoredEvents(db: Db, programId: string, ids: string[]): Promise<Map<string, StoredEvent>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom("events")
    .select(["id", "fingerprint", "status_code", "result"])
    .where("program_id", "=", programId)
    .where("id", "in", ids)
    .execute();
  return new Map(rows.map((r) => [r.id, r]));
}

/** The purchase with this receipt id, locked (a guest one first, by status order). */
export const lockPurchaseByReceipt = (trx: Transaction<DB>, programId: string, receiptId: string) =>
  trx
    .selectFrom("events")
    .selectAll()
    .where("program_id", "=", programId)
    .where("receipt_id", "=", receiptId)
    .where("type", "=", "purchase")
    .orderBy("status")
    .forUpdate()
    .executeTakeFirst();

/** The amounts of the programme's latest purchases (members' and guests'), newest first. */
export const recentPurchaseAmounts = async (db: Db, programId: string, limit: number): Promise<number[]> =>
  (
    await db
      .selectFrom("events")
      .select("amount")
      .where("program_id", "=", programId)
      .where("type", "=", "purchase")
      .where("status", "in", ["processed", "guest", "claimed"])
      .where("amount", ">", 0)
      .orderBy("occurred_at", "desc")
      .limit(limit)
      .execute()
  ).flatMap((r) => (r.amount === null ? [] : [r.amount]));

export const findEvent = (db: Db, programId: string, eventId: string) =>
  db.selectFrom("events").selectAll().where("program_id", "=", programId).where("id", "=", eventId).executeTakeFirst();

/** A member's events, newest first, from after the (occurredAt, id) of `after`; one more than `limit`. */
export function listMemberEvents(
  db: Db,
  programId: string,
  memberId: string,
  query: { type?: string | undefined; limit: number; after: { at: Date; id: string } | null },
) {
  let select = db
    .selectFrom("events")
    .selectAll()
    .where("program_id", "=", programId)
    .where("member_id", "=", memberId)
    .orderBy("occurred_at", "desc")
    .orderBy("id", "desc")
    .limit(query.limit + 1);
  if (query.type) select = select.where("type", "=", query.type);
  const after = query.after;
  if (after) {
    select = select.where((eb) =>
      eb.or([eb("occurred_at", "<", after.at), eb.and([eb("occurred_at", "=", after.at), eb("id", "<", after.id)])]),
    );
  }
  return select.execute();
}
