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
import { FREQUENCIES, WEEKDAYS } from "./recurrence.rules.ts";

const ruleStatus = z.enum(["active", "inactive", "archived"]);
const campaignStatus = z.enum(["draft", "active", "paused", "ended"]);

export const CreateRuleSchema = RuleDefinitionSchema.extend({
  campaignId: z.string().min(1).max(100).optional().describe("The campaign the rule belongs to; none for a standing rule"),
  status: ruleStatus.default("active"),
  inForceFrom: DateTimeSchema.optional().describe(
    "Events that occurred from then on are judged by this version; for posting history recorded before the rule was made " +
      "(an import, an offline till syncing). Not in the future; a standing rule only (a campaign's rules are in force " +
      "while its campaign is). Set on creation only: a later version is in force from when it is saved. Default: now",
  ),
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
    inForceFrom: z.iso
      .datetime()
      .nullable()
      .describe("When its first version was put in force, if earlier than it was created (inForceFrom on creation); else null"),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi("Rule");

const nonZero = (n: number) => n !== 0;

export const RecurrenceSchema = z
  .object({
    freq: z.enum(FREQUENCIES).describe("How often the pattern repeats"),
    byMonth: z.array(z.int().min(1).max(12)).min(1).max(12).optional().describe("yearly: the months (1 = January)"),
    byMonthDay: z
      .array(z.int().min(-31).max(31).refine(nonZero, "A day of the month is 1 to 31, or -1 for the last day"))
      .min(1)
      .max(31)
      .optional()
      .describe("monthly, yearly: the days of the month (1-31, -1 the last day); a month without the day is skipped"),
    byWeekday: z
      .array(z.enum(WEEKDAYS))
      .min(1)
      .max(7)
      .optional()
      .describe("weekly: the days of the week; monthly, yearly with nth: the weekday to count"),
    nth: z
      .int()
      .min(-1)
      .max(5)
      .refine(nonZero, "Which weekday of the month: 1 (first) to 5, or -1 (last)")
      .optional()
      .describe("monthly, yearly: with byWeekday, the nth such weekday of the month (1 first, -1 last)"),
    startTime: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, "A start time is HH:MM, 00:00 to 23:59")
      .optional()
      .describe("Programme time each occurrence starts; 00:00 by default"),
    duration: z
      .object({
        months: z.int().min(0).max(12).optional(),
        days: z.int().min(0).max(366).optional(),
        hours: z.int().min(0).max(48).optional(),
        minutes: z.int().min(0).max(59).optional(),
      })
      .strict()
      .optional()
      .describe("How long each occurrence lasts (months and days on the local calendar, so DST-safe); one day by default"),
  })
  .strict()
  .describe(
    "A repeating schedule in the programme's time zone, inside startsAt-endsAt: every December " +
      '({freq: "yearly", byMonth: [12], byMonthDay: [1], duration: {months: 1}}), every Tuesday ' +
      '({freq: "weekly", byWeekday: ["tue"]}), every weekend ({freq: "weekly", byWeekday: ["sat"], duration: {days: 2}}), ' +
      'the first Monday of the month ({freq: "monthly", byWeekday: ["mon"], nth: 1}). Occurrences may not overlap.',
  )
  .openapi("Recurrence");

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
    .describe(
      "This share of the audience, chosen deterministically per member, does not get the campaign (a control group). " +
        "Drawn once for the whole campaign: the same members are held out in every occurrence of a recurring one",
    ),
  budgetPoints: z
    .int()
    .min(1)
    .max(1_000_000_000_000)
    .nullable()
    .optional()
    .describe(
      "Most points the campaign may ever issue (or each occurrence, with budgetPer occurrence), net of returns; never overspent",
    ),
  recurrence: orNull(RecurrenceSchema)
    .optional()
    .describe(
      "Repeats inside startsAt-endsAt: the rules earn only during occurrences, judged at each event's occurredAt. Null: the whole window",
    ),
  budgetPer: z
    .enum(["campaign", "occurrence"])
    .default("campaign")
    .describe(
      "campaign: budgetPoints for the whole campaign; occurrence: budgetPoints for each occurrence, afresh each time, unspent points not carried over (needs a recurrence; set on a draft)",
    ),
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
    state: z
      .enum(["draft", "scheduled", "running", "between", "paused", "ended"])
      .describe(
        "Where the campaign stands now, by its status and schedule (programme time): scheduled (active, not started), running, " +
          "between (recurring, between two occurrences), ended (ended, or its schedule is over)",
      ),
    running: z.boolean().describe("Active and inside its schedule now (in an occurrence, if it recurs)"),
    startsAt: z.iso.datetime().nullable(),
    endsAt: z.iso.datetime().nullable(),
    recurrence: orNull(RecurrenceSchema),
    nextOccurrences: z
      .array(z.object({ startsAt: z.iso.datetime(), endsAt: z.iso.datetime() }))
      .describe(
        "A recurring campaign's next occurrences (the one running now first), cut to its window, at most 5; empty otherwise",
      ),
    budgetPer: z.enum(["campaign", "occurrence"]),
    audience: z.array(MemberConditionSchema),
    holdoutPercent: z.int(),
    budget: z
      .object({ points: z.int(), spent: z.int(), remaining: z.int() })
      .nullable()
      .describe("Spent is net of points taken back by returns; with a budget per occurrence, of the occurrence running now"),
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
