import type { Transaction } from "kysely";
import type { DB, Db, TierPolicy } from "../db/schema.ts";
import type { WriteBatch } from "../db/write-batch.ts";
import type { MutationContext } from "../idempotency/idempotency.service.ts";
import { DomainError, notFound } from "../shared/errors.ts";
import type { ServiceDeps } from "../shared/service-deps.ts";
import { assign, unlock } from "./assignment.rules.ts";
import type { FactsTier, TierProgress } from "./batch.rules.ts";
import { effectiveTier, NO_TIER } from "./ladder.rules.ts";
import { addTierBatchWrites, openTierBatch } from "./tiers.batch.ts";
import { REVIEW_ACTOR, writeChanges } from "./tiers.changes.ts";
import { writeLadder } from "./tiers.ladder-change.ts";
import type { AssignTierInput, PutTiersInput } from "./tiers.schemas.ts";
import { settleDueReviews, settledLadder } from "./tiers.settling.ts";
import * as q from "./tiers.sql.ts";
import { tierStatus } from "./tiers.status.ts";
import { tierView } from "./tiers.views.ts";
import { changeTime, type TierTransition } from "./transitions.rules.ts";

/** Members due for review read per page. */
const REVIEWS_PAGE = 200;

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
   * Replaces the ladder (writeLadder, tiers.ladder-change.ts: tiers updated, created, removed, and
   * the holders of a new or former bottom rebased), with the ladder before in the audit log.
   */
  replaceLadder(ctx: MutationContext, programId: string, input: PutTiersInput) {
    return this.deps.uow.run(ctx, 200, async (trx) => {
      const now = this.deps.clock.now();
      // The ladder before, for the audit log (read just before writeLadder takes the ladder lock).
      ctx.audit = { before: await this.ladder(programId, trx) };
      await writeLadder(trx, this.deps, programId, input, now, ctx.actor);
      return this.ladder(programId, trx);
    });
  }

  /**
   * The jobs: applies every review due by `asOf`, each member under its row lock and re-read
   * there, so a second run (or a second process) finds nothing left to do. Returns the changes made.
   */
  async applyDueReviews(asOf: Date, programId?: string): Promise<number> {
    let total = 0;
    for (const find of [q.dueForReview, q.onRemovedTiers]) {
      for (;;) {
        const due = await find(this.deps.db, asOf, REVIEWS_PAGE, programId);
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
      const l = await settledLadder(trx, programId);
      if (!l || !members.has(memberId)) return 0;
      const transitions = await settleDueReviews(trx, programId, l, members, asOf);
      await writeChanges(trx, this.deps, programId, transitions, l.names, REVIEW_ACTOR);
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
      const l = await settledLadder(trx, programId);
      if (!l) throw new DomainError("invalid_state", "This programme has no tiers: PUT /v1/tiers first");
      const transitions = await settleDueReviews(trx, programId, l, members, now);
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
      await writeChanges(trx, this.deps, programId, transitions, l.names, ctx.actor);
      return tierStatus(trx, programId, memberId, at);
    });
  }

  // -- reads --------------------------------------------------------------------------------------

  /**
   * A member's tier status as of a time: the tier of record then, with the reviews that fell due
   * by then applied in memory by the same rules the jobs use, so the answer does not depend on
   * when the jobs ran.
   */
  async status(programId: string, memberId: string, asOf: Date) {
    return tierStatus(this.deps.db, programId, memberId, asOf);
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
    const l = await settledLadder(db, programId);
    if (!l) return result;
    const members = await q.statesAsOf(db, programId, memberIds, asOf);
    await settleDueReviews(db, programId, l, members, asOf);
    for (const [memberId, { state }] of members) {
      const tier = effectiveTier(l.ladder, state);
      result.set(memberId, tier && { id: tier.id, name: tier.name, rank: tier.rank });
    }
    return result;
  }

  // -- the event pipeline -------------------------------------------------------------------------

  /** The tiers of a batch's members, settled as of `now` (see openTierBatch in tiers.batch.ts). */
  async openBatch(
    db: Db,
    program: { id: string; timezone: string; tierPolicy: TierPolicy | null },
    memberIds: string[],
    now: Date,
    stateAt: Date | null,
    occurred?: Map<string, Date>,
  ): Promise<TierProgress | null> {
    return openTierBatch(db, program, memberIds, now, stateAt, occurred);
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
    return addTierBatchWrites(trx, this.deps, batch, programId, progress, actor, separate);
  }

  /**
   * For a backtest: each member's tier at any time before `until`, from the recorded history
   * (reviews the jobs have not applied yet are not seen). Null without tiers.
   */
  async timelines(db: Db, programId: string, memberIds: string[], until: Date) {
    const l = await settledLadder(db, programId);
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
