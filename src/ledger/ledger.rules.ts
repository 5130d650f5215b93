/*
 * TEMPORARY, removed at merge: src/events (rewritten in parallel) still imports the ledger maths
 * from here. Everything else imports each function and type from the file that defines it.
 */
export {
  type BookHold,
  type BookLot,
  type EntryDraft,
  type MemberBook,
  memberNet,
  type PostingDraft,
} from "./books.rules.ts";
export { type ClawbackSpec, clawback } from "./clawback.rules.ts";
export { type CreditPart, type CreditSpec, credit, creditParts } from "./credits.rules.ts";
export { capture, hold, voidHold } from "./holds.rules.ts";
export type { ClawbackPolicy, ReturnPolicy } from "./ledger.schemas.ts";
export { allocate, isSpendable, spendableBalance, spendOrder } from "./lots.rules.ts";
export { refund } from "./refunds.rules.ts";
export { type OriginalEntry, REVERSIBLE_TYPES, reverse } from "./reversal.rules.ts";
export { settle } from "./settlement.rules.ts";
export { debit, transfer } from "./spending.rules.ts";
