import type { BudgetRefund } from "../campaigns/budget.rules.ts";
import type { Budgets } from "../earning/budgets.rules.ts";
import type { MemberFacts, MemberHistory } from "../earning/earning.types.ts";
import type { EntryDraft, MemberBook } from "../ledger/books.rules.ts";
import type { TierProgress } from "../tiers/batch.rules.ts";
import { eventMetric } from "../tiers/metrics.rules.ts";
import type { TierTransition } from "../tiers/transitions.rules.ts";
import type { EarnBatch } from "./earn-batch.ts";
import { noEventWrites } from "./event-rows.ts";
import type { EventWrites } from "./event-writes.sql.ts";
import type { PreparedEvent } from "./prepared-event.ts";

/** What the events of a batch have done so far, carried from one event to the next. */
export interface BatchWork {
  /** Each member's history as the next event sees it. */
  histories: Map<string, MemberHistory>;
  /** What budgeted campaigns granted and the events have not used yet. */
  budgets: Budgets;
  budgeted: ReadonlySet<string>;
  rewardedThisMonth: Map<string, number>;
  /** Referees whose waiting referral an event of this batch already settled. */
  referralSettled: Set<string>;
  entries: EntryDraft[];
  write: EventWrites;
  refunds: BudgetRefund[];
}

export function newBatchWork(batch: EarnBatch, budgeted: ReadonlySet<string>, granted: Map<string, number>): BatchWork {
  return {
    histories: new Map(),
    budgets: new Map([...budgeted].map((id) => [id, granted.get(id) ?? 0])),
    budgeted,
    rewardedThisMonth: new Map(batch.state.referralsThisMonth),
    referralSettled: new Set(),
    entries: [],
    write: noEventWrites(),
    refunds: [],
  };
}

/**
 * Working copies of members' books for one event: the event changes the copies, and they replace
 * the batch's books only when the event is accepted, so a refusal leaves the books untouched.
 */
export function draftBook(book: MemberBook): MemberBook {
  return {
    memberId: book.memberId,
    debt: book.debt,
    lots: book.lots.map((l) => ({ ...l })),
    holds: book.holds.map((h) => ({ ...h, allocations: h.allocations.map((a) => ({ ...a })) })),
  };
}

/**
 * The member as the rules see them for an event that occurred at `at`: with the tier they held
 * then (the one they hold at this point of the batch, for an event after their last tier change).
 */
export const memberFactsAt = (batch: EarnBatch, memberId: string, progress: TierProgress | null, at: Date): MemberFacts => ({
  ...(batch.facts.get(memberId) ?? { id: memberId, attributes: {}, tier: null, segments: [] }),
  tier: progress?.factsTierAt(memberId, at) ?? null,
});

/** A member's history, carried from one event to the next (started from the rule state read). */
export function historyOf(batch: EarnBatch, histories: Map<string, MemberHistory>, memberId: string): MemberHistory {
  let history = histories.get(memberId);
  if (!history) {
    const { state } = batch;
    history = {
      purchases: state.purchases.get(memberId) ?? 0,
      stamps: new Map(state.stamps.get(memberId) ?? []),
      awards: [...(state.awards.get(memberId) ?? [])],
    };
    histories.set(memberId, history);
  }
  return history;
}

/** What an event that earned `points` adds to its member's tier metric (and the upgrades it brings). */
export const advanceTier = (
  progress: TierProgress | null,
  p: PreparedEvent,
  memberId: string,
  points: number,
): TierTransition[] =>
  progress
    ? progress.add(memberId, eventMetric(progress.policy.metric, { type: p.input.type, amount: p.event.amount, points }), [
        p.event.occurredAt,
      ])
    : [];
