import { z } from "@hono/zod-openapi";
import { ExpiryPolicySchema } from "../programs/programs.schemas.ts";
import { MAX_POINTS_PER_OPERATION as MAX_MINOR } from "../shared/points.ts";
import { DayOrDateTimeSchema } from "../shared/schemas.ts";

/**
 * The language of earn rules: when (trigger and conditions) -> what (effect) -> within which
 * limits. Stored as JSON on each rule version; the rules engine (evaluate.rules.ts and the files
 * it uses) reads it.
 */

const label = z.string().trim().min(1).max(200);
const labels = z.array(label).min(1).max(500);
const points = z.int().min(1).max(1_000_000);
const minor = z.int().min(0).max(MAX_MINOR);

export const EVENT_TYPE_PATTERN = /^[a-z][a-z0-9_.-]{0,63}$/;
export const eventType = z
  .string()
  .regex(EVENT_TYPE_PATTERN, "lowercase letters, digits, _ . - (e.g. purchase, signup, review)")
  .describe("purchase, return, or any custom action such as signup, review, birthday, survey, app_download");

/** A local date (YYYY-MM-DD, whole days in the programme's time zone) or an instant with an offset. */
export const dateOrInstant = DayOrDateTimeSchema.describe(
  "YYYY-MM-DD (a whole day in the programme's time zone) or an ISO date-time with offset",
);

export const ItemFilterSchema = z
  .object({
    skus: labels.optional(),
    categories: labels.optional(),
    brands: labels.optional(),
  })
  .strict()
  .openapi("ItemFilter");

export const ItemsSelectorSchema = z
  .object({
    include: ItemFilterSchema.optional().describe("An item is eligible if it matches any listed sku, category or brand"),
    exclude: ItemFilterSchema.optional().describe("...and matches none of these"),
  })
  .strict()
  .openapi("ItemsSelector");

export const CHANNELS = ["store", "online", "app", "partner"] as const;
export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "HH:MM, 24-hour");
const attributeTest = {
  key: z.string().min(1).max(100),
  op: z.enum(["eq", "neq", "in", "exists", "gte", "lte"]).default("eq"),
  value: z.unknown().optional().describe("The value to compare (an array for `in`; not needed for `exists`)"),
};

/** Conditions about the member alone: usable in rules and in a campaign's audience. */
export const MemberConditionSchema = z
  .discriminatedUnion("type", [
    z.object({ type: z.literal("member_attribute"), ...attributeTest }).strict(),
    z
      .object({ type: z.literal("tier"), in: labels.describe("Tier ids or names; a member without a tier matches none") })
      .strict(),
    z.object({ type: z.literal("segment"), in: labels.describe("Segment ids; the member must be in at least one") }).strict(),
  ])
  .openapi("MemberCondition");

export const ConditionSchema = z
  .discriminatedUnion("type", [
    z.object({ type: z.literal("min_amount"), amount: minor.describe("The event's amount, in minor units, at least") }).strict(),
    z.object({ type: z.literal("channel"), in: z.array(z.enum(CHANNELS)).min(1) }).strict(),
    z.object({ type: z.literal("store"), in: labels }).strict(),
    z.object({ type: z.literal("partner"), in: labels }).strict(),
    z.object({ type: z.literal("event_attribute"), ...attributeTest }).strict(),
    z.object({ type: z.literal("member_attribute"), ...attributeTest }).strict(),
    z.object({ type: z.literal("tier"), in: labels }).strict(),
    z.object({ type: z.literal("segment"), in: labels }).strict(),
    z
      .object({ type: z.literal("day_of_week"), days: z.array(z.enum(WEEKDAYS)).min(1).max(7) })
      .strict()
      .describe("When the event occurred, in the programme's time zone"),
    z
      .object({ type: z.literal("time_of_day"), from: hhmm, to: hhmm.describe("Exclusive; before `from` wraps past midnight") })
      .strict(),
    z
      .object({
        type: z.literal("date_window"),
        from: dateOrInstant.optional(),
        to: dateOrInstant.optional().describe("Inclusive for a date"),
      })
      .strict(),
    z
      .object({
        type: z.literal("purchase_number"),
        n: z.int().min(1).max(100_000).describe("1 = the member's first purchase"),
        every: z.boolean().default(false).describe("true: every n-th purchase (n, 2n, 3n ...)"),
      })
      .strict(),
  ])
  .openapi("Condition");

const rounding = z.enum(["floor", "round", "ceil"]).describe("floor: whole units only; round: half up; ceil: any part");

export const EffectSchema = z
  .discriminatedUnion("type", [
    z
      .object({
        type: z.literal("points_per_amount"),
        points: points.describe("Points for every `per` minor units of eligible amount"),
        per: z.int().min(1).max(1_000_000).default(100),
        rounding: rounding.default("floor"),
      })
      .strict(),
    z.object({ type: z.literal("points_per_item"), points: points.describe("Points per unit of an eligible item") }).strict(),
    z.object({ type: z.literal("fixed_points"), points }).strict(),
    z
      .object({
        type: z.literal("multiplier"),
        factor: z
          .number()
          .gt(1)
          .max(100)
          // 1.1 * 100 is 110.00000000000001 in binary floating point: compare with a tolerance
          .refine((f) => Math.abs(Math.round(f * 100) - f * 100) < 1e-6, "at most two decimals"),
        rounding: rounding.default("floor"),
        appliesTo: z
          .array(z.string())
          .max(100)
          .optional()
          .describe("Rule ids whose points it multiplies; by default every non-multiplier rule that applied"),
      })
      .strict()
      .describe("Adds (factor - 1) x the points other rules gave (on this rule's eligible items only)"),
    z
      .object({
        type: z.literal("stamps"),
        cardSize: z.int().min(2).max(1000),
        per: z.enum(["event", "item"]).default("event").describe("One stamp per event, or per unit of eligible items"),
        rewardPoints: points.describe("Points for each completed card"),
      })
      .strict(),
  ])
  .openapi("Effect");

export const PERIODS = ["day", "week", "month", "year", "lifetime"] as const;

export const LimitsSchema = z
  .object({
    perEvent: points.optional().describe("At most this many points from this rule for one event"),
    perMember: z
      .object({
        period: z.enum(PERIODS).describe("Calendar periods in the programme's time zone (weeks start Monday)"),
        maxPoints: points.optional(),
        maxAwards: z.int().min(1).max(1_000_000).optional(),
      })
      .strict()
      .refine((l) => l.maxPoints !== undefined || l.maxAwards !== undefined, "set maxPoints, maxAwards or both")
      .optional(),
  })
  .strict()
  .openapi("Limits");

const ruleFields = {
  name: label,
  description: z.string().max(2000).optional(),
  trigger: eventType.describe("The event type the rule listens to"),
  conditions: z.array(ConditionSchema).max(30).default([]).describe("All must hold"),
  items: ItemsSelectorSchema.optional().describe(
    "Earn on eligible items only; an event without a matching item does not match the rule",
  ),
  effect: EffectSchema,
  limits: LimitsSchema.default({}),
  priority: z.int().min(-1000).max(1000).default(0).describe("Higher first: breaks ties and spends budgets first"),
  stacking: z
    .enum(["stack", "exclusive"])
    .default("stack")
    .describe("exclusive: best-of among the exclusive rules of its kind (base points or multipliers)"),
  pendingDays: z.int().min(0).max(365).optional().describe("Overrides the programme's pending period"),
  expiry: ExpiryPolicySchema.optional().describe("Overrides the programme's points expiry"),
  fundedBy: z
    .enum(["program", "partner"])
    .default("program")
    .describe("partner: the event's partnerId owes these points (recorded in the ledger)"),
};

export const RuleDefinitionSchema = z.object(ruleFields).strict();
export type RuleDefinition = z.infer<typeof RuleDefinitionSchema>;
export type Condition = z.infer<typeof ConditionSchema>;
export type MemberCondition = z.infer<typeof MemberConditionSchema>;
export type Effect = z.infer<typeof EffectSchema>;
export type ItemsSelector = z.infer<typeof ItemsSelectorSchema>;
