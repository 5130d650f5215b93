/** The ledger's write: entries and the book changes they made, as parts of one write statement. */
import { sql, type Transaction } from "kysely";
import type { DB } from "../db/schema.ts";
import { jsonRows, WriteBatch } from "../db/write-batch.ts";
import type { EntryDraft } from "./books.rules.ts";
import { type LoadedBook, SYSTEM_ACTOR } from "./ledger.sql.ts";

/**
 * Adds entries and the book changes they made (transactions, new lots, postings, changed lots,
 * holds, debt) to a write batch: each table's rows go in as a JSON array, and PostgreSQL checks
 * the foreign keys between them at the end of the statement. Nothing to write: nothing added.
 */
export function addEntryWrites(
  batch: WriteBatch,
  programId: string,
  actor: string,
  entries: EntryDraft[],
  books: Map<string, LoadedBook>,
  now: Date,
  /** Entries the ledger made on its own (due work), recorded under the system actor. */
  systemEntryIds: ReadonlySet<string>,
): void {
  const txns = entries.map((e) => ({
    id: e.id,
    type: e.type,
    member_id: e.memberId,
    counterparty_member_id: e.counterpartyMemberId,
    hold_id: e.holdId,
    reverses_id: e.reversesId,
    points: e.points,
    reason: e.reason,
    actor: systemEntryIds.has(e.id) ? SYSTEM_ACTOR : actor,
    effective_at: e.effectiveAt,
  }));
  const created = new Set<string>();
  // A new lot goes in as the books hold it at the end (a later entry may have taken from it),
  // whichever copy of it the entry that created it kept.
  const held = new Map([...books.values()].flatMap(({ book }) => book.lots.map((lot) => [lot.id, lot] as const)));
  const newLots = entries.flatMap((e) =>
    e.createdLots.map((createdLot) => {
      const lot = held.get(createdLot.id) ?? createdLot;
      created.add(lot.id);
      return {
        id: lot.id,
        member_id: lot.memberId,
        txn_id: e.id,
        amount: lot.amount,
        remaining: lot.remaining,
        state: lot.state,
        available_at: lot.availableAt,
        expires_at: lot.expiresAt,
      };
    }),
  );
  const postings = entries.flatMap((e) =>
    e.postings.map((p) => ({
      txn_id: e.id,
      account: p.account,
      member_id: p.memberId,
      lot_id: p.lotId,
      hold_id: p.holdId,
      partner_id: p.partnerId ?? null,
      amount: p.amount,
      effective_at: e.effectiveAt,
    })),
  );
  const changedLots: { id: string; remaining: number; state: string }[] = [];
  for (const { book, original } of books.values()) {
    for (const lot of book.lots) {
      if (created.has(lot.id)) continue;
      const before = original.get(lot.id);
      if (before && (before.remaining !== lot.remaining || before.state !== lot.state)) {
        changedLots.push({ id: lot.id, remaining: lot.remaining, state: lot.state });
      }
    }
  }
  const openedHolds = entries.flatMap((e) =>
    e.openedHold
      ? [
          {
            id: e.openedHold.id,
            member_id: e.openedHold.memberId,
            points: e.openedHold.points,
            reason: e.reason,
            allocations: e.openedHold.allocations,
            expires_at: e.openedHold.expiresAt,
            txn_id: e.id,
            created_at: e.effectiveAt,
          },
        ]
      : [],
  );
  const closedHolds = entries.flatMap((e) =>
    e.closedHold
      ? [
          {
            id: e.closedHold.id,
            status: e.closedHold.status,
            captured_points: e.closedHold.capturedPoints,
            closed_txn_id: e.id,
            closed_at: e.effectiveAt,
          },
        ]
      : [],
  );
  const debts = [...books.values()].flatMap(({ book, originalDebt }) =>
    book.debt === originalDebt ? [] : [{ id: book.memberId, debt: book.debt }],
  );

  // Only the parts with rows, and updates keyed by an explicit id list, so every part is an index
  // lookup whatever the planner guesses about a JSON array's size.
  const ids = (items: { id: string }[]) => sql.join(items.map((i) => i.id));
  if (txns.length > 0) {
    batch.add(
      "new_txns",
      sql`
      insert into ledger_transactions (id, program_id, type, member_id, counterparty_member_id, hold_id, reverses_id,
        points, reason, actor, effective_at, created_at)
      select x.id, ${programId}, x.type, x.member_id, x.counterparty_member_id, x.hold_id, x.reverses_id,
        x.points, x.reason, x.actor, x.effective_at, ${now}::timestamptz
      from jsonb_to_recordset(${jsonRows(txns)}::jsonb) as x(id text, type text, member_id text, counterparty_member_id text,
        hold_id text, reverses_id text, points bigint, reason text, actor text, effective_at timestamptz)`,
    );
  }
  if (newLots.length > 0) {
    batch.add(
      "new_lots",
      sql`
      insert into lots (id, program_id, member_id, txn_id, amount, remaining, state, available_at, expires_at, created_at)
      select x.id, ${programId}, x.member_id, x.txn_id, x.amount, x.remaining, x.state, x.available_at, x.expires_at,
        ${now}::timestamptz
      from jsonb_to_recordset(${jsonRows(newLots)}::jsonb) as x(id text, member_id text, txn_id text, amount bigint,
        remaining bigint, state text, available_at timestamptz, expires_at timestamptz)`,
    );
  }
  if (postings.length > 0) {
    batch.add(
      "new_postings",
      sql`
      insert into postings (txn_id, program_id, account, member_id, lot_id, hold_id, partner_id, amount, effective_at)
      select x.txn_id, ${programId}, x.account, x.member_id, x.lot_id, x.hold_id, x.partner_id, x.amount, x.effective_at
      from jsonb_to_recordset(${jsonRows(postings)}::jsonb) as x(txn_id text, account text, member_id text, lot_id text,
        hold_id text, partner_id text, amount bigint, effective_at timestamptz)`,
    );
  }
  if (changedLots.length > 0) {
    batch.add(
      "changed_lots",
      sql`
      update lots set remaining = x.remaining, state = x.state
      from jsonb_to_recordset(${jsonRows(changedLots)}::jsonb) as x(id text, remaining bigint, state text)
      where lots.id in (${ids(changedLots)}) and lots.id = x.id`,
    );
  }
  if (openedHolds.length > 0) {
    batch.add(
      "opened_holds",
      sql`
      insert into holds (id, program_id, member_id, points, status, reason, allocations, expires_at, txn_id, created_at)
      select x.id, ${programId}, x.member_id, x.points, 'active', x.reason, x.allocations, x.expires_at, x.txn_id, x.created_at
      from jsonb_to_recordset(${jsonRows(openedHolds)}::jsonb) as x(id text, member_id text, points bigint, reason text,
        allocations jsonb, expires_at timestamptz, txn_id text, created_at timestamptz)`,
    );
  }
  if (closedHolds.length > 0) {
    batch.add(
      "closed_holds",
      sql`
      update holds set status = x.status, captured_points = x.captured_points, closed_txn_id = x.closed_txn_id,
        closed_at = x.closed_at
      from jsonb_to_recordset(${jsonRows(closedHolds)}::jsonb) as x(id text, status text, captured_points bigint,
        closed_txn_id text, closed_at timestamptz)
      where holds.id in (${ids(closedHolds)}) and holds.id = x.id and holds.status = 'active'`,
    );
  }
  if (debts.length > 0) {
    batch.add(
      "debts",
      sql`
      update members set debt = x.debt
      from jsonb_to_recordset(${jsonRows(debts)}::jsonb) as x(id text, debt bigint)
      where members.id in (${ids(debts)}) and members.id = x.id`,
    );
  }
}

/** Writes entries and the book changes they made in one statement (see addEntryWrites). */
export async function persistEntries(
  trx: Transaction<DB>,
  programId: string,
  actor: string,
  entries: EntryDraft[],
  books: Map<string, LoadedBook>,
  now: Date,
  systemEntryIds: ReadonlySet<string>,
): Promise<void> {
  const batch = new WriteBatch();
  addEntryWrites(batch, programId, actor, entries, books, now, systemEntryIds);
  await batch.run(trx);
}
