import type { Kysely, Transaction } from "kysely";
import type { DB, TierPolicy } from "../db/schema.ts";
import type { MutationContext, UnitOfWork } from "../idempotency/idempotency.service.ts";
import type { Clock } from "../shared/clock.ts";
import { DomainError, notFound } from "../shared/errors.ts";
import type { IdGenerator } from "../shared/ids.ts";
import {
  assign,
  effectiveTier,
  enrol,
  type FactsTier,
  type LadderTier,
  NO_TIER,
  nextDecision,
  progressToNext,
  qualify,
  retainOf,
  reviewStep,
  TIER_CHANGED,
  TierProgress,
  type TierState,
  type TierTransition,
  unlock,
  windowAt,
} from "./tiers.rules.ts";
import type { AssignTierInput, PutTiersInput } from "./tiers.schemas.ts";
import * as q from "./tiers.sql.ts";

type Db = Kysely<DB> | Transaction<DB>;

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
}

/**
 * Tiers: the ladder and its policy, members' tier state and history, and every change to it, each
 * written with its outbox announcement in the transaction that decides it. The rules are pure
 * (tiers.rules.ts); this reads the metrics they need and writes what they decide.
 */
export class TiersService {
  constructor(
    private readonly deps: {
      db: Kysely<DB>;
      clock: Clock;
      ids: IdGenerator;
      uow: UnitOfWork;
    },
  ) {}

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
   */
  replaceLadder(ctx: MutationContext, programId: string, input: PutTiersInput) {
    return this.deps.uow.run(ctx, 200, async (trx) => {
      const now = this.deps.clock.now();
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
        if (tier.id) await trx.updateTable("tiers").set(values).where("id", "=", tier.id).execute();
        else
          await trx
            .insertInto("tiers")
            .values({ ...values, id: this.deps.ids("tier"), program_id: programId, created_at: now })
            .execute();
      }
      return this.ladder(programId, trx);
    });
  }

  async #settledLadder(db: Db, programId: string): Promise<SettledLadder | null> {
    const ladder = await q.loadLadder(db, programId);
    if (!ladder) throw notFound("Program", programId);
    if (!ladder.policy || ladder.tiers.length === 0) return null;
    return { ladder: ladder.tiers, policy: ladder.policy, timezone: ladder.timezone, names: ladder.names };
  }

  // -- reviews ------------------------------------------------------------------------------------

  /**
   * Applies every review due by `asOf` to these states, in order, reading the metric at each
   * decision time (one statement per round for all members). Returns what it decided; `states` is
   * updated in place.
   */
  async #settle(db: Db, programId: string, l: SettledLadder, states: Map<string, TierState>, asOf: Date) {
    const transitions: TierTransition[] = [];
    for (let round = 0; round < MAX_STEPS; round++) {
      const due = [...states].flatMap(([memberId, state]) => {
        const at = nextDecision(state);
        return at && at <= asOf ? [{ memberId, at }] : [];
      });
      if (due.length === 0) break;
      const metrics = await q.metricsOver(
        db,
        programId,
        l.policy.metric,
        due.map((d) => ({ memberId: d.memberId, ...windowAt(l.policy, d.at, l.timezone) })),
      );
      let progressed = false;
      due.forEach((d, i) => {
        const state = states.get(d.memberId);
        const step = state && reviewStep(d.memberId, l.ladder, l.policy, state, metrics[i] ?? 0, l.timezone);
        if (!step) return;
        transitions.push(step);
        states.set(d.memberId, step.state);
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
    await q.runParts(trx, q.tierWriteParts(programId, this.deps.clock.now(), changes, outbox, states));
  }

  /**
   * The jobs: applies every review due by `asOf`, each member under its row lock and re-read
   * there, so a second run (or a second process) finds nothing left to do. Returns the changes made.
   */
  async applyDueReviews(asOf: Date, programId?: string): Promise<number> {
    let total = 0;
    for (;;) {
      const due = await q.dueForReview(this.deps.db, asOf, BATCH, programId);
      if (due.length === 0) break;
      let applied = 0;
      for (const member of due) applied += await this.#reviewMember(member.program_id, member.id, asOf);
      total += applied;
      // Another process reviewed these members first.
      if (applied === 0) break;
    }
    return total;
  }

  async #reviewMember(programId: string, memberId: string, asOf: Date): Promise<number> {
    return this.deps.db.transaction().execute(async (trx) => {
      const states = await q.lockTierStates(trx, programId, [memberId]);
      const l = await this.#settledLadder(trx, programId);
      if (!l || !states.has(memberId)) return 0;
      const transitions = await this.#settle(trx, programId, l, states, asOf);
      await this.#write(trx, programId, transitions, l.names, REVIEW_ACTOR);
      return transitions.length;
    });
  }

  // -- manual assignment --------------------------------------------------------------------------

  /** Gives a member a tier by hand (locked: a VIP no rule changes), or locks or unlocks the current one. */
  assign(ctx: MutationContext, programId: string, memberId: string, input: AssignTierInput) {
    return this.deps.uow.run(ctx, 200, async (trx) => {
      const now = this.deps.clock.now();
      const states = await q.lockTierStates(trx, programId, [memberId]);
      const state = states.get(memberId);
      if (!state) throw notFound("Member", memberId);
      const l = await this.#settledLadder(trx, programId);
      if (!l) throw new DomainError("invalid_state", "This programme has no tiers: PUT /v1/tiers first");
      const transitions = await this.#settle(trx, programId, l, states, now);
      const settled = states.get(memberId) ?? state;
      let change: TierTransition | null;
      if (input.tierId !== undefined) {
        const tier = l.ladder.find((t) => t.id === input.tierId);
        if (!tier) throw notFound("Tier", input.tierId);
        change = assign(memberId, l.ladder, l.policy, settled, tier, input.locked ?? false, now, l.timezone, input.reason);
      } else if (input.locked) {
        const tier = effectiveTier(l.ladder, settled);
        if (!tier) throw new DomainError("invalid_state", "The member has no tier to lock");
        change = assign(memberId, l.ladder, l.policy, settled, tier, true, now, l.timezone, input.reason);
      } else {
        change = unlock(memberId, l.ladder, l.policy, settled, now, l.timezone, input.reason);
        if (!change) throw new DomainError("invalid_state", `Member ${memberId}'s tier is not locked`);
      }
      transitions.push(change);
      await this.#write(trx, programId, transitions, l.names, ctx.actor);
      return this.#status(trx, programId, memberId, now);
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
    const states = new Map<string, TierState>([
      [
        memberId,
        last
          ? {
              tierId: last.to_tier_id,
              since: last.tier_since,
              reviewAt: last.review_at,
              graceUntil: last.grace_until,
              locked: last.locked,
            }
          : NO_TIER,
      ],
    ]);
    const applied = await this.#settle(db, programId, l, states, asOf);
    const state = states.get(memberId) ?? NO_TIER;
    const tier = effectiveTier(l.ladder, state);
    const window = windowAt(l.policy, asOf, l.timezone);
    const decision = nextDecision(state);
    const [metric = 0, towardKeep = 0] = await q.metricsOver(db, programId, l.policy.metric, [
      { memberId, ...window },
      ...(decision ? [{ memberId, from: windowAt(l.policy, decision, l.timezone).from, to: asOf }] : []),
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
    db: Kysely<DB> | Transaction<DB>,
    programId: string,
    memberIds: string[],
    asOf: Date,
  ): Promise<Map<string, { id: string; name: string; rank: number } | null>> {
    const result = new Map<string, { id: string; name: string; rank: number } | null>(memberIds.map((id) => [id, null]));
    const l = await this.#settledLadder(db, programId);
    if (!l) return result;
    const states = await q.statesAsOf(db, programId, memberIds, asOf);
    await this.#settle(db, programId, l, states, asOf);
    for (const [memberId, state] of states) {
      const tier = effectiveTier(l.ladder, state);
      result.set(memberId, tier && { id: tier.id, name: tier.name, rank: tier.rank });
    }
    return result;
  }

  // -- the event pipeline -------------------------------------------------------------------------

  /**
   * The tiers of a batch's members, settled as of `now`: due reviews applied, members without a
   * tier given the bottom one, and upgrades the metric already allows. One statement for the
   * states and metrics of all members (more only when reviews are due). `stateAt`: read states
   * from the history as of then (a dry run in the past) instead of the (locked) members rows.
   * Null when the programme has no tiers. Writes nothing: batchWrites() says what to write.
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
    const l: SettledLadder = { ladder: ladder.tiers, policy, timezone: ladder.timezone, names: ladder.names };
    const states = new Map([...batch.members].map(([id, m]) => [id, m.state]));
    const transitions = await this.#settle(db, program.id, l, states, now);
    const members = new Map<string, { state: TierState; metric: number }>();
    for (const [id, m] of batch.members) {
      let state = states.get(id) ?? m.state;
      const enrolled = enrol(id, l.ladder, state, now);
      if (enrolled) {
        transitions.push(enrolled);
        state = enrolled.state;
      }
      const qualified = qualify(id, l.ladder, l.policy, state, m.metric, now, l.timezone);
      if (qualified) {
        transitions.push(qualified);
        state = qualified.state;
      }
      members.set(id, { state, metric: m.metric });
    }
    return new TierProgress(l.ladder, l.policy, l.timezone, now, members, transitions);
  }

  /**
   * What a batch's tier changes write: tier_changes and outbox rows as parts of the batch's one
   * write statement, and the members' new tier of record, as a part too unless `separate` names a
   * member whose row the statement already updates (then as its own statement, run here).
   */
  async batchWrites(
    trx: Transaction<DB>,
    programId: string,
    progress: TierProgress,
    actor: string,
    separate: ReadonlySet<string>,
  ) {
    if (progress.transitions.length === 0) return [];
    const names = new Map(progress.ladder.map((t) => [t.id, t.name]));
    const { changes, outbox } = this.#rows(progress.transitions, names, actor);
    const states = progress.changedStates();
    const now = this.deps.clock.now();
    if ([...states.keys()].some((id) => separate.has(id))) {
      await q.runParts(trx, [q.memberTierPart(programId, states)]);
      return q.tierWriteParts(programId, now, changes, outbox, null);
    }
    return q.tierWriteParts(programId, now, changes, outbox, states);
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
