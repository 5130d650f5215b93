import { createRoute, z } from "@hono/zod-openapi";
import { programOf, requireOwner, requireScope } from "../http/auth.ts";
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
import { ApiKeySchema, CreateApiKeySchema, CreatedApiKeySchema } from "./api-keys.schemas.ts";
import type { ApiKeyService } from "./api-keys.service.ts";

/** The services these routes use. */
export interface ApiKeyRoutesDeps {
  apiKeys: ApiKeyService;
}

export function apiKeyRoutes(services: ApiKeyRoutesDeps) {
  const router = createRouter();
  const tags = ["API keys"];
  const admin = [requireScope("admin"), requireOwner()];

  route(
    router,
    createRoute({
      method: "post",
      path: "/v1/api-keys",
      tags,
      summary: "Create an API key",
      description:
        "The secret is in this response only; Stampbook keeps a hash. A replay (the same Idempotency-Key) answers `secret: null` with `secretShownOnce: true`.",
      security: bearer,
      middleware: admin,
      request: { ...jsonBody(CreateApiKeySchema), headers: IdempotencyHeaders },
      responses: { 201: json(CreatedApiKeySchema, "The key, with its secret"), ...commonErrors, ...conflictError },
    }),
    async (c) => {
      const input = c.req.valid("json");
      return sendMutation(c, await services.apiKeys.create(mutationContext(c, input), programOf(c), input));
    },
  );

  route(
    router,
    createRoute({
      method: "get",
      path: "/v1/api-keys",
      tags,
      summary: "List the programme's API keys (no secrets)",
      security: bearer,
      middleware: admin,
      responses: { 200: json(z.object({ data: z.array(ApiKeySchema) }), "Keys, oldest first"), ...commonErrors },
    }),
    async (c) => c.json({ data: await services.apiKeys.list(programOf(c)) }),
  );

  route(
    router,
    createRoute({
      method: "delete",
      path: "/v1/api-keys/{keyId}",
      tags,
      summary: "Revoke an API key",
      description: "The key stops working at once. Revoking twice is harmless.",
      security: bearer,
      middleware: admin,
      request: { params: idParam("keyId", "key"), headers: IdempotencyHeaders },
      responses: { 200: json(ApiKeySchema, "The revoked key"), ...commonErrors, ...conflictError },
    }),
    async (c) => {
      const { keyId } = c.req.valid("param");
      return sendMutation(c, await services.apiKeys.revoke(mutationContext(c, {}), programOf(c), keyId));
    },
  );

  return router;
}
