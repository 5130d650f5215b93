import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DomainError } from "../shared/errors.ts";
import { ID_PREFIX, type IdGenerator } from "../shared/ids.ts";
import {
  type ClawbackPolicy,
  capture,
  credit,
  debit,
  type EntryDraft,
  hold,
  type MemberBook,
  memberNet,
  reverse,
  settle,
  spendableBalance,
  transfer,
  voidHold,
} from "./ledger.rules.ts";

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
// The model
// ---------------------------------------------------------------------------------------------

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface ModelLot {
  seq: number;
  /** The rules' lot id, linked once the rules have created the lot. */
  id: string | null;
  member: number;
  amount: number;
  /** Points still in the lot: not spent, held, expired or taken back. */
  remaining: number;
  pending: boolean;
  availableAt: number;
  expiresAt: number | null;
}

interface ModelHold {
  seq: number;
  id: string | null;
  member: number;
  points: number;
  expiresAt: number;
  /** Where the held points came from, in the order they were taken (soonest expiry first). */
  taken: { lot: ModelLot; points: number }[];
  status: "active" | "captured" | "voided" | "expired";
}

/** What a reversible operation did to members: points per lot it gave (+) or took (-), debt it paid. */
interface ModelEffect {
  lots: Map<ModelLot, number>;
  debtPaid: Map<number, number>;
}

interface ModelTxn {
  id: string | null;
  kind: "credit" | "debit" | "transfer" | "capture";
  effect: ModelEffect;
  reversed: boolean;
}

interface ModelLifetime {
  adjusted: number;
  spent: number;
  expired: number;
  reversed: number;
  transferredIn: number;
  transferredOut: number;
}

interface ModelDone {
  created: ModelLot[];
  txn: ModelTxn | null;
  hold: ModelHold | null;
}

type Outcome = { ok: true; done: ModelDone } | { ok: false; code: string; available?: number };

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const addTo = <K>(map: Map<K, number>, key: K, by: number) => map.set(key, (map.get(key) ?? 0) + by);
const newEffect = (): ModelEffect => ({ lots: new Map(), debtPaid: new Map() });

/** Spending order: soonest expiry (never last), then earliest available, then oldest. */
function spendFirst(a: ModelLot, b: ModelLot): number {
  const ax = a.expiresAt ?? Number.POSITIVE_INFINITY;
  const bx = b.expiresAt ?? Number.POSITIVE_INFINITY;
  if (ax !== bx) return ax < bx ? -1 : 1;
  if (a.availableAt !== b.availableAt) return a.availableAt - b.availableAt;
  return a.seq - b.seq;
}

class LedgerModel {
  readonly lots: ModelLot[] = [];
  readonly holds: ModelHold[] = [];
  readonly txns: ModelTxn[] = [];
  readonly debt: number[];
  readonly lifetime: ModelLifetime[];
  #seq = 0;

  constructor(
    members: number,
    readonly policy: ClawbackPolicy,
    public now: number,
  ) {
    this.debt = Array.from({ length: members }, () => 0);
    this.lifetime = Array.from({ length: members }, () => ({
      adjusted: 0,
      spent: 0,
      expired: 0,
      reversed: 0,
      transferredIn: 0,
      transferredOut: 0,
    }));
  }

  spendable(member: number, at = this.now): ModelLot[] {
    return this.lots
      .filter(
        (l) =>
          l.member === member &&
          !l.pending &&
          l.remaining > 0 &&
          l.availableAt <= at &&
          (l.expiresAt === null || l.expiresAt > at),
      )
      .sort(spendFirst);
  }

  available(member: number, at = this.now): number {
    return sum(this.spendable(member, at).map((l) => l.remaining));
  }

  balance(member: number) {
    const open = this.lots.filter((l) => l.member === member && l.remaining > 0);
    const expiring = new Map<number, number>();
    for (const l of open) if (l.expiresAt !== null) addTo(expiring, l.expiresAt, l.remaining);
    return {
      available: this.available(member),
      pending: sum(open.filter((l) => l.pending).map((l) => l.remaining)),
      held: sum(this.holds.filter((h) => h.member === member && h.status === "active").map((h) => h.points)),
      debt: this.#debt(member),
      expiring: [...expiring].sort(([a], [b]) => a - b).map(([at, points]) => ({ points, expiresAt: at })),
    };
  }

  /** Moves the clock to `to`, doing whatever falls due on the way, one event at a time in time order. */
  advanceTo(to: number): void {
    for (;;) {
      const due: { at: number; rank: number; seq: number; run: () => void }[] = [];
      for (const lot of this.lots) {
        // An emptied pending lot (its credit was reversed) has nothing to activate.
        if (lot.pending && lot.remaining > 0)
          due.push({ at: lot.availableAt, rank: 0, seq: lot.seq, run: () => this.#activate(lot) });
        if (lot.remaining > 0 && lot.expiresAt !== null)
          due.push({ at: lot.expiresAt, rank: 2, seq: lot.seq, run: () => this.#expire(lot) });
      }
      for (const h of this.holds) {
        if (h.status !== "active") continue;
        due.push({
          at: h.expiresAt,
          rank: 1,
          seq: h.seq,
          run: () => {
            h.status = "expired";
            this.#giveBack(h.member, h.taken, h.expiresAt);
          },
        });
      }
      const next = due.filter((d) => d.at <= to).sort((a, b) => a.at - b.at || a.rank - b.rank || a.seq - b.seq)[0];
      if (!next) break;
      next.run();
    }
    this.now = to;
  }

  credit(member: number, points: number, availableAt: number | null, expiresAt: number | null): Outcome {
    const effect = newEffect();
    const pending = availableAt !== null && availableAt > this.now;
    const paid = pending ? 0 : Math.min(this.#debt(member), points);
    this.#payDebtWith(member, paid, effect);
    const created: ModelLot[] = [];
    if (points - paid > 0) {
      const lot = this.#newLot(
        member,
        points - paid,
        pending,
        pending && availableAt !== null ? availableAt : this.now,
        expiresAt,
      );
      addTo(effect.lots, lot, lot.amount);
      created.push(lot);
    }
    this.#life(member).adjusted += points;
    return { ok: true, done: { created, txn: this.#record("credit", effect), hold: null } };
  }

  debit(member: number, points: number): Outcome {
    const available = this.available(member);
    if (available < points) return { ok: false, code: "insufficient_points", available };
    const effect = newEffect();
    this.#take(member, points, this.now, effect);
    this.#life(member).adjusted -= points;
    return { ok: true, done: { created: [], txn: this.#record("debit", effect), hold: null } };
  }

  hold(member: number, points: number, ttl: number): Outcome {
    const available = this.available(member);
    if (available < points) return { ok: false, code: "insufficient_points", available };
    const h: ModelHold = {
      seq: ++this.#seq,
      id: null,
      member,
      points,
      expiresAt: this.now + ttl,
      taken: this.#take(member, points, this.now),
      status: "active",
    };
    this.holds.push(h);
    return { ok: true, done: { created: [], txn: null, hold: h } };
  }

  capture(h: ModelHold, points: number | null): Outcome {
    if (h.status !== "active") return { ok: false, code: "hold_not_active" };
    const take = points ?? h.points;
    if (take > h.points) return { ok: false, code: "validation_error" };
    const effect = newEffect();
    const released: { lot: ModelLot; points: number }[] = [];
    let left = take;
    for (const t of h.taken) {
      const captured = Math.min(left, t.points);
      left -= captured;
      if (captured > 0) addTo(effect.lots, t.lot, -captured);
      if (t.points > captured) released.push({ lot: t.lot, points: t.points - captured });
    }
    h.status = "captured";
    this.#giveBack(h.member, released, this.now, effect);
    this.#life(h.member).spent += take;
    return { ok: true, done: { created: [], txn: this.#record("capture", effect), hold: null } };
  }

  void(h: ModelHold): Outcome {
    if (h.status !== "active") return { ok: false, code: "hold_not_active" };
    h.status = "voided";
    this.#giveBack(h.member, h.taken, this.now);
    return { ok: true, done: { created: [], txn: null, hold: null } };
  }

  transfer(from: number, to: number, points: number): Outcome {
    const available = this.available(from);
    if (available < points) return { ok: false, code: "insufficient_points", available };
    const effect = newEffect();
    const created: ModelLot[] = [];
    for (const t of this.#take(from, points, this.now, effect)) {
      const lot = this.#newLot(to, t.points, false, this.now, t.lot.expiresAt);
      addTo(effect.lots, lot, t.points);
      created.push(lot);
    }
    this.#payDebt(to, this.now, effect);
    this.#life(from).transferredOut += points;
    this.#life(to).transferredIn += points;
    return { ok: true, done: { created, txn: this.#record("transfer", effect), hold: null } };
  }

  /**
   * Undoes what `txn` did. Points it gave are taken back from the lots that got them, then from
   * the member's other spendable points, then become debt (allow_debt) or the reversal is refused;
   * debt it paid is owed again; points it took go back to the lots they came from (expiring at
   * once if those lots have expired). Afterwards nobody owes debt while holding spendable points.
   */
  reverse(txn: ModelTxn): Outcome {
    if (txn.reversed) return { ok: false, code: "already_reversed" };
    const at = this.now;
    const savedRemaining = this.lots.map((l) => l.remaining);
    const savedDebt = [...this.debt];
    const members = new Set<number>([...[...txn.effect.lots.keys()].map((l) => l.member), ...txn.effect.debtPaid.keys()]);
    for (const [lot, gave] of txn.effect.lots) {
      if (gave <= 0) continue;
      const fromLot = Math.min(gave, lot.remaining);
      lot.remaining -= fromLot;
      const short = gave - fromLot;
      if (short === 0) continue;
      const available = this.available(lot.member, at);
      if (available < short && this.policy !== "allow_debt") {
        this.lots.forEach((l, i) => {
          l.remaining = savedRemaining[i] ?? l.remaining;
        });
        savedDebt.forEach((d, i) => {
          this.debt[i] = d;
        });
        return { ok: false, code: "insufficient_points" };
      }
      const fromOthers = Math.min(short, available);
      this.#take(lot.member, fromOthers, at);
      this.debt[lot.member] = this.#debt(lot.member) + short - fromOthers;
    }
    for (const [member, paid] of txn.effect.debtPaid) this.debt[member] = this.#debt(member) + paid;
    for (const member of members) {
      const back = [...txn.effect.lots].filter(([l, d]) => l.member === member && d < 0).map(([lot, d]) => ({ lot, points: -d }));
      if (back.length > 0) this.#giveBack(member, back, at);
    }
    for (const member of members) {
      this.#payDebt(member, at);
      const net =
        sum([...txn.effect.lots].filter(([l]) => l.member === member).map(([, d]) => d)) + (txn.effect.debtPaid.get(member) ?? 0);
      this.#life(member).reversed -= net;
    }
    txn.reversed = true;
    return { ok: true, done: { created: [], txn: null, hold: null } };
  }

  #debt(member: number): number {
    return this.debt[member] ?? 0;
  }

  #life(member: number): ModelLifetime {
    const life = this.lifetime[member];
    if (!life) throw new Error(`no member ${member} in the model`);
    return life;
  }

  #newLot(member: number, amount: number, pending: boolean, availableAt: number, expiresAt: number | null): ModelLot {
    const lot: ModelLot = { seq: ++this.#seq, id: null, member, amount, remaining: amount, pending, availableAt, expiresAt };
    this.lots.push(lot);
    return lot;
  }

  #record(kind: ModelTxn["kind"], effect: ModelEffect): ModelTxn {
    const txn: ModelTxn = { id: null, kind, effect, reversed: false };
    this.txns.push(txn);
    return txn;
  }

  #take(member: number, points: number, at: number, effect?: ModelEffect): { lot: ModelLot; points: number }[] {
    const taken: { lot: ModelLot; points: number }[] = [];
    let left = points;
    for (const lot of this.spendable(member, at)) {
      if (left === 0) break;
      const n = Math.min(left, lot.remaining);
      lot.remaining -= n;
      left -= n;
      taken.push({ lot, points: n });
      if (effect) addTo(effect.lots, lot, -n);
    }
    if (left > 0) throw new Error("model: took more than was spendable");
    return taken;
  }

  #payDebtWith(member: number, paid: number, effect: ModelEffect): void {
    if (paid === 0) return;
    this.debt[member] = this.#debt(member) - paid;
    addTo(effect.debtPaid, member, paid);
  }

  /** Debt is paid from spendable points as soon as there are any. */
  #payDebt(member: number, at: number, effect?: ModelEffect): void {
    const pay = Math.min(this.#debt(member), this.available(member, at));
    if (pay === 0) return;
    this.#take(member, pay, at, effect);
    this.debt[member] = this.#debt(member) - pay;
    if (effect) addTo(effect.debtPaid, member, pay);
  }

  #giveBack(member: number, back: { lot: ModelLot; points: number }[], at: number, effect?: ModelEffect): void {
    for (const b of back) b.lot.remaining += b.points;
    this.#payDebt(member, at, effect);
    for (const b of back) if (b.lot.expiresAt !== null && b.lot.expiresAt <= at) this.#expire(b.lot);
  }

  #activate(lot: ModelLot): void {
    lot.pending = false;
    this.#payDebt(lot.member, lot.availableAt);
  }

  #expire(lot: ModelLot): void {
    this.#life(lot.member).expired += lot.remaining;
    lot.remaining = 0;
  }
}

// ---------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------

type Command =
  | { kind: "credit"; member: number; points: number; pendingFor: number; expiresIn: number | null }
  | { kind: "debit"; member: number; points: number }
  | { kind: "hold"; member: number; points: number; ttl: number }
  | { kind: "capture"; hold: number; points: number | null }
  | { kind: "void"; hold: number }
  | { kind: "transfer"; from: number; to: number; points: number }
  | { kind: "reverse"; txn: number }
  | { kind: "advance"; ms: number }
  | { kind: "jobs" };

const member = fc.nat({ max: 2 });
const credited = fc.integer({ min: 1, max: 50 });
const points = fc.integer({ min: 1, max: 20 });
const offsets = [HOUR, 6 * HOUR, DAY, 2 * DAY, 3 * DAY];

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("credit" as const),
      member,
      points: credited,
      pendingFor: fc.oneof(
        { weight: 3, arbitrary: fc.constant(0) },
        { weight: 1, arbitrary: fc.constantFrom(HOUR, DAY, 2 * DAY) },
      ),
      expiresIn: fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 2, arbitrary: fc.constantFrom(...offsets) }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("debit" as const), member, points }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("hold" as const),
      member,
      points,
      ttl: fc.constantFrom(HOUR, 6 * HOUR, DAY, 2 * DAY),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("capture" as const),
      hold: fc.nat({ max: 30 }),
      points: fc.oneof(fc.constant(null), fc.integer({ min: 1, max: 15 })),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("void" as const), hold: fc.nat({ max: 30 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("transfer" as const), from: member, to: fc.integer({ min: 1, max: 2 }), points }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("reverse" as const), txn: fc.nat({ max: 30 }) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("advance" as const),
      ms: fc.constantFrom(30 * 60_000, HOUR, 6 * HOUR, DAY, 2 * DAY),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "jobs" as const }) },
);

const pick = <T>(items: T[], index: number): T | undefined => (items.length === 0 ? undefined : items[index % items.length]);

/** Mostly an active hold (closed ones only answer hold_not_active), sometimes any. */
const pickHold = (holds: ModelHold[], index: number): ModelHold | undefined => {
  const active = holds.filter((h) => h.status === "active");
  return pick(index % 4 === 0 || active.length === 0 ? holds : active, index);
};

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
