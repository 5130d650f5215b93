import { z } from "@hono/zod-openapi";
import { createRouter, idParam, mutationRoute, readRoute } from "../http/openapi.ts";
import { MemberParams } from "../members/members.routes.ts";
import { PageQuerySchema } from "../shared/schemas.ts";
import {
  CreatePaymentSchema,
  PaymentResultSchema,
  PaymentSchema,
  QuoteQuerySchema,
  QuoteSchema,
  RefundPaymentSchema,
} from "./payments.schemas.ts";
import type { PaymentService } from "./payments.service.ts";

const PaymentParams = idParam("paymentId", "pay");

/** The services these routes use. */
export interface PaymentRoutesDeps {
  payments: PaymentService;
}

export function paymentRoutes(services: PaymentRoutesDeps) {
  const router = createRouter();
  const { payments } = services;
  const tags = ["Payments"];
  const read: ["admin", "pos", "read"] = ["admin", "pos", "read"];
  const till: ["admin", "pos"] = ["admin", "pos"];

  readRoute(
    router,
    {
      path: "/v1/members/{memberId}/payments/quote",
      tags,
      summary: "How much of an order points can pay",
      description: "The least and most of the order the member's points may pay now, under the programme's paymentPolicy.",
      scopes: read,
      params: MemberParams,
      query: QuoteQuerySchema,
      response: QuoteSchema,
      responseDescription: "The bounds for this order",
    },
    ({ programId, params, query }) => payments.quote(programId, params.memberId, query.orderTotal),
  );

  mutationRoute(
    router,
    {
      method: "post",
      path: "/v1/members/{memberId}/payments",
      tags,
      summary: "Pay with points",
      description:
        "Converts points to money at the programme's paymentPolicy.pointValue (points rounded up, so a payment never gives more than its points are worth), within its minimum points and minimum and maximum share of the order (422 unprocessable otherwise). The points are spent through the ledger, soonest-expiring first. 409 invalid_state when paying with points is off.",
      scopes: till,
      params: MemberParams,
      body: CreatePaymentSchema,
      status: 201,
      response: PaymentResultSchema,
      responseDescription: "The payment and the new balance",
    },
    ({ body, params, programId, ctx }) => payments.pay(ctx, programId, params.memberId, body),
  );

  readRoute(
    router,
    {
      path: "/v1/members/{memberId}/payments",
      tags,
      summary: "A member's payments",
      scopes: read,
      params: MemberParams,
      query: PageQuerySchema,
      response: z.object({ data: z.array(PaymentSchema), nextCursor: z.string().nullable() }),
      responseDescription: "Payments, newest first",
    },
    ({ programId, params, query }) => payments.listForMember(programId, params.memberId, query.limit, query.cursor),
  );

  readRoute(
    router,
    {
      path: "/v1/payments/{paymentId}",
      tags,
      summary: "Get a payment",
      scopes: read,
      params: PaymentParams,
      response: PaymentSchema,
      responseDescription: "The payment and its refunds",
    },
    ({ programId, params }) => payments.get(programId, params.paymentId),
  );

  mutationRoute(
    router,
    {
      method: "post",
      path: "/v1/payments/{paymentId}/refunds",
      tags,
      summary: "Refund a payment",
      description:
        "Gives back points in proportion to the money refunded (rounded down on the running total, so all refunds together return exactly the points paid), to the lots the payment took them from, latest expiry first. Each call refunds again: send an Idempotency-Key to retry safely.",
      scopes: till,
      params: PaymentParams,
      body: RefundPaymentSchema,
      status: 201,
      response: PaymentResultSchema,
      responseDescription: "The payment with the refund, and the new balance",
    },
    ({ body, params, programId, ctx }) => payments.refund(ctx, programId, params.paymentId, body),
  );

  return router;
}
