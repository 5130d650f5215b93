import { createRoute, z } from "@hono/zod-openapi";
import { programOf, requireScope } from "../http/auth.ts";
import { bearer, commonErrors, createRouter, idParam, json, jsonBody, mutationRoute, readRoute, route } from "../http/openapi.ts";
import type { JobService } from "../jobs/jobs.service.ts";
import { MemberParams } from "../members/members.routes.ts";
import type { Clock } from "../shared/clock.ts";
import {
  AdjustmentSchema,
  AsOfQuery,
  BalanceSchema,
  CaptureSchema,
  HoldRequestSchema,
  HoldSchema,
  JobsResultSchema,
  JobsRunSchema,
  LedgerEntryReadSchema,
  LedgerPageQuery,
  LedgerResultSchema,
  ReverseSchema,
  TransferSchema,
  VoidSchema,
} from "./ledger.schemas.ts";
import type { LedgerService } from "./ledger.service.ts";

const HoldParams = idParam("holdId", "hld");
const TxnParams = idParam("transactionId", "txn");
const admin: ["admin"] = ["admin"];
const till: ["admin", "pos"] = ["admin", "pos"];
const anyScope: ["admin", "pos", "read"] = ["admin", "pos", "read"];

/** The services these routes use. */
export interface LedgerRoutesDeps {
  ledger: LedgerService;
  jobs: JobService;
  clock: Clock;
}

export function ledgerRoutes(services: LedgerRoutesDeps) {
  const router = createRouter();
  const tags = ["Ledger"];
  const { ledger } = services;

  readRoute(
    router,
    {
      path: "/v1/members/{memberId}/balance",
      tags,
      summary: "A member's balance, now or as of any past time",
      scopes: anyScope,
      params: MemberParams,
      query: AsOfQuery,
      response: BalanceSchema,
      responseDescription: "The balance",
    },
    ({ programId, params, query }) => ledger.balance(programId, params.memberId, query.asOf ?? services.clock.now()),
  );

  readRoute(
    router,
    {
      path: "/v1/members/{memberId}/ledger",
      tags,
      summary: "A member's ledger entries, newest first",
      scopes: anyScope,
      params: MemberParams,
      query: LedgerPageQuery,
      response: z.object({ data: z.array(LedgerEntryReadSchema), nextCursor: z.string().nullable() }),
      responseDescription: "A page of entries",
    },
    ({ programId, params, query }) => ledger.ledger(programId, params.memberId, query.limit, query.cursor ?? null),
  );

  mutationRoute(
    router,
    {
      method: "post",
      path: "/v1/members/{memberId}/adjustments",
      tags,
      summary: "Credit or debit points by hand",
      description:
        "Positive points credit a new lot (with the programme's expiry and pending period unless overridden); negative points debit available points, soonest-expiring first, and fail with 409 insufficient_points rather than go below zero.",
      scopes: admin,
      params: MemberParams,
      body: AdjustmentSchema,
      status: 201,
      response: LedgerResultSchema,
      responseDescription: "The adjustment",
    },
    ({ body, params, programId, ctx }) => ledger.adjust(ctx, programId, params.memberId, body),
  );

  mutationRoute(
    router,
    {
      method: "post",
      path: "/v1/members/{memberId}/holds",
      tags: ["Holds"],
      summary: "Reserve points (two-phase, as at a till)",
      description: "The points leave `available` at once; capture, void, or let the hold time out (ttlSeconds, default 900).",
      scopes: till,
      params: MemberParams,
      body: HoldRequestSchema,
      status: 201,
      response: HoldSchema,
      responseDescription: "The hold",
    },
    ({ body, params, programId, ctx }) => ledger.createHold(ctx, programId, params.memberId, body),
  );

  readRoute(
    router,
    {
      path: "/v1/holds/{holdId}",
      tags: ["Holds"],
      summary: "Get a hold",
      scopes: anyScope,
      params: HoldParams,
      response: HoldSchema,
      responseDescription: "The hold",
    },
    ({ programId, params }) => ledger.getHold(programId, params.holdId),
  );

  mutationRoute(
    router,
    {
      method: "post",
      path: "/v1/holds/{holdId}/capture",
      tags: ["Holds"],
      summary: "Spend held points",
      description: "Captures all of the hold, or `points` of it and releases the rest.",
      scopes: till,
      params: HoldParams,
      body: CaptureSchema,
      status: 200,
      response: HoldSchema,
      responseDescription: "The captured hold",
    },
    ({ body, params, programId, ctx }) => ledger.captureHold(ctx, programId, params.holdId, body),
  );

  mutationRoute(
    router,
    {
      method: "post",
      path: "/v1/holds/{holdId}/void",
      tags: ["Holds"],
      summary: "Release held points",
      scopes: till,
      params: HoldParams,
      body: VoidSchema,
      status: 200,
      response: HoldSchema,
      responseDescription: "The voided hold",
    },
    ({ body, params, programId, ctx }) => ledger.voidHold(ctx, programId, params.holdId, body),
  );

  mutationRoute(
    router,
    {
      method: "post",
      path: "/v1/transfers",
      tags,
      summary: "Move points between two members",
      description: "Points keep the expiry dates of the lots they came from.",
      scopes: admin,
      body: TransferSchema,
      status: 201,
      response: LedgerResultSchema,
      responseDescription: "The transfer (balance is the sender's)",
    },
    ({ body, programId, ctx }) => ledger.transfer(ctx, programId, body),
  );

  readRoute(
    router,
    {
      path: "/v1/ledger/transactions/{transactionId}",
      tags,
      summary: "Get a ledger transaction",
      scopes: anyScope,
      params: TxnParams,
      response: LedgerEntryReadSchema,
      responseDescription: "The transaction, seen from its primary member",
    },
    ({ programId, params }) => ledger.getTransaction(programId, params.transactionId),
  );

  mutationRoute(
    router,
    {
      method: "post",
      path: "/v1/ledger/transactions/{transactionId}/reverse",
      tags,
      summary: "Undo a transaction",
      description:
        "Adjustments, transfers, captures and earns can be reversed, once. Spent points return to the lots they came from (keeping their expiry); credited points are taken back, from other available points if needed, and become debt only under clawbackPolicy allow_debt.",
      scopes: admin,
      params: TxnParams,
      body: ReverseSchema,
      status: 201,
      response: LedgerResultSchema,
      responseDescription: "The reversal",
    },
    ({ body, params, programId, ctx }) => ledger.reverseTransaction(ctx, programId, params.transactionId, body),
  );

  // Idempotent by nature (due work is done once), so no stored answer: a plain route.
  route(
    router,
    createRoute({
      method: "post",
      path: "/v1/jobs/run",
      tags: ["Jobs"],
      summary: "Run due work now",
      description:
        "Activates pending lots, expires due lots into breakage, times out holds, applies due tier reviews and sends birthday events, up to asOf, for this programme. The server also does this on its own schedule.",
      security: bearer,
      middleware: [requireScope("admin")],
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
