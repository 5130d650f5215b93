import type { Transaction } from "kysely";
import type { DB, Db, TierPolicy } from "../db/schema.ts";
import { WriteBatch } from "../db/write-batch.ts";
import type { MutationContext } from "../idempotency/idempotency.service.ts";
import { DomainError, notFound } from "../shared/errors.ts";
import type { ServiceDeps } from "../shared/service-deps.ts";
import { assign, unlock } from "./assignment.rules.ts";
import { type BatchMember, type FactsTier, TierProgress } from "./batch.rules.ts";
import { bottomOf, effectiveTier, type LadderTier, NO_TIER, retainOf } from "./ladder.rules.ts";
import { progressToNext } from "./next-tier.rules.ts";
import { enrol, qualify } from "./qualification.rules.ts";
import { decisionAt, reviewStep } from "./reviews.rules.ts";
import type { AssignTierInput, PutTiersInput } from "./tiers.schemas.ts";
import * as q from "./tiers.sql.ts";
import { changeTime, TIER_CHANGED, type TierTransition } from "./transitions.rules.ts";
import { decisionWindows, keepWindowFrom, type MetricWindow, reviewDateAfter, windowAt } from "./windows.rules.ts";

const BATCH = 200;
/** Reviews of one member applied in one go at most (years of missed reviews are a handful). */
const MAX_STEPS = 100;
const REVIEW_ACTOR = "system:tiers";

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

function tierView(row: q.Ladder["rows"][number]) {
  return {
    id: row.id,
    name: row.name,
    rank: row.rank ?? 0,
    threshold: Number(row.threshold),
    retainThreshold: row.retain_threshold === null ? null : Number(row.retain_threshold),
    earnMultiplier: Number(row.earn_multiplier),
    pointsExpiry: row.points_expiry,
    benefits: row.benefits,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

export interface SettledLadder {
  ladder: LadderTier[];
  policy: TierPolicy;
  timezone: string;
  names: Map<string, string>;
  removedAt: ReadonlyMap<string, Date>;
}

/** Members being settled: their state and when their last change took effect, updated in place. */
type Settling = Map<string, q.RecordedState>;

/**
 * Tiers: the ladder and its policy, members' tier state and history, and every change to it, each
 * written with its outbox announcement in the transaction that decides it. The rules are pure
 * (the *.rules.ts files beside this one); this reads the metrics they need and writes what they decide.
 */
export class TiersService {
  constructor(private readonly deps: ServiceDeps) {}

  // -- the ladder ---------------------------------------------------------------------------------

  async ladder(programId: string, db: Db = this.deps.db) {
    const ladder = await q.loadLadder(db, programId);
    if (!ladder) throw notFound("Program", programId);
    return { policy: ladder.tiers.length > 0 ? ladder.policy : null, tiers: ladder.rows.map(tierView) };
  }

  /**
   * Replaces the ladder: tiers named by id are updated in place, new ones created, missing ones
   * removed (kept for history) unless a member holds them. Members are not re-ranked here: an
   * upgrade the new thresholds allow happens at the member's next event, a downgrade at review.
   * Only a new bottom changes members at once: holders of a tier that stops being the bottom get
   * a review one period from now (as if they had just reached it), holders of one that becomes the
   * bottom lose theirs (the bottom is never reviewed), each a `ladder_changed` change announced in
   * the outbox.
   */
  replaceLadder(ctx: MutationContext, programId: string, input: PutTiersInput) {
    return this.deps.uow.run(ctx, 200, async (trx) => {
      const now = this.deps.clock.now();
      // The ladder before, for the audit log (read just before the ladder lock below).
      ctx.audit = { before: await this.ladder(programId, trx) };
      // Writing the policy first serializes ladder changes (a no-key update: enrolments still insert).
      const program = await trx
        .updateTable("programs")
        .set({ tier_policy: input.tiers.length > 0 ? JSON.stringify(input.policy) : null })
        .where("id", "=", programId)
        .returning("id")
        .executeTakeFirst();
      if (!program) throw notFound("Program", programId);
      const current = await trx
        .selectFrom("tiers")
        .selectAll()
        .where("program_id", "=", programId)
        .where("removed_at", "is", null)
        .execute();
      const known = new Set(current.map((t) => t.id));
      const unknown = input.tiers.flatMap((t, i) => (t.id !== undefined && !known.has(t.id) ? [{ i, id: t.id }] : []));
      if (unknown.length > 0) {
        throw new DomainError(
          "validation_error",
          `Body field tiers.${unknown[0]?.i}.id: no tier ${unknown[0]?.id} on this ladder`,
          {
            issues: unknown.map((u) => ({ path: `tiers.${u.i}.id`, message: `no tier ${u.id} on this ladder`, code: "custom" })),
          },
        );
      }
      const kept = new Set(input.tiers.flatMap((t) => (t.id ? [t.id] : [])));
      const removed = current.filter((t) => !kept.has(t.id));
      const held = await q.holders(
        trx,
        programId,
        removed.map((t) => t.id),
      );
      if (held.size > 0) {
        const tiers = removed.flatMap((t) => (held.has(t.id) ? [{ id: t.id, name: t.name, members: held.get(t.id) ?? 0 }] : []));
        throw new DomainError(
          "conflict",
          `Members still hold ${tiers.map((t) => `${t.name} (${t.members})`).join(", ")}: move them to another tier before removing it`,
          { tiers },
        );
      }
      if (removed.length > 0) {
        await trx
          .updateTable("tiers")
          .set({ removed_at: now, rank: null, updated_at: now })
          .where(
            "id",
            "in",
            removed.map((t) => t.id),
          )
          .execute();
      }
      const newIds: string[] = [];
      for (const [rank, tier] of input.tiers.entries()) {
        const values = {
          name: tier.name,
          rank,
          threshold: tier.threshold,
          retain_threshold: tier.retainThreshold ?? null,
          earn_multiplier: tier.earnMultiplier,
          points_expiry: tier.pointsExpiry ? JSON.stringify(tier.pointsExpiry) : null,
          benefits: JSON.stringify(tier.benefits),
          updated_at: now,
        };
        const id = tier.id ?? this.deps.ids("tier");
        newIds.push(id);
        if (tier.id) await trx.updateTable("tiers").set(values).where("id", "=", tier.id).execute();
        else
          await trx
            .insertInto("tiers")
            .values({ ...values, id, program_id: programId, created_at: now })
            .execute();
      }
      const oldBottom = current.find((t) => t.rank === 0)?.id;
      const newBottom = newIds[0];
      if (input.tiers.length > 0 && oldBottom !== newBottom) {
        const l = await this.#settledLadder(trx, programId);
        if (l) {
          if (oldBottom && kept.has(oldBottom)) await this.#rebase(trx, programId, l, oldBottom, now, ctx.actor);
          if (newBottom && known.has(newBottom)) await this.#rebase(trx, programId, l, newBottom, now, ctx.actor);
        }
      }
      return this.ladder(programId, trx);
    });
  }

  /**
   * Gives the holders of a tier the review date its new place on the ladder calls for: none on the
   * bottom, one period from now above it. Unlocked holders only (a locked member gets one when
   * unlocked); in pages, each member locked and dated after their last change.
   */
  async #rebase(trx: Transaction<DB>, programId: string, l: SettledLadder, tierId: string, now: Date, actor: string) {
    const bottom = bottomOf(l.ladder)?.id === tierId;
    for (let after = ""; ; ) {
      const holders = await q.lockHolders(trx, programId, tierId, after, BATCH);
      if (holders.size === 0) break;
      const transitions: TierTransition[] = [];
      for (const [memberId, { state, lastChange }] of holders) {
        after = memberId;
        const at = changeTime(now, lastChange);
        const reviewAt = bottom ? null : reviewDateAfter(l.policy, at, l.timezone);
        if (!bottom && state.reviewAt) continue;
        if (bottom && !state.reviewAt && !state.graceUntil) continue;
        transitions.push({
          memberId,
          from: tierId,
          to: tierId,
          reason: "ladder_changed",
          metric: null,
          at,
          state: { ...state, reviewAt, graceUntil: null },
          note: null,
          review: false,
        });
      }
      await this.#write(trx, programId, transitions, l.names, actor);
    }
  }

  async #settledLadder(db: Db, programId: string): Promise<SettledLadder | null> {
    const ladder = await q.loadLadder(db, programId);
    if (!ladder) throw notFound("Program", programId);
    if (!ladder.policy || ladder.tiers.length === 0) return null;
    return {
      ladder: ladder.tiers,
      policy: ladder.policy,
      timezone: ladder.timezone,
      names: ladder.names,
      removedAt: ladder.removedAt,
    };
  }

  // -- reviews ------------------------------------------------------------------------------------

  /**
   * Applies every review due by `asOf` to these members, in order, reading the metric over each
   * decision's windows (one statement per round for all members). Returns what it decided;
   * `members` is updated in place. A review is dated when it fell due, or just after the member's
   * last change if that is as late (a change written by an event whose clock ran behind).
   */
  async #settle(db: Db, programId: string, l: SettledLadder, members: Settling, asOf: Date) {
    const transitions: TierTransition[] = [];
    for (let round = 0; round < MAX_STEPS; round++) {
      const due = [...members].flatMap(([memberId, m]) => {
        const at = decisionAt(l.ladder, l.policy, m.state, l.timezone, l.removedAt);
        return at && at <= asOf ? [{ memberId, at, windows: decisionWindows(l.policy, m.state, at, l.timezone) }] : [];
      });
      if (due.length === 0) break;
      const asked: { memberId: string; from: Date | null; to: Date }[] = [];
      const ask = (memberId: string, w: MetricWindow | null) => {
        if (!w) return undefined;
        asked.push({ memberId, ...w });
        return asked.length - 1;
      };
      const slots = due.map((d) => ({
        atReview: ask(d.memberId, d.windows.atReview) ?? 0,
        atGraceEnd: ask(d.memberId, d.windows.atGraceEnd),
        sinceReview: ask(d.memberId, d.windows.sinceReview),
      }));
      const values = await q.metricsOver(db, programId, l.policy.metric, asked);
      const value = (i: number | undefined) => (i === undefined ? undefined : (values[i] ?? 0));
      let progressed = false;
      due.forEach((d, i) => {
        const member = members.get(d.memberId);
        const slot = slots[i];
        if (!member || !slot) return;
        const metrics = {
          atReview: value(slot.atReview) ?? 0,
          ...(slot.atGraceEnd !== undefined && { atGraceEnd: value(slot.atGraceEnd) }),
          ...(slot.sinceReview !== undefined && { sinceReview: value(slot.sinceReview) }),
        };
        const decided = reviewStep(d.memberId, l.ladder, l.policy, member.state, d.at, metrics, l.timezone);
        if (!decided) return;
        const step = { ...decided, at: changeTime(decided.at, member.lastChange) };
        transitions.push(step);
        members.set(d.memberId, { state: step.state, lastChange: step.at });
        progressed = true;
      });
      if (!progressed) break;
    }
    return transitions;
  }

  /** Rows for tier_changes and outbox, one announcement per change. */
  #rows(transitions: TierTransition[], names: Map<string, string>, actor: string) {
    const ref = (id: string | null) => (id === null ? null : { id, name: names.get(id) ?? id });
    const changes: q.TierChangeRow[] = [];
    const outbox: q.OutboxRow[] = [];
    for (const t of transitions) {
      const id = this.deps.ids("tierChange");
      changes.push({
        id,
        member_id: t.memberId,
        from_tier_id: t.from,
        to_tier_id: t.to,
        reason: t.reason,
        metric: t.metric,
        tier_since: t.state.since,
        review_at: t.state.reviewAt,
        grace_until: t.state.graceUntil,
        locked: t.state.locked,
        note: t.note,
        actor: t.review ? REVIEW_ACTOR : actor,
        effective_at: t.at,
      });
      outbox.push({
        id: this.deps.ids("outbox"),
        type: TIER_CHANGED,
        subject_id: t.memberId,
        payload: {
          changeId: id,
          memberId: t.memberId,
          from: ref(t.from),
          to: ref(t.to),
          reason: t.reason,
          at: t.at.toISOString(),
          metric: t.metric,
          since: iso(t.state.since),
          reviewAt: iso(t.state.reviewAt),
          graceUntil: iso(t.state.graceUntil),
          locked: t.state.locked,
          note: t.note,
        },
      });
    }
    return { changes, outbox };
  }

  async #write(
    trx: Transaction<DB>,
    programId: string,
    transitions: TierTransition[],
    names: Map<string, string>,
    actor: string,
  ) {
    if (transitions.length === 0) return;
    const { changes, outbox } = this.#rows(transitions, names, actor);
    const states = new Map(transitions.map((t) => [t.memberId, t.state]));
    const batch = new WriteBatch();
    q.addTierWrites(batch, programId, this.deps.clock.now(), changes, outbox, states);
    await batch.run(trx);
  }

  /**
   * The jobs: applies every review due by `asOf`, each member under its row lock and re-read
   * there, so a second run (or a second process) finds nothing left to do. Returns the changes made.
   */
  async applyDueReviews(asOf: Date, programId?: string): Promise<number> {
    let total = 0;
    for (const find of [q.dueForReview, q.onRemovedTiers]) {
      for (;;) {
        const due = await find(this.deps.db, asOf, BATCH, programId);
        if (due.length === 0) break;
        let applied = 0;
        for (const member of due) applied += await this.#reviewMember(member.program_id, member.id, asOf);
        total += applied;
        // Another process reviewed these members first (or, on a removed tier, nothing is due yet).
        if (applied === 0) break;
      }
    }
    return total;
  }

  async #reviewMember(programId: string, memberId: string, asOf: Date): Promise<number> {
    return this.deps.db.transaction().execute(async (trx) => {
      const members = await q.lockTierStates(trx, programId, [memberId]);
      const l = await this.#settledLadder(trx, programId);
      if (!l || !members.has(memberId)) return 0;
      const transitions = await this.#settle(trx, programId, l, members, asOf);
      await this.#write(trx, programId, transitions, l.names, REVIEW_ACTOR);
      return transitions.length;
    });
  }

  // -- manual assignment --------------------------------------------------------------------------

  /** Gives a member a tier by hand (locked: a VIP no rule changes), or locks or unlocks the current one. */
  assign(ctx: MutationContext, programId: string, memberId: string, input: AssignTierInput) {
    return this.deps.uow.run(ctx, 200, async (trx) => {
      const now = this.deps.clock.now();
      const members = await q.lockTierStates(trx, programId, [memberId]);
      if (!members.has(memberId)) throw notFound("Member", memberId);
      const l = await this.#settledLadder(trx, programId);
      if (!l) throw new DomainError("invalid_state", "This programme has no tiers: PUT /v1/tiers first");
      const transitions = await this.#settle(trx, programId, l, members, now);
      const { state: settled, lastChange } = members.get(memberId) ?? { state: NO_TIER, lastChange: null };
      // The clock was read before the lock: after the member's last change, whatever wrote it.
      const at = changeTime(now, lastChange);
      let change: TierTransition | null;
      if (input.tierId !== undefined) {
        const tier = l.ladder.find((t) => t.id === input.tierId);
        if (!tier) throw notFound("Tier", input.tierId);
        change = assign(memberId, l.ladder, l.policy, settled, tier, input.locked ?? false, at, l.timezone, input.reason);
      } else if (input.locked) {
        const tier = effectiveTier(l.ladder, settled);
        if (!tier) throw new DomainError("invalid_state", "The member has no tier to lock");
        change = assign(memberId, l.ladder, l.policy, settled, tier, true, at, l.timezone, input.reason);
      } else {
        change = unlock(memberId, l.ladder, l.policy, settled, at, l.timezone, input.reason);
        if (!change) throw new DomainError("invalid_state", `Member ${memberId}'s tier is not locked`);
      }
      // Locking again the tier a member holds locked changes nothing, and records nothing.
      if (change) transitions.push(change);
      await this.#write(trx, programId, transitions, l.names, ctx.actor);
      return this.#status(trx, programId, memberId, at);
    });
  }

  // -- reads --------------------------------------------------------------------------------------

  /**
   * A member's tier status as of a time: the tier of record then, with the reviews that fell due
   * by then applied in memory by the same rules the jobs use, so the answer does not depend on
   * when the jobs ran.
   */
  async status(programId: string, memberId: string, asOf: Date) {
    return this.#status(this.deps.db, programId, memberId, asOf);
  }

  async #status(db: Db, programId: string, memberId: string, asOf: Date) {
    const member = await db
      .selectFrom("members")
      .select("id")
      .where("program_id", "=", programId)
      .where("id", "=", memberId)
      .executeTakeFirst();
    if (!member) throw notFound("Member", memberId);
    const l = await this.#settledLadder(db, programId);
    if (!l) throw new DomainError("not_found", "This programme has no tiers");
    const rows = await q.changesUpTo(db, programId, memberId, asOf);
    const last = rows.at(-1);
    const members: Settling = new Map([
      [
        memberId,
        {
          state: last
            ? {
                tierId: last.to_tier_id,
                since: last.tier_since,
                reviewAt: last.review_at,
                graceUntil: last.grace_until,
                locked: last.locked,
              }
            : NO_TIER,
          lastChange: last?.effective_at ?? null,
        },
      ],
    ]);
    const applied = await this.#settle(db, programId, l, members, asOf);
    const state = members.get(memberId)?.state ?? NO_TIER;
    const tier = effectiveTier(l.ladder, state);
    const window = windowAt(l.policy, asOf, l.timezone);
    const decision = decisionAt(l.ladder, l.policy, state, l.timezone, l.removedAt);
    // What keeps the tier counts over the window of the review (the one under way, or the one that
    // started the grace), extended to now.
    const keepFrom = decision && (keepWindowFrom(l.policy, state, l.timezone) ?? windowAt(l.policy, decision, l.timezone).from);
    const [metric = 0, towardKeep = 0] = await q.metricsOver(db, programId, l.policy.metric, [
      { memberId, ...window },
      ...(decision ? [{ memberId, from: keepFrom ?? null, to: asOf }] : []),
    ]);
    const progress = progressToNext(l.ladder, tier, metric);
    const ref = (id: string | null) => (id === null ? null : { id, name: l.names.get(id) ?? id });
    const history = [
      ...rows.map((r) => ({
        at: r.effective_at.toISOString(),
        reason: r.reason,
        from: ref(r.from_tier_id),
        to: ref(r.to_tier_id),
        metric: r.metric === null ? null : Number(r.metric),
        since: iso(r.tier_since),
        reviewAt: iso(r.review_at),
        graceUntil: iso(r.grace_until),
        locked: r.locked,
        note: r.note,
      })),
      ...applied.map((t) => ({
        at: t.at.toISOString(),
        reason: t.reason,
        from: ref(t.from),
        to: ref(t.to),
        metric: t.metric,
        since: iso(t.state.since),
        reviewAt: iso(t.state.reviewAt),
        graceUntil: iso(t.state.graceUntil),
        locked: t.state.locked,
        note: t.note,
      })),
    ];
    return {
      memberId,
      asOf: asOf.toISOString(),
      tier: tier && {
        id: tier.id,
        name: tier.name,
        rank: tier.rank,
        earnMultiplier: tier.earnMultiplier,
        benefits: tier.benefits,
      },
      since: iso(state.since),
      locked: state.locked,
      metric: l.policy.metric,
      window: { from: iso(window.from), to: window.to.toISOString() },
      progress: { metric, percentToNext: progress.percentToNext },
      nextTier: progress.nextTier && {
        id: progress.nextTier.id,
        name: progress.nextTier.name,
        rank: progress.nextTier.rank,
        threshold: progress.nextTier.threshold,
      },
      amountToNext: progress.amountToNext,
      amountToKeep: decision && tier ? Math.max(0, retainOf(tier) - towardKeep) : null,
      reviewAt: iso(state.reviewAt),
      graceUntil: iso(state.graceUntil),
      history,
    };
  }

  /**
   * Members' tiers as of a time, settled like the status (reviews due by then applied in memory),
   * read-only. A member with no tier of record stands on the bottom tier; null without a ladder.
   */
  async tierAt(
    db: Db,
    programId: string,
    memberIds: string[],
    asOf: Date,
  ): Promise<Map<string, { id: string; name: string; rank: number } | null>> {
    const result = new Map<string, { id: string; name: string; rank: number } | null>(memberIds.map((id) => [id, null]));
    const l = await this.#settledLadder(db, programId);
    if (!l) return result;
    const members = await q.statesAsOf(db, programId, memberIds, asOf);
    await this.#settle(db, programId, l, members, asOf);
    for (const [memberId, { state }] of members) {
      const tier = effectiveTier(l.ladder, state);
      result.set(memberId, tier && { id: tier.id, name: tier.name, rank: tier.rank });
    }
    return result;
  }

  // -- the event pipeline -------------------------------------------------------------------------

  /**
   * The tiers of a batch's members, settled as of `now`: due reviews applied, members without a
   * tier given the bottom one, and upgrades the metric already allows. One statement for the
   * states and metrics of all members (more only when reviews are due or members are in grace).
   * `stateAt`: read states from the history as of then (a dry run in the past) instead of the
   * (locked) members rows. A member not found (one a dry run would enrol) has no tier yet: the
   * bottom one, metric 0. Null when the programme has no tiers. Writes nothing: addBatchWrites() says
   * what to write.
   */
  async openBatch(
    db: Db,
    program: { id: string; timezone: string; tierPolicy: TierPolicy | null },
    memberIds: string[],
    now: Date,
    stateAt: Date | null,
  ): Promise<TierProgress | null> {
    const ids = [...new Set(memberIds)];
    if (ids.length === 0 || !program.tierPolicy) return null;
    let policy = program.tierPolicy;
    let batch = await q.loadBatchState(db, program.id, ids, windowAt(policy, now, program.timezone), policy.metric, stateAt);
    // The policy was read before the transaction; if it changed since, count again under the new one.
    const fresh = batch.ladder.policy;
    if (fresh && JSON.stringify(fresh) !== JSON.stringify(policy)) {
      policy = fresh;
      batch = await q.loadBatchState(db, program.id, ids, windowAt(policy, now, batch.ladder.timezone), policy.metric, stateAt);
    }
    const { ladder } = batch;
    if (!ladder.policy || ladder.tiers.length === 0) return null;
    const l: SettledLadder = {
      ladder: ladder.tiers,
      policy,
      timezone: ladder.timezone,
      names: ladder.names,
      removedAt: ladder.removedAt,
    };
    const found = (id: string) => batch.members.get(id) ?? { state: NO_TIER, lastChange: null, metric: 0 };
    const settling: Settling = new Map(ids.map((id) => [id, { state: found(id).state, lastChange: found(id).lastChange }]));
    const transitions = await this.#settle(db, program.id, l, settling, now);
    // Members in grace requalify on the review's window extended to now (one more statement, for them only).
    const inGrace = ids.flatMap((id) => {
      const state = settling.get(id)?.state;
      return state?.graceUntil && !state.locked
        ? [{ memberId: id, from: keepWindowFrom(l.policy, state, l.timezone), to: now }]
        : [];
    });
    const keeps = await q.metricsOver(db, program.id, l.policy.metric, inGrace);
    const keepOf = new Map(inGrace.map((w, i) => [w.memberId, { from: w.from, value: keeps[i] ?? 0 }]));
    const members = new Map<string, BatchMember>();
    for (const id of ids) {
      const { metric } = found(id);
      let { state, lastChange } = settling.get(id) ?? found(id);
      let keep = keepOf.get(id) ?? null;
      // Dated after the member's last change: the clock was read before the member's lock.
      const at = changeTime(now, lastChange);
      const enrolled = enrol(id, l.ladder, state, at);
      if (enrolled) {
        transitions.push(enrolled);
        state = enrolled.state;
      }
      const qualified = qualify(id, l.ladder, l.policy, state, metric, at, l.timezone, keep?.value ?? null);
      if (qualified) {
        transitions.push(qualified);
        state = qualified.state;
        keep = null;
      }
      members.set(id, { state, metric, keep, lastChange });
    }
    return new TierProgress(l.ladder, l.policy, l.timezone, now, members, transitions);
  }

  /**
   * What a batch's tier changes write: tier_changes and outbox rows as parts of the batch's one
   * write statement, and the members' new tier of record, as a part too unless `separate` names a
   * member whose row the statement already updates (then as its own statement, run here).
   */
  async addBatchWrites(
    trx: Transaction<DB>,
    batch: WriteBatch,
    programId: string,
    progress: TierProgress,
    actor: string,
    separate: ReadonlySet<string>,
  ): Promise<void> {
    if (progress.transitions.length === 0) return;
    const names = new Map(progress.ladder.map((t) => [t.id, t.name]));
    const { changes, outbox } = this.#rows(progress.transitions, names, actor);
    const states = progress.changedStates();
    const now = this.deps.clock.now();
    if ([...states.keys()].some((id) => separate.has(id))) {
      const own = new WriteBatch();
      q.addMemberTiers(own, programId, states);
      await own.run(trx);
      q.addTierWrites(batch, programId, now, changes, outbox, null);
      return;
    }
    q.addTierWrites(batch, programId, now, changes, outbox, states);
  }

  /**
   * For a backtest: each member's tier at any time before `until`, from the recorded history
   * (reviews the jobs have not applied yet are not seen). Null without tiers.
   */
  async timelines(db: Db, programId: string, memberIds: string[], until: Date) {
    const l = await this.#settledLadder(db, programId);
    if (!l) return null;
    const byMember = await q.timelines(db, programId, memberIds, until);
    return (memberId: string, at: Date): FactsTier | null => {
      let tierId: string | null = null;
      // Strictly before: an upgrade an event brought is dated at that event and applies after it.
      for (const change of byMember.get(memberId) ?? []) if (change.at < at) tierId = change.tierId;
      const tier = effectiveTier(l.ladder, { ...NO_TIER, tierId });
      return tier && { id: tier.id, name: tier.name, earnMultiplier: tier.earnMultiplier, pointsExpiry: tier.pointsExpiry };
    };
  }
}
