import type { Insertable, Kysely, Transaction, Updateable } from "kysely";
import type { DB, RedemptionRow, RedemptionsTable, RewardRow, VoucherRow, VouchersTable } from "../db/schema.ts";

// The redemption and voucher writes of src/rewards/redemptions.service.ts; the reads it shares with
// the reward catalogue are in rewards.sql.ts. A Transaction is a Kysely too: reads take either.

export const insertRedemption = (trx: Transaction<DB>, row: Insertable<RedemptionsTable>): Promise<RedemptionRow> =>
  trx.insertInto("redemptions").values(row).returningAll().executeTakeFirstOrThrow();

export const updateRedemption = (trx: Transaction<DB>, id: string, set: Updateable<RedemptionsTable>): Promise<RedemptionRow> =>
  trx.updateTable("redemptions").set(set).where("id", "=", id).returningAll().executeTakeFirstOrThrow();

/** Issues vouchers of codes taken from a pool (already assigned to this redemption). */
export const insertVouchers = (trx: Transaction<DB>, rows: Insertable<VouchersTable>[]): Promise<VoucherRow[]> =>
  trx.insertInto("vouchers").values(rows).returningAll().execute();

/** Issues vouchers of drawn codes; a code or match key the programme already has is skipped (not returned). */
export const insertNewVouchers = (trx: Transaction<DB>, rows: Insertable<VouchersTable>[]): Promise<VoucherRow[]> =>
  trx
    .insertInto("vouchers")
    .values(rows)
    .onConflict((oc) => oc.doNothing())
    .returningAll()
    .execute();

export const lockVouchersOf = (trx: Transaction<DB>, redemptionId: string): Promise<VoucherRow[]> =>
  trx.selectFrom("vouchers").selectAll().where("redemption_id", "=", redemptionId).forUpdate().execute();

export async function cancelVouchersOf(trx: Transaction<DB>, redemptionId: string): Promise<void> {
  await trx.updateTable("vouchers").set({ status: "cancelled" }).where("redemption_id", "=", redemptionId).execute();
}

/**
 * Marks an issued, unexpired voucher used and returns it; undefined if it is not (used, expired,
 * cancelled, unknown). The conditional update is the check: of two checkouts at once, the second
 * finds it used.
 */
export const markVoucherUsed = (
  trx: Transaction<DB>,
  programId: string,
  code: string,
  use: { now: Date; orderId: string | null; storeId: string | null; actor: string },
): Promise<VoucherRow | undefined> =>
  trx
    .updateTable("vouchers")
    .set({ status: "used", used_at: use.now, used_order_id: use.orderId, used_store_id: use.storeId, used_by: use.actor })
    .where("program_id", "=", programId)
    .where("code", "=", code)
    .where("status", "=", "issued")
    .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", use.now)]))
    .returningAll()
    .executeTakeFirst();

/** A member's latest vouchers, newest first. */
export const memberVouchers = (db: Kysely<DB>, memberId: string, limit: number): Promise<VoucherRow[]> =>
  db.selectFrom("vouchers").selectAll().where("member_id", "=", memberId).orderBy("created_at", "desc").limit(limit).execute();

export async function rewardsById(db: Kysely<DB>, rewardIds: string[]): Promise<RewardRow[]> {
  if (rewardIds.length === 0) return [];
  return db.selectFrom("rewards").selectAll().where("id", "in", rewardIds).execute();
}

/** Gives a reservation's pool codes back to the pool. */
export async function releaseCodes(trx: Transaction<DB>, programId: string, codes: string[]): Promise<void> {
  await trx
    .updateTable("reward_codes")
    .set({ assigned: false })
    .where("program_id", "=", programId)
    .where("code", "in", codes)
    .execute();
}
