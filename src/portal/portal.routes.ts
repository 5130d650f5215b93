import { createRoute, type RouteConfig, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { MEMBER_COOKIE } from "../http/auth.ts";
import type { AppEnv } from "../http/env.ts";
import { ErrorSchema } from "../http/errors.ts";
import { createRouter, IdempotencyHeaders, json, jsonBody, route, sendMutation } from "../http/openapi.ts";
import { fingerprint, type MutationContext } from "../idempotency/idempotency.service.ts";
import type { LedgerService } from "../ledger/ledger.service.ts";
import type { Member, MemberService } from "../members/members.service.ts";
import type { RedemptionService } from "../rewards/redemptions.service.ts";
import {
  MemberRewardsSchema,
  RecommendationsQuerySchema,
  RecommendationsSchema,
  RedemptionResultSchema,
  VoucherCheckSchema,
} from "../rewards/rewards.schemas.ts";
import type { RewardService } from "../rewards/rewards.service.ts";
import type { Clock } from "../shared/clock.ts";
import { TierStatusSchema } from "../tiers/tiers.schemas.ts";
import type { TiersService } from "../tiers/tiers.service.ts";
import { MEMBER_SESSION_MS, ownView } from "./portal.rules.ts";
import {
  CodeRequestSchema,
  CodeSentSchema,
  LandingSchema,
  MeLedgerEntrySchema,
  MeLedgerQuery,
  MemberSessionSchema,
  MeRedemptionSchema,
  MeSchema,
  OwnMemberSchema,
  PortalEnrolSchema,
  PortalProgramParams,
  PortalSignInSchema,
  SignedOutSchema,
  UpdateMeSchema,
} from "./portal.schemas.ts";
import type { PortalService } from "./portal.service.ts";

const error = (description: string) => json(ErrorSchema, description);

const publicErrors = {
  400: error("Invalid input (validation_error); nothing was written"),
  404: error("No such programme (not_found)"),
  500: error("Unexpected failure (internal_error); nothing was written"),
} as const;

const memberErrors = {
  400: error("Invalid input (validation_error); nothing was written"),
  401: error("Not signed in to the portal, or the session ended (unauthorized)"),
  403: error("A change without the session's X-CSRF-Token, or an API key or staff session instead of a member's (forbidden)"),
  404: error("Not found in the member's programme (not_found)"),
  500: error("Unexpected failure (internal_error); nothing was written"),
} as const;

const memberSecurity = [{ memberSession: [] }];

/** The services these routes use. */
export interface PortalRoutesDeps {
  portal: PortalService;
  members: MemberService;
  ledger: LedgerService;
  tiers: TiersService;
  rewards: RewardService;
  redemptions: RedemptionService;
  clock: Clock;
}

/**
 * The member portal's API. Public routes under /v1/portal/{programId} (landing page, enrolment,
 * sign-in codes, sign-in) need no key; /v1/me routes act on the member the `sb_member` cookie
 * names, and only on them: no route takes a member id, so a member can never reach another.
 */
export function portalRoutes(services: PortalRoutesDeps) {
  const router = createRouter();
  const { portal, members, ledger, tiers, rewards, redemptions, clock } = services;
  const publicTags = ["Member portal (public)"];
  const meTags = ["Member portal (signed-in member)"];

  router.openAPIRegistry.registerComponent("securitySchemes", "memberSession", {
    type: "apiKey",
    in: "cookie",
    name: MEMBER_COOKIE,
    description:
      "A member's portal session, set by POST /v1/portal/{programId}/sessions. Changes also need the session's CSRF token in X-CSRF-Token.",
  });

  // -- public ---------------------------------------------------------------------------------

  route(
    router,
    createRoute({
      method: "get",
      path: "/v1/portal/{programId}",
      tags: publicTags,
      summary: "A programme's landing page",
      description: "The programme's name and currency, its tiers, its active rewards and how points are earned. No key needed.",
      security: [],
      request: { params: PortalProgramParams },
      responses: { 200: json(LandingSchema, "What the landing page shows"), ...publicErrors },
    }),
    async (c) => c.json(await portal.landing(c.req.valid("param").programId)),
  );

  route(
    router,
    createRoute({
      method: "post",
      path: "/v1/portal/{programId}/members",
      tags: publicTags,
      summary: "Join the programme",
      description:
        "Enrols a member (the sign-up and referral rules fire; marketingConsent is recorded with the time) and emails a sign-in code. " +
        "An email that is already a member's gets the same 201 answer and a sign-in code instead: the answer never tells whether an email is known, and the mailbox's owner can sign in. " +
        "A phone already in use is 409 conflict; an unknown referral code 422 referral_invalid.",
      security: [],
      request: { params: PortalProgramParams, ...jsonBody(PortalEnrolSchema) },
      responses: {
        201: json(CodeSentSchema, "Enrolled (or already a member): a sign-in code is on its way"),
        ...publicErrors,
        409: error("The phone is another member's (conflict)"),
        422: error("The referral code is not valid here (referral_invalid)"),
      },
    }),
    async (c) => {
      const { programId } = c.req.valid("param");
      const body = c.req.valid("json");
      // No Idempotency-Key here: a retry finds the member enrolled and is answered (and mailed) alike.
      const ctx: MutationContext = {
        scope: programId,
        key: null,
        fingerprint: fingerprint(c.req.method, c.req.path, body),
        requestId: c.get("requestId"),
        actor: "portal:enrolment",
      };
      return c.json(await portal.enrol(ctx, programId, body), 201);
    },
  );

  route(
    router,
    createRoute({
      method: "post",
      path: "/v1/portal/{programId}/codes",
      tags: publicTags,
      summary: "Email a sign-in code",
      description:
        "Sends a 6-digit code (10 minutes, one use, 5 tries) to a member's email, replacing any earlier code. An unknown email gets the same 202 answer and no email; at most 5 codes are sent per member per hour.",
      security: [],
      request: { params: PortalProgramParams, ...jsonBody(CodeRequestSchema) },
      responses: { 202: json(CodeSentSchema, "Accepted: a code is on its way if the email is a member's"), ...publicErrors },
    }),
    async (c) => {
      const { programId } = c.req.valid("param");
      return c.json(await portal.requestCode(programId, c.req.valid("json").email), 202);
    },
  );

  route(
    router,
    createRoute({
      method: "post",
      path: "/v1/portal/{programId}/sessions",
      tags: publicTags,
      summary: "Sign in with an emailed code",
      description:
        "Sets the `sb_member` cookie (HttpOnly, Secure, SameSite=Lax, 30 days) and answers the session's CSRF token. A wrong, expired, used or replaced code, or one out of tries, is 401 unauthorized, worded alike.",
      security: [],
      request: { params: PortalProgramParams, ...jsonBody(PortalSignInSchema) },
      responses: {
        200: json(MemberSessionSchema, "Signed in"),
        ...publicErrors,
        401: error("Wrong or expired code (unauthorized)"),
      },
    }),
    async (c) => {
      const { programId } = c.req.valid("param");
      const { email, code } = c.req.valid("json");
      const { token, session } = await portal.signIn(programId, email, code);
      setCookie(c, MEMBER_COOKIE, token, {
        httpOnly: true,
        secure: true,
        sameSite: "Lax",
        path: "/",
        maxAge: MEMBER_SESSION_MS / 1000,
      });
      return c.json(session);
    },
  );

  // -- the signed-in member -------------------------------------------------------------------

  const me = (c: Context<AppEnv>) => c.get("memberSession");

  /** A member's change: idempotency keys are the member's own (no one else's stored answer can be replayed to them). */
  const memberContext = (c: Context<AppEnv>, body: unknown): MutationContext => {
    const { programId, memberId } = me(c);
    const key = c.req.header("idempotency-key");
    return {
      scope: programId,
      key: key === undefined ? null : `member:${memberId}:${key}`,
      fingerprint: fingerprint(c.req.method, c.req.path, body),
      requestId: c.get("requestId"),
      actor: `member:${memberId}`,
    };
  };

  const meRead = <R extends RouteConfig>(config: Omit<R, "method" | "security">, run: (c: Context<AppEnv>) => Promise<unknown>) =>
    route(router, createRoute({ ...config, method: "get", tags: meTags, security: memberSecurity } as unknown as R), async (c) =>
      c.json((await run(c as unknown as Context<AppEnv>)) as object),
    );

  meRead(
    {
      path: "/v1/me",
      summary: "The signed-in member",
      description:
        "The member, `loyalty` (spendable points, tier, the next reward and upcoming expiries, as GET /v1/members/{id}) and `balance` (available, pending, held, expiring).",
      responses: { 200: json(MeSchema, "The member"), ...memberErrors },
    },
    async (c) => {
      const { programId, memberId } = me(c);
      return {
        ...ownView(await members.get(programId, memberId)),
        loyalty: await rewards.outlook(programId, memberId),
        balance: await ledger.balance(programId, memberId, clock.now()),
      };
    },
  );

  meRead(
    {
      path: "/v1/me/session",
      summary: "The member's session and its CSRF token",
      description: "For a page loaded with the cookie already set: who is signed in, to which programme, and the CSRF token.",
      responses: { 200: json(MemberSessionSchema, "The session"), ...memberErrors },
    },
    (c) => portal.describe(me(c)),
  );

  meRead(
    {
      path: "/v1/me/ledger",
      summary: "The member's points history",
      description: "Newest first, a page at a time (nextCursor).",
      request: { query: MeLedgerQuery },
      responses: {
        200: json(z.object({ data: z.array(MeLedgerEntrySchema), nextCursor: z.string().nullable() }), "A page of entries"),
        ...memberErrors,
      },
    },
    async (c) => {
      const { programId, memberId } = me(c);
      const query = MeLedgerQuery.parse(c.req.query());
      const page = await ledger.ledger(programId, memberId, query.limit, query.cursor ?? null);
      return {
        data: page.data.map((e) => ({
          id: e.id,
          type: e.type,
          points: e.points,
          netChange: e.netChange,
          reason: e.reason,
          effectiveAt: e.effectiveAt,
          createdAt: e.createdAt,
        })),
        nextCursor: page.nextCursor,
      };
    },
  );

  meRead(
    {
      path: "/v1/me/tier",
      summary: "The member's tier and progress",
      description: "As GET /v1/members/{id}/tier: the tier, the next one, progress and the amount still needed.",
      responses: { 200: json(TierStatusSchema, "Tier status"), ...memberErrors },
    },
    (c) => tiers.status(me(c).programId, me(c).memberId, clock.now()),
  );

  meRead(
    {
      path: "/v1/me/rewards",
      summary: "Rewards, and whether the member can redeem each now",
      description:
        "As GET /v1/members/{id}/rewards: every active reward, `redeemable`, and every reason not (with missingPoints).",
      responses: { 200: json(MemberRewardsSchema, "The catalogue from the member's side"), ...memberErrors },
    },
    (c) => rewards.memberRewards(me(c).programId, me(c).memberId, clock.now()),
  );

  meRead(
    {
      path: "/v1/me/recommendations",
      summary: "Rewards most relevant to the member",
      request: { query: RecommendationsQuerySchema },
      responses: { 200: json(RecommendationsSchema, "Recommendations, most relevant first"), ...memberErrors },
    },
    (c) => rewards.recommendations(me(c).programId, me(c).memberId, RecommendationsQuerySchema.parse(c.req.query()).limit),
  );

  meRead(
    {
      path: "/v1/me/vouchers",
      summary: "The member's vouchers",
      responses: {
        200: json(z.object({ data: z.array(VoucherCheckSchema) }), "The latest 200 vouchers, newest first"),
        ...memberErrors,
      },
    },
    (c) => redemptions.listMemberVouchers(me(c).programId, me(c).memberId),
  );

  route(
    router,
    createRoute({
      method: "patch",
      path: "/v1/me",
      tags: meTags,
      summary: "Edit the member's profile",
      description:
        "Name, phone, birthday and marketing consent (a change of consent is recorded with the time). Needs X-CSRF-Token.",
      security: memberSecurity,
      request: { ...jsonBody(UpdateMeSchema), headers: IdempotencyHeaders },
      responses: {
        200: json(OwnMemberSchema, "The member as changed"),
        ...memberErrors,
        409: error("The phone is another member's (conflict)"),
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const { programId, memberId } = me(c);
      const result = await members.update(memberContext(c, body), programId, memberId, body);
      // The stored answer is the member service's (a replay gives it again): shown as the member's own view.
      return sendMutation(c, result.status < 300 ? { ...result, body: ownView(result.body as Member) } : result);
    },
  );

  route(
    router,
    createRoute({
      method: "post",
      path: "/v1/me/redemptions",
      tags: meTags,
      summary: "Redeem a reward",
      description:
        "Spends the member's points on one unit of the reward and answers the voucher code, as POST /v1/members/{id}/redemptions (channel `portal`). Refusals are 409 with every reason. Needs X-CSRF-Token; send an Idempotency-Key to retry safely.",
      security: memberSecurity,
      request: { ...jsonBody(MeRedemptionSchema), headers: IdempotencyHeaders },
      responses: {
        201: json(RedemptionResultSchema, "The redemption, its voucher and the new balance"),
        ...memberErrors,
        409: error("insufficient_points, out_of_stock, limit_reached, reward_unavailable, member_blocked"),
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const { programId, memberId } = me(c);
      const input = { rewardId: body.rewardId, quantity: 1, reserve: false, holdSeconds: 900, channel: "portal" };
      return sendMutation(c, await redemptions.redeem(memberContext(c, body), programId, memberId, input));
    },
  );

  route(
    router,
    createRoute({
      method: "post",
      path: "/v1/me/sign-out",
      tags: meTags,
      summary: "Sign out of the portal",
      description: "Ends the session at once and clears the cookie. Needs X-CSRF-Token.",
      security: memberSecurity,
      responses: { 200: json(SignedOutSchema, "Signed out"), ...memberErrors },
    }),
    async (c) => {
      const token = getCookie(c, MEMBER_COOKIE);
      if (token) await portal.signOut(token);
      deleteCookie(c, MEMBER_COOKIE, { path: "/", secure: true });
      return c.json({ signedOut: true });
    },
  );

  return router;
}
