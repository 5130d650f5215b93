import type { Account, TxnType } from "../db/schema.ts";
import { insufficientPoints } from "../shared/errors.ts";
import type { IdGenerator } from "../shared/ids.ts";
import { type BookLot, draft, type EntryDraft, lotOf, type MemberBook, memberPosting, systemPosting } from "./books.rules.ts";
import { allocate, consume, settleDebt } from "./lots.rules.ts";

/** Spending without a hold: a debit into a system account, and a transfer to another member. */

/** Debits available points, soonest-expiring lots first, into a system account. */
export function debit(
  book: MemberBook,
  spec: {
    type: Extract<TxnType, "adjustment" | "capture">;
    points: number;
    sink: Extract<Account, "adjustments" | "redeemed">;
    reason: string | null;
  },
  at: Date,
  ids: IdGenerator,
): EntryDraft {
  const entry = draft(ids, {
    type: spec.type,
    memberId: book.memberId,
    points: spec.points,
    effectiveAt: at,
    reason: spec.reason,
  });
  entry.postings.push(...consume(book, spec.points, at), systemPosting(spec.sink, spec.points));
  return entry;
}

/** Moves points between members; each moved part keeps the expiry date of the lot it left. */
export function transfer(
  from: MemberBook,
  to: MemberBook,
  points: number,
  reason: string | null,
  at: Date,
  ids: IdGenerator,
): EntryDraft {
  const entry = draft(ids, {
    type: "transfer",
    memberId: from.memberId,
    counterpartyMemberId: to.memberId,
    points,
    effectiveAt: at,
    reason,
  });
  const { allocations, shortfall } = allocate(from, points, at);
  if (shortfall > 0) throw insufficientPoints(points, points - shortfall);
  for (const { lotId, points: p } of allocations) {
    const source = lotOf(from, lotId);
    source.remaining -= p;
    const lot: BookLot = {
      id: ids("lot"),
      memberId: to.memberId,
      amount: p,
      remaining: p,
      state: "available",
      availableAt: at,
      expiresAt: source.expiresAt,
    };
    to.lots.push(lot);
    entry.createdLots.push(lot);
    entry.postings.push(
      memberPosting("member_available", from.memberId, lotId, -p),
      memberPosting("member_available", to.memberId, lot.id, p),
    );
  }
  settleDebt(to, entry, at);
  return entry;
}
