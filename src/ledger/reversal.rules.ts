import type { Account, HoldAllocation, TxnType } from "../db/schema.ts";
import { DomainError, insufficientPoints } from "../shared/errors.ts";
import type { IdGenerator } from "../shared/ids.ts";
import {
  bookOf,
  draft,
  type EntryDraft,
  lotAccount,
  lotOf,
  type MemberBook,
  memberPosting,
  type PostingDraft,
} from "./books.rules.ts";
import type { ClawbackPolicy } from "./ledger.schemas.ts";
import { allocate, restoreToLots, settleDebt } from "./lots.rules.ts";

/** Transaction types that can be undone; the others are the ledger's own bookkeeping. */
export const REVERSIBLE_TYPES: ReadonlySet<TxnType> = new Set<TxnType>(["earn", "adjustment", "transfer", "capture"]);

export interface OriginalEntry {
  id: string;
  type: TxnType;
  memberId: string;
  counterpartyMemberId: string | null;
  points: number;
  postings: PostingDraft[];
}

/**
 * Undoes a transaction. Points the original took from lots go back to those same lots (and so
 * keep their expiry); points it gave are taken back from the lots that received them. Of those,
 * what has expired since comes back from breakage (the member already lost it); what was spent
 * comes from the member's other available points, and past that becomes debt only where the
 * programme's clawback policy allows it.
 */
export function reverse(
  original: OriginalEntry,
  books: Map<string, MemberBook>,
  policy: ClawbackPolicy,
  reason: string | null,
  at: Date,
  ids: IdGenerator,
): EntryDraft[] {
  if (!REVERSIBLE_TYPES.has(original.type)) {
    throw new DomainError("not_reversible", `A ${original.type} transaction cannot be reversed`, { type: original.type });
  }
  const entry = draft(ids, {
    type: "reversal",
    memberId: original.memberId,
    counterpartyMemberId: original.counterpartyMemberId,
    reversesId: original.id,
    points: original.points,
    effectiveAt: at,
    reason,
  });
  // Negate every posting; a hold that was captured is gone, so held points come back as available.
  const net = new Map<string, PostingDraft>();
  for (const p of original.postings) {
    const account: Account = p.account === "member_held" ? "member_available" : p.account;
    const key = `${account}|${p.memberId ?? ""}|${p.lotId ?? ""}|${p.partnerId ?? ""}`;
    const current = net.get(key);
    if (current) current.amount -= p.amount;
    else
      net.set(key, {
        account,
        memberId: p.memberId,
        lotId: p.lotId,
        holdId: null,
        partnerId: p.partnerId ?? null,
        amount: -p.amount,
      });
  }
  const inverse = [...net.values()].filter((p) => p.amount !== 0);
  // Take back first, so restored points cannot be used to pay for the take-back.
  for (const p of inverse) {
    if (p.memberId === null) {
      entry.postings.push(p);
      continue;
    }
    const book = bookOf(books, p.memberId);
    if (p.account === "member_debt") {
      entry.postings.push(p);
      book.debt -= p.amount;
      continue;
    }
    if (p.amount > 0 || p.lotId === null) continue;
    const lot = lotOf(book, p.lotId);
    const want = -p.amount;
    const fromLot = Math.min(want, lot.remaining);
    if (fromLot > 0) {
      entry.postings.push(memberPosting(lotAccount(lot), book.memberId, lot.id, -fromLot));
      lot.remaining -= fromLot;
    }
    // What expired from the lot since the member already lost: take it back from breakage.
    const fromExpired = Math.min(want - fromLot, lot.expired ?? 0);
    if (fromExpired > 0) {
      entry.postings.push({ account: "breakage", memberId: null, lotId: lot.id, holdId: null, amount: -fromExpired });
      lot.expired = (lot.expired ?? 0) - fromExpired;
    }
    let short = want - fromLot - fromExpired;
    if (short > 0) {
      const { allocations, shortfall } = allocate(book, short, at);
      if (shortfall > 0 && policy !== "allow_debt") throw insufficientPoints(want, want - shortfall);
      for (const a of allocations) {
        lotOf(book, a.lotId).remaining -= a.points;
        entry.postings.push(memberPosting("member_available", book.memberId, a.lotId, -a.points));
        short -= a.points;
      }
      if (short > 0) {
        entry.postings.push(memberPosting("member_debt", book.memberId, null, -short));
        book.debt += short;
      }
    }
  }
  const after: EntryDraft[] = [];
  const restores = new Map<string, HoldAllocation[]>();
  for (const p of inverse) {
    if (p.memberId === null || p.account === "member_debt" || p.amount < 0 || p.lotId === null) continue;
    restores.set(p.memberId, [...(restores.get(p.memberId) ?? []), { lotId: p.lotId, points: p.amount }]);
  }
  for (const [memberId, returns] of restores) {
    after.push(...restoreToLots(bookOf(books, memberId), entry, returns, "member_available", null, at, ids));
  }
  // Debt the original paid is owed again; like any debt it is paid at once from spendable points.
  for (const memberId of new Set(inverse.flatMap((p) => (p.memberId === null ? [] : [p.memberId])))) {
    settleDebt(bookOf(books, memberId), entry, at);
  }
  return [entry, ...after];
}
