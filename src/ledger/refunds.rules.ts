import type { HoldAllocation } from "../db/schema.ts";
import { DomainError } from "../shared/errors.ts";
import type { IdGenerator } from "../shared/ids.ts";
import { draft, type EntryDraft, lotOf, type MemberBook, systemPosting } from "./books.rules.ts";
import { restoreToLots, spendOrder } from "./lots.rules.ts";

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
