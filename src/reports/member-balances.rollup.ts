import { DateTime } from "luxon";
import type { Db } from "../db/schema.ts";
import { advanceSnapshot, buildSnapshot, snapshotAsOf } from "./member-balances.sql.ts";
import type { RollupDefinition } from "./rollups.service.ts";
import { rollupState } from "./rollups.sql.ts";

/**
 * The members' balance snapshot (report_member_balances, migration 0026): each member's available
 * points as of the rollup's watermark, so the reward report reads the members within reach of its
 * rewards without reading every spendable lot (reward-report.sql.ts `membersInReachFromSnapshot`).
 *
 * It is a state, not figures per day, so it rides on the rollup framework rather than fitting it:
 * `RollupService.tick` keeps it with the others (same lease, lock, time budget) with no hook of
 * its own. Its "days" are only a trigger: while the rollup is behind, the catch-up
 * rebuilds call `rebuild`, and at every later tick `changedDays` names the last rolled-up day so
 * `rebuild` runs again. `rebuild` ignores the days: it brings the snapshot to the watermark stored
 * at that moment (the one the tick set, or for a tick's changed days the previous tick's), from
 * scratch the first time, then by rewriting only the members whose balance changed in between
 * (member-balances.sql.ts `advanceSnapshot`). A read recomputes live the members changed since the
 * snapshot's instant, so it is exact however far behind the snapshot is.
 *
 * Balances are instants, not programme days, so a time zone change keeps them: `tables` is empty
 * (nothing to clear; the restarted catch-up only brings the snapshot forward), which also keeps
 * it out of `verify`'s day-by-day rebuild (its test compares it with the live query instead).
 */
export const MEMBER_BALANCES_ROLLUP = "member_balances";

const dayBefore = (day: string) => DateTime.fromISO(day, { zone: "UTC" }).minus({ days: 1 }).toISODate() ?? day;

/** At a tick (until given), the last rolled-up day: the trigger that brings the snapshot forward. Nothing for a read. */
async function changedDays(db: Db, programId: string, _timezone: string, _since: Date, until: Date | null): Promise<string[]> {
  if (until === null) return [];
  const state = await rollupState(db, programId, MEMBER_BALANCES_ROLLUP);
  return state ? [dayBefore(state.rolled_through)] : [];
}

/** Brings the snapshot to the rollup's stored watermark (the days given are only the trigger). */
async function rebuild(tx: Db, programId: string): Promise<void> {
  const target = (await rollupState(tx, programId, MEMBER_BALANCES_ROLLUP))?.watermark;
  if (!target) return;
  const to = new Date(target);
  const asOf = await snapshotAsOf(tx, programId);
  if (!asOf) await buildSnapshot(tx, programId, to);
  else if (asOf < to) await advanceSnapshot(tx, programId, asOf, to);
}

export const MEMBER_BALANCES: RollupDefinition = {
  name: MEMBER_BALANCES_ROLLUP,
  changedDays,
  rebuild,
  tables: [],
};
