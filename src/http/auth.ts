import { createHash, timingSafeEqual } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import type { ApiKeyScope, StaffRole } from "../db/schema.ts";
import { DomainError } from "../shared/errors.ts";
import type { MemberSession, Principal } from "../shared/principal.ts";
import type { AppEnv } from "./env.ts";

export const SESSION_COOKIE = "sb_session";
/** A member's portal session: it opens /v1/me routes only. */
export const MEMBER_COOKIE = "sb_member";

/** What each staff role may do, as the API-key scopes the routes check (owners also manage staff and keys). */
const ROLE_SCOPE = { owner: "admin", manager: "admin", cashier: "pos" } as const;

/** Sets a staff session's cookie (sign-in, and first-run setup, which signs its new owner in). */
export function setStaffSessionCookie(c: Context, token: string, maxAgeSeconds: number): void {
  setCookie(c, SESSION_COOKIE, token, { httpOnly: true, secure: true, sameSite: "Lax", path: "/", maxAge: maxAgeSeconds });
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** A live staff session, as its cookie names it. */
export interface StaffSessionCaller {
  staffId: string;
  programId: string;
  role: StaffRole;
  csrfToken: string;
  /** The store the session was opened for, if any. */
  storeId: string | null;
}

/**
 * How callers are recognised, passed in by app.ts: each answers null for an unknown, revoked or
 * expired secret.
 */
export interface Authenticator {
  apiKey(secret: string): Promise<Principal | null>;
  staffSession(token: string): Promise<StaffSessionCaller | null>;
  memberSession(token: string): Promise<MemberSession | null>;
}

/**
 * Every /v1 request names its caller: an API key (`Authorization: Bearer <key>`), or a staff
 * session cookie from the web apps. A session's changes must also carry its CSRF token in
 * `X-CSRF-Token`: the cookie is sent by the browser on its own, the token only by our pages.
 */
export function authenticate(callers: Authenticator): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const path = c.req.path;
    // The portal's public routes (landing page, enrolment, sign-in codes) have no caller to name.
    if (path.startsWith("/v1/portal/")) return next();
    if (path === "/v1/me" || path.startsWith("/v1/me/")) return memberSession(c, next, callers);
    const header = c.req.header("authorization");
    const cookie = getCookie(c, SESSION_COOKIE);
    if (header === undefined && !cookie && getCookie(c, MEMBER_COOKIE)) {
      throw new DomainError("forbidden", "A member's portal session opens only the member's own routes, /v1/me");
    }
    let principal: Principal | null;
    if (header === undefined && cookie) {
      const session = await callers.staffSession(cookie);
      if (!session) throw new DomainError("unauthorized", "The session has ended; sign in again");
      if (!SAFE_METHODS.has(c.req.method)) checkCsrf(c, session.csrfToken);
      principal = {
        keyId: `staff:${session.staffId}`,
        scope: ROLE_SCOPE[session.role],
        programId: session.programId,
        role: session.role,
        storeId: session.storeId,
      };
    } else {
      const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
      if (!match?.[1]) {
        throw new DomainError("unauthorized", "Send an API key as 'Authorization: Bearer <key>', or sign in");
      }
      principal = await callers.apiKey(match[1]);
      if (!principal) throw new DomainError("unauthorized", "The API key is not valid or was revoked");
    }
    c.set("principal", principal);
    c.set("log", c.get("log").child({ keyId: principal.keyId, programId: principal.programId }));
    await next();
  };
}

/**
 * /v1/me routes act on the member whose `sb_member` cookie it is, and only with it: an API key or
 * a staff session names no member (those use /v1/members/{id}).
 */
async function memberSession(c: Context<AppEnv>, next: () => Promise<void>, callers: Authenticator): Promise<void> {
  if (c.req.header("authorization") !== undefined) {
    throw new DomainError("forbidden", "/v1/me is for a member signed in to the portal; with an API key use /v1/members/{id}");
  }
  const token = getCookie(c, MEMBER_COOKIE);
  if (!token) throw new DomainError("unauthorized", "Sign in to the member portal first");
  const session = await callers.memberSession(token);
  if (!session) throw new DomainError("unauthorized", "The session has ended; sign in again");
  if (!SAFE_METHODS.has(c.req.method)) checkCsrf(c, session.csrfToken);
  c.set("memberSession", session);
  c.set("log", c.get("log").child({ memberId: session.memberId, programId: session.programId }));
  await next();
}

/** A change made with a session must carry its CSRF token: the cookie alone is sent by any site. */
export function checkCsrf(c: Context, csrfToken: string): void {
  if (!tokensEqual(c.req.header("x-csrf-token") ?? "", csrfToken)) {
    throw new DomainError("forbidden", "Changes made with a session need its CSRF token in X-CSRF-Token");
  }
}

function tokensEqual(a: string, b: string): boolean {
  const ha = createHash("sha256").update(a).digest();
  const hb = createHash("sha256").update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** Route guard for staff, API keys and programme settings: a staff session must be an owner's (admin keys pass). */
export function requireOwner(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { role } = c.get("principal");
    if (role !== undefined && role !== "owner") {
      throw new DomainError("forbidden", `Only owners manage staff, API keys and programme settings; you are ${role}`, { role });
    }
    await next();
  };
}

/** "a", "a or b", "a, b or c". */
const listOr = (xs: string[]) => (xs.length <= 1 ? (xs[0] ?? "") : `${xs.slice(0, -1).join(", ")} or ${xs.at(-1)}`);

/** Route guard: the key's scope must be one of `scopes`. Runs before body validation. */
export function requireScope(...scopes: ApiKeyScope[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { scope, role } = c.get("principal");
    if (!scopes.includes(scope)) {
      if (role !== undefined) {
        // A signed-in member of staff: their role, not the scope of a key they do not hold.
        const roles = (Object.keys(ROLE_SCOPE) as (keyof typeof ROLE_SCOPE)[]).filter((r) =>
          (scopes as string[]).includes(ROLE_SCOPE[r]),
        );
        throw new DomainError(
          "forbidden",
          `Only ${listOr(roles.map((r) => `${r}s`))} can do this; you are signed in as ${role}`,
          {
            required: roles,
            role,
          },
        );
      }
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
