import { createRoute, z } from "@hono/zod-openapi";
import type { Services } from "../app.ts";
import { programOf, requireScope } from "../http/auth.ts";
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
  route,
  sendMutation,
} from "../http/openapi.ts";
import {
  BacktestInputSchema,
  BacktestSchema,
  CampaignSchema,
  CreateCampaignSchema,
  CreateRuleSchema,
  RuleListQuerySchema,
  RuleSchema,
  UpdateCampaignSchema,
  UpdateRuleSchema,
  VersionSchema,
} from "./campaigns.schemas.ts";

const RuleParams = idParam("ruleId", "rul");
const CampaignParams = idParam("campaignId", "cmp");
const versions = json(z.object({ data: z.array(VersionSchema) }), "Every saved version, newest first");

export function campaignRoutes(services: Services) {
  const router = createRouter();
  const admin = [requireScope("admin")];
  const read = [requireScope("admin", "pos", "read")];

  // -- rules --------------------------------------------------------------------------------------
  const ruleTags = ["Rules"];
  route(
    router,
    createRoute({
      method: "post",
      path: "/v1/rules",
      tags: ruleTags,
      summary: "Create an earn rule",
      description:
        "When an event of type `trigger` meets every condition, the effect gives points, within the limits. With `campaignId` the rule runs only while its campaign does.",
      security: bearer,
      middleware: admin,
      request: { ...jsonBody(CreateRuleSchema), headers: IdempotencyHeaders },
      responses: { 201: json(RuleSchema, "The rule, version 1"), ...commonErrors, ...conflictError },
    }),
    async (c) => {
      const input = c.req.valid("json");
      return sendMutation(c, await services.campaigns.createRule(mutationContext(c, input), programOf(c), input));
    },
  );

  route(
    router,
    createRoute({
      method: "get",
      path: "/v1/rules",
      tags: ruleTags,
      summary: "List earn rules",
      security: bearer,
      middleware: read,
      request: { query: RuleListQuerySchema },
      responses: { 200: json(z.object({ data: z.array(RuleSchema) }), "The rules"), ...commonErrors },
    }),
    async (c) => c.json(await services.campaigns.listRules(programOf(c), c.req.valid("query"))),
  );

  route(
    router,
    createRoute({
      method: "get",
      path: "/v1/rules/{ruleId}",
      tags: ruleTags,
      summary: "Get an earn rule",
      security: bearer,
      middleware: read,
      request: { params: RuleParams },
      responses: { 200: json(RuleSchema, "The rule"), ...commonErrors },
    }),
    async (c) => c.json(await services.campaigns.getRule(programOf(c), c.req.valid("param").ruleId)),
  );

  route(
    router,
    createRoute({
      method: "patch",
      path: "/v1/rules/{ruleId}",
      tags: ruleTags,
      summary: "Change an earn rule (a new version)",
      description:
        "Fields given replace the current ones; `status: archived` retires the rule. Awards already made keep the version that made them.",
      security: bearer,
      middleware: admin,
      request: { params: RuleParams, ...jsonBody(UpdateRuleSchema), headers: IdempotencyHeaders },
      responses: { 200: json(RuleSchema, "The rule's new version"), ...commonErrors, ...conflictError },
    }),
    async (c) => {
      const input = c.req.valid("json");
      const { ruleId } = c.req.valid("param");
      return sendMutation(c, await services.campaigns.updateRule(mutationContext(c, input), programOf(c), ruleId, input));
    },
  );

  route(
    router,
    createRoute({
      method: "get",
      path: "/v1/rules/{ruleId}/versions",
      tags: ruleTags,
      summary: "Every version of an earn rule",
      security: bearer,
      middleware: read,
      request: { params: RuleParams },
      responses: { 200: versions, ...commonErrors },
    }),
    async (c) => c.json(await services.campaigns.ruleVersions(programOf(c), c.req.valid("param").ruleId)),
  );

  // -- campaigns ----------------------------------------------------------------------------------
  const tags = ["Campaigns"];
  route(
    router,
    createRoute({
      method: "post",
      path: "/v1/campaigns",
      tags,
      summary: "Create a campaign",
      description:
        "A campaign groups rules (create them with its `campaignId`) with a schedule, an audience, a points budget and a holdout (a control group that does not get it, to measure lift).",
      security: bearer,
      middleware: admin,
      request: { ...jsonBody(CreateCampaignSchema), headers: IdempotencyHeaders },
      responses: { 201: json(CampaignSchema, "The campaign, version 1"), ...commonErrors, ...conflictError },
    }),
    async (c) => {
      const input = c.req.valid("json");
      return sendMutation(c, await services.campaigns.createCampaign(mutationContext(c, input), programOf(c), input));
    },
  );

  route(
    router,
    createRoute({
      method: "get",
      path: "/v1/campaigns",
      tags,
      summary: "List campaigns",
      security: bearer,
      middleware: read,
      responses: { 200: json(z.object({ data: z.array(CampaignSchema) }), "The campaigns"), ...commonErrors },
    }),
    async (c) => c.json(await services.campaigns.listCampaigns(programOf(c))),
  );

  route(
    router,
    createRoute({
      method: "get",
      path: "/v1/campaigns/{campaignId}",
      tags,
      summary: "Get a campaign, with its budget spent and left",
      security: bearer,
      middleware: read,
      request: { params: CampaignParams },
      responses: { 200: json(CampaignSchema, "The campaign"), ...commonErrors },
    }),
    async (c) => c.json(await services.campaigns.getCampaign(programOf(c), c.req.valid("param").campaignId)),
  );

  route(
    router,
    createRoute({
      method: "patch",
      path: "/v1/campaigns/{campaignId}",
      tags,
      summary: "Change a campaign (a new version), or its status",
      description:
        "status: draft -> active <-> paused -> ended (409 invalid_state otherwise). A budget can be raised, or lowered down to what was already spent.",
      security: bearer,
      middleware: admin,
      request: { params: CampaignParams, ...jsonBody(UpdateCampaignSchema), headers: IdempotencyHeaders },
      responses: { 200: json(CampaignSchema, "The campaign's new version"), ...commonErrors, ...conflictError },
    }),
    async (c) => {
      const input = c.req.valid("json");
      const { campaignId } = c.req.valid("param");
      return sendMutation(c, await services.campaigns.updateCampaign(mutationContext(c, input), programOf(c), campaignId, input));
    },
  );

  route(
    router,
    createRoute({
      method: "get",
      path: "/v1/campaigns/{campaignId}/versions",
      tags,
      summary: "Every version of a campaign",
      security: bearer,
      middleware: read,
      request: { params: CampaignParams },
      responses: { 200: versions, ...commonErrors },
    }),
    async (c) => c.json(await services.campaigns.campaignVersions(programOf(c), c.req.valid("param").campaignId)),
  );

  route(
    router,
    createRoute({
      method: "post",
      path: "/v1/campaigns/{campaignId}/backtest",
      tags,
      summary: "Replay stored events through a campaign, writing nothing",
      description:
        "Every event the programme received between `from` and `to` goes through the campaign's rules (draft or live; its schedule is ignored, its audience, holdout and budget are not) on top of the programme's standing rules. Answers the points it would have issued, members reached, cost, and the top rules.",
      security: bearer,
      middleware: admin,
      request: { params: CampaignParams, ...jsonBody(BacktestInputSchema) },
      responses: { 200: json(BacktestSchema, "What the campaign would have done"), ...commonErrors },
    }),
    async (c) => {
      const { from, to } = c.req.valid("json");
      const { campaignId } = c.req.valid("param");
      return c.json(await services.backtests.run(programOf(c), campaignId, new Date(from), new Date(to)));
    },
  );

  return router;
}
