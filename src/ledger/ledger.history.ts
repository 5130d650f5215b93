import type { Db, TxnType } from "../db/schema.ts";
import type { IdGenerator } from "../shared/ids.ts";
import { type BookLot, type MemberBook, memberNet } from "./books.rules.ts";
import type { Lifetime } from "./ledger.views.ts";
import { memberHistoryAsOf } from "./ledger-reads.sql.ts";
import { settle } from "./settlement.rules.ts";

/**
 * A member's book as it stood at `asOf`, rebuilt from postings, with whatever had fallen due by
 * then settled by the same settle() the jobs use, so the answer does not depend on job timing.
 */
export async function bookAsOf(
  db: Db,
  ids: IdGenerator,
  memberId: string,
  asOf: Date,
): Promise<{ book: MemberBook; lifetime: Lifetime }> {
  const history = await memberHistoryAsOf(db, memberId, asOf);
  const sums = new Map<string, { pending: number; available: number }>();
  let debt = 0;
  const lifetime: Lifetime = { earned: 0, spent: 0, expired: 0, adjusted: 0, reversed: 0, transferredIn: 0, transferredOut: 0 };
  const addToLifetime = (type: TxnType, primary: boolean, net: number) => {
    if (type === "earn") lifetime.earned += net;
    else if (type === "adjustment") lifetime.adjusted += net;
    else if (type === "capture" || type === "refund") lifetime.spent -= net;
    else if (type === "expiry") lifetime.expired -= net;
    else if (type === "reversal" || type === "clawback") lifetime.reversed += net;
    else if (type === "transfer") {
      if (primary) lifetime.transferredOut -= net;
      else lifetime.transferredIn += net;
    }
  };
  for (const p of history.postings) {
    if (!p.account.startsWith("member_")) continue;
    addToLifetime(p.type, p.primary, p.amount);
    if (p.account === "member_debt") debt -= p.amount;
    else if (p.lotId && p.account !== "member_held") {
      const s = sums.get(p.lotId) ?? { pending: 0, available: 0 };
      if (p.account === "member_pending") s.pending += p.amount;
      else s.available += p.amount;
      sums.set(p.lotId, s);
    }
  }
  const lots: BookLot[] = history.lots.map((lot) => {
    const s = sums.get(lot.id) ?? { pending: 0, available: 0 };
    return { ...lot, remaining: s.pending + s.available, state: s.pending > 0 ? "pending" : "available" };
  });
  const book: MemberBook = { memberId, lots, holds: history.holds, debt };
  for (const entry of settle(book, asOf, ids))
    addToLifetime(entry.type, entry.memberId === memberId, memberNet(entry.postings, memberId));
  return { book, lifetime };
}
