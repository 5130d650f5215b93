import type { Account, HoldAllocation } from "../db/schema.ts";
import { insufficientPoints } from "../shared/errors.ts";
import type { IdGenerator } from "../shared/ids.ts";
import {
  type BookLot,
  draft,
  type EntryDraft,
  lotAccount,
  lotOf,
  type MemberBook,
  memberPosting,
  type PostingDraft,
  systemPosting,
} from "./books.rules.ts";

/**
 * Lots: which points can be spent and in what order (soonest expiry first), taking points from
 * lots, giving them back to the lots they came from, paying debt, and expiring what a lot holds.
 */

/** A lot's points can be spent at `at` when they are available there and not yet expired. */
export function isSpendable(lot: BookLot, at: Date): boolean {
  return (
    lot.remaining > 0 && lot.state === "available" && lot.availableAt <= at && (lot.expiresAt === null || lot.expiresAt > at)
  );
}

/** Spending order: soonest expiry first (never-expiring last), then oldest, then by id for a total order. */
export function spendOrder(a: BookLot, b: BookLot): number {
  const ax = a.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
  const bx = b.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
  if (ax !== bx) return ax < bx ? -1 : 1;
  const aa = a.availableAt.getTime();
  const ba = b.availableAt.getTime();
  if (aa !== ba) return aa < ba ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function spendableBalance(book: MemberBook, at: Date): number {
  return book.lots.reduce((sum, lot) => (isSpendable(lot, at) ? sum + lot.remaining : sum), 0);
}

/** Takes `points` from spendable lots, soonest expiry first. Does not change the book. */
export function allocate(book: MemberBook, points: number, at: Date): { allocations: HoldAllocation[]; shortfall: number } {
  const allocations: HoldAllocation[] = [];
  let left = points;
  for (const lot of book.lots.filter((l) => isSpendable(l, at)).sort(spendOrder)) {
    if (left === 0) break;
    const take = Math.min(left, lot.remaining);
    allocations.push({ lotId: lot.id, points: take });
    left -= take;
  }
  return { allocations, shortfall: left };
}

/** Consumes lots for a debit and returns the member-side postings. Throws insufficient_points. */
export function consume(book: MemberBook, points: number, at: Date): PostingDraft[] {
  const { allocations, shortfall } = allocate(book, points, at);
  if (shortfall > 0) throw insufficientPoints(points, points - shortfall);
  return allocations.map(({ lotId, points: taken }) => {
    const lot = lotOf(book, lotId);
    lot.remaining -= taken;
    return memberPosting("member_available", book.memberId, lotId, -taken);
  });
}

/** Pays debt from spendable points at `at`, appending the postings to `entry`. */
export function settleDebt(book: MemberBook, entry: EntryDraft, at: Date): void {
  if (book.debt === 0) return;
  const pay = Math.min(book.debt, spendableBalance(book, at));
  if (pay === 0) return;
  entry.postings.push(...consume(book, pay, at), memberPosting("member_debt", book.memberId, null, pay));
  book.debt -= pay;
}

/** Expires whatever a lot still holds at `at` (used when points return to an already expired lot). */
export function expireNow(book: MemberBook, lot: BookLot, at: Date, ids: IdGenerator): EntryDraft | null {
  if (lot.remaining === 0) return null;
  const points = lot.remaining;
  const entry = draft(ids, { type: "expiry", memberId: book.memberId, points, effectiveAt: at, reason: "Points expired" });
  // Breakage is booked per lot, so a reversal can tell what of a lot expired.
  entry.postings.push(memberPosting(lotAccount(lot), book.memberId, lot.id, -points), {
    ...systemPosting("breakage", points),
    lotId: lot.id,
  });
  lot.expired = (lot.expired ?? 0) + points;
  lot.remaining = 0;
  return entry;
}

/** Returns points to the lots they came from; expired lots give them straight to breakage. */
export function restoreToLots(
  book: MemberBook,
  entry: EntryDraft,
  returns: HoldAllocation[],
  from: Account,
  holdId: string | null,
  at: Date,
  ids: IdGenerator,
): EntryDraft[] {
  const after: EntryDraft[] = [];
  for (const { lotId, points } of returns) {
    const lot = lotOf(book, lotId);
    if (from === "member_held") entry.postings.push(memberPosting("member_held", book.memberId, lotId, -points, holdId));
    entry.postings.push(memberPosting(lotAccount(lot), book.memberId, lotId, points));
    lot.remaining += points;
  }
  settleDebt(book, entry, at);
  for (const { lotId } of returns) {
    const lot = lotOf(book, lotId);
    if (lot.expiresAt !== null && lot.expiresAt <= at) {
      const expired = expireNow(book, lot, at, ids);
      if (expired) after.push(expired);
    }
  }
  return after;
}
