import type { Db } from "../db/schema.ts";
import { advanceSnapshot, buildSnapshot, snapshotAsOf, snapshotDifferences } from "./member-balances.sql.ts";
import type { SnapshotDefinition } from "./rollups.service.ts";

/**
 * The members' balance snapshot (report_member_balances, migration 0026): each member's available
 * points as of an instant, so the reward report reads the members within reach of its rewards
 * without reading every spendable lot (reward-report.sql.ts `membersInReachFromSnapshot`). The
 * jobs bring it to each tick's watermark (`RollupService` snapshots: same lease, lock and time
 * budget as the rollups), from scratch the first time, then by rewriting only the members whose
 * balance changed in between (member-balances.sql.ts `advanceSnapshot`). A read recomputes live the
 * members changed since the snapshot's instant, so it is exact however far behind the snapshot is.
 * Balances are instants, not programme days: a time zone change keeps them.
 */
export const MEMBER_BALANCES: SnapshotDefinition = {
  name: "member_balances",
  async advance(tx: Db, programId: string, to: Date): Promise<void> {
    const asOf = await snapshotAsOf(tx, programId);
    if (!asOf) await buildSnapshot(tx, programId, to);
    else if (asOf < to) await advanceSnapshot(tx, programId, asOf, to);
  },
  description:
    "Each member's available points in the balance snapshot are their available points now, for every member whose balance cannot have changed since the snapshot's instant (the reward report recomputes the others)",
  verify: snapshotDifferences,
};
