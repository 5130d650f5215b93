import type { HoldAllocation } from "../db/schema.ts";
import { DomainError, insufficientPoints } from "../shared/errors.ts";
import type { IdGenerator } from "../shared/ids.ts";
import { type BookHold, draft, type EntryDraft, lotOf, type MemberBook, memberPosting, systemPosting } from "./books.rules.ts";
import { allocate, restoreToLots } from "./lots.rules.ts";

/** Holds: points reserved at once (two-phase, as at a till), then captured, voided, or timed out. */

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

export function releaseHold(
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
