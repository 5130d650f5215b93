import { type Selectable, sql } from "kysely";
import type { EventAwardsTable } from "../db/schema.ts";
import { jsonRows, type WriteBatch } from "../db/write-batch.ts";

export interface EventRowDraft {
  id: string;
  type: string;
  member_id: string | null;
  status: "processed" | "guest" | "claimed" | "rejected";
  occurred_at: Date;
  amount: number | null;
  currency: string | null;
  items: unknown[] | null;
  channel: string | null;
  store_id: string | null;
  partner_id: string | null;
  receipt_id: string | null;
  customer_ref: string | null;
  original_event_id: string | null;
  attributes: Record<string, unknown> | null;
  fingerprint: string;
  points: number;
  txn_id: string | null;
  /** A purchase returned later in its own batch is inserted with what the returns took. */
  returned_amount: number;
  clawed_back: number;
  status_code: number;
  result: unknown;
}

/** An award row as the batch writes it (the programme id is the statement's). */
export type AwardRowDraft = Omit<Selectable<EventAwardsTable>, "program_id">;

/** The event-side rows an earn batch writes. */
export interface EventWrites {
  events: EventRowDraft[];
  /** Guest purchases a member claimed: their stored row gets the member and the points (and keeps its customer_ref). */
  claims: { id: string; member_id: string; points: number; txn_id: string | null }[];
  awards: AwardRowDraft[];
  returned: { id: string; returned_amount: number; clawed_back: number }[];
  /** What returns gave back to campaign budgets. */
  budgetRefunds: { event_id: string; campaign_id: string; points: number }[];
  /** Referees whose rewarded referral a full return of the qualifying purchase reverses. */
  referralReversals: string[];
  referrals: {
    referee_id: string;
    status: "rewarded" | "refused" | "reversed";
    refused_reason: string | null;
    event_id: string;
    referrer_points: number;
    referee_points: number;
    txn_id: string | null;
  }[];
}

/**
 * The event-side rows of a batch as parts of its one write statement: new events (their ids are
 * the idempotency keys: on a clash nothing is inserted and the caller rolls back), awards,
 * purchases updated by returns, referrals settled. Added first: the other parts may refer to them.
 * Every event of a batch has the batch's actor (who sent it: the staff report counts by it).
 */
export function addEventWrites(batch: WriteBatch, programId: string, now: Date, actor: string, write: EventWrites): void {
  batch.add(
    "new_events",
    sql`
      insert into events (program_id, actor, id, type, member_id, status, occurred_at, amount, currency, items, channel, store_id,
        partner_id, receipt_id, customer_ref, original_event_id, attributes, fingerprint, points, txn_id, returned_amount,
        clawed_back, status_code, result, created_at)
      select ${programId}, ${actor}, x.id, x.type, x.member_id, x.status, x.occurred_at, x.amount, x.currency, x.items, x.channel,
        x.store_id, x.partner_id, x.receipt_id, x.customer_ref, x.original_event_id, x.attributes, x.fingerprint, x.points, x.txn_id,
        x.returned_amount, x.clawed_back, x.status_code, x.result, ${now}::timestamptz
      from jsonb_to_recordset(${jsonRows(write.events)}::jsonb) as x(id text, type text, member_id text, status text,
        occurred_at timestamptz, amount bigint, currency text, items jsonb, channel text, store_id text, partner_id text,
        receipt_id text, customer_ref text, original_event_id text, attributes jsonb, fingerprint text, points bigint, txn_id text,
        returned_amount bigint, clawed_back bigint, status_code integer, result jsonb)
      order by x.id
      on conflict (program_id, id) do nothing
      returning id`,
    { counted: true },
  );
  batch.add(
    "claimed_events",
    sql`
      update events set member_id = x.member_id, status = 'claimed', points = x.points, txn_id = x.txn_id,
        changed_at = ${now}::timestamptz
      from jsonb_to_recordset(${jsonRows(write.claims)}::jsonb) as x(id text, member_id text, points bigint, txn_id text)
      where events.program_id = ${programId} and events.id = x.id and events.status = 'guest'
      returning events.id`,
    { counted: true },
  );
  if (write.awards.length > 0) {
    batch.add(
      "new_awards",
      sql`
      insert into event_awards (program_id, event_id, rule_id, rule_version, campaign_id, campaign_version, member_id,
        outcome, points, stamps, occurred_at, txn_id)
      select ${programId}, x.event_id, x.rule_id, x.rule_version, x.campaign_id, x.campaign_version, x.member_id,
        x.outcome, x.points, x.stamps, x.occurred_at, x.txn_id
      from jsonb_to_recordset(${jsonRows(write.awards)}::jsonb) as x(event_id text, rule_id text, rule_version integer,
        campaign_id text, campaign_version integer, member_id text, outcome text, points bigint, stamps integer,
        occurred_at timestamptz, txn_id text)
      where x.event_id in (select id from new_events union all select id from claimed_events)`,
    );
  }
  if (write.returned.length > 0) {
    batch.add(
      "returned",
      sql`
      update events set returned_amount = x.returned_amount, clawed_back = x.clawed_back
      from jsonb_to_recordset(${jsonRows(write.returned)}::jsonb) as x(id text, returned_amount bigint, clawed_back bigint)
      where events.program_id = ${programId} and events.id in (${sql.join(write.returned.map((r) => r.id))})
        and events.id = x.id`,
    );
  }
  if (write.budgetRefunds.length > 0) {
    batch.add(
      "budget_refunds",
      sql`
      insert into campaign_budget_refunds (program_id, event_id, campaign_id, points)
      select ${programId}, x.event_id, x.campaign_id, x.points
      from jsonb_to_recordset(${jsonRows(write.budgetRefunds)}::jsonb) as x(event_id text, campaign_id text, points bigint)
      where x.event_id in (select id from new_events)`,
    );
  }
  if (write.referrals.length > 0) {
    batch.add(
      "settled_referrals",
      sql`
      update referrals set status = x.status, refused_reason = x.refused_reason, event_id = x.event_id,
        referrer_points = x.referrer_points, referee_points = x.referee_points, txn_id = x.txn_id,
        qualified_at = ${now}::timestamptz
      from jsonb_to_recordset(${jsonRows(write.referrals)}::jsonb) as x(referee_id text, status text, refused_reason text,
        event_id text, referrer_points bigint, referee_points bigint, txn_id text)
      where referrals.referee_id in (${sql.join(write.referrals.map((r) => r.referee_id))})
        and referrals.referee_id = x.referee_id and referrals.status = 'pending'
      returning referrals.referee_id`,
      { counted: true },
    );
  }
  if (write.referralReversals.length > 0) {
    batch.add(
      "reversed_referrals",
      sql`
      update referrals set status = 'reversed'
      where referee_id in (${sql.join(write.referralReversals)}) and status = 'rewarded'
      returning referee_id`,
      { counted: true },
    );
  }
}
