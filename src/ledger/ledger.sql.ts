import { type Kysely, sql, type Transaction } from "kysely";
import type { DB, HoldRow, LotRow, TxnType } from "../db/schema.ts";
import type { BookHold, BookLot, EntryDraft, MemberBook, PostingDraft } from "./ledger.rules.ts";

export const SYSTEM_ACTOR = "system:jobs";

type Db = Kysely<DB> | Transaction<DB>;

/** Locks members in id order (a fixed order, so two transfers in opposite directions cannot deadlock). */
export async function lockMembers(trx: Transaction<DB>, programId: string, memberIds: string[]) {
  const ids = [...new Set(memberIds)].sort();
  const rows = await trx
    .selectFrom("members")
    .select(["id", "debt", "status"])
    .where("program_id", "=", programId)
    .where("id", "in", ids)
    .orderBy("id")
    .forUpdate()
    .execute();
  return new Map(rows.map((row) => [row.id, row]));
}

const toBookLot = (
  row: Pick<LotRow, "id" | "member_id" | "amount" | "remaining" | "state" | "available_at" | "expires_at">,
): BookLot => ({
  id: row.id,
  memberId: row.member_id,
  amount: row.amount,
  remaining: row.remaining,
  state: row.state,
  availableAt: row.available_at,
  expiresAt: row.expires_at,
});

const toBookHold = (row: Pick<HoldRow, "id" | "member_id" | "points" | "expires_at" | "allocations">): BookHold => ({
  id: row.id,
  memberId: row.member_id,
  points: row.points,
  expiresAt: row.expires_at,
  allocations: row.allocations,
});

export interface LoadedBook {
  book: MemberBook;
  /** The lots as loaded, to write back only what changed. */
  original: Map<string, { remaining: number; state: BookLot["state"] }>;
  originalDebt: number;
}

/**
 * Loads the open state of locked members: lots that hold points, lots an active hold took points
 * from (a hold can leave its lots at remaining 0, and releasing it gives the points back to
 * them), any lots named, active holds, debt.
 */
export async function loadBooks(
  trx: Transaction<DB>,
  members: Map<string, { debt: number }>,
  extraLotIds: string[] = [],
): Promise<Map<string, LoadedBook>> {
  const memberIds = [...members.keys()];
  const holds = await trx
    .selectFrom("holds")
    .select(["id", "member_id", "points", "expires_at", "allocations"])
    .where("member_id", "in", memberIds)
    .where("status", "=", "active")
    .execute();
  const namedLotIds = [...new Set([...extraLotIds, ...holds.flatMap((h) => h.allocations.map((a) => a.lotId))])];
  const lotQuery = trx
    .selectFrom("lots")
    .select(["id", "member_id", "amount", "remaining", "state", "available_at", "expires_at"])
    .where("member_id", "in", memberIds);
  const lots = await (namedLotIds.length > 0
    ? lotQuery.where((eb) => eb.or([eb("remaining", ">", 0), eb("id", "in", namedLotIds)]))
    : lotQuery.where("remaining", ">", 0)
  ).execute();
  const loaded = new Map<string, LoadedBook>();
  for (const [memberId, { debt }] of members) {
    loaded.set(memberId, {
      book: { memberId, lots: [], holds: [], debt },
      original: new Map(),
      originalDebt: debt,
    });
  }
  for (const row of lots) {
    const entry = loaded.get(row.member_id);
    if (!entry) continue;
    entry.book.lots.push(toBookLot(row));
    entry.original.set(row.id, { remaining: row.remaining, state: row.state });
  }
  for (const row of holds) loaded.get(row.member_id)?.book.holds.push(toBookHold(row));
  return loaded;
}

/**
 * Writes entries and the book changes they made: transactions, new lots, postings, changed lots,
 * holds and debt, in as few statements as the engine allows.
 */
export async function persistEntries(
  trx: Transaction<DB>,
  programId: string,
  actor: string,
  entries: EntryDraft[],
  books: Map<string, LoadedBook>,
  now: Date,
  /** Entries the ledger made on its own (due work), recorded under the system actor. */
  systemEntryIds: ReadonlySet<string>,
): Promise<void> {
  if (entries.length === 0) return;
  await trx
    .insertInto("ledger_transactions")
    .values(
      entries.map((e) => ({
        id: e.id,
        program_id: programId,
        type: e.type,
        member_id: e.memberId,
        counterparty_member_id: e.counterpartyMemberId,
        hold_id: e.holdId,
        reverses_id: e.reversesId,
        points: e.points,
        reason: e.reason,
        actor: systemEntryIds.has(e.id) ? SYSTEM_ACTOR : actor,
        effective_at: e.effectiveAt,
        created_at: now,
      })),
    )
    .execute();

  const created = new Set<string>();
  const newLots = entries.flatMap((e) =>
    e.createdLots.map((lot) => {
      created.add(lot.id);
      return {
        id: lot.id,
        program_id: programId,
        member_id: lot.memberId,
        txn_id: e.id,
        amount: lot.amount,
        remaining: lot.remaining,
        state: lot.state,
        available_at: lot.availableAt,
        expires_at: lot.expiresAt,
        created_at: now,
      };
    }),
  );
  if (newLots.length > 0) await trx.insertInto("lots").values(newLots).execute();

  const postings = entries.flatMap((e) =>
    e.postings.map((p) => ({
      txn_id: e.id,
      program_id: programId,
      account: p.account,
      member_id: p.memberId,
      lot_id: p.lotId,
      hold_id: p.holdId,
      amount: p.amount,
      effective_at: e.effectiveAt,
    })),
  );
  if (postings.length > 0) await trx.insertInto("postings").values(postings).execute();

  const changedLots: BookLot[] = [];
  for (const { book, original } of books.values()) {
    for (const lot of book.lots) {
      if (created.has(lot.id)) continue;
      const before = original.get(lot.id);
      if (before && (before.remaining !== lot.remaining || before.state !== lot.state)) changedLots.push(lot);
    }
  }
  if (changedLots.length > 0) {
    const values = sql.join(changedLots.map((l) => sql`(${l.id}, ${l.remaining}::bigint, ${l.state})`));
    await sql`update lots set remaining = v.remaining, state = v.state
      from (values ${values}) as v(id, remaining, state) where lots.id = v.id`.execute(trx);
  }

  for (const e of entries) {
    if (e.openedHold) {
      const h = e.openedHold;
      await trx
        .insertInto("holds")
        .values({
          id: h.id,
          program_id: programId,
          member_id: h.memberId,
          points: h.points,
          captured_points: null,
          status: "active",
          reason: e.reason,
          allocations: JSON.stringify(h.allocations),
          expires_at: h.expiresAt,
          txn_id: e.id,
          created_at: e.effectiveAt,
        })
        .execute();
    }
    if (e.closedHold) {
      await trx
        .updateTable("holds")
        .set({
          status: e.closedHold.status,
          captured_points: e.closedHold.capturedPoints,
          closed_txn_id: e.id,
          closed_at: e.effectiveAt,
        })
        .where("id", "=", e.closedHold.id)
        .where("status", "=", "active")
        .execute();
    }
  }

  for (const { book, originalDebt } of books.values()) {
    if (book.debt !== originalDebt) {
      await trx.updateTable("members").set({ debt: book.debt }).where("id", "=", book.memberId).execute();
    }
  }
}

export async function findTransaction(db: Db, programId: string, txnId: string) {
  const txn = await db
    .selectFrom("ledger_transactions")
    .selectAll()
    .where("program_id", "=", programId)
    .where("id", "=", txnId)
    .executeTakeFirst();
  if (!txn) return null;
  const postings = await db
    .selectFrom("postings")
    .select(["account", "member_id", "lot_id", "hold_id", "amount"])
    .where("txn_id", "=", txnId)
    .orderBy("id")
    .execute();
  const reversedBy = await db.selectFrom("ledger_transactions").select("id").where("reverses_id", "=", txnId).executeTakeFirst();
  return {
    txn,
    reversedById: reversedBy?.id ?? null,
    postings: postings.map(
      (p): PostingDraft => ({ account: p.account, memberId: p.member_id, lotId: p.lot_id, holdId: p.hold_id, amount: p.amount }),
    ),
  };
}

export async function findHold(db: Db, programId: string, holdId: string) {
  return db.selectFrom("holds").selectAll().where("program_id", "=", programId).where("id", "=", holdId).executeTakeFirst();
}

/** What a balance as of `asOf` is built from: every member posting up to then, by lot, hold and type. */
export async function memberHistoryAsOf(db: Db, memberId: string, asOf: Date) {
  const [postings, lots, holds] = await Promise.all([
    db
      .selectFrom("postings as p")
      .innerJoin("ledger_transactions as t", "t.id", "p.txn_id")
      .select((eb) => [
        "p.account",
        "p.lot_id",
        "t.type",
        eb.fn<string>("coalesce", [eb.ref("t.member_id"), eb.val("")]).as("txn_member_id"),
        sql<number>`sum(p.amount)::bigint`.as("amount"),
      ])
      .where("p.member_id", "=", memberId)
      .where("p.effective_at", "<=", asOf)
      .groupBy(["p.account", "p.lot_id", "t.type", "t.member_id"])
      .execute(),
    db
      .selectFrom("lots")
      .select(["id", "member_id", "amount", "remaining", "state", "available_at", "expires_at"])
      .where("member_id", "=", memberId)
      .where("created_at", "<=", asOf)
      .execute(),
    db
      .selectFrom("holds")
      .select(["id", "member_id", "points", "expires_at", "allocations"])
      .where("member_id", "=", memberId)
      .where("created_at", "<=", asOf)
      .where((eb) => eb.or([eb("closed_at", "is", null), eb("closed_at", ">", asOf)]))
      .execute(),
  ]);
  return {
    postings: postings.map((p) => ({
      account: p.account,
      lotId: p.lot_id,
      type: p.type as TxnType,
      primary: p.txn_member_id === memberId,
      amount: p.amount,
    })),
    lots: lots.map(toBookLot),
    holds: holds.map(toBookHold),
  };
}

export async function listMemberEntries(db: Db, programId: string, memberId: string, limit: number, before: string | null) {
  let query = db
    .selectFrom("ledger_transactions")
    .selectAll()
    .where("program_id", "=", programId)
    .where((eb) => eb.or([eb("member_id", "=", memberId), eb("counterparty_member_id", "=", memberId)]))
    .orderBy("id", "desc")
    .limit(limit + 1);
  if (before) query = query.where("id", "<", before);
  const txns = await query.execute();
  const ids = txns.map((t) => t.id);
  const [postings, reversals] = ids.length
    ? await Promise.all([
        db
          .selectFrom("postings")
          .select(["txn_id", "account", "member_id", "lot_id", "hold_id", "amount"])
          .where("txn_id", "in", ids)
          .orderBy("id")
          .execute(),
        db.selectFrom("ledger_transactions").select(["id", "reverses_id"]).where("reverses_id", "in", ids).execute(),
      ])
    : [[], []];
  return {
    txns,
    postings: postings.map((p) => ({
      txnId: p.txn_id,
      account: p.account,
      memberId: p.member_id,
      lotId: p.lot_id,
      holdId: p.hold_id,
      amount: p.amount,
    })),
    reversals,
  };
}

/** Members that have something due up to `asOf`: lots to activate or expire, holds to time out. */
export async function membersWithDueWork(
  db: Db,
  asOf: Date,
  limit: number,
  programId?: string,
): Promise<{ programId: string; memberId: string }[]> {
  const scoped = programId ? sql`and program_id = ${programId}` : sql``;
  const result = await sql<{ program_id: string; member_id: string }>`
    select distinct program_id, member_id from (
      (select program_id, member_id from lots
        where state = 'pending' and remaining > 0 and available_at <= ${asOf} ${scoped} limit ${limit})
      union all
      (select program_id, member_id from lots
        where remaining > 0 and expires_at is not null and expires_at <= ${asOf} ${scoped} limit ${limit})
      union all
      (select program_id, member_id from holds
        where status = 'active' and expires_at <= ${asOf} ${scoped} limit ${limit})
    ) due limit ${limit}`.execute(db);
  return result.rows.map((r) => ({ programId: r.program_id, memberId: r.member_id }));
}

/** Points of each lot that expired into breakage and were not taken back since. */
export async function expiredByLot(trx: Transaction<DB>, lotIds: string[]): Promise<Map<string, number>> {
  if (lotIds.length === 0) return new Map();
  const rows = await trx
    .selectFrom("postings")
    .select(["lot_id", sql<number>`sum(amount)::bigint`.as("expired")])
    .where("account", "=", "breakage")
    .where("lot_id", "in", lotIds)
    .groupBy("lot_id")
    .execute();
  return new Map(rows.flatMap((r) => (r.lot_id ? [[r.lot_id, r.expired] as const] : [])));
}
