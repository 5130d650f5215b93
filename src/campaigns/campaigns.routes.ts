import { createRoute, z } from "@hono/zod-openapi";
import { programOf, requireScope } from "../http/auth.ts";
import { bearer, commonErrors, createRouter, idParam, json, jsonBody, mutationRoute, readRoute, route } from "../http/openapi.ts";
import type { BacktestService } from "./backtest.service.ts";
import {
  BacktestInputSchema,
  BacktestSchema,
  CampaignSchema,
  CreateCampaignSchema,
  CreateRuleSchema,
  PreviewInputSchema,
  PreviewSchema,
  RuleListQuerySchema,
  RuleSchema,
  UpdateCampaignSchema,
  UpdateRuleSchema,
  VersionSchema,
} from "./campaigns.schemas.ts";
import type { CampaignService } from "./campaigns.service.ts";

const RuleParams = idParam("ruleId", "rul");
const CampaignParams = idParam("campaignId", "cmp");
const Versions = z.object({ data: z.array(VersionSchema) });
const versionsDescription = "Every saved version, newest first";
const admin = ["admin"] as const;
const anyScope = ["admin", "pos", "read"] as const;

/** The services these routes use. */
export interface CampaignRoutesDeps {
  campaigns: CampaignService;
  backtests: BacktestService;
}

export function campaignRoutes(services: CampaignRoutesDeps) {
  const router = createRouter();
  const { campaigns } = services;

  // -- rules --------------------------------------------------------------------------------------
  const ruleTags = ["Rules"];
  mutationRoute(
    router,
    {
      method: "post",
      path: "/v1/rules",
      tags: ruleTags,
      summary: "Create an earn rule",
      description:
        "When an event of type `trigger` meets every condition, the effect gives points, within the limits. With `campaignId` the rule runs only while its campaign does.",
      scopes: [...admin],
      body: CreateRuleSchema,
      status: 201,
      response: RuleSchema,
      responseDescription: "The rule, version 1",
    },
    ({ body, programId, ctx }) => campaigns.createRule(ctx, programId, body),
  );

  readRoute(
    router,
    {
      path: "/v1/rules",
      tags: ruleTags,
      summary: "List earn rules",
      scopes: [...anyScope],
      query: RuleListQuerySchema,
      response: z.object({ data: z.array(RuleSchema) }),
      responseDescription: "The rules",
    },
    ({ programId, query }) => campaigns.listRules(programId, query),
  );

  readRoute(
    router,
    {
      path: "/v1/rules/{ruleId}",
      tags: ruleTags,
      summary: "Get an earn rule",
      scopes: [...anyScope],
      params: RuleParams,
      response: RuleSchema,
      responseDescription: "The rule",
    },
    ({ programId, params }) => campaigns.getRule(programId, params.ruleId),
  );

  mutationRoute(
    router,
    {
      method: "patch",
      path: "/v1/rules/{ruleId}",
      tags: ruleTags,
      summary: "Change an earn rule (a new version)",
      description:
        "Fields given replace the current ones; `status: archived` retires the rule. Awards already made keep the version that made them.",
      scopes: [...admin],
      params: RuleParams,
      body: UpdateRuleSchema,
      status: 200,
      response: RuleSchema,
      responseDescription: "The rule's new version",
    },
    ({ body, params, programId, ctx }) => campaigns.updateRule(ctx, programId, params.ruleId, body),
  );

  readRoute(
    router,
    {
      path: "/v1/rules/{ruleId}/versions",
      tags: ruleTags,
      summary: "Every version of an earn rule",
      scopes: [...anyScope],
      params: RuleParams,
      response: Versions,
      responseDescription: versionsDescription,
    },
    ({ programId, params }) => campaigns.ruleVersions(programId, params.ruleId),
  );

  // -- campaigns ----------------------------------------------------------------------------------
  const tags = ["Campaigns"];
  mutationRoute(
    router,
    {
      method: "post",
      path: "/v1/campaigns",
      tags,
      summary: "Create a campaign",
      description:
        "A campaign groups rules (create them with its `campaignId`) with a schedule (a window, and optionally a recurrence in programme time: every Tuesday, every December), an audience, a points budget (for the whole campaign or per occurrence) and a holdout (a control group that does not get it, drawn once for the whole campaign, to measure lift). `state` says where it stands now by its schedule.",
      scopes: [...admin],
      body: CreateCampaignSchema,
      status: 201,
      response: CampaignSchema,
      responseDescription: "The campaign, version 1",
    },
    ({ body, programId, ctx }) => campaigns.createCampaign(ctx, programId, body),
  );

  readRoute(
    router,
    {
      path: "/v1/campaigns",
      tags,
      summary: "List campaigns",
      scopes: [...anyScope],
      response: z.object({ data: z.array(CampaignSchema) }),
      responseDescription: "The campaigns",
    },
    ({ programId }) => campaigns.listCampaigns(programId),
  );

  readRoute(
    router,
    {
      path: "/v1/campaigns/{campaignId}",
      tags,
      summary: "Get a campaign, with its budget spent and left",
      scopes: [...anyScope],
      params: CampaignParams,
      response: CampaignSchema,
      responseDescription: "The campaign",
    },
    ({ programId, params }) => campaigns.getCampaign(programId, params.campaignId),
  );

  mutationRoute(
    router,
    {
      method: "patch",
      path: "/v1/campaigns/{campaignId}",
      tags,
      summary: "Change a campaign (a new version), or its status",
      description:
        "status: draft -> active <-> paused -> ended (409 invalid_state otherwise). A budget can be set on a draft, and raised or lowered (down to what was already spent) later.",
      scopes: [...admin],
      params: CampaignParams,
      body: UpdateCampaignSchema,
      status: 200,
      response: CampaignSchema,
      responseDescription: "The campaign's new version",
    },
    ({ body, params, programId, ctx }) => campaigns.updateCampaign(ctx, programId, params.campaignId, body),
  );

  readRoute(
    router,
    {
      path: "/v1/campaigns/{campaignId}/versions",
      tags,
      summary: "Every version of a campaign",
      scopes: [...anyScope],
      params: CampaignParams,
      response: Versions,
      responseDescription: versionsDescription,
    },
    ({ programId, params }) => campaigns.campaignVersions(programId, params.campaignId),
  );

  // A POST for its body; it writes nothing, so it takes no idempotency key.
  route(
    router,
    createRoute({
      method: "post",
      path: "/v1/campaigns/{campaignId}/backtest",
      tags,
      summary: "Replay stored events through a campaign, writing nothing",
      description:
        "Every event the programme received between `from` and `to` goes through the campaign's rules (draft or live; its startsAt-endsAt is replaced by the window asked for, but a recurrence still holds, so only events in its occurrences count; its audience, holdout and budget, per campaign or per occurrence, apply) on top of the programme's standing rules. Answers the points it would have issued, members reached, cost, and the top rules.",
      security: bearer,
      middleware: [requireScope(...admin)],
      request: { params: CampaignParams, ...jsonBody(BacktestInputSchema) },
      responses: { 200: json(BacktestSchema, "What the campaign would have done"), ...commonErrors },
    }),
    async (c) => {
      const { from, to } = c.req.valid("json");
      const { campaignId } = c.req.valid("param");
      return c.json(await services.backtests.run(programOf(c), campaignId, new Date(from), new Date(to)));
    },
  );

  // Like the backtest: POSTs for their bodies that write nothing.
  route(
    router,
    createRoute({
      method: "post",
      path: "/v1/rules/preview",
      tags: ruleTags,
      summary: "Try an example event on the standing rules, writing nothing",
      description:
        "One example event for an example member (tier, segments, earlier purchases) through the programme's active standing rules (campaigns' rules excluded: see POST /v1/campaigns/{id}/preview). Answers the points each rule would give and why, and why the others give none.",
      security: bearer,
      middleware: [requireScope(...admin)],
      request: jsonBody(PreviewInputSchema),
      responses: { 200: json(PreviewSchema, "What the example event would earn"), ...commonErrors },
    }),
    async (c) => c.json(await services.backtests.preview(programOf(c), null, c.req.valid("json"))),
  );

  route(
    router,
    createRoute({
      method: "post",
      path: "/v1/campaigns/{campaignId}/preview",
      tags,
      summary: "Try an example event on a campaign, writing nothing",
      description:
        "One example event (type, amount, items, channel, store) for an example member (tier, segments, earlier purchases) through the campaign's rules, draft or live (its schedule and holdout set aside), on top of the programme's standing rules. Answers the points each rule would give and why, and why the others give none.",
      security: bearer,
      middleware: [requireScope(...admin)],
      request: { params: CampaignParams, ...jsonBody(PreviewInputSchema) },
      responses: { 200: json(PreviewSchema, "What the example event would earn"), ...commonErrors },
    }),
    async (c) => {
      const { campaignId } = c.req.valid("param");
      return c.json(await services.backtests.preview(programOf(c), campaignId, c.req.valid("json")));
    },
  );

  return router;
}
