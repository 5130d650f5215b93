import type { Db } from "../db/schema.ts";
import { DomainError, notFound } from "../shared/errors.ts";
import { effectiveTier, NO_TIER, retainOf } from "./ladder.rules.ts";
import { progressToNext } from "./next-tier.rules.ts";
import { decisionAt } from "./reviews.rules.ts";
import { type Settling, settleDueReviews, settledLadder } from "./tiers.settling.ts";
import * as q from "./tiers.sql.ts";
import { iso } from "./tiers.views.ts";
import { keepWindowFrom, windowAt } from "./windows.rules.ts";

/**
 * A member's tier status as of a time: the tier of record then, with the reviews that fell due
 * by then applied in memory by the same rules the jobs use, so the answer does not depend on
 * when the jobs ran.
 */
export async function tierStatus(db: Db, programId: string, memberId: string, asOf: Date) {
  const member = await q.findMemberId(db, programId, memberId);
  if (!member) throw notFound("Member", memberId);
  const l = await settledLadder(db, programId);
  if (!l) throw new DomainError("not_found", "This programme has no tiers");
  const rows = await q.changesUpTo(db, programId, memberId, asOf);
  const last = rows.at(-1);
  const members: Settling = new Map([
    [
      memberId,
      {
        state: last
          ? {
              tierId: last.to_tier_id,
              since: last.tier_since,
              reviewAt: last.review_at,
              graceUntil: last.grace_until,
              locked: last.locked,
            }
          : NO_TIER,
        lastChange: last?.effective_at ?? null,
      },
    ],
  ]);
  const applied = await settleDueReviews(db, programId, l, members, asOf);
  const state = members.get(memberId)?.state ?? NO_TIER;
  const tier = effectiveTier(l.ladder, state);
  const window = windowAt(l.policy, asOf, l.timezone);
  const decision = decisionAt(l.ladder, l.policy, state, l.timezone, l.removedAt);
  // What keeps the tier counts over the window of the review (the one under way, or the one that
  // started the grace), extended to now.
  const keepFrom = decision && (keepWindowFrom(l.policy, state, l.timezone) ?? windowAt(l.policy, decision, l.timezone).from);
  const [metric = 0, towardKeep = 0] = await q.metricsOver(db, programId, l.policy.metric, [
    { memberId, ...window },
    ...(decision ? [{ memberId, from: keepFrom ?? null, to: asOf }] : []),
  ]);
  const progress = progressToNext(l.ladder, tier, metric);
  const ref = (id: string | null) => (id === null ? null : { id, name: l.names.get(id) ?? id });
  const history = [
    ...rows.map((r) => ({
      at: r.effective_at.toISOString(),
      reason: r.reason,
      from: ref(r.from_tier_id),
      to: ref(r.to_tier_id),
      metric: r.metric === null ? null : Number(r.metric),
      since: iso(r.tier_since),
      reviewAt: iso(r.review_at),
      graceUntil: iso(r.grace_until),
      locked: r.locked,
      note: r.note,
    })),
    ...applied.map((t) => ({
      at: t.at.toISOString(),
      reason: t.reason,
      from: ref(t.from),
      to: ref(t.to),
      metric: t.metric,
      since: iso(t.state.since),
      reviewAt: iso(t.state.reviewAt),
      graceUntil: iso(t.state.graceUntil),
      locked: t.state.locked,
      note: t.note,
    })),
  ];
  return {
    memberId,
    asOf: asOf.toISOString(),
    tier: tier && {
      id: tier.id,
      name: tier.name,
      rank: tier.rank,
      earnMultiplier: tier.earnMultiplier,
      benefits: tier.benefits,
    },
    since: iso(state.since),
    locked: state.locked,
    metric: l.policy.metric,
    window: { from: iso(window.from), to: window.to.toISOString() },
    progress: { metric, percentToNext: progress.percentToNext },
    nextTier: progress.nextTier && {
      id: progress.nextTier.id,
      name: progress.nextTier.name,
      rank: progress.nextTier.rank,
      threshold: progress.nextTier.threshold,
    },
    amountToNext: progress.amountToNext,
    amountToKeep: decision && tier ? Math.max(0, retainOf(tier) - towardKeep) : null,
    reviewAt: iso(state.reviewAt),
    graceUntil: iso(state.graceUntil),
    history,
  };
}
