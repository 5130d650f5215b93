import type { Contribution, Evaluation } from "../earning/earning.types.ts";
import type { AwardRowDraft, EventRowDraft, EventWrites } from "./event-writes.sql.ts";
import type { EventProgram } from "./events.sql.ts";
import type { PreparedEvent } from "./prepared-event.ts";

/** An empty set of event-side rows, filled event by event. */
export const noEventWrites = (): EventWrites => ({
  events: [],
  claims: [],
  awards: [],
  returned: [],
  budgetRefunds: [],
  referralReversals: [],
  referrals: [],
});

/**
 * Records an event's row with its answer (stored, so replays answer it). A claimed guest
 * purchase keeps its stored row and answer: the row now names the member, the points and the
 * transaction, and the claim answers for itself.
 */
export function recordEventRow(
  write: EventWrites,
  program: EventProgram,
  p: PreparedEvent,
  row: { status: EventRowDraft["status"]; points: number; txnId: string | null; code: number; result: unknown },
): void {
  if (p.claim && p.memberId) {
    write.claims.push({ id: p.input.id, member_id: p.memberId, points: row.points, txn_id: row.txnId });
    return;
  }
  write.events.push({
    id: p.input.id,
    type: p.input.type,
    member_id: p.memberId,
    status: row.status,
    occurred_at: p.event.occurredAt,
    amount: p.event.amount,
    currency: p.event.amount === null ? null : program.currency,
    items: p.event.items,
    channel: p.event.channel,
    store_id: p.event.storeId,
    partner_id: p.event.partnerId,
    receipt_id: p.input.receiptId ?? (p.guest ? p.input.id : null),
    customer_ref: p.input.customerRef ?? null,
    original_event_id: p.input.originalEventId ?? null,
    attributes: p.input.attributes ?? null,
    fingerprint: p.fingerprint,
    points: row.points,
    txn_id: row.txnId,
    returned_amount: 0,
    clawed_back: 0,
    status_code: row.code,
    result: row.result,
  });
}

/**
 * The award rows of an earn event: one per rule (a tier's bonus lines, one per timing, add up to
 * the tier's award), none for the referral bonus, and a row for each holdout the member was in.
 */
export function awardRows(
  p: PreparedEvent,
  memberId: string,
  contributions: Contribution[],
  skipped: Evaluation["skipped"],
  txnId: string | null,
): AwardRowDraft[] {
  const awarded = new Map<string, AwardRowDraft>();
  const rows: AwardRowDraft[] = [];
  for (const c of contributions) {
    if (c.ruleId === "referral") continue;
    const same = awarded.get(c.ruleId);
    if (same) {
      same.points += c.points;
      same.stamps += c.stamps;
      continue;
    }
    const award: AwardRowDraft = {
      event_id: p.input.id,
      rule_id: c.ruleId,
      rule_version: c.ruleVersion,
      campaign_id: c.campaignId,
      campaign_version: c.campaignVersion,
      member_id: memberId,
      outcome: "awarded",
      points: c.points,
      stamps: c.stamps,
      occurred_at: p.event.occurredAt,
      txn_id: txnId,
    };
    awarded.set(c.ruleId, award);
    rows.push(award);
  }
  for (const s of skipped) {
    if (s.reason !== "holdout") continue;
    rows.push({
      event_id: p.input.id,
      rule_id: s.ruleId,
      rule_version: s.ruleVersion,
      campaign_id: s.campaignId,
      campaign_version: s.campaignVersion,
      member_id: memberId,
      outcome: "holdout",
      points: 0,
      stamps: 0,
      occurred_at: p.event.occurredAt,
      txn_id: null,
    });
  }
  return rows;
}
