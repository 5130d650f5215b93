/** The ladder's own writes: the programme's tier policy and its tiers. */
import type { Insertable, Transaction } from "kysely";
import type { DB, TiersTable } from "../db/schema.ts";

/** A tier's fields a ladder change writes (its id, programme and creation time aside). */
export type TierValues = Omit<Insertable<TiersTable>, "id" | "program_id" | "created_at">;

/** Sets (or with `null` clears) the programme's tier policy; undefined if there is no such programme. */
export const setTierPolicy = (trx: Transaction<DB>, programId: string, policy: string | null) =>
  trx
    .updateTable("programs")
    .set({ tier_policy: policy })
    .where("id", "=", programId)
    .returning(["id", "currency"])
    .executeTakeFirst();

/** The programme's tiers not removed. */
export const currentTiers = (trx: Transaction<DB>, programId: string) =>
  trx.selectFrom("tiers").selectAll().where("program_id", "=", programId).where("removed_at", "is", null).execute();

/** Marks tiers removed (kept for history, off the ladder). */
export async function removeTiers(trx: Transaction<DB>, tierIds: string[], now: Date) {
  await trx.updateTable("tiers").set({ removed_at: now, rank: null, updated_at: now }).where("id", "in", tierIds).execute();
}

export async function updateTier(trx: Transaction<DB>, id: string, values: TierValues) {
  await trx.updateTable("tiers").set(values).where("id", "=", id).execute();
}

export async function insertTier(trx: Transaction<DB>, programId: string, id: string, values: TierValues, now: Date) {
  await trx
    .insertInto("tiers")
    .values({ ...values, id, program_id: programId, created_at: now })
    .execute();
}
