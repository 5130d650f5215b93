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
import { CreateMemberSchema, MemberSchema, MemberSearchSchema, UpdateMemberSchema } from "./members.schemas.ts";

export const MemberParams = idParam("memberId", "mem");

export function memberRoutes(services: Services) {
  const router = createRouter();
  const tags = ["Members"];
  const write = [requireScope("admin", "pos")];
  const read = [requireScope("admin", "pos", "read")];

  route(
    router,
    createRoute({
      method: "post",
      path: "/v1/members",
      tags,
      summary: "Enrol a member",
      description: "externalId, email and phone are each unique within the programme (409 conflict names the field).",
      security: bearer,
      middleware: write,
      request: { ...jsonBody(CreateMemberSchema), headers: IdempotencyHeaders },
      responses: { 201: json(MemberSchema, "The new member"), ...commonErrors, ...conflictError },
    }),
    async (c) => {
      const input = c.req.valid("json");
      return sendMutation(c, await services.members.create(mutationContext(c, input), programOf(c), input));
    },
  );

  route(
    router,
    createRoute({
      method: "get",
      path: "/v1/members",
      tags,
      summary: "Find members",
      description:
        "By exact phone (normalized to E.164 with the programme's country), email or externalId, or by a substring `q`.",
      security: bearer,
      middleware: read,
      request: { query: MemberSearchSchema },
      responses: {
        200: json(z.object({ data: z.array(MemberSchema), nextCursor: z.string().nullable() }), "Matching members"),
        ...commonErrors,
      },
    }),
    async (c) => c.json(await services.members.search(programOf(c), c.req.valid("query"))),
  );

  route(
    router,
    createRoute({
      method: "get",
      path: "/v1/members/{memberId}",
      tags,
      summary: "Get a member",
      security: bearer,
      middleware: read,
      request: { params: MemberParams },
      responses: { 200: json(MemberSchema, "The member"), ...commonErrors },
    }),
    async (c) => c.json(await services.members.get(programOf(c), c.req.valid("param").memberId)),
  );

  route(
    router,
    createRoute({
      method: "patch",
      path: "/v1/members/{memberId}",
      tags,
      summary: "Update a member",
      description: "Send only the fields to change; null clears a field.",
      security: bearer,
      middleware: write,
      request: { params: MemberParams, ...jsonBody(UpdateMemberSchema), headers: IdempotencyHeaders },
      responses: { 200: json(MemberSchema, "The updated member"), ...commonErrors, ...conflictError },
    }),
    async (c) => {
      const input = c.req.valid("json");
      const { memberId } = c.req.valid("param");
      return sendMutation(c, await services.members.update(mutationContext(c, input), programOf(c), memberId, input));
    },
  );

  return router;
}
