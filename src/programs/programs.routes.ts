import { createRoute, z } from "@hono/zod-openapi";
import { CreatedApiKeySchema } from "../api-keys/api-keys.schemas.ts";
import { programOf, requireOwner, requireScope } from "../http/auth.ts";
import {
  bearer,
  commonErrors,
  conflictError,
  createRouter,
  IdempotencyHeaders,
  json,
  jsonBody,
  mutationContext,
  route,
  sendMutation,
} from "../http/openapi.ts";
import { CreateProgramSchema, ProgramSchema, UpdateProgramSchema } from "./programs.schemas.ts";
import type { ProgramService } from "./programs.service.ts";

/** The services these routes use. */
export interface ProgramRoutesDeps {
  programs: ProgramService;
}

export function programRoutes(services: ProgramRoutesDeps) {
  const router = createRouter();
  const tags = ["Programs"];

  route(
    router,
    createRoute({
      method: "post",
      path: "/v1/programs",
      tags,
      summary: "Create a programme (operator key)",
      description:
        "Creates a programme (a tenant) and its first admin API key, whose secret is shown only here: a replay (the same Idempotency-Key) answers `apiKey.secret: null` with `apiKey.secretShownOnce: true`.",
      security: bearer,
      middleware: [requireScope("root")],
      request: { ...jsonBody(CreateProgramSchema), headers: IdempotencyHeaders },
      responses: {
        201: json(z.object({ program: ProgramSchema, apiKey: CreatedApiKeySchema }), "The programme and its admin key"),
        ...commonErrors,
        ...conflictError,
      },
    }),
    async (c) => {
      const input = c.req.valid("json");
      return sendMutation(c, await services.programs.create(mutationContext(c, input, "-"), input));
    },
  );

  route(
    router,
    createRoute({
      method: "get",
      path: "/v1/programs/current",
      tags,
      summary: "The programme this key belongs to",
      security: bearer,
      middleware: [requireScope("admin", "pos", "read")],
      responses: { 200: json(ProgramSchema, "The programme"), ...commonErrors },
    }),
    async (c) => c.json(await services.programs.get(programOf(c))),
  );

  route(
    router,
    createRoute({
      method: "patch",
      path: "/v1/programs/current",
      tags,
      summary: "Change the programme's settings",
      description:
        "Expiry and pending-period changes apply to points credited from now on. Owners only among staff (admin API keys pass).",
      security: bearer,
      middleware: [requireScope("admin"), requireOwner()],
      request: { ...jsonBody(UpdateProgramSchema), headers: IdempotencyHeaders },
      responses: { 200: json(ProgramSchema, "The updated programme"), ...commonErrors, ...conflictError },
    }),
    async (c) => {
      const input = c.req.valid("json");
      return sendMutation(c, await services.programs.update(mutationContext(c, input), programOf(c), input));
    },
  );

  return router;
}
