import { createRouter, idParam, mutationRoute, readRoute } from "../http/openapi.ts";
import type { RewardService } from "../rewards/rewards.service.ts";
import { PageQuerySchema } from "../shared/schemas.ts";
import {
  CreateMemberSchema,
  MemberDetailSchema,
  MemberListSchema,
  MemberSchema,
  MemberSearchSchema,
  ReferralsSchema,
  UpdateMemberSchema,
} from "./members.schemas.ts";
import type { MemberService } from "./members.service.ts";

export const MemberParams = idParam("memberId", "mem");

/** The services these routes use. */
export interface MemberRoutesDeps {
  members: MemberService;
  rewards: RewardService;
}

export function memberRoutes(services: MemberRoutesDeps) {
  const router = createRouter();
  const tags = ["Members"];
  const write: ["admin", "pos"] = ["admin", "pos"];
  const read: ["admin", "pos", "read"] = ["admin", "pos", "read"];
  const { members } = services;

  mutationRoute(
    router,
    {
      method: "post",
      path: "/v1/members",
      tags,
      summary: "Enrol a member",
      description:
        "externalId, email and phone are each unique within the programme (409 conflict names the field). Enrolling fires a `signup` event; a referralCode links the new member to its referrer.",
      scopes: write,
      body: CreateMemberSchema,
      status: 201,
      response: MemberSchema,
      responseDescription: "The new member",
    },
    ({ body, programId, ctx }) => members.create(ctx, programId, body),
  );

  readRoute(
    router,
    {
      path: "/v1/members",
      tags,
      summary: "Find members",
      description:
        "By exact phone (normalized to E.164 with the programme's country), email or externalId, or by a substring `q`.",
      scopes: read,
      query: MemberSearchSchema,
      response: MemberListSchema,
      responseDescription: "Matching members",
    },
    ({ programId, query }) => members.search(programId, query),
  );

  readRoute(
    router,
    {
      path: "/v1/members/{memberId}",
      tags,
      summary: "Get a member",
      description: "With `loyalty`: spendable points, tier, points to the next reward and upcoming expiries.",
      scopes: read,
      params: MemberParams,
      response: MemberDetailSchema,
      responseDescription: "The member",
    },
    async ({ programId, params }) => ({
      ...(await members.get(programId, params.memberId)),
      loyalty: await services.rewards.outlook(programId, params.memberId),
    }),
  );

  mutationRoute(
    router,
    {
      method: "patch",
      path: "/v1/members/{memberId}",
      tags,
      summary: "Update a member",
      description: "Send only the fields to change; null clears a field.",
      scopes: write,
      params: MemberParams,
      body: UpdateMemberSchema,
      status: 200,
      response: MemberSchema,
      responseDescription: "The updated member",
    },
    ({ body, params, programId, ctx }) => members.update(ctx, programId, params.memberId, body),
  );

  readRoute(
    router,
    {
      path: "/v1/members/{memberId}/referrals",
      tags,
      summary: "A member's referrals",
      description:
        "Who referred the member (`referredBy`) and the members they referred, newest first, each with the referral's status and the points it gave both sides.",
      scopes: read,
      params: MemberParams,
      query: PageQuerySchema,
      response: ReferralsSchema,
      responseDescription: "The member's referrals",
    },
    ({ programId, params, query }) => members.referrals(programId, params.memberId, query.limit, query.cursor ?? null),
  );

  return router;
}
