import type { Transaction } from "kysely";
import type { DB, Db, TierPolicy } from "../db/schema.ts";
import { WriteBatch } from "../db/write-batch.ts";
import type { ServiceDeps } from "../shared/service-deps.ts";
import { type BatchMember, type HeldFrom, TierProgress } from "./batch.rules.ts";
import { NO_TIER } from "./ladder.rules.ts";
import { enrol, qualify } from "./qualification.rules.ts";
import { changeRows } from "./tiers.changes.ts";
import { type SettledLadder, type Settling, settleDueReviews } from "./tiers.settling.ts";
import * as q from "./tiers.sql.ts";
import * as w from "./tiers-writes.sql.ts";
import { changeTime } from "./transitions.rules.ts";
import { keepWindowFrom, windowAt } from "./windows.rules.ts";

/** Before any recorded change. */
const EVER = new Date(-8.64e15);

/**
 * The tiers of a batch's members, settled as of `now`: due reviews applied, members without a
 * tier given the bottom one, and upgrades the metric already allows. One statement for the
 * states and metrics of all members (more only when reviews are due or members are in grace).
 * `stateAt`: read states from the history as of then (a dry run in the past) instead of the
 * (locked) members rows. A member not found (one a dry run would enrol) has no tier yet: the
 * bottom one, metric 0. Null when the programme has no tiers. Writes nothing: addBatchWrites() says
 * what to write. `occurred`: when each member's earliest event of the batch occurred; members with
 * one before their last recorded change (posted late) get their tier history read too, so each
 * event earns in the tier held when it occurred (TierProgress.factsTierAt).
 */
export async function openTierBatch(
  db: Db,
  program: { id: string; timezone: string; tierPolicy: TierPolicy | null },
  memberIds: string[],
  now: Date,
  stateAt: Date | null,
  occurred: Map<string, Date> = new Map(),
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
  const transitions = await settleDueReviews(db, program.id, l, settling, now);
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
  const late = ids.filter((id) => {
    const last = found(id).lastChange;
    const first = occurred.get(id);
    return last !== null && first !== undefined && first < last;
  });
  const history = await q.tierHistory(db, program.id, late, stateAt);
  // Each member's tier before the batch: their history if an event came late, else the recorded
  // tier from its last change on (never after now, as changes made now are dated).
  const past = new Map(
    ids.map((id): [string, HeldFrom[]] => {
      const { state, lastChange } = found(id);
      const from = lastChange === null ? EVER : lastChange > now ? now : lastChange;
      return [id, history.get(id) ?? [{ from, tierId: state.tierId }]];
    }),
  );
  return new TierProgress(l.ladder, l.policy, l.timezone, now, members, transitions, past);
}

/**
 * What a batch's tier changes write: tier_changes and outbox rows as parts of the batch's one
 * write statement, and the members' new tier of record, as a part too unless `separate` names a
 * member whose row the statement already updates (then as its own statement, run here).
 */
export async function addTierBatchWrites(
  trx: Transaction<DB>,
  deps: Pick<ServiceDeps, "ids" | "clock">,
  batch: WriteBatch,
  programId: string,
  progress: TierProgress,
  actor: string,
  separate: ReadonlySet<string>,
): Promise<void> {
  if (progress.transitions.length === 0) return;
  const names = new Map(progress.ladder.map((t) => [t.id, t.name]));
  const { changes, outbox } = changeRows(deps.ids, progress.transitions, names, actor);
  const states = progress.changedStates();
  const now = deps.clock.now();
  if ([...states.keys()].some((id) => separate.has(id))) {
    const own = new WriteBatch();
    w.addMemberTiers(own, programId, states);
    await own.run(trx);
    w.addTierWrites(batch, programId, now, changes, outbox, null);
    return;
  }
  w.addTierWrites(batch, programId, now, changes, outbox, states);
}
