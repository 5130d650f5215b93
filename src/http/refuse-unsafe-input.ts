import type { MiddlewareHandler } from "hono";
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
 * Refuses, for every route and before any route's own validation, the strings no route can take:
 * a NUL character or a lone surrogate anywhere in the path, query or JSON body, and a date outside
 * the API's years (see unsafe-input.ts). Body and query answer 400 validation_error naming the
 * field, as a route's validation would; a path answers 404, as an unknown id does. The parsed body
 * is cached by the request, so the route's validator does not read or parse it again.
 */
export function refuseUnsafeInput(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
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
        return next();
      }
      const inBody = findUnsafeString(body);
      if (inBody) throw refused("body", inBody);
    }
    return next();
  };
}
