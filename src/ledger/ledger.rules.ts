import type { Account, HoldAllocation, TxnType } from "../db/schema.ts";
import { DomainError, insufficientPoints } from "../shared/errors.ts";
import type { IdGenerator } from "../shared/ids.ts";

/**
 * The ledger's maths, with no I/O. A member's open state is a *book*: the lots that still hold
 * points, the active holds and the debt. Every operation takes a book and a time, changes the
 * book and returns the ledger entries (balanced postings) that record the change. The service
 * loads books, calls these, and writes the entries; balance reads replay the same functions in
 * memory, so "what the jobs will do" and "what a balance as of a time says" cannot drift apart.
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

export type ClawbackPolicy = "available_only" | "allow_debt";
export type ReturnPolicy = "pending_only" | ClawbackPolicy;

const memberPosting = (
  account: Account,
  memberId: string,
  lotId: string | null,
  amount: number,
  holdId: string | null = null,
): PostingDraft => ({ account, memberId, lotId, holdId, amount });

const systemPosting = (account: Account, amount: number): PostingDraft => ({
  account,
  memberId: null,
  lotId: null,
  holdId: null,
  amount,
});

function draft(
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

const lotAccount = (lot: BookLot): Account => (lot.state === "pending" ? "member_pending" : "member_available");

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

function lotOf(book: MemberBook, lotId: string): BookLot {
  const lot = book.lots.find((l) => l.id === lotId);
  if (!lot) throw new Error(`lot ${lotId} is not loaded in the book of ${book.memberId}`);
  return lot;
}

/** Consumes lots for a debit and returns the member-side postings. Throws insufficient_points. */
function consume(book: MemberBook, points: number, at: Date): PostingDraft[] {
  const { allocations, shortfall } = allocate(book, points, at);
  if (shortfall > 0) throw insufficientPoints(points, points - shortfall);
  return allocations.map(({ lotId, points: taken }) => {
    const lot = lotOf(book, lotId);
    lot.remaining -= taken;
    return memberPosting("member_available", book.memberId, lotId, -taken);
  });
}

/** Pays debt from spendable points at `at`, appending the postings to `entry`. */
function settleDebt(book: MemberBook, entry: EntryDraft, at: Date): void {
  if (book.debt === 0) return;
  const pay = Math.min(book.debt, spendableBalance(book, at));
  if (pay === 0) return;
  entry.postings.push(...consume(book, pay, at), memberPosting("member_debt", book.memberId, null, pay));
  book.debt -= pay;
}

/** Expires whatever a lot still holds at `at` (used when points return to an already expired lot). */
function expireNow(book: MemberBook, lot: BookLot, at: Date, ids: IdGenerator): EntryDraft | null {
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
function restoreToLots(
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

/** Splits `points` over a hold's allocations in order: the first part and what is left. */
function splitAllocations(allocations: HoldAllocation[], points: number): [HoldAllocation[], HoldAllocation[]] {
  const taken: HoldAllocation[] = [];
  const rest: HoldAllocation[] = [];
  let left = points;
  for (const a of allocations) {
    const take = Math.min(left, a.points);
    if (take > 0) taken.push({ lotId: a.lotId, points: take });
    if (a.points - take > 0) rest.push({ lotId: a.lotId, points: a.points - take });
    left -= take;
  }
  return [taken, rest];
}

function releaseHold(
  book: MemberBook,
  hold: BookHold,
  at: Date,
  status: "voided" | "expired",
  reason: string | null,
  ids: IdGenerator,
): EntryDraft[] {
  const entry = draft(ids, {
    type: "void",
    memberId: book.memberId,
    holdId: hold.id,
    points: hold.points,
    effectiveAt: at,
    reason,
    closedHold: { id: hold.id, status, capturedPoints: null },
  });
  book.holds = book.holds.filter((h) => h.id !== hold.id);
  const after = restoreToLots(book, entry, hold.allocations, "member_held", hold.id, at, ids);
  return [entry, ...after];
}

/**
 * Everything that falls due for a book up to `asOf`, in time order: pending lots become
 * available, holds time out, lots expire. Each is a posting dated when it fell due, so the
 * ledger reads the same whether the jobs ran on time, late, or (for a balance read) not at all.
 */
export function settle(book: MemberBook, asOf: Date, ids: IdGenerator): EntryDraft[] {
  type Due = { at: Date; rank: 0; lot: BookLot } | { at: Date; rank: 1; hold: BookHold } | { at: Date; rank: 2; lot: BookLot };
  const due: Due[] = [];
  for (const lot of book.lots) {
    const expiresFirst = lot.expiresAt !== null && lot.expiresAt <= lot.availableAt;
    if (lot.state === "pending" && lot.remaining > 0 && lot.availableAt <= asOf && !expiresFirst)
      due.push({ at: lot.availableAt, rank: 0, lot });
    // Even an empty lot: a hold timing out before its expiry may give points back to it.
    if (lot.expiresAt !== null && lot.expiresAt <= asOf) due.push({ at: lot.expiresAt, rank: 2, lot });
  }
  for (const hold of book.holds) if (hold.expiresAt <= asOf) due.push({ at: hold.expiresAt, rank: 1, hold });
  due.sort((a, b) => a.at.getTime() - b.at.getTime() || a.rank - b.rank);

  const entries: EntryDraft[] = [];
  for (const item of due) {
    if (item.rank === 1) {
      entries.push(...releaseHold(book, item.hold, item.at, "expired", "Hold timed out", ids));
    } else if (item.rank === 0) {
      const lot = item.lot;
      if (lot.remaining === 0 || lot.state !== "pending") continue;
      const entry = draft(ids, {
        type: "activation",
        memberId: book.memberId,
        points: lot.remaining,
        effectiveAt: item.at,
        reason: "Pending points became available",
      });
      entry.postings.push(
        memberPosting("member_pending", book.memberId, lot.id, -lot.remaining),
        memberPosting("member_available", book.memberId, lot.id, lot.remaining),
      );
      lot.state = "available";
      settleDebt(book, entry, item.at);
      entries.push(entry);
    } else {
      const expired = expireNow(book, item.lot, item.at, ids);
      if (expired) entries.push(expired);
    }
  }
  return entries;
}

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
    const settles = pending ? 0 : Math.min(book.debt, part.points);
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

export interface ClawbackSpec {
  points: number;
  /** The lots the original credit made, taken from first. */
  lotIds: string[];
  /** Where the points go back to (they sum to `points`): the accounts that funded them. */
  sources: { account: Extract<Account, "issued" | "partner">; partnerId: string | null; points: number }[];
  policy: ReturnPolicy;
  reason: string;
}

/**
 * Takes back points a credit gave (a return): first from that credit's own lots (only pending
 * ones under `pending_only`), then what expired from them comes back from breakage (the member
 * already lost it), then from the member's other spendable points, and past that it is a recorded
 * debt where the policy allows it. Anything else is refused: points are never left free.
 */
export function clawback(book: MemberBook, spec: ClawbackSpec, at: Date, ids: IdGenerator): EntryDraft {
  const entry = draft(ids, {
    type: "clawback",
    memberId: book.memberId,
    points: spec.points,
    effectiveAt: at,
    reason: spec.reason,
  });
  for (const s of spec.sources) {
    if (s.points > 0) entry.postings.push({ ...systemPosting(s.account, s.points), partnerId: s.partnerId });
  }
  let left = spec.points;
  for (const lotId of spec.lotIds) {
    if (left === 0) break;
    const lot = lotOf(book, lotId);
    if (spec.policy === "pending_only" && lot.state !== "pending") continue;
    const take = Math.min(left, lot.remaining);
    if (take > 0) {
      entry.postings.push(memberPosting(lotAccount(lot), book.memberId, lot.id, -take));
      lot.remaining -= take;
      left -= take;
    }
    const fromExpired = Math.min(left, lot.expired ?? 0);
    if (fromExpired > 0) {
      entry.postings.push({ ...systemPosting("breakage", -fromExpired), lotId: lot.id });
      lot.expired = (lot.expired ?? 0) - fromExpired;
      left -= fromExpired;
    }
  }
  if (left > 0 && spec.policy !== "pending_only") {
    const { allocations } = allocate(book, left, at);
    for (const a of allocations) {
      lotOf(book, a.lotId).remaining -= a.points;
      entry.postings.push(memberPosting("member_available", book.memberId, a.lotId, -a.points));
      left -= a.points;
    }
  }
  if (left > 0) {
    if (spec.policy !== "allow_debt") {
      const found = spec.points - left;
      throw new DomainError(
        "insufficient_points",
        `Return policy ${spec.policy}: only ${found} of the ${spec.points} points to take back can be taken (${left} missing)`,
        { requested: spec.points, available: found, missing: left, policy: spec.policy },
      );
    }
    entry.postings.push(memberPosting("member_debt", book.memberId, null, -left));
    book.debt += left;
  }
  return entry;
}

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

/** Reserves points: they leave `available` at once and wait in `held` on the same lots. */
export function hold(
  book: MemberBook,
  spec: { points: number; expiresAt: Date; reason: string | null },
  at: Date,
  ids: IdGenerator,
): EntryDraft {
  const { allocations, shortfall } = allocate(book, spec.points, at);
  if (shortfall > 0) throw insufficientPoints(spec.points, spec.points - shortfall);
  const opened: BookHold = {
    id: ids("hold"),
    memberId: book.memberId,
    points: spec.points,
    expiresAt: spec.expiresAt,
    allocations,
  };
  const entry = draft(ids, {
    type: "hold",
    memberId: book.memberId,
    holdId: opened.id,
    points: spec.points,
    effectiveAt: at,
    reason: spec.reason,
    openedHold: opened,
  });
  for (const { lotId, points } of allocations) {
    lotOf(book, lotId).remaining -= points;
    entry.postings.push(
      memberPosting("member_available", book.memberId, lotId, -points),
      memberPosting("member_held", book.memberId, lotId, points, opened.id),
    );
  }
  book.holds.push(opened);
  return entry;
}

function activeHold(book: MemberBook, holdId: string): BookHold {
  const found = book.holds.find((h) => h.id === holdId);
  if (!found) throw new DomainError("hold_not_active", `Hold ${holdId} is no longer active`);
  return found;
}

/** Captures all or part of a hold; a partial capture releases the rest to the lots it came from. */
export function capture(
  book: MemberBook,
  holdId: string,
  points: number | null,
  reason: string | null,
  at: Date,
  ids: IdGenerator,
): EntryDraft[] {
  const held = activeHold(book, holdId);
  const take = points ?? held.points;
  if (take > held.points) {
    throw new DomainError("validation_error", `Cannot capture ${take} points from a hold of ${held.points}`, {
      requested: take,
      held: held.points,
    });
  }
  const [captured, released] = splitAllocations(held.allocations, take);
  const entry = draft(ids, {
    type: "capture",
    memberId: book.memberId,
    holdId,
    points: take,
    effectiveAt: at,
    reason,
    closedHold: { id: holdId, status: "captured", capturedPoints: take },
  });
  for (const { lotId, points: p } of captured)
    entry.postings.push(memberPosting("member_held", book.memberId, lotId, -p, holdId));
  entry.postings.push(systemPosting("redeemed", take));
  book.holds = book.holds.filter((h) => h.id !== holdId);
  const after = restoreToLots(book, entry, released, "member_held", holdId, at, ids);
  return [entry, ...after];
}

export function voidHold(book: MemberBook, holdId: string, reason: string | null, at: Date, ids: IdGenerator): EntryDraft[] {
  return releaseHold(book, activeHold(book, holdId), at, "voided", reason, ids);
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

/**
 * Gives back part of what a capture spent (a refunded payment): the points return to the lots they
 * were taken from, latest expiry first (so the member gets the longest-lived points back), and a
 * lot that expired meanwhile passes them straight on to breakage. `refundable` is what of each
 * lot the capture took and earlier refunds have not yet given back.
 */
export function refund(
  book: MemberBook,
  spec: { points: number; refundable: HoldAllocation[]; reason: string | null },
  at: Date,
  ids: IdGenerator,
): EntryDraft[] {
  const total = spec.refundable.reduce((sum, a) => sum + a.points, 0);
  if (spec.points > total) {
    throw new DomainError("validation_error", `Only ${total} points are left to refund`, {
      requested: spec.points,
      refundable: total,
    });
  }
  const entry = draft(ids, {
    type: "refund",
    memberId: book.memberId,
    points: spec.points,
    effectiveAt: at,
    reason: spec.reason,
  });
  entry.postings.push(systemPosting("redeemed", -spec.points));
  const latestFirst = spec.refundable.map((a) => ({ ...a, lot: lotOf(book, a.lotId) })).sort((a, b) => -spendOrder(a.lot, b.lot));
  const returns: HoldAllocation[] = [];
  let left = spec.points;
  for (const a of latestFirst) {
    if (left === 0) break;
    const give = Math.min(left, a.points);
    if (give > 0) returns.push({ lotId: a.lotId, points: give });
    left -= give;
  }
  const after = restoreToLots(book, entry, returns, "member_available", null, at, ids);
  return [entry, ...after];
}

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
  const bookOf = (memberId: string) => {
    const book = books.get(memberId);
    if (!book) throw new Error(`book of ${memberId} is not loaded`);
    return book;
  };

  // Take back first, so restored points cannot be used to pay for the take-back.
  for (const p of inverse) {
    if (p.memberId === null) {
      entry.postings.push(p);
      continue;
    }
    const book = bookOf(p.memberId);
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
    after.push(...restoreToLots(bookOf(memberId), entry, returns, "member_available", null, at, ids));
  }
  // Debt the original paid is owed again; like any debt it is paid at once from spendable points.
  for (const memberId of new Set(inverse.flatMap((p) => (p.memberId === null ? [] : [p.memberId])))) {
    settleDebt(bookOf(memberId), entry, at);
  }
  return [entry, ...after];
}

/** Net change to a member's points (all member accounts, debt negative) in a set of postings. */
export function memberNet(postings: PostingDraft[], memberId: string): number {
  return postings.reduce((sum, p) => (p.memberId === memberId ? sum + p.amount : sum), 0);
}
