import type { MiddlewareHandler } from "hono";
import type { ApiKeyService } from "../api-keys/api-keys.service.ts";
import type { ApiKeyScope } from "../db/schema.ts";
import { DomainError } from "../shared/errors.ts";
import type { AppEnv } from "./env.ts";

/** Every /v1 request names its key: `Authorization: Bearer <key>`. */
export function authenticate(apiKeys: ApiKeyService): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header("authorization");
    const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
    if (!match?.[1]) {
      throw new DomainError("unauthorized", "Send an API key as 'Authorization: Bearer <key>'");
    }
    const principal = await apiKeys.authenticate(match[1]);
    if (!principal) throw new DomainError("unauthorized", "The API key is not valid or was revoked");
    c.set("principal", principal);
    c.set("log", c.get("log").child({ keyId: principal.keyId, programId: principal.programId }));
    await next();
  };
}

/** Route guard: the key's scope must be one of `scopes`. Runs before body validation. */
export function requireScope(...scopes: ApiKeyScope[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { scope } = c.get("principal");
    if (!scopes.includes(scope)) {
      throw new DomainError("forbidden", `This needs a key with scope ${scopes.join(" or ")}; this key is ${scope}`, {
        required: scopes,
        scope,
      });
    }
    await next();
  };
}

/** The programme the request acts on: always the key's own. */
export function programOf(c: { get(key: "principal"): AppEnv["Variables"]["principal"] }): string {
  const { programId } = c.get("principal");
  if (!programId) throw new DomainError("forbidden", "The operator key manages programmes; use a programme key here");
  return programId;
}
