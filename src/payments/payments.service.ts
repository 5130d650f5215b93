import type { Kysely } from "kysely";
import type { DB, PaymentPolicy, PaymentRow } from "../db/schema.ts";
import { formatMoney } from "../earning/money.rules.ts";
import type { MutationContext } from "../idempotency/idempotency.service.ts";
import { bookOf } from "../ledger/books.rules.ts";
import { bookBalance, type LedgerService } from "../ledger/ledger.service.ts";
import { spendableBalance } from "../ledger/lots.rules.ts";
import { refund } from "../ledger/refunds.rules.ts";
import { debit } from "../ledger/spending.rules.ts";
import type { Program, ProgramService } from "../programs/programs.service.ts";
import { DomainError, notFound } from "../shared/errors.ts";
import type { ServiceDeps } from "../shared/service-deps.ts";
import { checkPayment, quote, refundPoints } from "./payments.rules.ts";
import type { CreatePaymentInput } from "./payments.schemas.ts";
import * as q from "./payments.sql.ts";

function policyOf(program: Program): PaymentPolicy {
  if (!program.paymentPolicy) {
    throw new DomainError("invalid_state", "Paying with points is off for this programme (set paymentPolicy to turn it on)");
  }
  return program.paymentPolicy;
}

/**
 * Paying for (part of) an order with points, at the programme's rate and within its minimum and
 * maximum share, through the ledger; refunds give points back in proportion to the money, to
 * the lots the payment took them from.
 */
export class PaymentService {
  constructor(
    private readonly deps: ServiceDeps & {
      programs: ProgramService;
      ledger: LedgerService;
    },
  ) {}

  async quote(programId: string, memberId: string, orderTotal: number) {
    const program = await this.deps.programs.get(programId);
    const policy = policyOf(program);
    await this.deps.ledger.memberExists(programId, memberId);
    const now = this.deps.clock.now();
    const { book } = await this.deps.ledger.bookAsOf(this.deps.db, memberId, now);
    const available = spendableBalance(book, now);
    return {
      memberId,
      currency: program.currency,
      orderTotal,
      available,
      pointValue: policy.pointValue,
      ...quote(orderTotal, available, policy),
    };
  }

  async pay(ctx: MutationContext, programId: string, memberId: string, input: CreatePaymentInput) {
    const program = await this.deps.programs.get(programId);
    return this.deps.uow.run(ctx, 201, async (trx) => {
      const policy = policyOf(program);
      if (input.currency !== program.currency) {
        throw new DomainError("validation_error", `This programme pays in ${program.currency}, not ${input.currency}`, {
          field: "currency",
        });
      }
      const now = this.deps.clock.now();
      // The member's lock first: payments by one member queue, so an order's payments are checked whole.
      const open = await this.deps.ledger.openBooks(trx, programId, [memberId], now);
      if (open.members.get(memberId)?.status === "blocked") {
        throw new DomainError("member_blocked", `Member ${memberId} is blocked`);
      }
      // The share limits hold for the whole order: the member's earlier live payments on it count too.
      const paid = await q.paidOnOrder(trx, programId, memberId, input.orderId);
      const orderTotal = input.orderTotal ?? input.amount + paid;
      if (paid > 0) checkPayment(input.amount + paid, orderTotal, policy, program.currency, paid);
      const points = checkPayment(
        input.amount,
        orderTotal,
        paid > 0 ? { ...policy, minSharePercent: 0, maxSharePercent: 100 } : policy,
        program.currency,
      );
      const book = bookOf(open.books, memberId);
      const capture = debit(
        book,
        {
          type: "capture",
          points,
          sink: "redeemed",
          reason: `Paid ${formatMoney(input.amount, program.currency)} of order ${input.orderId}`,
        },
        now,
        this.deps.ids,
      );
      await this.deps.ledger.writeBooks(trx, programId, ctx.actor, open, [capture], now);
      const row = await q.insertPayment(trx, {
        id: this.deps.ids("payment"),
        program_id: programId,
        member_id: memberId,
        order_id: input.orderId,
        amount: input.amount,
        currency: program.currency,
        points,
        capture_txn_id: capture.id,
        actor: ctx.actor,
        created_at: now,
      });
      return { ...(await this.#view(trx, row, [])), balance: bookBalance(book, now) };
    });
  }

  refund(ctx: MutationContext, programId: string, paymentId: string, input: { amount?: number; reason?: string }) {
    return this.deps.uow.run(ctx, 201, async (trx) => {
      const now = this.deps.clock.now();
      const first = await this.#find(trx, programId, paymentId);
      // The member's lock first, as every ledger change takes it; then the payment as it now stands.
      await q.lockMember(trx, first.member_id);
      const payment = await this.#find(trx, programId, paymentId);
      const left = payment.amount - payment.refunded_amount;
      if (left === 0) throw new DomainError("invalid_state", `Payment ${paymentId} is already refunded in full`);
      const amount = input.amount ?? left;
      const points = refundPoints(
        {
          amount: payment.amount,
          points: payment.points,
          refundedAmount: payment.refunded_amount,
          refundedPoints: payment.refunded_points,
        },
        amount,
        payment.currency,
      );
      const refundable = await this.#refundable(trx, payment);
      const reason = input.reason ?? `Refund of ${formatMoney(amount, payment.currency)} on order ${payment.order_id}`;
      let txnId: string | null = null;
      let balance = null;
      if (points > 0) {
        const { entries, books } = await this.deps.ledger.withBooks(
          trx,
          programId,
          [payment.member_id],
          ctx.actor,
          now,
          (b) => refund(bookOf(b, payment.member_id), { points, refundable, reason }, now, this.deps.ids),
          refundable.map((a) => a.lotId),
        );
        txnId = entries[0]?.id ?? null;
        balance = bookBalance(bookOf(books, payment.member_id), now);
      }
      await q.insertRefund(trx, {
        id: this.deps.ids("refund"),
        program_id: programId,
        payment_id: payment.id,
        amount,
        points,
        txn_id: txnId,
        reason,
        actor: ctx.actor,
        created_at: now,
      });
      const updated = await q.addRefunded(trx, payment, amount, points);
      if (!balance) {
        const { book } = await this.deps.ledger.bookAsOf(trx, payment.member_id, now);
        balance = bookBalance(book, now);
      }
      return { ...(await this.#view(trx, updated)), balance };
    });
  }

  /** What of each lot the payment took and refunds have not yet given back. */
  async #refundable(trx: Kysely<DB>, payment: PaymentRow) {
    const txnIds = [payment.capture_txn_id, ...(await q.refundTxnIds(trx, payment.id))];
    const postings = await q.lotPostings(trx, txnIds, payment.member_id);
    const perLot = new Map<string, number>();
    for (const p of postings) if (p.lot_id) perLot.set(p.lot_id, (perLot.get(p.lot_id) ?? 0) - Number(p.amount));
    return [...perLot].filter(([, points]) => points > 0).map(([lotId, points]) => ({ lotId, points }));
  }

  async #find(db: Kysely<DB>, programId: string, paymentId: string) {
    const row = await q.findPayment(db, programId, paymentId);
    if (!row) throw notFound("Payment", paymentId);
    return row;
  }

  /** The payment as the API shows it; `refunds` given when known (a new payment has none). */
  async #view(db: Kysely<DB>, row: PaymentRow, known?: q.PaymentRefundRow[]) {
    const refunds = known ?? (await q.refundsOf(db, row.id));
    return {
      id: row.id,
      memberId: row.member_id,
      orderId: row.order_id,
      amount: row.amount,
      currency: row.currency,
      points: row.points,
      status:
        row.refunded_amount === 0
          ? ("completed" as const)
          : row.refunded_amount === row.amount
            ? ("refunded" as const)
            : ("partially_refunded" as const),
      refundedAmount: row.refunded_amount,
      refundedPoints: row.refunded_points,
      transactionId: row.capture_txn_id,
      refunds: refunds.map((r) => ({
        id: r.id,
        amount: r.amount,
        points: r.points,
        transactionId: r.txn_id,
        reason: r.reason,
        createdAt: r.created_at.toISOString(),
      })),
      createdAt: row.created_at.toISOString(),
    };
  }

  async get(programId: string, paymentId: string) {
    return this.#view(this.deps.db, await this.#find(this.deps.db, programId, paymentId));
  }

  async listForMember(programId: string, memberId: string, limit: number, cursor?: string) {
    await this.deps.ledger.memberExists(programId, memberId);
    const rows = await q.listMemberPayments(this.deps.db, memberId, limit, cursor);
    const page = rows.slice(0, limit);
    return {
      data: await Promise.all(page.map((r) => this.#view(this.deps.db, r))),
      nextCursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null,
    };
  }
}
