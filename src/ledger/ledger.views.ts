import type { Selectable } from "kysely";
import type { HoldRow, LedgerTransactionsTable } from "../db/schema.ts";
import { must } from "../shared/must.ts";
import { bookOf, type EntryDraft, type MemberBook, memberNet, type PostingDraft } from "./books.rules.ts";
import { spendableBalance } from "./lots.rules.ts";

type Txn = Selectable<LedgerTransactionsTable>;

export interface Lifetime {
  earned: number;
  spent: number;
  expired: number;
  adjusted: number;
  reversed: number;
  transferredIn: number;
  transferredOut: number;
}

export interface Balance {
  memberId: string;
  available: number;
  pending: number;
  held: number;
  debt: number;
  lifetime: Lifetime;
  expiring: { points: number; expiresAt: Date }[];
  asOf: Date;
}

export interface LedgerEntryView {
  id: string;
  type: Txn["type"];
  points: number;
  netChange: number;
  reason: string | null;
  actor: string;
  memberId: string;
  counterpartyMemberId: string | null;
  holdId: string | null;
  reversesTransactionId: string | null;
  reversedByTransactionId: string | null;
  lots: { lotId: string | null; account: string; points: number }[];
  effectiveAt: Date;
  createdAt: Date;
}

export interface HoldView {
  id: string;
  memberId: string;
  points: number;
  capturedPoints: number | null;
  status: "active" | "captured" | "voided" | "expired";
  reason: string | null;
  expiresAt: Date;
  lots: { lotId: string; points: number }[];
  transactionId: string;
  closedTransactionId: string | null;
  createdAt: Date;
  closedAt: Date | null;
}

/** A member's balance at `asOf`, read off their book as it stood then. */
export function balanceView(memberId: string, book: MemberBook, lifetime: Lifetime, asOf: Date): Balance {
  const expiring = new Map<number, number>();
  let pending = 0;
  for (const lot of book.lots) {
    if (lot.remaining === 0) continue;
    if (lot.state === "pending") pending += lot.remaining;
    if (lot.expiresAt) expiring.set(lot.expiresAt.getTime(), (expiring.get(lot.expiresAt.getTime()) ?? 0) + lot.remaining);
  }
  return {
    memberId,
    available: spendableBalance(book, asOf),
    pending,
    held: book.holds.reduce((sum, h) => sum + h.points, 0),
    debt: book.debt,
    lifetime,
    expiring: [...expiring].sort(([a], [b]) => a - b).map(([at, points]) => ({ points, expiresAt: new Date(at) })),
    asOf,
  };
}

/** A hold as stored, seen at `now`. */
export function holdRowView(row: HoldRow, now: Date): HoldView {
  // A hold past its time is released even before the job records it, so say so.
  const lapsed = row.status === "active" && row.expires_at <= now;
  return {
    id: row.id,
    memberId: row.member_id,
    points: row.points,
    capturedPoints: row.captured_points,
    status: lapsed ? "expired" : row.status,
    reason: row.reason,
    expiresAt: row.expires_at,
    lots: row.allocations,
    transactionId: row.txn_id,
    closedTransactionId: row.closed_txn_id,
    createdAt: row.created_at,
    closedAt: row.closed_at,
  };
}

/** A hold as its closing entry left it, without reading it back. */
export function closedHoldView(row: HoldRow, entry: EntryDraft): HoldView {
  const closed = must(entry.closedHold ?? undefined);
  return {
    id: row.id,
    memberId: row.member_id,
    points: row.points,
    capturedPoints: closed.capturedPoints,
    status: closed.status,
    reason: row.reason,
    expiresAt: row.expires_at,
    lots: row.allocations,
    transactionId: row.txn_id,
    closedTransactionId: entry.id,
    createdAt: row.created_at,
    closedAt: entry.effectiveAt,
  };
}

/** What a member holds right now, read off a settled book (no extra query). */
export function bookBalance(book: MemberBook, at: Date) {
  return {
    available: spendableBalance(book, at),
    pending: book.lots.reduce((sum, l) => (l.state === "pending" ? sum + l.remaining : sum), 0),
    held: book.holds.reduce((sum, h) => sum + h.points, 0),
    debt: book.debt,
  };
}

export function entryResult(
  done: { entries: EntryDraft[]; books: Map<string, MemberBook> },
  memberId: string,
  actor: string,
  now: Date,
) {
  const [main, ...related] = done.entries;
  return {
    transaction: draftView(must(main), memberId, actor, now),
    related: related.map((e) => draftView(e, memberId, actor, now)),
    balance: bookBalance(bookOf(done.books, memberId), now),
  };
}

/** A page of a member's entries (one more listed than the page says whether another follows). */
export function entriesPage(
  listed: {
    txns: Txn[];
    postings: (PostingDraft & { txnId: string })[];
    reversals: { id: string; reverses_id: string | null }[];
  },
  memberId: string,
  limit: number,
) {
  const { txns, postings, reversals } = listed;
  const page = txns.slice(0, limit);
  const reversedBy = new Map(reversals.map((r) => [r.reverses_id, r.id]));
  return {
    data: page.map((t) =>
      toEntryView(
        t,
        postings.filter((p) => p.txnId === t.id),
        reversedBy.get(t.id) ?? null,
        memberId,
      ),
    ),
    nextCursor: txns.length > limit ? (page.at(-1)?.id ?? null) : null,
  };
}

export function draftView(e: EntryDraft, memberId: string, actor: string, now: Date): LedgerEntryView {
  return {
    id: e.id,
    type: e.type,
    points: e.points,
    netChange: memberNet(e.postings, memberId),
    reason: e.reason,
    actor,
    memberId: e.memberId,
    counterpartyMemberId: e.counterpartyMemberId,
    holdId: e.holdId,
    reversesTransactionId: e.reversesId,
    reversedByTransactionId: null,
    lots: e.postings
      .filter((p) => p.memberId === memberId)
      .map((p) => ({ lotId: p.lotId, account: p.account, points: p.amount })),
    effectiveAt: e.effectiveAt,
    createdAt: now,
  };
}

export function toEntryView(t: Txn, postings: PostingDraft[], reversedById: string | null, memberId: string): LedgerEntryView {
  const mine = postings.filter((p) => p.memberId === memberId);
  return {
    id: t.id,
    type: t.type,
    points: t.points,
    netChange: mine.reduce((sum, p) => sum + p.amount, 0),
    reason: t.reason,
    actor: t.actor,
    memberId: t.member_id,
    counterpartyMemberId: t.counterparty_member_id,
    holdId: t.hold_id,
    reversesTransactionId: t.reverses_id,
    reversedByTransactionId: reversedById,
    lots: mine.map((p) => ({ lotId: p.lotId, account: p.account, points: p.amount })),
    effectiveAt: t.effective_at,
    createdAt: t.created_at,
  };
}
