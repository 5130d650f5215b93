import type { Account, HoldAllocation, TxnType } from "../db/schema.ts";
import type { IdGenerator } from "../shared/ids.ts";

/**
 * The ledger's maths works on books, with no I/O. A member's open state is a *book*: the lots
 * that still hold points, the active holds and the debt. Every operation takes a book and a time,
 * changes the book and returns the ledger entries (balanced postings) that record the change. The
 * service loads books, calls these, and writes the entries; balance reads replay the same
 * functions in memory, so "what the jobs will do" and "what a balance as of a time says" cannot
 * drift apart. This file holds the book and entry shapes and the helpers every operation uses.
 */

export interface BookLot {
  id: string;
  memberId: string;
  amount: number;
  remaining: number;
  state: "pending" | "available";
  availableAt: Date;
  expiresAt: Date | null;
  /** Points of this lot that expired into breakage; loaded only where a reversal may need it. */
  expired?: number;
}

export interface BookHold {
  id: string;
  memberId: string;
  points: number;
  expiresAt: Date;
  allocations: HoldAllocation[];
}

export interface MemberBook {
  memberId: string;
  lots: BookLot[];
  holds: BookHold[];
  debt: number;
}

export interface PostingDraft {
  account: Account;
  memberId: string | null;
  lotId: string | null;
  holdId: string | null;
  /** Set on `partner` postings: the partner that funds (owes) the points. */
  partnerId?: string | null;
  amount: number;
}

export interface EntryDraft {
  id: string;
  type: TxnType;
  memberId: string;
  counterpartyMemberId: string | null;
  holdId: string | null;
  reversesId: string | null;
  /** The headline size of the transaction, always positive. */
  points: number;
  reason: string | null;
  effectiveAt: Date;
  postings: PostingDraft[];
  createdLots: BookLot[];
  openedHold: BookHold | null;
  closedHold: { id: string; status: "captured" | "voided" | "expired"; capturedPoints: number | null } | null;
}

export const memberPosting = (
  account: Account,
  memberId: string,
  lotId: string | null,
  amount: number,
  holdId: string | null = null,
): PostingDraft => ({ account, memberId, lotId, holdId, amount });

export const systemPosting = (account: Account, amount: number): PostingDraft => ({
  account,
  memberId: null,
  lotId: null,
  holdId: null,
  amount,
});

export function draft(
  ids: IdGenerator,
  fields: Partial<EntryDraft> & Pick<EntryDraft, "type" | "memberId" | "points" | "effectiveAt">,
): EntryDraft {
  return {
    id: ids("transaction"),
    counterpartyMemberId: null,
    holdId: null,
    reversesId: null,
    reason: null,
    postings: [],
    createdLots: [],
    openedHold: null,
    closedHold: null,
    ...fields,
  };
}

export const lotAccount = (lot: BookLot): Account => (lot.state === "pending" ? "member_pending" : "member_available");

export function lotOf(book: MemberBook, lotId: string): BookLot {
  const lot = book.lots.find((l) => l.id === lotId);
  if (!lot) throw new Error(`lot ${lotId} is not loaded in the book of ${book.memberId}`);
  return lot;
}

/** The book of a member an operation involves; the caller loaded it, so its absence is a bug. */
export function bookOf(books: Map<string, MemberBook>, memberId: string): MemberBook {
  const book = books.get(memberId);
  if (!book) throw new Error(`book of ${memberId} is not loaded`);
  return book;
}

/** Net change to a member's points (all member accounts, debt negative) in a set of postings. */
export function memberNet(postings: PostingDraft[], memberId: string): number {
  return postings.reduce((sum, p) => (p.memberId === memberId ? sum + p.amount : sum), 0);
}
