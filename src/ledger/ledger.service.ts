import type { Kysely, Selectable, Transaction } from "kysely";
import type { DB, Db, HoldRow, LedgerTransactionsTable } from "../db/schema.ts";
import type { WriteBatch } from "../db/write-batch.ts";
import type { MutationContext, UnitOfWork } from "../idempotency/idempotency.service.ts";
import { expiryFor, pendingUntil } from "../programs/programs.rules.ts";
import type { Clock } from "../shared/clock.ts";
import { DomainError, notFound } from "../shared/errors.ts";
import type { IdGenerator } from "../shared/ids.ts";
import { must } from "../shared/must.ts";
import { type BookLot, bookOf, type EntryDraft, type MemberBook, memberNet, type PostingDraft } from "./books.rules.ts";
import { credit } from "./credits.rules.ts";
import { capture, hold, voidHold } from "./holds.rules.ts";
import * as q from "./ledger.sql.ts";
import { SYSTEM_ACTOR } from "./ledger.sql.ts";
import { spendableBalance } from "./lots.rules.ts";
import { reverse } from "./reversal.rules.ts";
import { settle } from "./settlement.rules.ts";
import { debit, transfer } from "./spending.rules.ts";

export const DEFAULT_HOLD_TTL_SECONDS = 900;

/** The actor of postings the system makes on its own (settling due work). */
export { SYSTEM_ACTOR };

type Txn = Selectable<LedgerTransactionsTable>;

export interface Lifetime {
  earned: number;
  spent: number;
  expired: number;
  adjusted: number;
  reversed: number;
  transferredIn: number;
  transferredOut: number;
}

export interface Balance {
  memberId: string;
  available: number;
  pending: number;
  held: number;
  debt: number;
  lifetime: Lifetime;
  expiring: { points: number; expiresAt: Date }[];
  asOf: Date;
}

export interface LedgerEntryView {
  id: string;
  type: Txn["type"];
  points: number;
  netChange: number;
  reason: string | null;
  actor: string;
  memberId: string;
  counterpartyMemberId: string | null;
  holdId: string | null;
  reversesTransactionId: string | null;
  reversedByTransactionId: string | null;
  lots: { lotId: string | null; account: string; points: number }[];
  effectiveAt: Date;
  createdAt: Date;
}

/** Locked members' books as loaded, brought up to now. */
export interface LoadedBooks {
  books: Map<string, MemberBook>;
  loaded: Map<string, q.LoadedBook>;
  /** What fell due up to now, to be written with the change. */
  settled: EntryDraft[];
}

export interface OpenBooks extends LoadedBooks {
  program: q.LedgerProgram;
  members: Map<string, q.LockedMember>;
}

export type { LoadedBook, LockedMember } from "./ledger.sql.ts";

export interface HoldView {
  id: string;
  memberId: string;
  points: number;
  capturedPoints: number | null;
  status: "active" | "captured" | "voided" | "expired";
  reason: string | null;
  expiresAt: Date;
  lots: { lotId: string; points: number }[];
  transactionId: string;
  closedTransactionId: string | null;
  createdAt: Date;
  closedAt: Date | null;
}

export class LedgerService {
  constructor(private readonly deps: { db: Kysely<DB>; clock: Clock; ids: IdGenerator; uow: UnitOfWork }) {}

  /**
   * Locks the members and brings their books up to `now` (activations, expiries, hold time-outs
   * that fell due), in the caller's transaction. Pair with writeBooks(); withBooks() does both
   * around a pure step. Other domains (redemptions, payments) that must read more under the
   * member's lock before deciding use the pair.
   */
  async openBooks(
    trx: Transaction<DB>,
    programId: string,
    memberIds: string[],
    now: Date,
    /** Lots to load even when empty, with what expired from them (a reversal's lots). */
    reversalLotIds: string[] = [],
  ): Promise<OpenBooks> {
    const { members, program } = await q.lockMembers(trx, programId, memberIds);
    for (const id of memberIds) if (!members.has(id)) throw notFound("Member", id);
    if (!program) throw notFound("Program", programId);
    return { ...(await this.loadBooks(trx, members, now, reversalLotIds)), program, members };
  }

  /**
   * Locks members in id order (two changes in opposite directions cannot deadlock) and reads the
   * programme's ledger settings in the same round trip; members not found are left out.
   */
  lockMembers(trx: Transaction<DB>, programId: string, memberIds: string[]) {
    return q.lockMembers(trx, programId, memberIds);
  }

  /**
   * Loads locked members' open books (with `lotIds` even when empty, and what expired from them)
   * and settles what fell due up to `now`: the second half of openBooks(), for callers that read
   * more under the lock before they know which lots they need (the event pipeline).
   */
  async loadBooks(
    trx: Transaction<DB>,
    members: Map<string, q.LockedMember>,
    now: Date,
    lotIds: string[] = [],
  ): Promise<LoadedBooks> {
    const loaded = await q.loadBooks(trx, members, lotIds);
    const books = new Map([...loaded].map(([id, l]) => [id, l.book]));
    await this.#markExpired(trx, books.values(), lotIds);
    const settled = [...books.values()].flatMap((book) => settle(book, now, this.deps.ids));
    return { books, loaded, settled };
  }

  /** Members' books as they stood at `asOf` (bookAsOf), with what expired from `lotIds`: a dry run's books. */
  async booksAsOf(db: Db, memberIds: string[], asOf: Date, lotIds: string[] = []): Promise<Map<string, MemberBook>> {
    const books = new Map<string, MemberBook>();
    for (const id of memberIds) books.set(id, (await this.bookAsOf(db, id, asOf)).book);
    await this.#markExpired(db, books.values(), lotIds);
    return books;
  }

  /** Notes on the lots named what expired from them into breakage (a clawback takes it back from there). */
  async #markExpired(db: Db, books: Iterable<MemberBook>, lotIds: string[]) {
    if (lotIds.length === 0) return;
    const expired = await q.expiredByLot(db, lotIds);
    // Only lots with a recorded expiry: a dry run's books were already brought up to `asOf`, and
    // what that expired (not yet swept by a job) is on the lot and must stay for a clawback.
    for (const book of books) {
      for (const lot of book.lots) {
        const recorded = expired.get(lot.id);
        if (recorded !== undefined) lot.expired = recorded;
      }
    }
  }

  /**
   * Adds entries and the book changes they made to a write batch (one statement with the
   * batch's other parts); `systemEntryIds` are recorded under the system actor (due work).
   */
  addEntryWrites(
    batch: WriteBatch,
    programId: string,
    actor: string,
    entries: EntryDraft[],
    books: Map<string, q.LoadedBook>,
    now: Date,
    systemEntryIds: ReadonlySet<string>,
  ): void {
    q.addEntryWrites(batch, programId, actor, entries, books, now, systemEntryIds);
  }

  /** Writes what settling and `entries` did to the books opened by openBooks(), in one statement. */
  async writeBooks(trx: Transaction<DB>, programId: string, actor: string, open: OpenBooks, entries: EntryDraft[], now: Date) {
    await q.persistEntries(
      trx,
      programId,
      actor,
      [...open.settled, ...entries],
      open.loaded,
      now,
      new Set(open.settled.map((e) => e.id)),
    );
  }

  /** openBooks(), then `work` on the books, then writeBooks(): the usual shape of a ledger change. */
  async withBooks(
    trx: Transaction<DB>,
    programId: string,
    memberIds: string[],
    actor: string,
    now: Date,
    work: (books: Map<string, MemberBook>, program: q.LedgerProgram) => EntryDraft[],
    reversalLotIds: string[] = [],
  ): Promise<{ entries: EntryDraft[]; books: Map<string, MemberBook> }> {
    const open = await this.openBooks(trx, programId, memberIds, now, reversalLotIds);
    const entries = work(open.books, open.program);
    await this.writeBooks(trx, programId, actor, open, entries, now);
    return { entries, books: open.books };
  }

  #mutate<T>(ctx: MutationContext, status: number, work: (trx: Transaction<DB>, now: Date) => Promise<T>) {
    return this.deps.uow.run(ctx, status, (trx) => work(trx, this.deps.clock.now()));
  }

  adjust(
    ctx: MutationContext,
    programId: string,
    memberId: string,
    input: { points: number; reason: string; expiresAt?: Date | null; availableAt?: Date },
  ) {
    return this.#mutate(ctx, 201, async (trx, now) => {
      let done: { entries: EntryDraft[]; books: Map<string, MemberBook> };
      if (input.points > 0) {
        done = await this.withBooks(trx, programId, [memberId], ctx.actor, now, (books, program) => {
          const availableAt = input.availableAt ?? pendingUntil(program.pendingDays, now, program.timezone);
          const expiresAt =
            input.expiresAt === undefined ? expiryFor(program.pointsExpiry, now, program.timezone) : input.expiresAt;
          if (expiresAt !== null && expiresAt <= now) {
            throw new DomainError("validation_error", "expiresAt must be in the future", { field: "expiresAt" });
          }
          if (expiresAt !== null && expiresAt <= availableAt) {
            throw new DomainError("validation_error", "expiresAt must be after availableAt", { field: "expiresAt" });
          }
          return [
            credit(
              bookOf(books, memberId),
              { type: "adjustment", points: input.points, source: "adjustments", availableAt, expiresAt, reason: input.reason },
              now,
              this.deps.ids,
            ),
          ];
        });
      } else {
        if (input.expiresAt !== undefined || input.availableAt !== undefined) {
          throw new DomainError("validation_error", "expiresAt and availableAt apply to credits (positive points) only", {
            field: input.expiresAt !== undefined ? "expiresAt" : "availableAt",
          });
        }
        done = await this.withBooks(trx, programId, [memberId], ctx.actor, now, (books) => [
          debit(
            bookOf(books, memberId),
            { type: "adjustment", points: -input.points, sink: "adjustments", reason: input.reason },
            now,
            this.deps.ids,
          ),
        ]);
      }
      return entryResult(done, memberId, ctx.actor, now);
    });
  }

  createHold(
    ctx: MutationContext,
    programId: string,
    memberId: string,
    input: { points: number; reason?: string; ttlSeconds?: number },
  ) {
    return this.#mutate(ctx, 201, async (trx, now) => {
      const expiresAt = new Date(now.getTime() + (input.ttlSeconds ?? DEFAULT_HOLD_TTL_SECONDS) * 1000);
      const { entries } = await this.withBooks(trx, programId, [memberId], ctx.actor, now, (books) => [
        hold(bookOf(books, memberId), { points: input.points, expiresAt, reason: input.reason ?? null }, now, this.deps.ids),
      ]);
      const entry = must(entries[0]);
      const opened = must(entry.openedHold ?? undefined);
      return {
        id: opened.id,
        memberId,
        points: opened.points,
        capturedPoints: null,
        status: "active",
        reason: entry.reason,
        expiresAt: opened.expiresAt,
        lots: opened.allocations,
        transactionId: entry.id,
        closedTransactionId: null,
        createdAt: now,
        closedAt: null,
      } satisfies HoldView;
    });
  }

  captureHold(ctx: MutationContext, programId: string, holdId: string, input: { points?: number; reason?: string }) {
    return this.#mutate(ctx, 200, async (trx, now) => {
      const row = await this.#holdOrThrow(trx, programId, holdId);
      await refuseOwned(trx, { holdId }, "captured");
      const { entries } = await this.withBooks(trx, programId, [row.member_id], ctx.actor, now, (books) =>
        capture(bookOf(books, row.member_id), holdId, input.points ?? null, input.reason ?? null, now, this.deps.ids),
      );
      return closedHoldView(row, must(entries[0]));
    });
  }

  voidHold(ctx: MutationContext, programId: string, holdId: string, input: { reason?: string }) {
    return this.#mutate(ctx, 200, async (trx, now) => {
      const row = await this.#holdOrThrow(trx, programId, holdId);
      await refuseOwned(trx, { holdId }, "voided");
      const { entries } = await this.withBooks(trx, programId, [row.member_id], ctx.actor, now, (books) =>
        voidHold(bookOf(books, row.member_id), holdId, input.reason ?? "Hold voided", now, this.deps.ids),
      );
      return closedHoldView(row, must(entries[0]));
    });
  }

  transfer(
    ctx: MutationContext,
    programId: string,
    input: { fromMemberId: string; toMemberId: string; points: number; reason: string },
  ) {
    return this.#mutate(ctx, 201, async (trx, now) => {
      if (input.fromMemberId === input.toMemberId) {
        throw new DomainError("validation_error", "A transfer needs two different members", { field: "toMemberId" });
      }
      const done = await this.withBooks(trx, programId, [input.fromMemberId, input.toMemberId], ctx.actor, now, (books) => [
        transfer(
          bookOf(books, input.fromMemberId),
          bookOf(books, input.toMemberId),
          input.points,
          input.reason,
          now,
          this.deps.ids,
        ),
      ]);
      return entryResult(done, input.fromMemberId, ctx.actor, now);
    });
  }

  reverseTransaction(ctx: MutationContext, programId: string, txnId: string, input: { reason: string }) {
    return this.#mutate(ctx, 201, async (trx, now) => {
      const found = await q.findTransaction(trx, programId, txnId);
      if (!found) throw notFound("Transaction", txnId);
      await refuseOwned(trx, { txnId }, "reversed");
      if (found.reversedById) {
        throw new DomainError("already_reversed", `Transaction ${txnId} was already reversed by ${found.reversedById}`, {
          reversedByTransactionId: found.reversedById,
        });
      }
      const members = [found.txn.member_id, ...(found.txn.counterparty_member_id ? [found.txn.counterparty_member_id] : [])];
      const lotIds = found.postings.flatMap((p) => (p.lotId ? [p.lotId] : []));
      const done = await this.withBooks(
        trx,
        programId,
        members,
        ctx.actor,
        now,
        (books, program) =>
          reverse(
            {
              id: found.txn.id,
              type: found.txn.type,
              memberId: found.txn.member_id,
              counterpartyMemberId: found.txn.counterparty_member_id,
              points: found.txn.points,
              postings: found.postings,
            },
            books,
            program.clawbackPolicy,
            input.reason,
            now,
            this.deps.ids,
          ),
        lotIds,
      );
      return entryResult(done, found.txn.member_id, ctx.actor, now);
    });
  }

  /** Brings one member up to `asOf`: activations, expiries and hold time-outs that fell due. */
  async settleMember(programId: string, memberId: string, asOf: Date): Promise<Record<"activation" | "expiry" | "void", number>> {
    const counts = { activation: 0, expiry: 0, void: 0 };
    await this.deps.db.transaction().execute(async (trx) => {
      const { members } = await q.lockMembers(trx, programId, [memberId]);
      if (!members.has(memberId)) return;
      const loaded = await q.loadBooks(trx, members);
      const entries = [...loaded.values()].flatMap((l) => settle(l.book, asOf, this.deps.ids));
      await q.persistEntries(trx, programId, SYSTEM_ACTOR, entries, loaded, this.deps.clock.now(), new Set());
      for (const e of entries) if (e.type === "activation" || e.type === "expiry" || e.type === "void") counts[e.type] += 1;
    });
    return counts;
  }

  async getTransaction(programId: string, txnId: string): Promise<LedgerEntryView> {
    const found = await q.findTransaction(this.deps.db, programId, txnId);
    if (!found) throw notFound("Transaction", txnId);
    return toEntryView(found.txn, found.postings, found.reversedById, found.txn.member_id);
  }

  async getHold(programId: string, holdId: string): Promise<HoldView> {
    return this.#holdView(this.deps.db, programId, holdId);
  }

  async balance(programId: string, memberId: string, asOf: Date): Promise<Balance> {
    await this.#memberOrThrow(programId, memberId);
    const { book, lifetime } = await this.bookAsOf(this.deps.db, memberId, asOf);
    const expiring = new Map<number, number>();
    let pending = 0;
    for (const lot of book.lots) {
      if (lot.remaining === 0) continue;
      if (lot.state === "pending") pending += lot.remaining;
      if (lot.expiresAt) expiring.set(lot.expiresAt.getTime(), (expiring.get(lot.expiresAt.getTime()) ?? 0) + lot.remaining);
    }
    return {
      memberId,
      available: spendableBalance(book, asOf),
      pending,
      held: book.holds.reduce((sum, h) => sum + h.points, 0),
      debt: book.debt,
      lifetime,
      expiring: [...expiring].sort(([a], [b]) => a - b).map(([at, points]) => ({ points, expiresAt: new Date(at) })),
      asOf,
    };
  }

  /**
   * A member's book as it stood at `asOf`, rebuilt from postings, with whatever had fallen due by
   * then settled by the same settle() the jobs use, so the answer does not depend on job timing.
   */
  async bookAsOf(db: Db, memberId: string, asOf: Date): Promise<{ book: MemberBook; lifetime: Lifetime }> {
    const history = await q.memberHistoryAsOf(db, memberId, asOf);
    const sums = new Map<string, { pending: number; available: number }>();
    let debt = 0;
    const lifetime: Lifetime = { earned: 0, spent: 0, expired: 0, adjusted: 0, reversed: 0, transferredIn: 0, transferredOut: 0 };
    const addToLifetime = (type: Txn["type"], primary: boolean, net: number) => {
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
    for (const entry of settle(book, asOf, this.deps.ids))
      addToLifetime(entry.type, entry.memberId === memberId, memberNet(entry.postings, memberId));
    return { book, lifetime };
  }

  async ledger(programId: string, memberId: string, limit: number, cursor: string | null) {
    await this.#memberOrThrow(programId, memberId);
    const { txns, postings, reversals } = await q.listMemberEntries(this.deps.db, programId, memberId, limit, cursor);
    const page = txns.slice(0, limit);
    const reversedBy = new Map(reversals.map((r) => [r.reverses_id, r.id]));
    return {
      data: page.map((t) =>
        toEntryView(
          t,
          postings.filter((p) => p.txnId === t.id),
          reversedBy.get(t.id) ?? null,
          memberId,
        ),
      ),
      nextCursor: txns.length > limit ? (page.at(-1)?.id ?? null) : null,
    };
  }

  memberExists(programId: string, memberId: string): Promise<void> {
    return this.#memberOrThrow(programId, memberId);
  }

  /** Members with lots to activate or expire, or holds to time out, up to `asOf` (for the jobs). */
  membersWithDueWork(asOf: Date, limit: number, programId?: string) {
    return q.membersWithDueWork(this.deps.db, asOf, limit, programId);
  }

  /** A transaction with its postings and what reversed it, or null, read in the caller's transaction. */
  findTransaction(trx: Transaction<DB>, programId: string, txnId: string) {
    return q.findTransaction(trx, programId, txnId);
  }

  async #memberOrThrow(programId: string, memberId: string) {
    const found = await this.deps.db
      .selectFrom("members")
      .select("id")
      .where("program_id", "=", programId)
      .where("id", "=", memberId)
      .executeTakeFirst();
    if (!found) throw notFound("Member", memberId);
  }

  async #holdOrThrow(trx: Transaction<DB>, programId: string, holdId: string) {
    const row = await q.findHold(trx, programId, holdId);
    if (!row) throw notFound("Hold", holdId);
    return row;
  }

  async #holdView(db: Db, programId: string, holdId: string): Promise<HoldView> {
    const row = await q.findHold(db, programId, holdId);
    if (!row) throw notFound("Hold", holdId);
    // A hold past its time is released even before the job records it, so say so.
    const lapsed = row.status === "active" && row.expires_at <= this.deps.clock.now();
    return {
      id: row.id,
      memberId: row.member_id,
      points: row.points,
      capturedPoints: row.captured_points,
      status: lapsed ? "expired" : row.status,
      reason: row.reason,
      expiresAt: row.expires_at,
      lots: row.allocations,
      transactionId: row.txn_id,
      closedTransactionId: row.closed_txn_id,
      createdAt: row.created_at,
      closedAt: row.closed_at,
    };
  }
}

/** Refuses to change a redemption's or payment's ledger entries behind its back. */
async function refuseOwned(trx: Transaction<DB>, ref: { txnId: string } | { holdId: string }, verb: string) {
  const owner = await q.ownerOf(trx, ref);
  if (!owner) return;
  const what = "txnId" in ref ? `Transaction ${ref.txnId}` : `Hold ${ref.holdId}`;
  const how =
    owner.kind === "redemption"
      ? `confirm or cancel redemption ${owner.id} (POST /v1/redemptions/${owner.id}/confirm or /cancel)`
      : `refund payment ${owner.id} (POST /v1/payments/${owner.id}/refunds)`;
  throw new DomainError(
    "invalid_state",
    `${what} belongs to ${owner.kind} ${owner.id} and cannot be ${verb} on its own: ${how}`,
    {
      [`${owner.kind}Id`]: owner.id,
    },
  );
}

/** A hold as its closing entry left it, without reading it back. */
function closedHoldView(row: HoldRow, entry: EntryDraft): HoldView {
  const closed = must(entry.closedHold ?? undefined);
  return {
    id: row.id,
    memberId: row.member_id,
    points: row.points,
    capturedPoints: closed.capturedPoints,
    status: closed.status,
    reason: row.reason,
    expiresAt: row.expires_at,
    lots: row.allocations,
    transactionId: row.txn_id,
    closedTransactionId: entry.id,
    createdAt: row.created_at,
    closedAt: entry.effectiveAt,
  };
}

/** What a member holds right now, read off a settled book (no extra query). */
export function bookBalance(book: MemberBook, at: Date) {
  return {
    available: spendableBalance(book, at),
    pending: book.lots.reduce((sum, l) => (l.state === "pending" ? sum + l.remaining : sum), 0),
    held: book.holds.reduce((sum, h) => sum + h.points, 0),
    debt: book.debt,
  };
}

function entryResult(
  done: { entries: EntryDraft[]; books: Map<string, MemberBook> },
  memberId: string,
  actor: string,
  now: Date,
) {
  const [main, ...related] = done.entries;
  return {
    transaction: draftView(must(main), memberId, actor, now),
    related: related.map((e) => draftView(e, memberId, actor, now)),
    balance: bookBalance(bookOf(done.books, memberId), now),
  };
}

function draftView(e: EntryDraft, memberId: string, actor: string, now: Date): LedgerEntryView {
  return {
    id: e.id,
    type: e.type,
    points: e.points,
    netChange: memberNet(e.postings, memberId),
    reason: e.reason,
    actor,
    memberId: e.memberId,
    counterpartyMemberId: e.counterpartyMemberId,
    holdId: e.holdId,
    reversesTransactionId: e.reversesId,
    reversedByTransactionId: null,
    lots: e.postings
      .filter((p) => p.memberId === memberId)
      .map((p) => ({ lotId: p.lotId, account: p.account, points: p.amount })),
    effectiveAt: e.effectiveAt,
    createdAt: now,
  };
}

function toEntryView(t: Txn, postings: PostingDraft[], reversedById: string | null, memberId: string): LedgerEntryView {
  const mine = postings.filter((p) => p.memberId === memberId);
  return {
    id: t.id,
    type: t.type,
    points: t.points,
    netChange: mine.reduce((sum, p) => sum + p.amount, 0),
    reason: t.reason,
    actor: t.actor,
    memberId: t.member_id,
    counterpartyMemberId: t.counterparty_member_id,
    holdId: t.hold_id,
    reversesTransactionId: t.reverses_id,
    reversedByTransactionId: reversedById,
    lots: mine.map((p) => ({ lotId: p.lotId, account: p.account, points: p.amount })),
    effectiveAt: t.effective_at,
    createdAt: t.created_at,
  };
}
