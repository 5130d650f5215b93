import type { BudgetRefund } from "../campaigns/budget.rules.ts";
import type { Budgets } from "../earning/budgets.rules.ts";
import { budgetKeyAt } from "../earning/campaign-reach.rules.ts";
import type { LiveCampaign, MemberFacts, MemberHistory } from "../earning/earning.types.ts";
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

/** The batch's work before its first event; `budgetKeys` every budget its events could take from. */
export function newBatchWork(
  batch: EarnBatch,
  budgeted: ReadonlySet<string>,
  granted: Map<string, number>,
  budgetKeys: ReadonlySet<string> = budgeted,
): BatchWork {
  return {
    histories: new Map(),
    budgets: new Map([...budgetKeys].map((key) => [key, granted.get(key) ?? 0])),
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

/**
 * The budget a campaign's award at `at` takes from (or a return at `at`'s purchase gives back
 * to): the campaign's, or its occurrence's with a budget per occurrence.
 */
export function budgetKeyIn(batch: EarnBatch, campaignId: string, at: Date): string {
  // The campaign's version in force at `at`: a late event is charged to the occurrence it fell in.
  const campaign: LiveCampaign | undefined =
    batch.ctx.rulesAt(at).find((r) => r.campaign?.id === campaignId)?.campaign ?? undefined;
  return campaign ? budgetKeyAt(campaign, at, batch.ctx.program.timezone) : campaignId;
}

/**
 * Every budget the batch's events could take from: each budgeted campaign's, at each event's
 * time. The real pass starts each at what was granted (0 if nothing was), so an award the first
 * pass did not foresee is never unlimited.
 */
export function budgetKeysOf(batch: EarnBatch, events: PreparedEvent[], budgeted: ReadonlySet<string>): Set<string> {
  const keys = new Set<string>(budgeted);
  for (const id of budgeted) for (const p of events) keys.add(budgetKeyIn(batch, id, p.event.occurredAt));
  return keys;
}
