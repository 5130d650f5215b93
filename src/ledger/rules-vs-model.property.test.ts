import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addTo,
  type Command,
  commandArb,
  DAY,
  HOUR,
  LedgerModel,
  type ModelDone,
  type ModelLifetime,
  type Outcome,
  pick,
  pickHold,
  sum,
} from "../../test/helpers/ledger-model.ts";
import { DomainError } from "../shared/errors.ts";
import { ID_PREFIX, type IdGenerator } from "../shared/ids.ts";
import { type EntryDraft, type MemberBook, memberNet } from "./books.rules.ts";
import { credit } from "./credits.rules.ts";
import { capture, hold, voidHold } from "./holds.rules.ts";
import type { ClawbackPolicy } from "./ledger.schemas.ts";
import { spendableBalance } from "./lots.rules.ts";
import { reverse } from "./reversal.rules.ts";
import { settle } from "./settlement.rules.ts";
import { debit, transfer } from "./spending.rules.ts";

/*
 * Model-based tests of the ledger rules. Random command sequences run both through the rules
 * (exactly as the service uses them: settle the members' books up to now, run the rule, keep
 * everything or, on a domain error, nothing) and through a deliberately naive model written from
 * the spec (GUIDE section 4). After every step the rules' books, read as a balance read does
 * (a copy settled up to now), must equal the model lot by lot, hold by hold, and the entries
 * written so far must pass the same invariants `stampbook verify` checks.
 *
 * The model settles eagerly (every due event at its time, one at a time); the rules settle
 * lazily and in pieces (per operation, per job run, per read), so the comparison also checks that
 * what a book says as of a time does not depend on when, or whether, the jobs ran.
 */

// ---------------------------------------------------------------------------------------------
// The rules, driven as the service drives them
// ---------------------------------------------------------------------------------------------

const memberId = (i: number) => `mem_${i}`;

type RunResult = { ok: true; entries: EntryDraft[] } | { ok: false; error: DomainError };

class RulesLedger {
  readonly books: MemberBook[];
  /** Every entry "persisted" so far: operations and the due work they and the jobs settled. */
  readonly written: EntryDraft[] = [];
  readonly originals = new Map<string, EntryDraft>();
  /** Written entries already checked (they never change). */
  readonly checked = new WeakSet<EntryDraft>();
  #counter = 0;
  /** Zero-padded counters: ids sort in creation order, as ULIDs do. */
  readonly ids: IdGenerator = (kind) => `${ID_PREFIX[kind]}_${String(++this.#counter).padStart(8, "0")}`;

  constructor(members: number) {
    this.books = Array.from({ length: members }, (_, i) => ({ memberId: memberId(i), lots: [], holds: [], debt: 0 }));
  }

  book(i: number): MemberBook {
    const book = this.books[i];
    if (!book) throw new Error(`no book ${i}`);
    return book;
  }

  /** As LedgerService does: settle the members up to `at`, run the rule, keep all of it or (domain error) none. */
  run(members: number[], at: Date, op: () => EntryDraft[]): RunResult {
    const involved = [...new Set(members)];
    const saved = involved.map((i) => structuredClone(this.book(i)));
    const settled = involved.flatMap((i) => settle(this.book(i), at, this.ids));
    try {
      const entries = op();
      this.written.push(...settled, ...entries);
      return { ok: true, entries };
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      involved.forEach((i, k) => {
        this.books[i] = saved[k] ?? this.book(i);
      });
      return { ok: false, error };
    }
  }

  /** The jobs: settle every book up to `at`, for real. */
  jobs(at: Date): void {
    for (const book of this.books) this.written.push(...settle(book, at, this.ids));
  }

  /** What a balance read sees: copies of the books settled up to `at`, and the ledger including that due work. */
  view(at: Date): { books: MemberBook[]; due: EntryDraft[]; entries: EntryDraft[] } {
    const books = this.books.map((b) => structuredClone(b));
    const due = books.flatMap((b) => settle(b, at, this.ids));
    return { books, due, entries: [...this.written, ...due] };
  }
}

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

/** Compares the rules' answer with the model's; returns the entries when both succeeded. */
function reconcile(what: string, expected: Outcome, got: RunResult): EntryDraft[] | null {
  if (!got.ok) {
    if (expected.ok)
      throw new Error(`${what}: the model expected success, the rules threw ${got.error.code}: ${got.error.message}`);
    expect(got.error.code, what).toBe(expected.code);
    if (expected.available !== undefined) {
      const details = got.error.details as { available?: unknown } | undefined;
      expect(details?.available, `${what}: available points in the error`).toBe(expected.available);
    }
    return null;
  }
  if (!expected.ok) throw new Error(`${what}: the model expected ${expected.code}, the rules succeeded`);
  return got.entries;
}

/** Links the model's new lots, hold and transaction to what the rules created, checking they agree. */
function link(what: string, done: ModelDone, entries: EntryDraft[], real: RulesLedger): void {
  const created = entries.flatMap((e) => e.createdLots);
  same(
    created.map((l) => ({
      member: l.memberId,
      amount: l.amount,
      state: l.state,
      availableAt: l.availableAt.getTime(),
      expiresAt: l.expiresAt?.getTime() ?? null,
    })),
    done.created.map((l) => ({
      member: memberId(l.member),
      amount: l.amount,
      state: l.pending ? "pending" : "available",
      availableAt: l.availableAt,
      expiresAt: l.expiresAt,
    })),
    `${what}: lots created`,
  );
  done.created.forEach((l, i) => {
    l.id = created[i]?.id ?? null;
  });
  if (done.hold) done.hold.id = entries.find((e) => e.openedHold)?.openedHold?.id ?? null;
  const main = entries[0];
  if (done.txn && main) {
    done.txn.id = main.id;
    real.originals.set(main.id, main);
  }
}

function lifetimeOf(entries: EntryDraft[], member: string): ModelLifetime {
  const life: ModelLifetime = { adjusted: 0, spent: 0, expired: 0, reversed: 0, transferredIn: 0, transferredOut: 0 };
  for (const e of entries) {
    const net = memberNet(e.postings, member);
    if (e.type === "adjustment") life.adjusted += net;
    else if (e.type === "capture") life.spent -= net;
    else if (e.type === "expiry") life.expired -= net;
    else if (e.type === "reversal") life.reversed += net;
    else if (e.type === "transfer" && e.memberId === member) life.transferredOut -= net;
    else if (e.type === "transfer") life.transferredIn += net;
  }
  return life;
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new Error(message);
}

/** Deep equality, with vitest's diff only when it fails (toEqual on every step is slow). */
function same<T>(actual: T, expected: T, message: string): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) expect(actual, message).toEqual(expected);
}

/** Every entry is balanced double entry; expiries and hold time-outs are postings of their own. */
function checkEntry(e: EntryDraft): void {
  const where = `${e.type} ${e.id}`;
  check(e.postings.length > 0, `${where} has no postings`);
  check(sum(e.postings.map((p) => p.amount)) === 0, `${where}: postings do not sum to zero: ${JSON.stringify(e.postings)}`);
  for (const p of e.postings) {
    check(Number.isSafeInteger(p.amount) && p.amount !== 0, `${where}: posting amount ${p.amount}`);
    check(p.account.startsWith("member_") === (p.memberId !== null), `${where}: ${p.account} posting and member ${p.memberId}`);
    check(p.account === "member_debt" || p.memberId === null || p.lotId !== null, `${where}: ${p.account} posting without a lot`);
  }
  if (e.type === "expiry") {
    const breakage = e.postings.filter((p) => p.account === "breakage").map((p) => p.amount);
    check(breakage.length === 1 && breakage[0] === e.points, `${where}: ${e.points} points not posted into breakage`);
    check(memberNet(e.postings, e.memberId) === -e.points, `${where}: ${e.points} points not posted out of the member`);
  }
  if (e.type === "void") {
    const held = sum(e.postings.filter((p) => p.account === "member_held").map((p) => p.amount));
    check(held === -e.points, `${where}: does not release the ${e.points} held points`);
  }
}

/** The invariants `stampbook verify` checks, on the rules' entries and books. */
function checkLedger(entries: EntryDraft[], books: MemberBook[], at: Date): void {
  const lotSums = new Map<string, { pending: number; available: number; held: number }>();
  const heldByHold = new Map<string, number>();
  const debtByMember = new Map<string, number>();
  const closed = new Set<string>();
  for (const e of entries) {
    if (e.closedHold) closed.add(e.closedHold.id);
    for (const p of e.postings) {
      if (p.lotId) {
        const s = lotSums.get(p.lotId) ?? { pending: 0, available: 0, held: 0 };
        if (p.account === "member_pending") s.pending += p.amount;
        else if (p.account === "member_available") s.available += p.amount;
        else if (p.account === "member_held") s.held += p.amount;
        lotSums.set(p.lotId, s);
      }
      if (p.account === "member_held" && p.holdId) addTo(heldByHold, p.holdId, p.amount);
      if (p.account === "member_debt" && p.memberId) addTo(debtByMember, p.memberId, p.amount);
    }
  }
  for (const book of books) {
    for (const lot of book.lots) {
      const s = lotSums.get(lot.id) ?? { pending: 0, available: 0, held: 0 };
      const where = `lot ${lot.id} of ${book.memberId}`;
      check(lot.remaining >= 0 && lot.remaining <= lot.amount, `${where}: remaining ${lot.remaining} outside [0, ${lot.amount}]`);
      check(s.pending + s.available === lot.remaining, `${where}: remaining ${lot.remaining}, postings ${JSON.stringify(s)}`);
      check(
        (lot.state === "pending" ? s.available : s.pending) === 0,
        `${where}: state ${lot.state}, postings ${JSON.stringify(s)}`,
      );
      check(s.held >= 0 && s.pending >= 0 && s.available >= 0, `${where}: an account below zero: ${JSON.stringify(s)}`);
    }
    for (const h of book.holds) {
      check(
        (heldByHold.get(h.id) ?? 0) === h.points,
        `active hold ${h.id}: held postings ${heldByHold.get(h.id)} != ${h.points}`,
      );
      check(sum(h.allocations.map((a) => a.points)) === h.points, `active hold ${h.id}: allocations do not add up`);
      check(!closed.has(h.id), `active hold ${h.id} was closed`);
    }
    const posted = 0 - (debtByMember.get(book.memberId) ?? 0);
    check(posted === book.debt, `${book.memberId}: debt ${book.debt}, debt postings ${posted}`);
    check(book.debt >= 0, `${book.memberId}: negative debt ${book.debt}`);
    check(
      book.debt === 0 || spendableBalance(book, at) === 0,
      `${book.memberId} owes ${book.debt} while holding ${spendableBalance(book, at)} spendable points`,
    );
  }
  for (const id of closed) check((heldByHold.get(id) ?? 0) === 0, `closed hold ${id} still holds ${heldByHold.get(id)}`);
}

/** The rules' books, settled up to now, must be the model: lot by lot, hold by hold. */
function checkAgainstModel(model: LedgerModel, real: RulesLedger): void {
  const at = new Date(model.now);
  const view = real.view(at);
  for (const e of real.written) {
    if (real.checked.has(e)) continue;
    checkEntry(e);
    real.checked.add(e);
  }
  for (const e of view.due) checkEntry(e);
  checkLedger(view.entries, view.books, at);
  view.books.forEach((book, m) => {
    const who = book.memberId;
    const expected = model.balance(m);
    same(
      {
        available: spendableBalance(book, at),
        pending: sum(book.lots.filter((l) => l.state === "pending").map((l) => l.remaining)),
        held: sum(book.holds.map((h) => h.points)),
        debt: book.debt,
      },
      { available: expected.available, pending: expected.pending, held: expected.held, debt: expected.debt },
      `${who}: balance`,
    );
    same(
      book.lots.map((l) => ({
        id: l.id,
        amount: l.amount,
        remaining: l.remaining,
        state: l.state,
        availableAt: l.availableAt.getTime(),
        expiresAt: l.expiresAt?.getTime() ?? null,
      })),
      model.lots
        .filter((l) => l.member === m)
        .map((l) => ({
          id: l.id,
          amount: l.amount,
          remaining: l.remaining,
          state: l.pending ? "pending" : "available",
          availableAt: l.availableAt,
          expiresAt: l.expiresAt,
        })),
      `${who}: lots`,
    );
    same(
      book.holds.map((h) => ({ id: h.id, points: h.points, expiresAt: h.expiresAt.getTime(), allocations: h.allocations })),
      model.holds
        .filter((h) => h.member === m && h.status === "active")
        .map((h) => ({
          id: h.id,
          points: h.points,
          expiresAt: h.expiresAt,
          allocations: h.taken.map((t) => ({ lotId: t.lot.id, points: t.points })),
        })),
      `${who}: active holds`,
    );
    same(lifetimeOf(view.entries, who), model.lifetime[m], `${who}: lifetime totals`);
  });
  const statuses = new Map(view.entries.flatMap((e) => (e.closedHold ? [[e.closedHold.id, e.closedHold.status] as const] : [])));
  for (const h of model.holds) {
    if (h.id && h.status !== "active")
      check(statuses.get(h.id) === h.status, `hold ${h.id}: ${statuses.get(h.id)}, model ${h.status}`);
  }
}

// ---------------------------------------------------------------------------------------------
// The property
// ---------------------------------------------------------------------------------------------

const START = Date.parse("2026-01-01T00:00:00Z");

function runSequence(policy: ClawbackPolicy, members: number, commands: Command[]): void {
  const model = new LedgerModel(members, policy, START);
  const real = new RulesLedger(members);
  const who = (n: number) => n % members;

  commands.forEach((cmd, step) => {
    const at = new Date(model.now);
    const what = `step ${step} ${JSON.stringify(cmd)}`;
    let expected: Outcome | null = null;
    let got: RunResult | null = null;
    switch (cmd.kind) {
      case "advance":
        model.advanceTo(model.now + cmd.ms);
        break;
      case "jobs":
        real.jobs(at);
        break;
      case "credit": {
        const m = who(cmd.member);
        const availableAt = cmd.pendingFor > 0 ? model.now + cmd.pendingFor : null;
        const expiresAt = cmd.expiresIn === null ? null : model.now + cmd.pendingFor + cmd.expiresIn;
        expected = model.credit(m, cmd.points, availableAt, expiresAt);
        got = real.run([m], at, () => [
          credit(
            real.book(m),
            {
              type: "adjustment",
              points: cmd.points,
              source: "adjustments",
              availableAt: new Date(availableAt ?? model.now),
              expiresAt: expiresAt === null ? null : new Date(expiresAt),
              reason: "credit",
            },
            at,
            real.ids,
          ),
        ]);
        break;
      }
      case "debit": {
        const m = who(cmd.member);
        expected = model.debit(m, cmd.points);
        got = real.run([m], at, () => [
          debit(real.book(m), { type: "adjustment", points: cmd.points, sink: "adjustments", reason: "debit" }, at, real.ids),
        ]);
        break;
      }
      case "hold": {
        const m = who(cmd.member);
        expected = model.hold(m, cmd.points, cmd.ttl);
        got = real.run([m], at, () => [
          hold(real.book(m), { points: cmd.points, expiresAt: new Date(model.now + cmd.ttl), reason: "hold" }, at, real.ids),
        ]);
        break;
      }
      case "capture":
      case "void": {
        const h = pickHold(model.holds, cmd.hold);
        if (!h?.id) break;
        const holdId = h.id;
        if (cmd.kind === "capture") {
          expected = model.capture(h, cmd.points);
          got = real.run([h.member], at, () => capture(real.book(h.member), holdId, cmd.points, "capture", at, real.ids));
        } else {
          expected = model.void(h);
          got = real.run([h.member], at, () => voidHold(real.book(h.member), holdId, "void", at, real.ids));
        }
        break;
      }
      case "transfer": {
        const from = who(cmd.from);
        const to = (from + 1 + (cmd.to % (members - 1))) % members;
        expected = model.transfer(from, to, cmd.points);
        got = real.run([from, to], at, () => [transfer(real.book(from), real.book(to), cmd.points, "transfer", at, real.ids)]);
        break;
      }
      case "reverse": {
        const txn = pick(
          model.txns.filter((t) => !t.reversed),
          cmd.txn,
        );
        const original = txn?.id ? real.originals.get(txn.id) : undefined;
        if (!txn || !original) break;
        const involved = [original.memberId, original.counterpartyMemberId].flatMap((id) =>
          id === null ? [] : [real.books.findIndex((b) => b.memberId === id)],
        );
        expected = model.reverse(txn);
        got = real.run(involved, at, () =>
          reverse(original, new Map(involved.map((i) => [memberId(i), real.book(i)])), policy, "undo", at, real.ids),
        );
        break;
      }
    }
    if (expected && got) {
      const entries = reconcile(what, expected, got);
      if (entries && expected.ok) link(what, expected.done, entries, real);
    }
    try {
      checkAgainstModel(model, real);
    } catch (error) {
      if (error instanceof Error) error.message = `after ${what}: ${error.message}`;
      throw error;
    }
  });
}

/** Sequences fast-check once found (shrunk) that exposed real bugs, replayed before the random ones. */
const REGRESSIONS: [number, Command[]][] = [
  // A hold timed out and gave points back to a lot it had emptied; that lot's expiry, later in the
  // same settle, was skipped because settle ignored lots that were empty when it started.
  [
    2,
    [
      { kind: "credit", member: 0, points: 10, pendingFor: 0, expiresIn: 6 * HOUR },
      { kind: "hold", member: 0, points: 10, ttl: HOUR },
      { kind: "advance", ms: 2 * DAY },
    ],
  ],
  // Reversing a credit that had paid debt made the debt owed again while the member held spendable points.
  [
    2,
    [
      { kind: "credit", member: 0, points: 10, pendingFor: 0, expiresIn: null },
      { kind: "debit", member: 0, points: 10 },
      { kind: "reverse", txn: 0 },
      { kind: "credit", member: 0, points: 10, pendingFor: 0, expiresIn: null },
      { kind: "credit", member: 0, points: 20, pendingFor: 0, expiresIn: null },
      { kind: "reverse", txn: 1 },
    ],
  ],
];

describe("ledger rules against a model", () => {
  it.each(["available_only", "allow_debt"] as const)("random sequences agree with the model (clawback policy %s)", (policy) => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 3 }),
        fc.array(commandArb, { minLength: 1, maxLength: 60, size: "max" }),
        (members, commands) => runSequence(policy, members, commands),
      ),
      { numRuns: 300, examples: REGRESSIONS },
    );
  });
});
