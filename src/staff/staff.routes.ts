import { createRoute, z } from "@hono/zod-openapi";
import { deleteCookie, getCookie } from "hono/cookie";
import { checkCsrf, requireScope, SESSION_COOKIE, setStaffSessionCookie } from "../http/auth.ts";
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
  mutationRoute,
  readRoute,
  route,
  sendMutation,
} from "../http/openapi.ts";
import type { ProgramService } from "../programs/programs.service.ts";
import { DomainError } from "../shared/errors.ts";
import {
  CreateStaffSchema,
  SessionSchema,
  SetPasswordSchema,
  SignInSchema,
  StaffSchema,
  UpdateStaffSchema,
} from "./staff.schemas.ts";
import { SESSION_MS, type StaffService } from "./staff.service.ts";

/** The services these routes use. */
export interface StaffRoutesDeps {
  staff: StaffService;
  programs: ProgramService;
}

export function staffRoutes(services: StaffRoutesDeps) {
  const router = createRouter();
  const tags = ["Staff"];
  const { staff } = services;

  mutationRoute(
    router,
    {
      method: "post",
      path: "/v1/staff",
      tags,
      summary: "Add a staff account",
      description: "Owners (or an admin API key) add staff: owner, manager or cashier. Passwords are stored as scrypt hashes.",
      scopes: ["admin"],
      ownersOnly: true,
      body: CreateStaffSchema,
      status: 201,
      response: StaffSchema,
      responseDescription: "The staff account",
    },
    ({ body, programId, ctx }) => staff.create(ctx, programId, body),
  );

  readRoute(
    router,
    {
      path: "/v1/staff",
      tags,
      summary: "List staff accounts",
      scopes: ["admin"],
      ownersOnly: true,
      response: z.object({ data: z.array(StaffSchema) }),
      responseDescription: "Staff, oldest first",
    },
    ({ programId }) => staff.list(programId),
  );

  mutationRoute(
    router,
    {
      method: "patch",
      path: "/v1/staff/{staffId}",
      tags,
      summary: "Change a staff account",
      description:
        "Owners change a staff account's name, role or status (`active` or `disabled`). The programme keeps an active owner: demoting or disabling the last one is 409 conflict. A role change or disabling ends the account's sessions at once.",
      scopes: ["admin"],
      ownersOnly: true,
      params: idParam("staffId", "stf"),
      body: UpdateStaffSchema,
      status: 200,
      response: StaffSchema,
      responseDescription: "The staff account as changed",
    },
    ({ body, params, programId, ctx }) => staff.update(ctx, programId, params.staffId, body),
  );

  mutationRoute(
    router,
    {
      method: "post",
      path: "/v1/staff/{staffId}/password",
      tags,
      summary: "Set a staff account's password",
      description:
        "Owners set a new password (12 characters or more) for a staff account: its lockout is cleared and its sessions end.",
      scopes: ["admin"],
      ownersOnly: true,
      params: idParam("staffId", "stf"),
      body: SetPasswordSchema,
      status: 200,
      response: StaffSchema,
      responseDescription: "The staff account",
    },
    ({ body, params, programId, ctx }) => staff.setPassword(ctx, programId, params.staffId, body.password),
  );

  route(
    router,
    createRoute({
      method: "post",
      path: "/v1/programs/{programId}/staff",
      tags,
      summary: "Add a programme's first owner (operator key)",
      security: bearer,
      middleware: [requireScope("root")],
      request: { params: idParam("programId", "prg"), ...jsonBody(CreateStaffSchema), headers: IdempotencyHeaders },
      responses: { 201: json(StaffSchema, "The staff account"), ...commonErrors, ...conflictError },
    }),
    async (c) => {
      const input = c.req.valid("json");
      const { programId } = c.req.valid("param");
      await services.programs.get(programId);
      return sendMutation(c, await staff.create(mutationContext(c, input, "-"), programId, input));
    },
  );

  route(
    router,
    createRoute({
      method: "post",
      path: "/auth/sign-in",
      tags,
      summary: "Sign a staff member in",
      description:
        "Sets the session cookie (HttpOnly, Secure, SameSite=Lax) and answers its CSRF token, which every change made with the session must send in X-CSRF-Token. Wrong email or password: 401; after 5 failures in a row the account is locked (423 account_locked), longer with each further failure. `programId` may be left out: the email's account that the password opens is signed in; if it opens accounts in several programmes, a 400 validation_error with an issue at `programId` lists them in `details.programs` ({id, name}).",
      request: jsonBody(SignInSchema),
      responses: { 200: json(SessionSchema, "Signed in"), ...commonErrors, 423: json(z.object({}), "account_locked") },
    }),
    async (c) => {
      const { token, session } = await staff.signIn(c.req.valid("json"));
      setStaffSessionCookie(c, token, SESSION_MS / 1000);
      return c.json(session);
    },
  );

  route(
    router,
    createRoute({
      method: "get",
      path: "/auth/session",
      tags,
      summary: "The signed-in staff member and the session's CSRF token",
      responses: { 200: json(SessionSchema, "The session"), ...commonErrors },
    }),
    async (c) => {
      const token = getCookie(c, SESSION_COOKIE);
      if (!token) throw new DomainError("unauthorized", "Not signed in");
      return c.json(await staff.me(token));
    },
  );

  route(
    router,
    createRoute({
      method: "post",
      path: "/auth/sign-out",
      tags,
      summary: "Sign out",
      description: "Ends the session at once (on every server) and clears the cookie.",
      responses: { 200: json(z.object({ signedOut: z.boolean() }), "Signed out"), ...commonErrors },
    }),
    async (c) => {
      const token = getCookie(c, SESSION_COOKIE);
      if (token) {
        const session = await staff.session(token);
        if (session) checkCsrf(c, session.csrfToken);
        await staff.signOut(token);
      }
      deleteCookie(c, SESSION_COOKIE, { path: "/", secure: true });
      return c.json({ signedOut: true });
    },
  );

  return router;
}
