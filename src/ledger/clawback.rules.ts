import type { Account } from "../db/schema.ts";
import { DomainError } from "../shared/errors.ts";
import type { IdGenerator } from "../shared/ids.ts";
import { draft, type EntryDraft, lotAccount, lotOf, type MemberBook, memberPosting, systemPosting } from "./books.rules.ts";
import type { ReturnPolicy } from "./ledger.schemas.ts";
import { allocate } from "./lots.rules.ts";

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
