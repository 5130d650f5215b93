import { sql, type Transaction } from "kysely";
import type { DB, Db, ExpiryPolicy, HoldAllocation, HoldRow, LotRow, TxnType } from "../db/schema.ts";
import { WriteBatch } from "../db/write-batch.ts";
import type { BookHold, BookLot, EntryDraft, MemberBook, PostingDraft } from "./books.rules.ts";
import type { ClawbackPolicy } from "./ledger.schemas.ts";

export const SYSTEM_ACTOR = "system:jobs";

export interface LedgerProgram {
  timezone: string;
  pointsExpiry: ExpiryPolicy;
  pendingDays: number;
  clawbackPolicy: ClawbackPolicy;
}

export interface LockedMember {
  debt: number;
  status: "active" | "blocked";
}

/**
 * Locks members in id order (a fixed order, so two transfers in opposite directions cannot
 * deadlock) and reads the programme's ledger settings in the same round trip. Nothing else may be
 * read here: under READ COMMITTED a statement that waited for a lock still sees other tables as
 * they were when it started, so everything guarded by the lock is read by the next statement.
 */
export async function lockMembers(
  trx: Transaction<DB>,
  programId: string,
  memberIds: string[],
): Promise<{ members: Map<string, LockedMember>; program: LedgerProgram | null }> {
  const ids = [...new Set(memberIds)].sort();
  const result = await sql<{
    id: string;
    debt: number;
    status: "active" | "blocked";
    timezone: string;
    points_expiry: ExpiryPolicy;
    pending_days: number;
    clawback_policy: ClawbackPolicy;
  }>`select m.id, m.debt, m.status, p.timezone, p.points_expiry, p.pending_days, p.clawback_policy
    from members m join programs p on p.id = m.program_id
    where m.program_id = ${programId} and m.id in (${sql.join(ids)})
    order by m.id
    for update of m`.execute(trx);
  const members = new Map<string, LockedMember>();
  for (const row of result.rows) {
    members.set(row.id, { debt: row.debt, status: row.status });
  }
  const first = result.rows[0];
  const program = first
    ? {
        timezone: first.timezone,
        pointsExpiry: first.points_expiry,
        pendingDays: first.pending_days,
        clawbackPolicy: first.clawback_policy,
      }
    : null;
  return { members, program };
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
 * Loads the open state of locked members in one statement: their active holds, the lots that
 * hold points, the lots those holds took points from (a hold can leave a lot at remaining 0, and
 * releasing it gives the points back), and any lots named.
 */
export async function loadBooks(
  trx: Transaction<DB>,
  members: Map<string, LockedMember>,
  extraLotIds: string[] = [],
): Promise<Map<string, LoadedBook>> {
  if (members.size === 0) return new Map();
  const memberIds = sql.join([...members.keys()]);
  const named = extraLotIds.length > 0 ? sql`union all select unnest(array[${sql.join(extraLotIds)}]::text[])` : sql``;
  const result = await sql<{
    lot:
      | (Pick<LotRow, "id" | "member_id" | "amount" | "remaining" | "state"> & {
          available_at: string;
          expires_at: string | null;
        })
      | null;
    holds: { id: string; member_id: string; points: number; expires_at: string; allocations: HoldAllocation[] }[] | null;
  }>`with active_holds as (
      select id, member_id, points, expires_at, allocations from holds
      where member_id in (${memberIds}) and status = 'active'),
    wanted as (
      -- lots with points left (the partial index lots_member_open) ...
      select l.* from lots l where l.member_id in (${memberIds}) and l.remaining > 0
      union all
      -- ... and, by primary key, lots holds took from and lots named
      select l.* from lots l where l.id in (
        select a ->> 'lotId' from active_holds h, jsonb_array_elements(h.allocations) a ${named}))
    select json_build_object('id', l.id, 'member_id', l.member_id, 'amount', l.amount, 'remaining', l.remaining,
        'state', l.state, 'available_at', l.available_at, 'expires_at', l.expires_at) as lot, null::json as holds
      from wanted l
    union all
    select null, (select coalesce(json_agg(h order by h.id), '[]'::json) from active_holds h)`.execute(trx);
  const loaded = new Map<string, LoadedBook>();
  for (const [memberId, { debt }] of members) {
    loaded.set(memberId, { book: { memberId, lots: [], holds: [], debt }, original: new Map(), originalDebt: debt });
  }
  for (const { lot, holds } of result.rows) {
    if (lot) {
      const entry = loaded.get(lot.member_id);
      // a lot can come twice (open and held); members' other lots are not asked for
      if (!entry || entry.original.has(lot.id)) continue;
      entry.book.lots.push(
        toBookLot({
          ...lot,
          available_at: new Date(lot.available_at),
          expires_at: lot.expires_at === null ? null : new Date(lot.expires_at),
        }),
      );
      entry.original.set(lot.id, { remaining: lot.remaining, state: lot.state });
    }
    for (const h of holds ?? []) {
      loaded.get(h.member_id)?.book.holds.push(toBookHold({ ...h, expires_at: new Date(h.expires_at) }));
    }
  }
  return loaded;
}

const rows = (items: unknown[]) => JSON.stringify(items);

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
      from jsonb_to_recordset(${rows(txns)}::jsonb) as x(id text, type text, member_id text, counterparty_member_id text,
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
      from jsonb_to_recordset(${rows(newLots)}::jsonb) as x(id text, member_id text, txn_id text, amount bigint,
        remaining bigint, state text, available_at timestamptz, expires_at timestamptz)`,
    );
  }
  if (postings.length > 0) {
    batch.add(
      "new_postings",
      sql`
      insert into postings (txn_id, program_id, account, member_id, lot_id, hold_id, partner_id, amount, effective_at)
      select x.txn_id, ${programId}, x.account, x.member_id, x.lot_id, x.hold_id, x.partner_id, x.amount, x.effective_at
      from jsonb_to_recordset(${rows(postings)}::jsonb) as x(txn_id text, account text, member_id text, lot_id text,
        hold_id text, partner_id text, amount bigint, effective_at timestamptz)`,
    );
  }
  if (changedLots.length > 0) {
    batch.add(
      "changed_lots",
      sql`
      update lots set remaining = x.remaining, state = x.state
      from jsonb_to_recordset(${rows(changedLots)}::jsonb) as x(id text, remaining bigint, state text)
      where lots.id in (${ids(changedLots)}) and lots.id = x.id`,
    );
  }
  if (openedHolds.length > 0) {
    batch.add(
      "opened_holds",
      sql`
      insert into holds (id, program_id, member_id, points, status, reason, allocations, expires_at, txn_id, created_at)
      select x.id, ${programId}, x.member_id, x.points, 'active', x.reason, x.allocations, x.expires_at, x.txn_id, x.created_at
      from jsonb_to_recordset(${rows(openedHolds)}::jsonb) as x(id text, member_id text, points bigint, reason text,
        allocations jsonb, expires_at timestamptz, txn_id text, created_at timestamptz)`,
    );
  }
  if (closedHolds.length > 0) {
    batch.add(
      "closed_holds",
      sql`
      update holds set status = x.status, captured_points = x.captured_points, closed_txn_id = x.closed_txn_id,
        closed_at = x.closed_at
      from jsonb_to_recordset(${rows(closedHolds)}::jsonb) as x(id text, status text, captured_points bigint,
        closed_txn_id text, closed_at timestamptz)
      where holds.id in (${ids(closedHolds)}) and holds.id = x.id and holds.status = 'active'`,
    );
  }
  if (debts.length > 0) {
    batch.add(
      "debts",
      sql`
      update members set debt = x.debt
      from jsonb_to_recordset(${rows(debts)}::jsonb) as x(id text, debt bigint)
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
    .select(["account", "member_id", "lot_id", "hold_id", "partner_id", "amount"])
    .where("txn_id", "=", txnId)
    .orderBy("id")
    .execute();
  const reversedBy = await db.selectFrom("ledger_transactions").select("id").where("reverses_id", "=", txnId).executeTakeFirst();
  return {
    txn,
    reversedById: reversedBy?.id ?? null,
    postings: postings.map(
      (p): PostingDraft => ({
        account: p.account,
        memberId: p.member_id,
        lotId: p.lot_id,
        holdId: p.hold_id,
        partnerId: p.partner_id,
        amount: p.amount,
      }),
    ),
  };
}

/**
 * The redemption or payment a transaction or hold belongs to, if any. Those are changed only
 * through their own endpoints (cancel, confirm, refund), which keep stock, vouchers and refunds
 * in step with the ledger; the generic ledger endpoints must leave them alone.
 */
export async function ownerOf(
  db: Db,
  ref: { txnId: string } | { holdId: string },
): Promise<{ kind: "redemption" | "payment"; id: string } | null> {
  const result =
    "txnId" in ref
      ? await sql<{ kind: "redemption" | "payment"; id: string }>`
          select 'redemption' as kind, id from redemptions where capture_txn_id = ${ref.txnId}
          union all select 'payment', id from payments where capture_txn_id = ${ref.txnId} limit 1`.execute(db)
      : await sql<{ kind: "redemption" | "payment"; id: string }>`
          select 'redemption' as kind, id from redemptions where hold_id = ${ref.holdId} limit 1`.execute(db);
  return result.rows[0] ?? null;
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
export async function expiredByLot(trx: Db, lotIds: string[]): Promise<Map<string, number>> {
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
