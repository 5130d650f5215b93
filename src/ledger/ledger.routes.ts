import { createRoute, z } from "@hono/zod-openapi";
import type { Services } from "../app.ts";
import { programOf, requireScope } from "../http/auth.ts";
import {
  bearer,
  commonErrors,
  conflictError,
  createRouter,
  IdempotencyHeaders,
  idParam,
  json,
  jsonBody,
  mutationContext,
  route,
  sendMutation,
} from "../http/openapi.ts";
import { MemberParams } from "../members/members.routes.ts";
import {
  AdjustmentSchema,
  AsOfQuery,
  BalanceSchema,
  CaptureSchema,
  HoldRequestSchema,
  HoldSchema,
  JobsResultSchema,
  JobsRunSchema,
  LedgerEntrySchema,
  LedgerPageQuery,
  LedgerResultSchema,
  ReverseSchema,
  TransferSchema,
  VoidSchema,
} from "./ledger.schemas.ts";

const HoldParams = idParam("holdId", "hld");
const TxnParams = idParam("transactionId", "txn");

export function ledgerRoutes(services: Services) {
  const router = createRouter();
  const tags = ["Ledger"];
  const admin = [requireScope("admin")];
  const till = [requireScope("admin", "pos")];
  const read = [requireScope("admin", "pos", "read")];

  route(
    router,
    createRoute({
      method: "get",
      path: "/v1/members/{memberId}/balance",
      tags,
      summary: "A member's balance, now or as of any past time",
      security: bearer,
      middleware: read,
      request: { params: MemberParams, query: AsOfQuery },
      responses: { 200: json(BalanceSchema, "The balance"), ...commonErrors },
    }),
    async (c) => {
      const { asOf } = c.req.valid("query");
      return c.json(await services.ledger.balance(programOf(c), c.req.valid("param").memberId, asOf ?? services.clock.now()));
    },
  );

  route(
    router,
    createRoute({
      method: "get",
      path: "/v1/members/{memberId}/ledger",
      tags,
      summary: "A member's ledger entries, newest first",
      security: bearer,
      middleware: read,
      request: { params: MemberParams, query: LedgerPageQuery },
      responses: {
        200: json(z.object({ data: z.array(LedgerEntrySchema), nextCursor: z.string().nullable() }), "A page of entries"),
        ...commonErrors,
      },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      return c.json(await services.ledger.ledger(programOf(c), c.req.valid("param").memberId, limit, cursor ?? null));
    },
  );

  route(
    router,
    createRoute({
      method: "post",
      path: "/v1/members/{memberId}/adjustments",
      tags,
      summary: "Credit or debit points by hand",
      description:
        "Positive points credit a new lot (with the programme's expiry and pending period unless overridden); negative points debit available points, soonest-expiring first, and fail with 409 insufficient_points rather than go below zero.",
      security: bearer,
      middleware: admin,
      request: { params: MemberParams, ...jsonBody(AdjustmentSchema), headers: IdempotencyHeaders },
      responses: { 201: json(LedgerResultSchema, "The adjustment"), ...commonErrors, ...conflictError },
    }),
    async (c) => {
      const input = c.req.valid("json");
      const { memberId } = c.req.valid("param");
      return sendMutation(c, await services.ledger.adjust(mutationContext(c, input), programOf(c), memberId, input));
    },
  );

  route(
    router,
    createRoute({
      method: "post",
      path: "/v1/members/{memberId}/holds",
      tags: ["Holds"],
      summary: "Reserve points (two-phase, as at a till)",
      description: "The points leave `available` at once; capture, void, or let the hold time out (ttlSeconds, default 900).",
      security: bearer,
      middleware: till,
      request: { params: MemberParams, ...jsonBody(HoldRequestSchema), headers: IdempotencyHeaders },
      responses: { 201: json(HoldSchema, "The hold"), ...commonErrors, ...conflictError },
    }),
    async (c) => {
      const input = c.req.valid("json");
      const { memberId } = c.req.valid("param");
      return sendMutation(c, await services.ledger.createHold(mutationContext(c, input), programOf(c), memberId, input));
    },
  );

  route(
    router,
    createRoute({
      method: "get",
      path: "/v1/holds/{holdId}",
      tags: ["Holds"],
      summary: "Get a hold",
      security: bearer,
      middleware: read,
      request: { params: HoldParams },
      responses: { 200: json(HoldSchema, "The hold"), ...commonErrors },
    }),
    async (c) => c.json(await services.ledger.getHold(programOf(c), c.req.valid("param").holdId)),
  );

  route(
    router,
    createRoute({
      method: "post",
      path: "/v1/holds/{holdId}/capture",
      tags: ["Holds"],
      summary: "Spend held points",
      description: "Captures all of the hold, or `points` of it and releases the rest.",
      security: bearer,
      middleware: till,
      request: { params: HoldParams, ...jsonBody(CaptureSchema), headers: IdempotencyHeaders },
      responses: { 200: json(HoldSchema, "The captured hold"), ...commonErrors, ...conflictError },
    }),
    async (c) => {
      const input = c.req.valid("json");
      const { holdId } = c.req.valid("param");
      return sendMutation(c, await services.ledger.captureHold(mutationContext(c, input), programOf(c), holdId, input));
    },
  );

  route(
    router,
    createRoute({
      method: "post",
      path: "/v1/holds/{holdId}/void",
      tags: ["Holds"],
      summary: "Release held points",
      security: bearer,
      middleware: till,
      request: { params: HoldParams, ...jsonBody(VoidSchema), headers: IdempotencyHeaders },
      responses: { 200: json(HoldSchema, "The voided hold"), ...commonErrors, ...conflictError },
    }),
    async (c) => {
      const input = c.req.valid("json");
      const { holdId } = c.req.valid("param");
      return sendMutation(c, await services.ledger.voidHold(mutationContext(c, input), programOf(c), holdId, input));
    },
  );

  route(
    router,
    createRoute({
      method: "post",
      path: "/v1/transfers",
      tags,
      summary: "Move points between two members",
      description: "Points keep the expiry dates of the lots they came from.",
      security: bearer,
      middleware: admin,
      request: { ...jsonBody(TransferSchema), headers: IdempotencyHeaders },
      responses: { 201: json(LedgerResultSchema, "The transfer (balance is the sender's)"), ...commonErrors, ...conflictError },
    }),
    async (c) => {
      const input = c.req.valid("json");
      return sendMutation(c, await services.ledger.transfer(mutationContext(c, input), programOf(c), input));
    },
  );

  route(
    router,
    createRoute({
      method: "get",
      path: "/v1/ledger/transactions/{transactionId}",
      tags,
      summary: "Get a ledger transaction",
      security: bearer,
      middleware: read,
      request: { params: TxnParams },
      responses: { 200: json(LedgerEntrySchema, "The transaction, seen from its primary member"), ...commonErrors },
    }),
    async (c) => c.json(await services.ledger.getTransaction(programOf(c), c.req.valid("param").transactionId)),
  );

  route(
    router,
    createRoute({
      method: "post",
      path: "/v1/ledger/transactions/{transactionId}/reverse",
      tags,
      summary: "Undo a transaction",
      description:
        "Adjustments, transfers, captures and earns can be reversed, once. Spent points return to the lots they came from (keeping their expiry); credited points are taken back, from other available points if needed, and become debt only under clawbackPolicy allow_debt.",
      security: bearer,
      middleware: admin,
      request: { params: TxnParams, ...jsonBody(ReverseSchema), headers: IdempotencyHeaders },
      responses: { 201: json(LedgerResultSchema, "The reversal"), ...commonErrors, ...conflictError },
    }),
    async (c) => {
      const input = c.req.valid("json");
      const { transactionId } = c.req.valid("param");
      return sendMutation(
        c,
        await services.ledger.reverseTransaction(mutationContext(c, input), programOf(c), transactionId, input),
      );
    },
  );

  route(
    router,
    createRoute({
      method: "post",
      path: "/v1/jobs/run",
      tags: ["Jobs"],
      summary: "Run due work now",
      description:
        "Activates pending lots, expires due lots into breakage and times out holds, up to asOf, for this programme. The server also does this on its own schedule.",
      security: bearer,
      middleware: admin,
      request: { ...jsonBody(JobsRunSchema) },
      responses: { 200: json(JobsResultSchema, "What was done"), ...commonErrors },
    }),
    async (c) => {
      const { asOf } = c.req.valid("json");
      return c.json(await services.jobs.run(asOf ?? services.clock.now(), programOf(c)));
    },
  );

  return router;
}
