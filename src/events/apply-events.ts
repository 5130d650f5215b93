import { addWants, type BudgetRefund, type BudgetWant, unusedGrants } from "../campaigns/budget.rules.ts";
import { budgetWants } from "../earning/budgets.rules.ts";
import type { Evaluation, MemberHistory } from "../earning/earning.types.ts";
import { evaluate } from "../earning/evaluate.rules.ts";
import { errorBody } from "../idempotency/idempotency.service.ts";
import type { EntryDraft } from "../ledger/books.rules.ts";
import type { IdGenerator } from "../shared/ids.ts";
import { acceptedAnswer, type EventAnswer, guestResult } from "./answers.ts";
import { applyEarn } from "./apply-earn.ts";
import { applyReturn } from "./apply-return.ts";
import { advanceTier, budgetKeyIn, budgetKeysOf, historyOf, memberFactsAt, newBatchWork } from "./batch-work.ts";
import type { EarnBatch } from "./earn-batch.ts";
import { recordEventRow } from "./event-rows.ts";
import type { EventWrites } from "./event-writes.sql.ts";
import type { PreparedEvent } from "./prepared-event.ts";

/** What applying a batch's events produced: the ledger entries, the rows, budget refunds and answers. */
export interface BatchOutcome {
  entries: EntryDraft[];
  write: EventWrites;
  refunds: BudgetRefund[];
  answers: Map<number, EventAnswer>;
}

/**
 * The campaigns whose rules award from a budget, in the versions the events are judged by: an
 * event is charged to the campaign in force when it occurred.
 */
export const budgetedCampaigns = (batch: EarnBatch, events: PreparedEvent[]): Set<string> =>
  new Set(
    events.flatMap((p) =>
      batch.ctx.rulesAt(p.event.occurredAt).flatMap((r) => (r.campaign?.budgetPoints ? [r.campaign.id] : [])),
    ),
  );

/**
 * What budgeted campaigns want from the whole batch, to take it at once (one take per campaign).
 * Budgets need the database, so the batch is evaluated twice: here, every event in order with no
 * budget limit and tiers carried as far as the evaluations alone tell (returns come later); then
 * for real in applyEvents(), within what was granted.
 */
export function budgetWantsOf(batch: EarnBatch, events: PreparedEvent[]): Map<string, BudgetWant> {
  const budgeted = budgetedCampaigns(batch, events);
  const wants = new Map<string, BudgetWant>();
  if (budgeted.size === 0) return wants;
  const histories = new Map<string, MemberHistory>();
  const progress = batch.tiers?.clone() ?? null;
  for (const p of events) {
    if (!p.memberId || p.guest || p.input.type === "return" || batch.blocked.has(p.memberId)) continue;
    const evaluation: Evaluation = evaluate(
      p.event,
      memberFactsAt(batch, p.memberId, progress, p.event.occurredAt),
      historyOf(batch, histories, p.memberId),
      batch.ctx.rulesAt(p.event.occurredAt),
      batch.ctx.program,
      new Map(),
    );
    advanceTier(
      progress,
      p,
      p.memberId,
      evaluation.contributions.reduce((sum, c) => sum + c.points, 0),
    );
    addWants(
      wants,
      p.memberId,
      budgetWants(evaluation, budgeted, (id) => budgetKeyIn(batch, id, p.event.occurredAt)),
    );
  }
  return wants;
}

/**
 * Applies every event of the batch in order (applyEarn / applyReturn), each to the books as the
 * events before it left them, so an upgrade an event (or a return) brings is known to the events
 * after it. A refused event is stored with its refusal; what it took from budgets goes back, as
 * does what the budgets granted and no event used.
 */
export function applyEvents(
  batch: EarnBatch,
  events: PreparedEvent[],
  wants: Map<string, BudgetWant>,
  granted: Map<string, number>,
  ids: IdGenerator,
): BatchOutcome {
  const { program, dryRun, requestId } = batch.ctx;
  const budgeted = budgetedCampaigns(batch, events);
  const work = newBatchWork(batch, budgeted, granted, budgetKeysOf(batch, events, budgeted));
  const answers = new Map<number, EventAnswer>();
  for (const p of events) {
    if (p.guest || !p.memberId) {
      const result = guestResult(p, dryRun);
      recordEventRow(work.write, program, p, { status: "guest", points: 0, txnId: null, code: 201, result });
      answers.set(p.index, acceptedAnswer(p, result));
      continue;
    }
    const memberId = p.memberId;
    const outcome =
      p.input.type === "return" ? applyReturn(batch, work, p, memberId, ids) : applyEarn(batch, work, p, memberId, ids);
    if (outcome.accepted) {
      for (const book of outcome.books) batch.books.set(book.memberId, book);
      const row = {
        status: "processed" as const,
        points: outcome.points,
        txnId: outcome.txnId,
        code: 201,
        result: outcome.result,
      };
      recordEventRow(work.write, program, p, row);
      answers.set(p.index, acceptedAnswer(p, outcome.result));
      continue;
    }
    // A refusal undoes the event alone: the budget its evaluation took goes back.
    for (const c of outcome.evaluation?.contributions ?? []) {
      if (c.campaignId && work.budgeted.has(c.campaignId) && c.points > 0) {
        work.refunds.push({ budgetKey: budgetKeyIn(batch, c.campaignId, p.event.occurredAt), memberId, points: c.points });
      }
    }
    // Stored, so a retry of this event id gets the same refusal.
    const body = errorBody(outcome.error, requestId);
    recordEventRow(work.write, program, p, {
      status: "rejected",
      points: 0,
      txnId: null,
      code: outcome.error.status,
      result: body,
    });
    answers.set(p.index, { eventId: p.input.id, status: outcome.error.status, replayed: false, body });
  }
  work.refunds.push(...unusedGrants(granted, work.budgets, wants));
  // Sign-up events the system made answer nobody, but are stored like any other.
  for (const p of events) if (p.internal) answers.delete(p.index);
  return { entries: work.entries, write: work.write, refunds: work.refunds, answers };
}
