import type { Context, MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import { DomainError } from "../shared/errors.ts";
import type { AppEnv } from "./env.ts";
import { findUnsafeQuery, findUnsafeString, pathHasNul, type UnsafeString } from "./unsafe-input.ts";

/** The content types the routes' JSON validator reads (hono's validator's own test). */
const JSON_TYPE = /^application\/([a-z-.]+\+)?json(;\s*[a-zA-Z0-9-]+=([^;]+))*$/;

const refused = (where: "body" | "query", found: UnsafeString) =>
  new DomainError("validation_error", found.path ? `${found.path} ${found.message}` : `The ${where} ${found.message}`, {
    issues: [found],
  });

/**
 * Refuses the strings no route can take: a NUL character or a lone surrogate anywhere in the path,
 * query or JSON body, and a date outside the API's years (see unsafe-input.ts). Body and query
 * answer 400 validation_error naming the field, as a route's validation would; a path answers 404,
 * as an unknown id does. The parsed body is cached by the request, so the route's validator does
 * not read or parse it again.
 */
async function refuseIfUnsafe(c: Context<AppEnv>): Promise<void> {
  if (pathHasNul(new URL(c.req.url).pathname)) {
    throw new DomainError("not_found", "Nothing is found at a path with a NUL character (%00) in it");
  }
  const inQuery = findUnsafeQuery(c.req.queries());
  if (inQuery) throw refused("query", inQuery);
  if (c.req.raw.body && JSON_TYPE.test(c.req.header("content-type") ?? "")) {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      // Malformed JSON: the route's validator answers it in its own words.
      return;
    }
    const inBody = findUnsafeString(body);
    if (inBody) throw refused("body", inBody);
  }
}

/**
 * The check on a declared route (http/openapi.ts `route` puts it on every one), after the route's
 * guards and before its validation: who may call the route is decided first, so a key of the
 * wrong scope or a staff session of the wrong role is told 403 whatever it sent (a missing or bad
 * key is 401 before either, at /v1/*).
 */
export const refuseUnsafeInputAfterGuards: MiddlewareHandler<AppEnv> = async (c, next) => {
  await refuseIfUnsafe(c);
  return next();
};

/**
 * The check for every request, at the edge, before any route's own middleware: a request that a
 * declared route takes is left to that route's own check (above, after its guards); any other
 * (a path no route has, a page, an asset) is checked here. So no request escapes it.
 */
export function refuseUnsafeInput(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const routeChecks = matchedRoutes(c).some((r) => r.handler === refuseUnsafeInputAfterGuards);
    if (!routeChecks) await refuseIfUnsafe(c);
    return next();
  };
}
