import { type Insertable, sql, type Transaction, type Updateable } from "kysely";
import type { DB, Db, RedemptionRow, RewardRow, RewardsTable, VoucherRow } from "../db/schema.ts";

export async function findReward(db: Db, programId: string, rewardId: string): Promise<RewardRow | undefined> {
  return db.selectFrom("rewards").selectAll().where("program_id", "=", programId).where("id", "=", rewardId).executeTakeFirst();
}

/**
 * Reads a reward for a redemption change, keeping it as read until commit: FOR KEY SHARE lets
 * redemptions run side by side (and still take stock), but makes a change to the reward itself
 * (which takes FOR UPDATE) wait for them, so a stock set or lifted meanwhile counts them right.
 */
export async function readRewardForRedemption(trx: Transaction<DB>, programId: string, rewardId: string) {
  return trx
    .selectFrom("rewards")
    .selectAll()
    .where("program_id", "=", programId)
    .where("id", "=", rewardId)
    .forKeyShare()
    .executeTakeFirst();
}

export async function listRewards(
  db: Db,
  programId: string,
  filter: { status?: RewardRow["status"]; type?: RewardRow["type"]; limit: number; cursor?: string },
): Promise<RewardRow[]> {
  let query = db.selectFrom("rewards").selectAll().where("program_id", "=", programId);
  if (filter.status) query = query.where("status", "=", filter.status);
  if (filter.type) query = query.where("type", "=", filter.type);
  if (filter.cursor) query = query.where("id", "<", filter.cursor);
  return query
    .orderBy("id", "desc")
    .limit(filter.limit + 1)
    .execute();
}

export async function activeRewards(db: Db, programId: string): Promise<RewardRow[]> {
  return db
    .selectFrom("rewards")
    .selectAll()
    .where("program_id", "=", programId)
    .where("status", "=", "active")
    .orderBy("cost_points")
    .orderBy("id")
    .execute();
}

/** Unassigned pool codes per reward. */
export async function codesAvailable(db: Db, rewardIds: string[]): Promise<Map<string, number>> {
  if (rewardIds.length === 0) return new Map();
  const rows = await db
    .selectFrom("reward_codes")
    .select(["reward_id", sql<number>`count(*)::int`.as("n")])
    .where("reward_id", "in", rewardIds)
    .where("assigned", "=", false)
    .groupBy("reward_id")
    .execute();
  return new Map(rows.map((r) => [r.reward_id, Number(r.n)]));
}

export interface TierRef {
  id: string;
  name: string;
  rank: number;
}

export async function tiersById(db: Db, programId: string): Promise<Map<string, TierRef>> {
  const rows = await db
    .selectFrom("tiers")
    .select(["id", "name", "rank"])
    .where("program_id", "=", programId)
    .where("rank", "is not", null)
    .execute();
  return new Map(rows.map((t) => [t.id, { id: t.id, name: t.name, rank: Number(t.rank) }]));
}

/** The member row, locked for the rest of the transaction (the lock every redemption change takes first). */
export async function lockMember(trx: Transaction<DB>, programId: string, memberId: string) {
  return trx
    .selectFrom("members")
    .select(["id", "status", "attributes", "tier_id"])
    .where("program_id", "=", programId)
    .where("id", "=", memberId)
    .forUpdate()
    .executeTakeFirst();
}

export async function memberAttributes(db: Db, memberId: string): Promise<Record<string, unknown>> {
  const row = await db.selectFrom("members").select("attributes").where("id", "=", memberId).executeTakeFirst();
  return row?.attributes ?? {};
}

export async function findMember(db: Db, programId: string, memberId: string) {
  return db
    .selectFrom("members")
    .select(["id", "status", "attributes", "tier_id"])
    .where("program_id", "=", programId)
    .where("id", "=", memberId)
    .executeTakeFirst();
}

/** Units of each reward the member holds: completed, and reservations still in force at `at`. */
export async function memberUsage(db: Db, memberId: string, at: Date) {
  return db
    .selectFrom("redemptions")
    .select(["reward_id", "quantity", "created_at"])
    .where("member_id", "=", memberId)
    .where((eb) =>
      eb.or([eb("status", "=", "completed"), eb.and([eb("status", "=", "reserved"), eb("reserved_until", ">", at)])]),
    )
    .execute();
}

/** Takes units from stock; false if not enough are left (the row lock serializes concurrent takers). */
export async function takeStock(trx: Transaction<DB>, rewardId: string, quantity: number): Promise<boolean> {
  const row = await trx
    .updateTable("rewards")
    .set({ stock_remaining: sql`stock_remaining - ${quantity}` })
    .where("id", "=", rewardId)
    .where("stock_remaining", ">=", quantity)
    .returning("stock_remaining")
    .executeTakeFirst();
  return row !== undefined;
}

export async function returnStock(trx: Transaction<DB>, rewardId: string, quantity: number): Promise<void> {
  await trx
    .updateTable("rewards")
    .set({ stock_remaining: sql`stock_remaining + ${quantity}` })
    .where("id", "=", rewardId)
    .where("stock_remaining", "is not", null)
    .execute();
}

/** Hands out pool codes; fewer than asked if the pool runs dry. Skips codes another redemption is taking. */
export async function takeCodes(trx: Transaction<DB>, rewardId: string, quantity: number): Promise<string[]> {
  const rows = await sql<{ code: string }>`update reward_codes set assigned = true
    where (program_id, code) in (select program_id, code from reward_codes where reward_id = ${rewardId} and not assigned
      order by created_at, code limit ${quantity} for update skip locked)
    returning code`.execute(trx);
  return rows.rows.map((r) => r.code);
}

export async function findRedemption(db: Db, programId: string, id: string): Promise<RedemptionRow | undefined> {
  return db.selectFrom("redemptions").selectAll().where("program_id", "=", programId).where("id", "=", id).executeTakeFirst();
}

export async function vouchersOf(db: Db, redemptionIds: string[]): Promise<VoucherRow[]> {
  if (redemptionIds.length === 0) return [];
  return db.selectFrom("vouchers").selectAll().where("redemption_id", "in", redemptionIds).orderBy("code").execute();
}

/**
 * The voucher a typed code names: by its match key, or by its exact stored spelling, which wins
 * (only codes that collided before keys existed, see migration 0010, are found by spelling alone).
 */
export async function findVoucher(
  db: Db,
  programId: string,
  typed: { code: string; key: string },
): Promise<VoucherRow | undefined> {
  const rows = await db
    .selectFrom("vouchers")
    .selectAll()
    .where("program_id", "=", programId)
    .where((eb) => eb.or([eb("code_key", "=", typed.key), eb("code", "=", typed.code)]))
    .limit(2)
    .execute();
  return rows.find((v) => v.code === typed.code) ?? rows[0];
}

export async function listMemberRedemptions(db: Db, memberId: string, limit: number, cursor?: string) {
  let query = db.selectFrom("redemptions").selectAll().where("member_id", "=", memberId);
  if (cursor) query = query.where("id", "<", cursor);
  return query
    .orderBy("id", "desc")
    .limit(limit + 1)
    .execute();
}

/**
 * Locks a reward's row for its stock, codes or reservations (after the member's lock). FOR NO KEY
 * UPDATE, like the stock update itself: it queues redemptions of the reward one by one but does
 * not conflict with the FOR KEY SHARE each of them holds on the row (a FOR UPDATE here would
 * deadlock two of them), while a change to the reward (FOR UPDATE) still waits for them all.
 */
export async function lockReward(trx: Transaction<DB>, rewardId: string): Promise<void> {
  await trx.selectFrom("rewards").select("id").where("id", "=", rewardId).forNoKeyUpdate().execute();
}

/**
 * Marks a reward's reservations that ran out as expired and returns them, so their units can go
 * back before stock is taken: a lapsed reservation never blocks another member, whenever the jobs
 * run. Their holds are released by the ledger's own settling, when each member is next touched.
 */
export async function expireLapsed(trx: Transaction<DB>, rewardId: string, now: Date) {
  return trx
    .updateTable("redemptions")
    .set((eb) => ({ status: "expired", cancelled_at: eb.ref("reserved_until"), cancel_reason: "Reservation timed out" }))
    .where("reward_id", "=", rewardId)
    .where("status", "=", "reserved")
    .where("reserved_until", "<=", now)
    .returning(["id", "quantity", "reserved_codes"])
    .execute();
}

/** Units held by reservations that ran out but are not yet marked expired, per reward. */
export async function lapsedUnits(db: Db, rewardIds: string[], now: Date): Promise<Map<string, number>> {
  if (rewardIds.length === 0) return new Map();
  const rows = await db
    .selectFrom("redemptions")
    .select(["reward_id", sql<number>`sum(quantity)::int`.as("n")])
    .where("reward_id", "in", rewardIds)
    .where("status", "=", "reserved")
    .where("reserved_until", "<=", now)
    .groupBy("reward_id")
    .execute();
  return new Map(rows.map((r) => [r.reward_id, Number(r.n)]));
}

/** Reservations past their time, oldest first. */
export async function lapsedReservations(db: Db, asOf: Date, limit: number, programId?: string) {
  let query = db
    .selectFrom("redemptions")
    .select(["id", "program_id", "member_id"])
    .where("status", "=", "reserved")
    .where("reserved_until", "<=", asOf);
  if (programId) query = query.where("program_id", "=", programId);
  return query.orderBy("reserved_until").limit(limit).execute();
}

/** Redemptions per reward since `since` by members in the same tier (all members if tier is null). */
export async function popularity(db: Db, programId: string, tierId: string | null, since: Date): Promise<Map<string, number>> {
  let query = db
    .selectFrom("redemptions as r")
    .innerJoin("members as m", "m.id", "r.member_id")
    .select(["r.reward_id", sql<number>`sum(r.quantity)::int`.as("n")])
    .where("r.program_id", "=", programId)
    .where("r.status", "=", "completed")
    .where("r.created_at", ">=", since);
  if (tierId) query = query.where("m.tier_id", "=", tierId);
  const rows = await query.groupBy("r.reward_id").execute();
  return new Map(rows.map((r) => [r.reward_id, Number(r.n)]));
}

/** The member's purchase spend since `since` per item category and per sku, from event items. */
export async function purchaseMix(db: Db, memberId: string, since: Date) {
  const result = await sql<{ category: string | null; sku: string | null; spend: string }>`
    select lower(i ->> 'category') as category, i ->> 'sku' as sku,
      sum(coalesce((i ->> 'unitPrice')::numeric, 0) * coalesce((i ->> 'quantity')::numeric, 1)) as spend
    from events e, jsonb_array_elements(coalesce(e.items, '[]'::jsonb)) i
    where e.member_id = ${memberId} and e.type = 'purchase' and e.occurred_at >= ${since}
      and e.status in ('processed', 'claimed')
    group by 1, 2`.execute(db);
  return result.rows.map((r) => ({ category: r.category, sku: r.sku, spend: Number(r.spend) }));
}

/** Points the member earned from events since `since`, net of returns. */
export async function recentEarnings(db: Db, memberId: string, since: Date): Promise<number> {
  const row = await db
    .selectFrom("events")
    .select(sql<string>`coalesce(sum(points - clawed_back), 0)`.as("points"))
    .where("member_id", "=", memberId)
    .where("occurred_at", ">=", since)
    .where("status", "in", ["processed", "claimed"])
    // a return's points show as clawed_back on its purchase
    .where("type", "<>", "return")
    .executeTakeFirst();
  return Math.max(0, Number(row?.points ?? 0));
}

export const insertReward = (trx: Transaction<DB>, row: Insertable<RewardsTable>): Promise<RewardRow> =>
  trx.insertInto("rewards").values(row).returningAll().executeTakeFirstOrThrow();

/** A reward's row for a change to the reward itself (FOR UPDATE: redemptions in flight finish first). */
export const findRewardForUpdate = (trx: Transaction<DB>, programId: string, rewardId: string): Promise<RewardRow | undefined> =>
  trx
    .selectFrom("rewards")
    .selectAll()
    .where("program_id", "=", programId)
    .where("id", "=", rewardId)
    .forUpdate()
    .executeTakeFirst();

export const updateReward = (trx: Transaction<DB>, rewardId: string, set: Updateable<RewardsTable>): Promise<RewardRow> =>
  trx.updateTable("rewards").set(set).where("id", "=", rewardId).returningAll().executeTakeFirstOrThrow();

/** Units redeemed or reserved; a reservation that ran out counts until released (its unit comes back then). */
export async function unitsTaken(trx: Transaction<DB>, rewardId: string): Promise<number> {
  const row = await trx
    .selectFrom("redemptions")
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>("quantity"), eb.lit(0)).as("n"))
    .where("reward_id", "=", rewardId)
    .where("status", "in", ["completed", "reserved"])
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** The codes (pool or issued) of the programme whose match keys are among `keys`. */
export async function codesByKey(db: Db, programId: string, keys: string[]): Promise<{ code: string; code_key: string }[]> {
  if (keys.length === 0) return [];
  return db
    .selectFrom("vouchers")
    .select(["code", "code_key"])
    .where("program_id", "=", programId)
    .where("code_key", "in", keys)
    .union(
      db
        .selectFrom("reward_codes")
        .select(["code", "code_key"])
        .where("program_id", "=", programId)
        .where("code_key", "in", keys),
    )
    .execute();
}

/** Adds codes to a reward's pool and returns those added (a code or key the programme already has is skipped). */
export async function insertCodes(
  trx: Transaction<DB>,
  programId: string,
  rewardId: string,
  codes: { code: string; key: string }[],
  now: Date,
) {
  if (codes.length === 0) return [];
  return trx
    .insertInto("reward_codes")
    .values(codes.map((c) => ({ code: c.code, code_key: c.key, program_id: programId, reward_id: rewardId, created_at: now })))
    .onConflict((oc) => oc.doNothing())
    .returning("code")
    .execute();
}
