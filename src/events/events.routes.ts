import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { programOf, requireScope } from "../http/auth.ts";
import type { AppEnv } from "../http/env.ts";
import {
  bearer,
  commonErrors,
  conflictError,
  createRouter,
  json,
  jsonBody,
  mutationRoute,
  readRoute,
  route,
  unprocessableError,
} from "../http/openapi.ts";
import { MemberParams } from "../members/members.routes.ts";
import { inJsonbOrder } from "../shared/jsonb-order.ts";
import { actorOf } from "../shared/principal.ts";
import {
  BatchInputSchema,
  BatchResultSchema,
  ClaimInputSchema,
  EventInputSchema,
  EventQuerySchema,
  EventResultSchema,
  PurchaseStatsSchema,
  StoredEventSchema,
} from "./events.schemas.ts";
import type { EventService } from "./events.service.ts";

const EventParams = z.object({
  eventId: z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name: "eventId", in: "path" }, example: "order-10023" }),
});

function ingestOptions(c: Context<AppEnv>, query: { dryRun: boolean; asOf?: string | undefined }) {
  return {
    actor: actorOf(c.get("principal")),
    requestId: c.get("requestId"),
    dryRun: query.dryRun,
    asOf: query.asOf ? new Date(query.asOf) : null,
  };
}

/**
 * A till session opened for a store records its events there unless an event names its own
 * store (so store conditions of earn rules and the staff report see the till's store).
 */
function inSessionStore(c: Context<AppEnv>, events: unknown[]): unknown[] {
  const storeId = c.get("principal").storeId;
  if (!storeId) return events;
  // Each event is validated later, on its own: only an object without a store gets the session's.
  return events.map((e) =>
    typeof e === "object" && e !== null && !Array.isArray(e) && (e as { storeId?: unknown }).storeId === undefined
      ? { ...e, storeId }
      : e,
  );
}

/** The services these routes use. */
export interface EventRoutesDeps {
  events: EventService;
}

export function eventRoutes(services: EventRoutesDeps) {
  const router = createRouter();
  const tags = ["Events"];
  const write = [requireScope("admin", "pos")];

  route(
    router,
    createRoute({
      method: "post",
      path: "/v1/events",
      tags,
      summary: "Send one event (a purchase, a return, or any action)",
      description:
        "Runs the programme's earn rules and campaigns and credits the points. The event `id` is the idempotency key: a replay answers the first result (`Idempotent-Replayed: true`), the same id with other content is 409. `?dryRun=true` (optionally with `asOf`) answers the same and writes nothing.",
      security: bearer,
      middleware: write,
      request: { query: EventQuerySchema, ...jsonBody(EventInputSchema) },
      responses: {
        201: json(EventResultSchema, "What the event earned, rule by rule, and the new balance"),
        ...commonErrors,
        ...conflictError,
        ...unprocessableError,
      },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const [answer] = await services.events.ingest(
        programOf(c),
        inSessionStore(c, [c.req.valid("json")]),
        ingestOptions(c, query),
      );
      if (!answer) throw new Error("no answer");
      if (answer.replayed) c.header("Idempotent-Replayed", "true");
      // In jsonb key order: a replay of the event (read back from its jsonb) is then the same text.
      return c.json(inJsonbOrder(answer.body) as object, answer.status as 201);
    },
  );

  route(
    router,
    createRoute({
      method: "post",
      path: "/v1/events/batch",
      tags,
      summary: "Send up to 1,000 events",
      description:
        "Each event is validated, processed and answered on its own: one bad event does not sink the others. The answer lists, in order, each event's own status and result or error. The whole batch is written in one transaction.",
      security: bearer,
      middleware: write,
      request: { query: EventQuerySchema, ...jsonBody(BatchInputSchema) },
      responses: { 200: json(BatchResultSchema, "One answer per event, in order"), ...commonErrors },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const { events } = c.req.valid("json");
      const answers = await services.events.ingest(programOf(c), inSessionStore(c, events), ingestOptions(c, query));
      const summary = { accepted: 0, replayed: 0, failed: 0 };
      const results = answers.map((a, index) => {
        const ok = a.status < 400;
        if (!ok) summary.failed += 1;
        else if (a.replayed) summary.replayed += 1;
        else summary.accepted += 1;
        const body = inJsonbOrder(a.body) as typeof a.body;
        return { index, eventId: a.eventId, status: a.status, replayed: a.replayed, ...(ok ? { result: body } : body) };
      });
      return c.json({ results, summary }, 200);
    },
  );

  readRoute(
    router,
    {
      path: "/v1/purchase-stats",
      tags,
      summary: "The usual basket and the largest purchase accepted",
      description:
        "What a till checks an amount against before sending it: the programme's largest accepted purchase (refused above it) and, from its latest purchases, the amount above which the cashier is asked to confirm.",
      scopes: ["admin", "pos", "read"],
      response: PurchaseStatsSchema,
      responseDescription: "The programme's purchase figures",
    },
    ({ programId }) => services.events.purchaseStats(programId),
  );

  readRoute(
    router,
    {
      path: "/v1/events/{eventId}",
      tags,
      summary: "Get an event as received, with its stored answer",
      scopes: ["admin", "pos", "read"],
      params: EventParams,
      response: StoredEventSchema,
      responseDescription: "The event",
    },
    ({ programId, params }) => services.events.get(programId, params.eventId),
  );

  readRoute(
    router,
    {
      path: "/v1/members/{memberId}/events",
      tags,
      summary: "A member's events, newest first",
      scopes: ["admin", "pos", "read"],
      params: MemberParams,
      query: z.object({
        type: z.string().optional(),
        limit: z.coerce.number().int().min(1).max(200).default(50),
        cursor: z.string().max(300).optional().openapi({ description: "nextCursor from the previous page" }),
      }),
      response: z.object({ data: z.array(StoredEventSchema), nextCursor: z.string().nullable() }),
      responseDescription: "The events",
    },
    ({ programId, params, query }) => services.events.listForMember(programId, params.memberId, query),
  );

  mutationRoute(
    router,
    {
      method: "post",
      path: "/v1/members/{memberId}/claims",
      tags,
      summary: "Claim a guest purchase",
      description:
        "A purchase recorded without a member (the programme's `guest` policy) is credited to this member, by its receipt id, within the programme's guestClaimDays. The rule and campaign versions in force when it occurred decide the points.",
      scopes: ["admin", "pos"],
      params: MemberParams,
      body: ClaimInputSchema,
      status: 201,
      response: EventResultSchema,
      responseDescription: "What the purchase earned",
    },
    ({ body, params, programId, ctx }) => services.events.claim(ctx, programId, params.memberId, body.receiptId),
  );

  return router;
}
