import fc from "fast-check";
import type { ClawbackPolicy } from "../../src/ledger/ledger.schemas.ts";

/*
 * A deliberately naive model of the points ledger, written from the spec (GUIDE section 4), and
 * the random commands the property tests run through both the model and the real thing (the pure
 * rules in src/ledger/rules-vs-model.property.test.ts, the HTTP API in
 * test/integration/ledger.property.test.ts). The model settles eagerly: every due event at its
 * time, one at a time.
 */

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export interface ModelLot {
  seq: number;
  /** The rules' lot id, linked once the rules have created the lot. */
  id: string | null;
  member: number;
  amount: number;
  /** Points that expired from this lot (to breakage) and were not taken back by a reversal since. */
  expired: number;
  /** Points still in the lot: not spent, held, expired or taken back. */
  remaining: number;
  pending: boolean;
  availableAt: number;
  expiresAt: number | null;
}

export interface ModelHold {
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
export interface ModelEffect {
  lots: Map<ModelLot, number>;
  debtPaid: Map<number, number>;
}

export interface ModelTxn {
  id: string | null;
  kind: "credit" | "debit" | "transfer" | "capture";
  effect: ModelEffect;
  reversed: boolean;
}

export interface ModelLifetime {
  adjusted: number;
  spent: number;
  expired: number;
  reversed: number;
  transferredIn: number;
  transferredOut: number;
}

export interface ModelDone {
  created: ModelLot[];
  txn: ModelTxn | null;
  hold: ModelHold | null;
}

export type Outcome = { ok: true; done: ModelDone } | { ok: false; code: string; available?: number };

export const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
export const addTo = <K>(map: Map<K, number>, key: K, by: number) => map.set(key, (map.get(key) ?? 0) + by);
export const newEffect = (): ModelEffect => ({ lots: new Map(), debtPaid: new Map() });

/** Spending order: soonest expiry (never last), then earliest available, then oldest. */
export function spendFirst(a: ModelLot, b: ModelLot): number {
  const ax = a.expiresAt ?? Number.POSITIVE_INFINITY;
  const bx = b.expiresAt ?? Number.POSITIVE_INFINITY;
  if (ax !== bx) return ax < bx ? -1 : 1;
  if (a.availableAt !== b.availableAt) return a.availableAt - b.availableAt;
  return a.seq - b.seq;
}

export class LedgerModel {
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
   * Undoes what `txn` did. Points it gave are taken back from the lots that got them; what of those
   * expired since is taken back from breakage (the member already lost it); the rest comes from
   * the member's other spendable points, then becomes debt (allow_debt) or the reversal is refused;
   * debt it paid is owed again; points it took go back to the lots they came from (expiring at
   * once if those lots have expired). Afterwards nobody owes debt while holding spendable points.
   */
  reverse(txn: ModelTxn): Outcome {
    if (txn.reversed) return { ok: false, code: "already_reversed" };
    const at = this.now;
    const savedRemaining = this.lots.map((l) => l.remaining);
    const savedExpired = this.lots.map((l) => l.expired);
    const savedDebt = [...this.debt];
    const unexpired = new Map<number, number>();
    const members = new Set<number>([...[...txn.effect.lots.keys()].map((l) => l.member), ...txn.effect.debtPaid.keys()]);
    for (const [lot, gave] of txn.effect.lots) {
      if (gave <= 0) continue;
      const fromLot = Math.min(gave, lot.remaining);
      lot.remaining -= fromLot;
      const fromExpired = Math.min(gave - fromLot, lot.expired);
      lot.expired -= fromExpired;
      addTo(unexpired, lot.member, fromExpired);
      const short = gave - fromLot - fromExpired;
      if (short === 0) continue;
      const available = this.available(lot.member, at);
      if (available < short && this.policy !== "allow_debt") {
        this.lots.forEach((l, i) => {
          l.remaining = savedRemaining[i] ?? l.remaining;
          l.expired = savedExpired[i] ?? l.expired;
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
      this.#life(member).reversed -= net - (unexpired.get(member) ?? 0);
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
    const lot: ModelLot = {
      seq: ++this.#seq,
      id: null,
      member,
      amount,
      expired: 0,
      remaining: amount,
      pending,
      availableAt,
      expiresAt,
    };
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
    lot.expired += lot.remaining;
    lot.remaining = 0;
  }
}

// ---------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------

export type Command =
  | { kind: "credit"; member: number; points: number; pendingFor: number; expiresIn: number | null }
  | { kind: "debit"; member: number; points: number }
  | { kind: "hold"; member: number; points: number; ttl: number }
  | { kind: "capture"; hold: number; points: number | null }
  | { kind: "void"; hold: number }
  | { kind: "transfer"; from: number; to: number; points: number }
  | { kind: "reverse"; txn: number }
  | { kind: "advance"; ms: number }
  | { kind: "jobs"; back: number };

export const member = fc.nat({ max: 2 });
export const credited = fc.integer({ min: 1, max: 50 });
export const points = fc.integer({ min: 1, max: 20 });
export const offsets = [HOUR, 6 * HOUR, DAY, 2 * DAY, 3 * DAY];

export const commandArb: fc.Arbitrary<Command> = fc.oneof(
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
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("jobs" as const), back: fc.constantFrom(0, 0, HOUR, 12 * HOUR, 2 * DAY) }),
  },
);

export const pick = <T>(items: T[], index: number): T | undefined =>
  items.length === 0 ? undefined : items[index % items.length];

/** Mostly an active hold (closed ones only answer hold_not_active), sometimes any. */
export const pickHold = (holds: ModelHold[], index: number): ModelHold | undefined => {
  const active = holds.filter((h) => h.status === "active");
  return pick(index % 4 === 0 || active.length === 0 ? holds : active, index);
};
