import type { Kysely, Transaction } from "kysely";
import type { DB, Db } from "../db/schema.ts";
import type { WriteBatch } from "../db/write-batch.ts";
import type { MutationContext, UnitOfWork } from "../idempotency/idempotency.service.ts";
import { expiryFor, pendingUntil } from "../programs/programs.rules.ts";
import type { Clock } from "../shared/clock.ts";
import { DomainError, notFound } from "../shared/errors.ts";
import type { IdGenerator } from "../shared/ids.ts";
import { must } from "../shared/must.ts";
import type { ActorNames } from "../shared/principal.ts";
import { bookOf, type EntryDraft, type MemberBook } from "./books.rules.ts";
import { credit } from "./credits.rules.ts";
import { capture, hold, voidHold } from "./holds.rules.ts";
import { bookAsOf } from "./ledger.history.ts";
import { refuseOwned } from "./ledger.ownership.ts";
import * as q from "./ledger.sql.ts";
import { SYSTEM_ACTOR } from "./ledger.sql.ts";
import {
  type Balance,
  balanceView,
  closedHoldView,
  entriesPage,
  entryResult,
  type HoldView,
  holdRowView,
  type LedgerEntryView,
  type Lifetime,
  toEntryView,
} from "./ledger.views.ts";
import * as reads from "./ledger-reads.sql.ts";
import * as writes from "./ledger-writes.sql.ts";
import { reverse } from "./reversal.rules.ts";
import { settle } from "./settlement.rules.ts";
import { debit, transfer } from "./spending.rules.ts";

export const DEFAULT_HOLD_TTL_SECONDS = 900;

export { bookBalance } from "./ledger.views.ts";
/** The actor of postings the system makes on its own (settling due work). */
export { SYSTEM_ACTOR };

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

export class LedgerService {
  constructor(
    private readonly deps: { db: Kysely<DB>; clock: Clock; ids: IdGenerator; uow: UnitOfWork; actorNames: ActorNames },
  ) {}

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
    writes.addEntryWrites(batch, programId, actor, entries, books, now, systemEntryIds);
  }

  /** Writes what settling and `entries` did to the books opened by openBooks(), in one statement. */
  async writeBooks(trx: Transaction<DB>, programId: string, actor: string, open: OpenBooks, entries: EntryDraft[], now: Date) {
    await writes.persistEntries(
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
      const found = await reads.findTransaction(trx, programId, txnId);
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
      await writes.persistEntries(trx, programId, SYSTEM_ACTOR, entries, loaded, this.deps.clock.now(), new Set());
      for (const e of entries) if (e.type === "activation" || e.type === "expiry" || e.type === "void") counts[e.type] += 1;
    });
    return counts;
  }

  async getTransaction(programId: string, txnId: string) {
    const found = await reads.findTransaction(this.deps.db, programId, txnId);
    if (!found) throw notFound("Transaction", txnId);
    const [entry] = await this.#named(programId, [
      toEntryView(found.txn, found.postings, found.reversedById, found.txn.member_id),
    ]);
    return must(entry, "the entry");
  }

  /** Entries with the name of who made each, looked up now (a cashier shows by name, not by id). */
  async #named(programId: string, entries: LedgerEntryView[]) {
    const names = await this.deps.actorNames(
      programId,
      entries.map((e) => e.actor),
    );
    return entries.map((e) => ({ ...e, actorName: names.get(e.actor) ?? null }));
  }

  async getHold(programId: string, holdId: string): Promise<HoldView> {
    const row = await reads.findHold(this.deps.db, programId, holdId);
    if (!row) throw notFound("Hold", holdId);
    return holdRowView(row, this.deps.clock.now());
  }

  async balance(programId: string, memberId: string, asOf: Date): Promise<Balance> {
    await this.#memberOrThrow(programId, memberId);
    const { book, lifetime } = await this.bookAsOf(this.deps.db, memberId, asOf);
    return balanceView(memberId, book, lifetime, asOf);
  }

  /**
   * A member's book as it stood at `asOf`, rebuilt from postings, with whatever had fallen due by
   * then settled by the same settle() the jobs use, so the answer does not depend on job timing.
   */
  bookAsOf(db: Db, memberId: string, asOf: Date): Promise<{ book: MemberBook; lifetime: Lifetime }> {
    return bookAsOf(db, this.deps.ids, memberId, asOf);
  }

  async ledger(programId: string, memberId: string, limit: number, cursor: string | null) {
    await this.#memberOrThrow(programId, memberId);
    const page = entriesPage(await reads.listMemberEntries(this.deps.db, programId, memberId, limit, cursor), memberId, limit);
    return { ...page, data: await this.#named(programId, page.data) };
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
    return reads.findTransaction(trx, programId, txnId);
  }

  async #memberOrThrow(programId: string, memberId: string) {
    if (!(await reads.findMember(this.deps.db, programId, memberId))) throw notFound("Member", memberId);
  }

  async #holdOrThrow(trx: Transaction<DB>, programId: string, holdId: string) {
    const row = await reads.findHold(trx, programId, holdId);
    if (!row) throw notFound("Hold", holdId);
    return row;
  }
}
