import type { Account, TxnType } from "../db/schema.ts";
import type { IdGenerator } from "../shared/ids.ts";
import {
  type BookLot,
  draft,
  type EntryDraft,
  lotAccount,
  type MemberBook,
  memberPosting,
  systemPosting,
} from "./books.rules.ts";
import { expireNow } from "./lots.rules.ts";

/** Credits: points given as new lots (pending or available, with their expiry); points available at once pay debt first. */

export interface CreditPart {
  points: number;
  source: Extract<Account, "issued" | "adjustments" | "partner">;
  /** The partner that funds the points, for source `partner`. */
  partnerId?: string | null;
  availableAt: Date;
  expiresAt: Date | null;
}

export interface CreditSpec extends CreditPart {
  type: Extract<TxnType, "earn" | "adjustment">;
  reason: string | null;
}

/** Credits points as a new lot; points available at once first pay any debt. */
export function credit(book: MemberBook, spec: CreditSpec, at: Date, ids: IdGenerator): EntryDraft {
  return creditParts(book, { type: spec.type, reason: spec.reason, parts: [spec] }, at, ids);
}

/**
 * Credits points in parts, one lot per part (parts differ in funding, pending period or expiry),
 * as one transaction. Points available at once first pay any debt.
 */
export function creditParts(
  book: MemberBook,
  spec: { type: Extract<TxnType, "earn" | "adjustment">; reason: string | null; parts: CreditPart[] },
  at: Date,
  ids: IdGenerator,
): EntryDraft {
  const total = spec.parts.reduce((sum, p) => sum + p.points, 0);
  const entry = draft(ids, { type: spec.type, memberId: book.memberId, points: total, effectiveAt: at, reason: spec.reason });
  for (const part of spec.parts) {
    entry.postings.push({ ...systemPosting(part.source, -part.points), partnerId: part.partnerId ?? null });
    const pending = part.availableAt > at;
    // Points already past their expiry when credited (a late-posted event) are never spendable: they pay no debt.
    const lapsed = part.expiresAt !== null && part.expiresAt <= at;
    const settles = pending || lapsed ? 0 : Math.min(book.debt, part.points);
    if (settles > 0) {
      entry.postings.push(memberPosting("member_debt", book.memberId, null, settles));
      book.debt -= settles;
    }
    const amount = part.points - settles;
    if (amount === 0) continue;
    const lot: BookLot = {
      id: ids("lot"),
      memberId: book.memberId,
      amount,
      remaining: amount,
      state: pending ? "pending" : "available",
      availableAt: pending ? part.availableAt : at,
      expiresAt: part.expiresAt,
    };
    book.lots.push(lot);
    entry.createdLots.push(lot);
    entry.postings.push(memberPosting(lotAccount(lot), book.memberId, lot.id, amount));
  }
  return entry;
}

/**
 * Expires at once, into breakage, what a credit put in lots already past their expiry at `at`:
 * points for an event that occurred long ago and was posted late (an offline till, a history
 * import) are posted and expire in the same breath, so the balance is what it would have been
 * and the ledger still shows them earned and expired.
 */
export function expireLapsed(book: MemberBook, entry: EntryDraft, at: Date, ids: IdGenerator): EntryDraft[] {
  return entry.createdLots.flatMap((lot) => {
    const expired = lot.expiresAt !== null && lot.expiresAt <= at ? expireNow(book, lot, at, ids) : null;
    return expired ? [expired] : [];
  });
}
