import type { Insertable, Kysely, Selectable, Transaction } from "kysely";
import type { DB, PaymentRow } from "../db/schema.ts";

// A Transaction is a Kysely too: reads take either; writes and row locks take a Transaction.

export type PaymentRefundRow = Selectable<DB["payment_refunds"]>;

/** What the member has paid on an order so far, net of refunds. */
export async function paidOnOrder(trx: Transaction<DB>, programId: string, memberId: string, orderId: string): Promise<number> {
  const earlier = await trx
    .selectFrom("payments")
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>(eb("amount", "-", eb.ref("refunded_amount"))), eb.lit(0)).as("paid"))
    .where("program_id", "=", programId)
    .where("member_id", "=", memberId)
    .where("order_id", "=", orderId)
    .executeTakeFirst();
  return Number(earlier?.paid ?? 0);
}

export const insertPayment = (trx: Transaction<DB>, row: Insertable<DB["payments"]>): Promise<PaymentRow> =>
  trx.insertInto("payments").values(row).returningAll().executeTakeFirstOrThrow();

/** The member's row lock, which every ledger change takes first. */
export async function lockMember(trx: Transaction<DB>, memberId: string): Promise<void> {
  await trx.selectFrom("members").select("id").where("id", "=", memberId).forUpdate().execute();
}

export const insertRefund = (trx: Transaction<DB>, row: Insertable<DB["payment_refunds"]>) =>
  trx.insertInto("payment_refunds").values(row).execute();

export const addRefunded = (trx: Transaction<DB>, payment: PaymentRow, amount: number, points: number): Promise<PaymentRow> =>
  trx
    .updateTable("payments")
    .set({ refunded_amount: payment.refunded_amount + amount, refunded_points: payment.refunded_points + points })
    .where("id", "=", payment.id)
    .returningAll()
    .executeTakeFirstOrThrow();

/** The ledger transactions of a payment's refunds. */
export async function refundTxnIds(db: Kysely<DB>, paymentId: string): Promise<string[]> {
  const rows = await db.selectFrom("payment_refunds").select("txn_id").where("payment_id", "=", paymentId).execute();
  return rows.flatMap((r) => (r.txn_id ? [r.txn_id] : []));
}

/** The member's lot postings of these ledger transactions (a payment's capture and its refunds). */
export const lotPostings = (db: Kysely<DB>, txnIds: string[], memberId: string) =>
  db
    .selectFrom("postings")
    .select(["lot_id", "amount"])
    .where("txn_id", "in", txnIds)
    .where("member_id", "=", memberId)
    .where("lot_id", "is not", null)
    .execute();

export const findPayment = (db: Kysely<DB>, programId: string, paymentId: string): Promise<PaymentRow | undefined> =>
  db.selectFrom("payments").selectAll().where("program_id", "=", programId).where("id", "=", paymentId).executeTakeFirst();

export const refundsOf = (db: Kysely<DB>, paymentId: string): Promise<PaymentRefundRow[]> =>
  db.selectFrom("payment_refunds").selectAll().where("payment_id", "=", paymentId).orderBy("id").execute();

/** A member's payments, newest first, one more than `limit` (so the caller knows if a page follows). */
export const listMemberPayments = (db: Kysely<DB>, memberId: string, limit: number, cursor?: string): Promise<PaymentRow[]> => {
  let query = db.selectFrom("payments").selectAll().where("member_id", "=", memberId);
  if (cursor) query = query.where("id", "<", cursor);
  return query
    .orderBy("id", "desc")
    .limit(limit + 1)
    .execute();
};
