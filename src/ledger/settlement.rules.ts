import type { IdGenerator } from "../shared/ids.ts";
import { type BookHold, type BookLot, draft, type EntryDraft, type MemberBook, memberPosting } from "./books.rules.ts";
import { releaseHold } from "./holds.rules.ts";
import { expireNow, settleDebt } from "./lots.rules.ts";

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
