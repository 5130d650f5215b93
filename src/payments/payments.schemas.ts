import { z } from "@hono/zod-openapi";

const minor = z.int().min(1).max(1_000_000_000_000);
const currency = z
  .string()
  .length(3)
  .transform((c) => c.toUpperCase())
  .describe("Must be the programme's currency");

export const CreatePaymentSchema = z
  .object({
    orderId: z.string().trim().min(1).max(200),
    amount: minor.describe("The part of the order to pay with points, in minor units"),
    currency,
    orderTotal: minor
      .optional()
      .describe("The whole order, in minor units, for the programme's minimum and maximum share; default: amount"),
  })
  .strict()
  .openapi("CreatePayment");

export const RefundPaymentSchema = z
  .object({
    amount: minor.optional().describe("Minor units to refund; default: all that is left"),
    reason: z.string().trim().min(1).max(500).optional(),
  })
  .strict()
  .openapi("RefundPayment");

export const PaymentRefundSchema = z
  .object({
    id: z.string(),
    amount: z.int(),
    points: z.int(),
    transactionId: z.string().nullable(),
    reason: z.string().nullable(),
    createdAt: z.iso.datetime(),
  })
  .openapi("PaymentRefund");

export const PaymentSchema = z
  .object({
    id: z.string().openapi({ example: "pay_01jx5y3k1m9t0v6h2c4d8e7f9a" }),
    memberId: z.string(),
    orderId: z.string(),
    amount: z.int(),
    currency: z.string(),
    points: z.int(),
    status: z.enum(["completed", "partially_refunded", "refunded"]),
    refundedAmount: z.int(),
    refundedPoints: z.int(),
    transactionId: z.string().describe("The ledger capture that spent the points"),
    refunds: z.array(PaymentRefundSchema),
    createdAt: z.iso.datetime(),
  })
  .openapi("Payment");

export const PaymentResultSchema = PaymentSchema.extend({
  balance: z.object({ available: z.int(), pending: z.int(), held: z.int(), debt: z.int() }),
}).openapi("PaymentResult");

export const QuoteQuerySchema = z.object({
  orderTotal: z.coerce.number().int().min(1).max(1_000_000_000_000).openapi({ description: "The order, in minor units" }),
});

export const QuoteSchema = z
  .object({
    memberId: z.string(),
    currency: z.string(),
    orderTotal: z.int(),
    available: z.int(),
    pointValue: z.number(),
    minAmount: z.int(),
    maxAmount: z.int().describe("The most points may pay now; below minAmount: points cannot pay for this order"),
    maxPoints: z.int(),
  })
  .openapi("PaymentQuote");

export type CreatePaymentInput = z.infer<typeof CreatePaymentSchema>;
