import { bookOf, type EntryDraft } from "../ledger/books.rules.ts";
import { clawback } from "../ledger/clawback.rules.ts";
import { bookBalance } from "../ledger/ledger.service.ts";
import { type ReferralOutcome, reversedReferral, reversesReferral } from "../referrals/referral.rules.ts";
import { DomainError, notFound } from "../shared/errors.ts";
import type { IdGenerator } from "../shared/ids.ts";
import { returnMetric } from "../tiers/metrics.rules.ts";
import { resultBase } from "./answers.ts";
import { type Applied, type Refused, refused } from "./apply-earn.ts";
import { type BatchWork, budgetKeyIn, draftBook } from "./batch-work.ts";
import type { EarnBatch } from "./earn-batch.ts";
import { checkReturnedItems, planReturn, returnedValue } from "./events.rules.ts";
import type { EventResult } from "./events.schemas.ts";
import type { PreparedEvent } from "./prepared-event.ts";

/**
 * Applies a return to the member of the purchase it names: takes back the purchase's points in
 * proportion to what is returned so far (planReturn), reverses the referral a full return of the
 * qualifying purchase settled, gives budgeted campaigns their share back and lowers the tier
 * metric. The ledger changes are made on copies of the books, kept only if the return is
 * accepted: a clawback the return policy refuses leaves the books as they were.
 */
export function applyReturn(
  batch: EarnBatch,
  work: BatchWork,
  p: PreparedEvent,
  memberId: string,
  ids: IdGenerator,
): Applied | Refused {
  const { program, now, dryRun } = batch.ctx;
  const { tiers } = batch;
  const original = p.input.originalEventId ? batch.originals.get(p.input.originalEventId) : undefined;
  if (!original) return refused(notFound("Purchase", p.input.originalEventId), null);
  const returnedBefore = original.returnedAmount;
  const returnedItems = p.event.items ?? [];
  try {
    checkReturnedItems(original.items, [...original.returnedItems, ...returnedItems]);
    const returned = p.event.amount ?? returnedValue(original, original.returnedItems, returnedItems);
    // Kept on the event even if it is refused below: its stored row says what was returned.
    p.event.amount = returned;
    const stored = bookOf(batch.books, memberId);
    // A dry run as of a past time: the purchase may not have been received yet.
    if (original.lotIds.some((id) => !stored.lots.some((l) => l.id === id))) {
      throw new DomainError("validation_error", `Purchase ${original.id} had not been received at that time`, {
        field: "originalEventId",
      });
    }
    const plan = planReturn(original, returned, program.currency);
    const reversible = batch.referrals.rewarded.get(original.id);
    const referrerId = batch.referrals.pending.get(memberId) ?? reversible?.referrerId;
    const referrerStored = referrerId ? batch.books.get(referrerId) : undefined;
    // A full return of the purchase that qualified a referral reverses it: the bonus goes back
    // with the purchase's points, the referrer's reward from the referrer.
    const reversal = reversible && reversesReferral(original.amount, plan.totalReturned) ? reversible : null;
    const bonus = reversal?.refereePoints ?? 0;
    const sources = bonus > 0 ? [...plan.sources, { account: "issued" as const, partnerId: null, points: bonus }] : plan.sources;

    const book = draftBook(stored);
    const referrerBook = referrerStored ? draftBook(referrerStored) : null;
    const entries: EntryDraft[] = [];
    let entry: EntryDraft | null = null;
    if (plan.take + bonus > 0) {
      entry = clawback(
        book,
        {
          points: plan.take + bonus,
          lotIds: original.lotIds,
          sources,
          policy: program.returnPolicy,
          reason: `Return ${p.input.id} of purchase ${original.id}${p.input.reason ? `: ${p.input.reason}` : ""}`,
        },
        now,
        ids,
      );
      entries.push(entry);
    }
    if (reversal && referrerBook && reversal.referrerPoints > 0) {
      entries.push(
        clawback(
          referrerBook,
          {
            points: reversal.referrerPoints,
            lotIds: reversal.referrerLotIds,
            sources: [{ account: "issued", partnerId: null, points: reversal.referrerPoints }],
            policy: program.returnPolicy,
            reason: `Referral reversed: purchase ${original.id} of ${memberId} was returned`,
          },
          now,
          ids,
        ),
      );
    }

    // Accepted: what follows records it.
    work.entries.push(...entries);
    let referral: ReferralOutcome | null = null;
    if (reversal && referrerBook) {
      // Settled earlier in this batch: its row goes in reversed (one statement cannot update it twice).
      const settled = reversal.inBatch ? work.write.referrals.find((r) => r.referee_id === memberId) : undefined;
      if (settled) settled.status = "reversed";
      else work.write.referralReversals.push(memberId);
      batch.referrals.rewarded.delete(original.id);
      referral = reversedReferral(reversal, bonus);
    }
    original.returnedItems.push(...returnedItems);
    original.returnedAmount = plan.totalReturned;
    original.clawedBack = plan.totalTakenBack;
    // A purchase earlier in this batch is not stored yet: its row goes in with the returns.
    const sameBatch = work.write.events.find((e) => e.id === original.id);
    if (sameBatch) Object.assign(sameBatch, { returned_amount: plan.totalReturned, clawed_back: plan.totalTakenBack });
    else {
      work.write.returned = work.write.returned.filter((r) => r.id !== original.id);
      work.write.returned.push({ id: original.id, returned_amount: plan.totalReturned, clawed_back: plan.totalTakenBack });
    }
    for (const r of plan.campaignRefunds) {
      if (!work.budgeted.has(r.campaignId)) continue;
      // Back to the budget the purchase took from: its occurrence's, with a budget per occurrence.
      work.refunds.push({ budgetKey: budgetKeyIn(batch, r.campaignId, original.occurredAt), points: r.points, memberId });
      work.write.budgetRefunds.push({ event_id: p.input.id, campaign_id: r.campaignId, points: r.points });
    }
    // Lowers the tier metric (in a window holding both the purchase and the return); it never
    // downgrades: only a review does.
    tiers?.add(
      memberId,
      returnMetric(tiers.policy.metric, {
        pointsTakenBack: plan.take,
        amount: returned,
        completesReturn: returnedBefore < original.amount && plan.totalReturned >= original.amount,
      }),
      [p.event.occurredAt, original.occurredAt],
    );
    const result: EventResult = {
      ...resultBase(p, dryRun),
      status: "processed",
      points: { total: 0 - plan.take, available: 0, pending: 0 },
      contributions: [],
      skipped: [],
      stamps: [],
      return: {
        originalEventId: original.id,
        returnedAmount: returned,
        pointsTakenBack: plan.take,
        totalReturnedAmount: plan.totalReturned,
        totalTakenBack: plan.totalTakenBack,
        explanation: plan.explanation,
      },
      referral,
      transactionId: dryRun ? null : (entry?.id ?? null),
      balance: bookBalance(book, now),
    };
    return {
      accepted: true,
      result,
      points: 0 - plan.take,
      txnId: entry?.id ?? null,
      books: referrerBook ? [book, referrerBook] : [book],
    };
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return refused(error, null);
  }
}
