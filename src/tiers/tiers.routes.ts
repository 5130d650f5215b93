import { createRouter, mutationRoute, readRoute } from "../http/openapi.ts";
import { MemberParams } from "../members/members.routes.ts";
import type { Clock } from "../shared/clock.ts";
import { AssignTierSchema, LadderSchema, PutTiersSchema, TierStatusQuerySchema, TierStatusSchema } from "./tiers.schemas.ts";
import type { TiersService } from "./tiers.service.ts";

const admin = ["admin"] as const;
const anyScope = ["admin", "pos", "read"] as const;

/** The services these routes use. */
export interface TierRoutesDeps {
  tiers: TiersService;
  clock: Clock;
}

export function tierRoutes(services: TierRoutesDeps) {
  const router = createRouter();
  const tags = ["Tiers"];
  const { tiers, clock } = services;

  readRoute(
    router,
    {
      path: "/v1/tiers",
      tags,
      summary: "Get the tier ladder and its policy",
      scopes: [...anyScope],
      response: LadderSchema,
      responseDescription: "The policy (null without tiers) and the tiers, bottom first",
    },
    ({ programId }) => tiers.ladder(programId),
  );

  mutationRoute(
    router,
    {
      method: "put",
      path: "/v1/tiers",
      tags,
      summary: "Replace the tier ladder",
      description:
        "Tiers bottom first: the bottom threshold is 0, thresholds increase strictly, retainThreshold <= threshold. A tier given with its id is updated in place; a tier left out is removed, refused (409 conflict) while members hold it. An empty list removes the ladder. Members are not re-ranked at once: new thresholds lift a member at their next event, and lower them at their next review. A new bottom tier changes its holders at once (`ladder_changed`): the tier that stops being the bottom is reviewed one period from now, the one that becomes it no longer.",
      scopes: [...admin],
      body: PutTiersSchema,
      status: 200,
      response: LadderSchema,
      responseDescription: "The ladder as saved",
    },
    ({ body, programId, ctx }) => tiers.replaceLadder(ctx, programId, body),
  );

  readRoute(
    router,
    {
      path: "/v1/members/{memberId}/tier",
      tags,
      summary: "A member's tier status",
      description:
        "The tier and since when, the next tier and progress to it, what is still needed to reach it and to keep the current tier at its review, the review date, any grace, and the tier history. With asOf: exactly as of that time, reviews due by then applied whether or not the jobs have run.",
      scopes: [...anyScope],
      params: MemberParams,
      query: TierStatusQuerySchema,
      response: TierStatusSchema,
      responseDescription: "The member's tier status",
    },
    ({ programId, params, query }) => tiers.status(programId, params.memberId, query.asOf ? new Date(query.asOf) : clock.now()),
  );

  mutationRoute(
    router,
    {
      method: "post",
      path: "/v1/members/{memberId}/tier",
      tags,
      summary: "Assign, lock or unlock a member's tier by hand",
      description:
        "`{tierId, locked?, reason}` gives the tier from now (the tier the member holds keeps its since; locked: upgrades and reviews leave the member alone, e.g. a VIP); `{locked: true, reason}` locks the current tier (already locked: nothing changes); `{locked: false, reason}` unlocks it, normal rules applying from now (its review one period on).",
      scopes: [...admin],
      params: MemberParams,
      body: AssignTierSchema,
      status: 200,
      response: TierStatusSchema,
      responseDescription: "The member's tier status after the change",
    },
    ({ body, params, programId, ctx }) => tiers.assign(ctx, programId, params.memberId, body),
  );

  return router;
}
