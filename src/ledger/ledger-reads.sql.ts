/** Reads of what was posted: a transaction, a hold, their owner, a member's entries and history. */
import { sql } from "kysely";
import type { Db, TxnType } from "../db/schema.ts";
import type { PostingDraft } from "./books.rules.ts";
import { toBookHold, toBookLot } from "./ledger.sql.ts";

export async function findTransaction(db: Db, programId: string, txnId: string) {
  const txn = await db
    .selectFrom("ledger_transactions")
    .selectAll()
    .where("program_id", "=", programId)
    .where("id", "=", txnId)
    .executeTakeFirst();
  if (!txn) return null;
  const postings = await db
    .selectFrom("postings")
    .select(["account", "member_id", "lot_id", "hold_id", "partner_id", "amount"])
    .where("txn_id", "=", txnId)
    .orderBy("id")
    .execute();
  const reversedBy = await db.selectFrom("ledger_transactions").select("id").where("reverses_id", "=", txnId).executeTakeFirst();
  return {
    txn,
    reversedById: reversedBy?.id ?? null,
    postings: postings.map(
      (p): PostingDraft => ({
        account: p.account,
        memberId: p.member_id,
        lotId: p.lot_id,
        holdId: p.hold_id,
        partnerId: p.partner_id,
        amount: p.amount,
      }),
    ),
  };
}

/**
 * The redemption or payment a transaction or hold belongs to, if any. Those are changed only
 * through their own endpoints (cancel, confirm, refund), which keep stock, vouchers and refunds
 * in step with the ledger; the generic ledger endpoints must leave them alone.
 */
export async function ownerOf(
  db: Db,
  ref: { txnId: string } | { holdId: string },
): Promise<{ kind: "redemption" | "payment"; id: string } | null> {
  const result =
    "txnId" in ref
      ? await sql<{ kind: "redemption" | "payment"; id: string }>`
          select 'redemption' as kind, id from redemptions where capture_txn_id = ${ref.txnId}
          union all select 'payment', id from payments where capture_txn_id = ${ref.txnId} limit 1`.execute(db)
      : await sql<{ kind: "redemption" | "payment"; id: string }>`
          select 'redemption' as kind, id from redemptions where hold_id = ${ref.holdId} limit 1`.execute(db);
  return result.rows[0] ?? null;
}

export async function findHold(db: Db, programId: string, holdId: string) {
  return db.selectFrom("holds").selectAll().where("program_id", "=", programId).where("id", "=", holdId).executeTakeFirst();
}

/** What a balance as of `asOf` is built from: every member posting up to then, by lot, hold and type. */
export async function memberHistoryAsOf(db: Db, memberId: string, asOf: Date) {
  const [postings, lots, holds] = await Promise.all([
    db
      .selectFrom("postings as p")
      .innerJoin("ledger_transactions as t", "t.id", "p.txn_id")
      .select((eb) => [
        "p.account",
        "p.lot_id",
        "t.type",
        eb.fn<string>("coalesce", [eb.ref("t.member_id"), eb.val("")]).as("txn_member_id"),
        sql<number>`sum(p.amount)::bigint`.as("amount"),
      ])
      .where("p.member_id", "=", memberId)
      .where("p.effective_at", "<=", asOf)
      .groupBy(["p.account", "p.lot_id", "t.type", "t.member_id"])
      .execute(),
    db
      .selectFrom("lots")
      .select(["id", "member_id", "amount", "remaining", "state", "available_at", "expires_at"])
      .where("member_id", "=", memberId)
      .where("created_at", "<=", asOf)
      .execute(),
    db
      .selectFrom("holds")
      .select(["id", "member_id", "points", "expires_at", "allocations"])
      .where("member_id", "=", memberId)
      .where("created_at", "<=", asOf)
      .where((eb) => eb.or([eb("closed_at", "is", null), eb("closed_at", ">", asOf)]))
      .execute(),
  ]);
  return {
    postings: postings.map((p) => ({
      account: p.account,
      lotId: p.lot_id,
      type: p.type as TxnType,
      primary: p.txn_member_id === memberId,
      amount: p.amount,
    })),
    lots: lots.map(toBookLot),
    holds: holds.map(toBookHold),
  };
}

export async function listMemberEntries(db: Db, programId: string, memberId: string, limit: number, before: string | null) {
  let query = db
    .selectFrom("ledger_transactions")
    .selectAll()
    .where("program_id", "=", programId)
    .where((eb) => eb.or([eb("member_id", "=", memberId), eb("counterparty_member_id", "=", memberId)]))
    .orderBy("id", "desc")
    .limit(limit + 1);
  if (before) query = query.where("id", "<", before);
  const txns = await query.execute();
  const ids = txns.map((t) => t.id);
  const [postings, reversals] = ids.length
    ? await Promise.all([
        db
          .selectFrom("postings")
          .select(["txn_id", "account", "member_id", "lot_id", "hold_id", "amount"])
          .where("txn_id", "in", ids)
          .orderBy("id")
          .execute(),
        db.selectFrom("ledger_transactions").select(["id", "reverses_id"]).where("reverses_id", "in", ids).execute(),
      ])
    : [[], []];
  return {
    txns,
    postings: postings.map((p) => ({
      txnId: p.txn_id,
      account: p.account,
      memberId: p.member_id,
      lotId: p.lot_id,
      holdId: p.hold_id,
      amount: p.amount,
    })),
    reversals,
  };
}

/** The member, if it is in the programme (its id only). */
export async function findMember(db: Db, programId: string, memberId: string) {
  return db.selectFrom("members").select("id").where("program_id", "=", programId).where("id", "=", memberId).executeTakeFirst();
}
