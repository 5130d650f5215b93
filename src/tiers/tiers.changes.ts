import type { Transaction } from "kysely";
import type { DB } from "../db/schema.ts";
import { WriteBatch } from "../db/write-batch.ts";
import type { IdGenerator } from "../shared/ids.ts";
import type { ServiceDeps } from "../shared/service-deps.ts";
import { iso } from "./tiers.views.ts";
import * as w from "./tiers-writes.sql.ts";
import { TIER_CHANGED, type TierTransition } from "./transitions.rules.ts";

/** The actor of the changes reviews make (the jobs, or a read that settles). */
export const REVIEW_ACTOR = "system:tiers";

/** Rows for tier_changes and outbox, one announcement per change. */
export function changeRows(ids: IdGenerator, transitions: TierTransition[], names: Map<string, string>, actor: string) {
  const ref = (id: string | null) => (id === null ? null : { id, name: names.get(id) ?? id });
  const changes: w.TierChangeRow[] = [];
  const outbox: w.OutboxRow[] = [];
  for (const t of transitions) {
    const id = ids("tierChange");
    changes.push({
      id,
      member_id: t.memberId,
      from_tier_id: t.from,
      to_tier_id: t.to,
      reason: t.reason,
      metric: t.metric,
      tier_since: t.state.since,
      review_at: t.state.reviewAt,
      grace_until: t.state.graceUntil,
      locked: t.state.locked,
      note: t.note,
      actor: t.review ? REVIEW_ACTOR : actor,
      effective_at: t.at,
    });
    outbox.push({
      id: ids("outbox"),
      type: TIER_CHANGED,
      subject_id: t.memberId,
      payload: {
        changeId: id,
        memberId: t.memberId,
        from: ref(t.from),
        to: ref(t.to),
        reason: t.reason,
        at: t.at.toISOString(),
        metric: t.metric,
        since: iso(t.state.since),
        reviewAt: iso(t.state.reviewAt),
        graceUntil: iso(t.state.graceUntil),
        locked: t.state.locked,
        note: t.note,
      },
    });
  }
  return { changes, outbox };
}

/** Writes changes, their announcements and the members' new tier of record, in one statement. */
export async function writeChanges(
  trx: Transaction<DB>,
  deps: Pick<ServiceDeps, "ids" | "clock">,
  programId: string,
  transitions: TierTransition[],
  names: Map<string, string>,
  actor: string,
) {
  if (transitions.length === 0) return;
  const { changes, outbox } = changeRows(deps.ids, transitions, names, actor);
  const states = new Map(transitions.map((t) => [t.memberId, t.state]));
  const batch = new WriteBatch();
  w.addTierWrites(batch, programId, deps.clock.now(), changes, outbox, states);
  await batch.run(trx);
}
