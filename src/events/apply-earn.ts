import { budgetWants } from "../earning/budgets.rules.ts";
import type { Evaluation } from "../earning/earning.types.ts";
import { evaluate } from "../earning/evaluate.rules.ts";
import { bookOf, type EntryDraft, type MemberBook } from "../ledger/books.rules.ts";
import { creditParts, expireLapsed } from "../ledger/credits.rules.ts";
import { bookBalance } from "../ledger/ledger.service.ts";
import { firstPurchaseReferral, type ReferralOutcome, refereeBonus, settlesReferral } from "../referrals/referral.rules.ts";
import { DomainError } from "../shared/errors.ts";
import type { IdGenerator } from "../shared/ids.ts";
import { MAX_POINTS_PER_OPERATION } from "../shared/points.ts";
import { resultBase } from "./answers.ts";
import { advanceTier, type BatchWork, draftBook, historyOf, memberFactsAt } from "./batch-work.ts";
import type { EarnBatch } from "./earn-batch.ts";
import { awardRows } from "./event-rows.ts";
import { checkEarnsSomething, creditPartsFor } from "./events.rules.ts";
import type { EventResult } from "./events.schemas.ts";
import type { PreparedEvent } from "./prepared-event.ts";

/** An event applied: its answer, the points its row records, and the books it changed (to commit). */
export interface Applied {
  accepted: true;
  result: EventResult;
  points: number;
  txnId: string | null;
  books: MemberBook[];
}

/** An event refused: nothing of it is written but its refusal; what its evaluation took from budgets goes back. */
export interface Refused {
  accepted: false;
  error: DomainError;
  evaluation: Evaluation | null;
}

/**
 * Applies an earning event (a purchase, a sign-up, a birthday ...) to its member: the rules'
 * points as of the member's tier and history so far, a waiting referral it settles, the ledger
 * credits, award rows and the answer. All I/O was done when the batch was opened.
 *
 * The checks come before any change: a refusal leaves the books and the batch's rows as they
 * were. What the rules' evaluation itself moved on (the member's history, the budgets it took)
 * and a referral chance a refused purchase used stay moved, as they always have.
 */
export function applyEarn(
  batch: EarnBatch,
  work: BatchWork,
  p: PreparedEvent,
  memberId: string,
  ids: IdGenerator,
): Applied | Refused {
  const { program, now, dryRun } = batch.ctx;
  const { tiers } = batch;
  if (batch.blocked.has(memberId)) {
    return refused(new DomainError("member_blocked", `Member ${memberId} is blocked and cannot earn`), null);
  }
  // Earned in the tier the member held when it occurred (an upgrade earlier in the batch included).
  const evaluation = evaluate(
    p.event,
    memberFactsAt(batch, memberId, tiers, p.event.occurredAt),
    historyOf(batch, work.histories, memberId),
    batch.ctx.rulesAt(p.event.occurredAt),
    program,
    work.budgets,
  );
  const contributions = evaluation.contributions.map((c) => ({ ...c }));
  const rulePoints = contributions.reduce((sum, c) => sum + c.points, 0);
  // Before a waiting referral is looked at: a $0 purchase that earns nothing must not settle one.
  try {
    checkEarnsSomething(p.event, contributions, program.currency);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return refused(error, evaluation);
  }

  // A referral waiting on this member's first qualifying purchase.
  const referrerId = batch.referrals.pending.get(memberId);
  const policy = program.referralPolicy;
  let referral: ReferralOutcome | null = null;
  if (referrerId && policy && !work.referralSettled.has(memberId) && settlesReferral(policy, p.event)) {
    work.referralSettled.add(memberId);
    const count = work.rewardedThisMonth.get(referrerId) ?? 0;
    referral = firstPurchaseReferral(policy, referrerId, count);
    if (referral.status === "rewarded") {
      work.rewardedThisMonth.set(referrerId, count + 1);
      if (policy.refereePoints > 0) contributions.push(refereeBonus(policy.refereePoints));
    }
  }

  const { parts, timing } = creditPartsFor(contributions, p.event.partnerId, program, p.event.occurredAt, now);
  const total = contributions.reduce((sum, c) => sum + c.points, 0);
  if (total > MAX_POINTS_PER_OPERATION) {
    return refused(
      new DomainError(
        "unprocessable",
        `The rules would give ${total} points, more than ${MAX_POINTS_PER_OPERATION} for one event`,
      ),
      evaluation,
    );
  }

  const book = draftBook(bookOf(batch.books, memberId));
  const referrerStored = referrerId ? batch.books.get(referrerId) : undefined;
  const referrerBook = referrerStored ? draftBook(referrerStored) : null;
  let referrerEntry: EntryDraft | null = null;
  if (referral?.status === "rewarded" && policy && policy.referrerPoints > 0 && referrerBook) {
    const reward = creditPartsFor(
      [{ points: policy.referrerPoints, fundedBy: "program", pendingDays: null, expiry: null }],
      null,
      program,
      p.event.occurredAt,
      now,
    );
    referrerEntry = creditParts(
      referrerBook,
      { type: "earn", reason: `Referral reward: ${memberId} made a first purchase`, parts: reward.parts },
      now,
      ids,
    );
  }
  const entry = total > 0 ? creditParts(book, { type: "earn", reason: `${p.input.type} ${p.input.id}`, parts }, now, ids) : null;
  if (entry) work.entries.push(entry, ...expireLapsed(book, entry, now, ids));
  if (referrerEntry && referrerBook) work.entries.push(referrerEntry, ...expireLapsed(referrerBook, referrerEntry, now, ids));
  if (referral && referrerId) {
    work.write.referrals.push({
      referee_id: memberId,
      status: referral.status,
      refused_reason: referral.status === "refused" ? "monthly_limit" : null,
      event_id: p.input.id,
      referrer_points: referral.referrerPoints,
      referee_points: referral.refereePoints,
      txn_id: referrerEntry?.id ?? null,
    });
  }
  let pending = 0;
  let expired = 0;
  contributions.forEach((c, i) => {
    const expiresAt = timing[i]?.expiresAt ?? null;
    if (expiresAt !== null && expiresAt <= now) expired += c.points;
    else if ((timing[i]?.availableAt ?? now) > now) pending += c.points;
  });
  work.write.awards.push(...awardRows(p, memberId, contributions, evaluation.skipped, entry?.id ?? null));
  // What the event adds to the tier metric may upgrade the member, for the events after it.
  const tierChange = advanceTier(tiers, p, memberId, rulePoints).at(-1);
  const tierRef = (id: string | null | undefined) => {
    const tier = tiers?.ladder.find((t) => t.id === id);
    return tier ? { id: tier.id, name: tier.name } : null;
  };
  const result: EventResult = {
    ...resultBase(p, dryRun),
    status: "processed",
    // `expired` only when the event came so late that some of its points had already expired.
    points: { total, available: total - pending - expired, pending, ...(expired > 0 && { expired }) },
    contributions: contributions.map((c, i) => ({
      // The referral bonus and a tier's multiplier are no rule's.
      ruleId: c.ruleId === "referral" || c.tierId ? null : c.ruleId,
      ruleVersion: c.ruleId === "referral" || c.tierId ? null : c.ruleVersion,
      ruleName: c.ruleName,
      campaignId: c.campaignId,
      campaignVersion: c.campaignVersion,
      points: c.points,
      stamps: c.stamps,
      fundedBy: c.fundedBy,
      availableAt: (timing[i]?.availableAt ?? now).toISOString(),
      expiresAt: timing[i]?.expiresAt?.toISOString() ?? null,
      explanation: c.explanation,
    })),
    // Rules that did not listen are noise; conditions that missed are shown on dry runs only.
    skipped: evaluation.skipped.filter((s) => dryRun || (s.reason !== "condition" && s.reason !== "audience")),
    stamps: evaluation.stamps,
    return: null,
    referral,
    transactionId: dryRun ? null : (entry?.id ?? null),
    balance: bookBalance(book, now),
    tierChange: tierChange ? { from: tierRef(tierChange.from), to: tierRef(tierChange.to), reason: tierChange.reason } : null,
  };
  // A return later in this batch may name this purchase, and reverse the referral it settled.
  if (referral?.status === "rewarded" && referrerId) {
    batch.referrals.rewarded.set(p.input.id, {
      refereeId: memberId,
      referrerId,
      referrerPoints: referral.referrerPoints,
      refereePoints: referral.refereePoints,
      referrerLotIds: referrerEntry?.createdLots.map((l) => l.id) ?? [],
      inBatch: true,
    });
  }
  if (p.input.type === "purchase") {
    batch.originals.set(p.input.id, {
      id: p.input.id,
      type: "purchase",
      status: "processed",
      memberId,
      occurredAt: p.event.occurredAt,
      amount: p.event.amount ?? 0,
      items: p.event.items,
      points: rulePoints,
      returnedAmount: 0,
      clawedBack: 0,
      txnId: entry?.id ?? null,
      lotIds: entry?.createdLots.map((l) => l.id) ?? [],
      returnedItems: [],
      sources: parts.map((part) => ({
        account: part.source === "partner" ? ("partner" as const) : ("issued" as const),
        partnerId: part.partnerId ?? null,
        points: part.points,
      })),
      campaigns: [...budgetWants(evaluation, new Set(contributions.flatMap((c) => (c.campaignId ? [c.campaignId] : []))))].map(
        ([campaignId, points]) => ({ campaignId, points }),
      ),
    });
  }
  return {
    accepted: true,
    result,
    points: rulePoints,
    txnId: entry?.id ?? null,
    books: referrerBook ? [book, referrerBook] : [book],
  };
}

export const refused = (error: DomainError, evaluation: Evaluation | null): Refused => ({ accepted: false, error, evaluation });
