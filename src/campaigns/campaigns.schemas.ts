import { z } from "@hono/zod-openapi";
import {
  CHANNELS,
  ConditionSchema,
  dateOrInstant,
  EffectSchema,
  eventType,
  ItemsSelectorSchema,
  LimitsSchema,
  MemberConditionSchema,
  RuleDefinitionSchema,
} from "../earning/earning.schemas.ts";
import { EventItemSchema } from "../events/events.schemas.ts";
import { ExpiryPolicySchema } from "../programs/programs.schemas.ts";
import { MAX_POINTS_PER_OPERATION } from "../shared/points.ts";
import { DateTimeSchema, orNull, patchOf } from "../shared/schemas.ts";

const ruleStatus = z.enum(["active", "inactive", "archived"]);
const campaignStatus = z.enum(["draft", "active", "paused", "ended"]);

export const CreateRuleSchema = RuleDefinitionSchema.extend({
  campaignId: z.string().min(1).max(100).optional().describe("The campaign the rule belongs to; none for a standing rule"),
  status: ruleStatus.default("active"),
}).openapi("CreateRule");

export const UpdateRuleSchema = patchOf({ ...RuleDefinitionSchema.shape, status: ruleStatus })
  .describe("Saves a new version of the rule; awards name the version that produced them")
  .openapi("UpdateRule");

export const RuleSchema = z
  .object({
    id: z.string().openapi({ example: "rul_01jx5y3k1m9t0v6h2c4d8e7f9a" }),
    campaignId: z.string().nullable(),
    name: z.string(),
    description: z.string().nullable(),
    status: ruleStatus,
    version: z.int(),
    trigger: z.string(),
    conditions: z.array(ConditionSchema),
    items: orNull(ItemsSelectorSchema),
    effect: EffectSchema,
    limits: LimitsSchema,
    priority: z.int(),
    stacking: z.enum(["stack", "exclusive"]),
    pendingDays: z.int().nullable(),
    expiry: orNull(ExpiryPolicySchema),
    fundedBy: z.enum(["program", "partner"]),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi("Rule");

const campaignFields = {
  name: z.string().trim().min(1).max(200),
  description: z.string().max(2000).nullable().optional(),
  status: campaignStatus
    .default("draft")
    .describe("draft -> active <-> paused -> ended; an ended campaign stays ended. Rules apply only while active."),
  startsAt: dateOrInstant.nullable().optional().describe("Events that occurred from then on (a date: its first instant)"),
  endsAt: dateOrInstant
    .nullable()
    .optional()
    .describe("...and before then (a date is inclusive: up to the end of that day, programme time)"),
  audience: z.array(MemberConditionSchema).max(30).default([]).describe("Who the campaign is for; all must hold"),
  holdoutPercent: z
    .int()
    .min(0)
    .max(50)
    .default(0)
    .describe("This share of the audience, chosen deterministically per member, does not get the campaign (a control group)"),
  budgetPoints: z
    .int()
    .min(1)
    .max(1_000_000_000_000)
    .nullable()
    .optional()
    .describe("Most points the campaign may ever issue, net of returns; never overspent"),
};

export const CreateCampaignSchema = z.object(campaignFields).strict().openapi("CreateCampaign");
export const UpdateCampaignSchema = patchOf(campaignFields)
  .describe("Saves a new version of the campaign")
  .openapi("UpdateCampaign");

export const CampaignSchema = z
  .object({
    id: z.string().openapi({ example: "cmp_01jx5y3k1m9t0v6h2c4d8e7f9a" }),
    name: z.string(),
    description: z.string().nullable(),
    status: campaignStatus,
    running: z.boolean().describe("Active and inside its schedule now"),
    startsAt: z.iso.datetime().nullable(),
    endsAt: z.iso.datetime().nullable(),
    audience: z.array(MemberConditionSchema),
    holdoutPercent: z.int(),
    budget: z
      .object({ points: z.int(), spent: z.int(), remaining: z.int() })
      .nullable()
      .describe("Spent is net of points taken back by returns"),
    version: z.int(),
    ruleIds: z.array(z.string()),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi("Campaign");

export const VersionSchema = z
  .object({
    version: z.int(),
    definition: z.record(z.string(), z.unknown()),
    actor: z.string().describe("Who saved it: staff:<id> for a staff session, key:<id> for an API key"),
    actorName: z.string().nullable().describe("The staff member's name (or email), or the API key's name, as they are now"),
    createdAt: z.iso.datetime(),
  })
  .openapi("Version");

export const BacktestInputSchema = z
  .object({
    from: DateTimeSchema,
    to: DateTimeSchema,
  })
  .strict()
  .refine((b) => new Date(b.to) > new Date(b.from), { message: "to must be after from", path: ["to"] })
  .openapi("BacktestInput");

export const BacktestSchema = z
  .object({
    campaignId: z.string(),
    campaignVersion: z.int(),
    from: z.iso.datetime(),
    to: z.iso.datetime(),
    eventsReplayed: z.int(),
    eventsRewarded: z.int(),
    points: z.int().describe("Points the campaign's rules would have issued"),
    pointsNetOfReturns: z.int().describe("...less what the purchases' returns (to date) would have taken back"),
    membersReached: z.int(),
    membersHeldOut: z.int(),
    cost: z.object({ amount: z.number(), currency: z.string() }).describe("points x the programme's pointValue"),
    budgetExhaustedAt: z.iso.datetime().nullable(),
    topRules: z.array(z.object({ ruleId: z.string(), ruleName: z.string(), points: z.int(), events: z.int(), members: z.int() })),
  })
  .openapi("Backtest");

export const PreviewInputSchema = z
  .object({
    event: z
      .object({
        type: eventType.default("purchase"),
        amount: z.int().min(0).max(MAX_POINTS_PER_OPERATION).optional().describe("Minor units"),
        items: z.array(EventItemSchema).max(100).optional(),
        channel: z.enum(CHANNELS).optional(),
        storeId: z.string().trim().min(1).max(200).optional(),
        occurredAt: DateTimeSchema.optional().describe("Default now (the campaign's schedule is ignored)"),
      })
      .strict(),
    member: z
      .object({
        tierId: z.string().min(1).max(100).nullable().optional().describe("The example member's tier; none by default"),
        segments: z.array(z.string().trim().min(1).max(100)).max(50).default([]),
        purchases: z.int().min(0).max(1_000_000).default(0).describe("Purchases the member made before this one"),
      })
      .strict()
      .default({ segments: [], purchases: 0 }),
  })
  .strict()
  .openapi("CampaignPreviewInput");

export const PreviewSchema = z
  .object({
    campaignId: z.string().nullable().describe("Null: the standing rules alone (POST /v1/rules/preview)"),
    campaignVersion: z.int().nullable(),
    points: z.int().describe("Every point the event would earn: standing rules, the campaign's rules and the tier bonus"),
    campaignPoints: z.int().describe("...of which the campaign's rules give"),
    holdoutPercent: z.int().describe("Members in the holdout would not get the campaign's points"),
    contributions: z.array(
      z.object({
        ruleId: z.string(),
        ruleName: z.string(),
        campaignId: z.string().nullable(),
        points: z.int(),
        stamps: z.int(),
        explanation: z.string(),
      }),
    ),
    skipped: z.array(
      z.object({
        ruleId: z.string(),
        ruleName: z.string(),
        campaignId: z.string().nullable(),
        reason: z.string(),
        explanation: z.string(),
      }),
    ),
  })
  .openapi("CampaignPreview");

export const RuleListQuerySchema = z.object({
  campaignId: z.string().optional(),
  status: ruleStatus.optional(),
  trigger: z.string().optional(),
});

export type CreateRuleInput = z.infer<typeof CreateRuleSchema>;
export type PreviewInput = z.infer<typeof PreviewInputSchema>;
export type UpdateRuleInput = z.infer<typeof UpdateRuleSchema>;
export type CreateCampaignInput = z.infer<typeof CreateCampaignSchema>;
export type UpdateCampaignInput = z.infer<typeof UpdateCampaignSchema>;
