/** Tier changes, their outbox announcements and members' tier of record, as parts of a write batch. */
import { sql } from "kysely";
import type { TierChangeReason } from "../db/schema.ts";
import { jsonRows, type WriteBatch } from "../db/write-batch.ts";
import type { TierState } from "./ladder.rules.ts";

export interface TierChangeRow {
  id: string;
  member_id: string;
  from_tier_id: string | null;
  to_tier_id: string | null;
  reason: TierChangeReason;
  metric: number | null;
  tier_since: Date | null;
  review_at: Date | null;
  grace_until: Date | null;
  locked: boolean;
  note: string | null;
  actor: string;
  effective_at: Date;
}

export interface OutboxRow {
  id: string;
  type: string;
  subject_id: string;
  payload: unknown;
}

/**
 * Tier changes and their outbox announcements as parts of a write batch. With `states`, the
 * members' tier of record too; the event pipeline leaves it out when the same statement updates
 * those members' debt (one statement may not update a row twice).
 */
export function addTierWrites(
  batch: WriteBatch,
  programId: string,
  now: Date,
  changes: TierChangeRow[],
  outbox: OutboxRow[],
  states: Map<string, TierState> | null,
): void {
  if (changes.length > 0) {
    batch.add(
      "new_tier_changes",
      sql`insert into tier_changes (id, program_id, member_id, from_tier_id, to_tier_id, reason, metric, tier_since, review_at,
        grace_until, locked, note, actor, effective_at, created_at)
      select x.id, ${programId}, x.member_id, x.from_tier_id, x.to_tier_id, x.reason, x.metric, x.tier_since, x.review_at,
        x.grace_until, x.locked, x.note, x.actor, x.effective_at, ${now}::timestamptz
      from jsonb_to_recordset(${jsonRows(changes)}::jsonb) as x(id text, member_id text, from_tier_id text, to_tier_id text,
        reason text, metric bigint, tier_since timestamptz, review_at timestamptz, grace_until timestamptz, locked boolean,
        note text, actor text, effective_at timestamptz)`,
    );
  }
  if (outbox.length > 0) {
    batch.add(
      "new_outbox",
      sql`insert into outbox (id, program_id, type, subject_id, payload, created_at)
      select x.id, ${programId}, x.type, x.subject_id, x.payload, ${now}::timestamptz
      from jsonb_to_recordset(${jsonRows(outbox)}::jsonb) as x(id text, type text, subject_id text, payload jsonb)`,
    );
  }
  if (states && states.size > 0) addMemberTiers(batch, programId, states);
}

/** The members' tier of record, as a part of a write batch. */
export function addMemberTiers(batch: WriteBatch, programId: string, states: Map<string, TierState>): void {
  const list = [...states].map(([id, s]) => ({
    id,
    tier_id: s.tierId,
    tier_since: s.since,
    tier_review_at: s.reviewAt,
    tier_grace_until: s.graceUntil,
    tier_locked: s.locked,
  }));
  batch.add(
    "member_tiers",
    sql`update members set tier_id = x.tier_id, tier_since = x.tier_since, tier_review_at = x.tier_review_at,
      tier_grace_until = x.tier_grace_until, tier_locked = x.tier_locked
    from jsonb_to_recordset(${jsonRows(list)}::jsonb) as x(id text, tier_id text, tier_since timestamptz,
      tier_review_at timestamptz, tier_grace_until timestamptz, tier_locked boolean)
    where members.program_id = ${programId} and members.id in (${sql.join(list.map((m) => m.id))}) and members.id = x.id`,
  );
}
