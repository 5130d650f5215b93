import type { BookLot, EntryDraft, MemberBook } from "../../src/ledger/books.rules.ts";
import { ID_PREFIX, type IdGenerator } from "../../src/shared/ids.ts";

/** Books, lots and ids for the ledger rules' table tests: days after a fixed start, ids by counter. */

const T0 = Date.parse("2026-01-01T00:00:00Z");
export const day = (n: number): Date => new Date(T0 + n * 86_400_000);

/** Ids in creation order: txn_1, lot_2, ... */
export function counterIds(): IdGenerator {
  let n = 0;
  return (kind) => `${ID_PREFIX[kind]}_${++n}`;
}

/** An available lot of member mem_1, credited on day 0 and never expiring unless told. */
export const lot = (id: string, remaining: number, fields: Partial<BookLot> = {}): BookLot => ({
  id,
  memberId: "mem_1",
  amount: remaining,
  remaining,
  state: "available",
  availableAt: day(0),
  expiresAt: null,
  ...fields,
});

export const book = (lots: BookLot[] = [], fields: Partial<MemberBook> = {}): MemberBook => ({
  memberId: "mem_1",
  lots,
  holds: [],
  debt: 0,
  ...fields,
});

/** An entry's postings as [account, lot, amount] rows, the way the tables read them. */
export const rows = (entry: EntryDraft | undefined) => entry?.postings.map((p) => [p.account, p.lotId, p.amount]);

export const remaining = (b: MemberBook) => Object.fromEntries(b.lots.map((l) => [l.id, l.remaining]));
