import { OpenAPIHono, type RouteConfig, type RouteHandler, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { ZodType } from "zod";
import type { MutationContext, MutationResult } from "../idempotency/idempotency.service.ts";
import { fingerprint } from "../idempotency/idempotency.service.ts";
import { programOf } from "./auth.ts";
import type { AppEnv } from "./env.ts";
import { ErrorSchema, validationError } from "./errors.ts";

/** A router whose request validation failures answer in the one error shape. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error, `Invalid ${result.target === "json" ? "body" : result.target}`);
    },
  });
}

export type Router = ReturnType<typeof createRouter>;

export const json = <T extends ZodType>(schema: T, description: string) => ({
  content: { "application/json": { schema } },
  description,
});

export const jsonBody = <T extends ZodType>(schema: T) => ({
  body: { content: { "application/json": { schema } }, required: true },
});

const errorResponse = (description: string) => json(ErrorSchema, description);

/** The error answers every authenticated route can give. */
export const commonErrors = {
  400: errorResponse("Invalid input (validation_error); nothing was written"),
  401: errorResponse("Missing or invalid API key (unauthorized)"),
  403: errorResponse("The key's scope does not allow this (forbidden)"),
  404: errorResponse("Not found in this programme (not_found)"),
  500: errorResponse("Unexpected failure (internal_error); nothing was written"),
} as const;

export const conflictError = {
  409: errorResponse(
    "A business rule or concurrency conflict: insufficient_points, idempotency_conflict, hold_not_active, already_reversed, not_reversible, conflict",
  ),
};

export const IdempotencyHeaders = z.object({
  "idempotency-key": z
    .string()
    .min(1)
    .max(255)
    .regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces")
    .optional()
    .openapi({
      description:
        "Makes the request safe to retry: a replay with the same key and body returns the first answer (with `Idempotent-Replayed: true`); the same key with another body is 409 idempotency_conflict.",
    }),
});

export const bearer = [{ bearerAuth: [] }];

/**
 * Declares a route. Handlers return a ready Response (mutations may replay a stored answer),
 * so the typed-response check of zod-openapi is waived here, once; the response schemas still
 * document the API and the tests check real responses against them.
 */
export function route<R extends RouteConfig>(
  router: Router,
  config: R,
  handler: (c: Parameters<RouteHandler<R, AppEnv>>[0]) => Promise<Response>,
) {
  router.openapi(config, handler as never);
}

export function mutationContext(c: Context<AppEnv>, body: unknown, scope = programOf(c)): MutationContext {
  const principal = c.get("principal");
  return {
    scope,
    key: c.req.header("idempotency-key") ?? null,
    fingerprint: fingerprint(c.req.method, c.req.path, body),
    requestId: c.get("requestId"),
    actor: `key:${principal.keyId}`,
  };
}

export function sendMutation(c: Context<AppEnv>, result: MutationResult): Response {
  if (result.replayed) c.header("Idempotent-Replayed", "true");
  return c.json(result.body as object, result.status as 200);
}

/** A path id parameter, documented with an example of its prefix. */
export const idParam = <N extends string>(name: N, prefix: string) =>
  z.object({
    [name]: z
      .string()
      .min(1)
      .max(100)
      .openapi({ param: { name, in: "path" }, example: `${prefix}_01jx5y3k1m9t0v6h2c4d8e7f9a` }),
  } as Record<N, z.ZodString>);
