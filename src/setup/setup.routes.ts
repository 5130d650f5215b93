import { createRoute, z } from "@hono/zod-openapi";
import { programOf, requireScope, setStaffSessionCookie } from "../http/auth.ts";
import { bearer, commonErrors, createRouter, json, jsonBody, mutationRoute, readRoute, route } from "../http/openapi.ts";
import { SESSION_MS } from "../staff/staff.service.ts";
import {
  ChecklistMarkSchema,
  ChecklistSchema,
  ProgramLinksSchema,
  SetupAccessSchema,
  SetupCheckSchema,
  SetupResultSchema,
  SetupSchema,
} from "./setup.schemas.ts";
import type { SetupService } from "./setup.service.ts";

/** The services these routes use. */
export interface SetupRoutesDeps {
  setup: SetupService;
}

const SETUP_SUMMARY = "Create a programme and its first owner, and sign the owner in";

export function setupRoutes(services: SetupRoutesDeps) {
  const router = createRouter();
  const { setup } = services;

  route(
    router,
    createRoute({
      method: "post",
      path: "/auth/setup/check",
      tags: ["Setup"],
      summary: "Whether a setup link's token (or the operator key) opens setup",
      description:
        "The setup page asks before showing its form. An unknown token is 401; a used or expired one 403 with `details.reason` (`used`, `expired`).",
      request: jsonBody(SetupCheckSchema),
      responses: { 200: json(SetupAccessSchema, "Setup is open to this credential"), ...commonErrors },
    }),
    async (c) => c.json(await setup.check(c.req.valid("json"))),
  );

  route(
    router,
    createRoute({
      method: "post",
      path: "/auth/setup",
      tags: ["Setup"],
      summary: SETUP_SUMMARY,
      description:
        "First run in the browser: with the token of the setup link the server printed at its first start (it works once, for 24 hours), or with the operator key for further programmes. Creates the programme and its owner in one transaction, closes setup (every setup link stops working), and sets the owner's session cookie like `/auth/sign-in`. A used or expired link is 403 with `details.reason`; nothing is written on any refusal.",
      request: jsonBody(SetupSchema),
      responses: { 201: json(SetupResultSchema, "The programme, its owner and the owner's session"), ...commonErrors },
    }),
    async (c) => {
      const { sessionToken, body } = await setup.create(c.req.valid("json"), {
        requestId: c.get("requestId"),
        route: { action: "POST /auth/setup", summary: SETUP_SUMMARY, params: {} },
      });
      setStaffSessionCookie(c, sessionToken, SESSION_MS / 1000);
      return c.json(body, 201);
    },
  );

  const tags = ["Programs"];

  readRoute(
    router,
    {
      path: "/v1/programs/current/checklist",
      tags,
      summary: "The new-programme checklist",
      description:
        "Steps a new programme goes through, each ticked from the programme's data: an active earn rule, an active reward, a tier, a second staff account, the portal link shared (a member signed in to the portal, or the link copied or printed), the till opened.",
      scopes: ["admin"],
      response: ChecklistSchema,
      responseDescription: "The checklist",
    },
    ({ programId }) => setup.checklist(programId),
  );

  mutationRoute(
    router,
    {
      method: "post",
      path: "/v1/programs/current/checklist/marks",
      tags,
      summary: "Tick a checklist step no other data records",
      description:
        "The console marks `portal_link_shared` when the portal link is copied or its counter card printed; the point of sale marks `till_opened` when a staff member opens it. Marking again changes nothing.",
      scopes: ["admin", "pos"],
      body: ChecklistMarkSchema,
      status: 200,
      response: ChecklistSchema,
      responseDescription: "The checklist",
    },
    ({ body, programId, ctx }) => setup.mark(ctx, programId, body.item),
  );

  mutationRoute(
    router,
    {
      method: "post",
      path: "/v1/programs/current/checklist/dismiss",
      tags,
      summary: "Put the checklist away",
      description: "Only once every step is done: before that, 409 invalid_state with the steps still to do in `details.todo`.",
      scopes: ["admin"],
      body: z.object({}).strict(),
      status: 200,
      response: ChecklistSchema,
      responseDescription: "The checklist, dismissed",
    },
    ({ programId, ctx }) => setup.dismiss(ctx, programId),
  );

  route(
    router,
    createRoute({
      method: "get",
      path: "/v1/programs/current/links",
      tags,
      summary: "The programme's id and its portal, till and console links",
      description: "Built on STAMPBOOK_PUBLIC_URL when the server has one, else on the origin this request came to.",
      security: bearer,
      middleware: [requireScope("admin", "pos", "read")],
      responses: { 200: json(ProgramLinksSchema, "The links"), ...commonErrors },
    }),
    async (c) => c.json(setup.links(programOf(c), new URL(c.req.url).origin)),
  );

  return router;
}
