import type { Transaction } from "kysely";
import type { DB } from "../db/schema.ts";
import { DomainError, notFound } from "../shared/errors.ts";
import type { ServiceDeps } from "../shared/service-deps.ts";
import { bottomOf } from "./ladder.rules.ts";
import { checkLadderThresholds } from "./ladder-input.rules.ts";
import { writeChanges } from "./tiers.changes.ts";
import type { PutTiersInput } from "./tiers.schemas.ts";
import { type SettledLadder, settledLadder } from "./tiers.settling.ts";
import * as q from "./tiers.sql.ts";
import { currentTiers, insertTier, removeTiers, setTierPolicy, type TierValues, updateTier } from "./tiers-ladder.sql.ts";
import { changeTime, type TierTransition } from "./transitions.rules.ts";
import { reviewDateAfter } from "./windows.rules.ts";

/** Holders of a tier locked and rebased per page. */
const HOLDERS_PAGE = 200;

/**
 * Replaces the ladder: tiers named by id are updated in place, new ones created, missing ones
 * removed (kept for history) unless a member holds them. Members are not re-ranked here: an
 * upgrade the new thresholds allow happens at the member's next event, a downgrade at review.
 * Only a new bottom changes members at once: holders of a tier that stops being the bottom get
 * a review one period from now (as if they had just reached it), holders of one that becomes the
 * bottom lose theirs (the bottom is never reviewed), each a `ladder_changed` change announced in
 * the outbox.
 *
 * Runs in the caller's transaction, which has read the ladder before for the audit log.
 */
export async function writeLadder(
  trx: Transaction<DB>,
  deps: Pick<ServiceDeps, "ids" | "clock">,
  programId: string,
  input: PutTiersInput,
  now: Date,
  actor: string,
): Promise<void> {
  // Writing the policy first serializes ladder changes (a no-key update: enrolments still insert).
  const program = await setTierPolicy(trx, programId, input.tiers.length > 0 ? JSON.stringify(input.policy) : null);
  if (!program) throw notFound("Program", programId);
  checkLadderThresholds(input, program.currency);
  const current = await currentTiers(trx, programId);
  const known = new Set(current.map((t) => t.id));
  const unknown = input.tiers.flatMap((t, i) => (t.id !== undefined && !known.has(t.id) ? [{ i, id: t.id }] : []));
  if (unknown.length > 0) {
    throw new DomainError("validation_error", `Body field tiers.${unknown[0]?.i}.id: no tier ${unknown[0]?.id} on this ladder`, {
      issues: unknown.map((u) => ({ path: `tiers.${u.i}.id`, message: `no tier ${u.id} on this ladder`, code: "custom" })),
    });
  }
  const kept = new Set(input.tiers.flatMap((t) => (t.id ? [t.id] : [])));
  const removed = current.filter((t) => !kept.has(t.id));
  const held = await q.holders(
    trx,
    programId,
    removed.map((t) => t.id),
  );
  if (held.size > 0) {
    const tiers = removed.flatMap((t) => (held.has(t.id) ? [{ id: t.id, name: t.name, members: held.get(t.id) ?? 0 }] : []));
    throw new DomainError(
      "conflict",
      `Members still hold ${tiers.map((t) => `${t.name} (${t.members})`).join(", ")}: move them to another tier before removing it`,
      { tiers },
    );
  }
  if (removed.length > 0) {
    await removeTiers(
      trx,
      removed.map((t) => t.id),
      now,
    );
  }
  const newIds: string[] = [];
  for (const [rank, tier] of input.tiers.entries()) {
    const values: TierValues = {
      name: tier.name,
      rank,
      threshold: tier.threshold,
      retain_threshold: tier.retainThreshold ?? null,
      earn_multiplier: tier.earnMultiplier,
      points_expiry: tier.pointsExpiry ? JSON.stringify(tier.pointsExpiry) : null,
      benefits: JSON.stringify(tier.benefits),
      updated_at: now,
    };
    const id = tier.id ?? deps.ids("tier");
    newIds.push(id);
    if (tier.id) await updateTier(trx, tier.id, values);
    else await insertTier(trx, programId, id, values, now);
  }
  const oldBottom = current.find((t) => t.rank === 0)?.id;
  const newBottom = newIds[0];
  if (input.tiers.length > 0 && oldBottom !== newBottom) {
    const l = await settledLadder(trx, programId);
    if (l) {
      if (oldBottom && kept.has(oldBottom)) await rebase(trx, deps, programId, l, oldBottom, now, actor);
      if (newBottom && known.has(newBottom)) await rebase(trx, deps, programId, l, newBottom, now, actor);
    }
  }
}

/**
 * Gives the holders of a tier the review date its new place on the ladder calls for: none on the
 * bottom, one period from now above it. Unlocked holders only (a locked member gets one when
 * unlocked); in pages, each member locked and dated after their last change.
 */
async function rebase(
  trx: Transaction<DB>,
  deps: Pick<ServiceDeps, "ids" | "clock">,
  programId: string,
  l: SettledLadder,
  tierId: string,
  now: Date,
  actor: string,
) {
  const bottom = bottomOf(l.ladder)?.id === tierId;
  for (let after = ""; ; ) {
    const holders = await q.lockHolders(trx, programId, tierId, after, HOLDERS_PAGE);
    if (holders.size === 0) break;
    const transitions: TierTransition[] = [];
    for (const [memberId, { state, lastChange }] of holders) {
      after = memberId;
      const at = changeTime(now, lastChange);
      const reviewAt = bottom ? null : reviewDateAfter(l.policy, at, l.timezone);
      if (!bottom && state.reviewAt) continue;
      if (bottom && !state.reviewAt && !state.graceUntil) continue;
      transitions.push({
        memberId,
        from: tierId,
        to: tierId,
        reason: "ladder_changed",
        metric: null,
        at,
        state: { ...state, reviewAt, graceUntil: null },
        note: null,
        review: false,
      });
    }
    await writeChanges(trx, deps, programId, transitions, l.names, actor);
  }
}
