import { z } from "@hono/zod-openapi";
import { ExpiryPolicySchema } from "../programs/programs.schemas.ts";
import { labelled } from "../shared/field-words.ts";
import { MAX_POINTS_PER_OPERATION } from "../shared/points.ts";
import { DateTimeSchema, orNull } from "../shared/schemas.ts";

const amount = z.int().min(0).max(MAX_POINTS_PER_OPERATION);

export const TierWindowSchema = z
  .discriminatedUnion("type", [
    z.object({ type: z.literal("rolling_months"), months: z.int().min(1).max(120) }).strict(),
    z.object({ type: z.literal("calendar_year") }).strict(),
    z.object({ type: z.literal("lifetime") }).strict(),
  ])
  .describe(
    "What the metric counts: the last N months up to now, the calendar year so far (programme time; on 1 January at midnight, the year that ended), or everything",
  )
  .openapi("TierWindow");

export const TierPolicySchema = z
  .object({
    metric: z
      .enum(["points_earned", "spend", "purchases"])
      .describe(
        "points_earned: points events gave (net of returns); spend: purchase amounts net of returns, minor units; purchases: purchases not fully returned",
      ),
    window: TierWindowSchema,
    periodMonths: z
      .int()
      .min(1)
      .max(120)
      .default(12)
      .describe(
        "How long a tier is held before its review; with a calendar_year window the review is on 1 January after the year in which the period ends",
      ),
    graceDays: z
      .int()
      .min(0)
      .max(365)
      .default(0)
      .describe("Days a member short at a review keeps the tier to requalify before the downgrade"),
  })
  .strict()
  .refine((p) => p.graceDays < p.periodMonths * 28, {
    message: "Grace days must be shorter than the tier period",
    path: ["graceDays"],
  })
  .openapi("TierPolicy");

const multiplier = z
  .number()
  .min(1)
  .max(10)
  .refine((m) => Math.abs(m * 100 - Math.round(m * 100)) < 1e-9, "must have at most two decimals (e.g. 1.25)");

export const TierInputSchema = z
  .object({
    id: z.string().min(1).max(100).optional().describe("An existing tier's id: updated in place (members keep it)"),
    name: labelled(z.string().trim().min(1).max(100), { label: "Tier name" }),
    threshold: labelled(amount.describe("The metric needed to reach this tier; the bottom tier's is 0"), {
      label: "Threshold",
    }),
    retainThreshold: labelled(
      amount.describe("The metric needed to keep the tier at a review (at most the threshold; default the threshold)"),
      { label: "Threshold to keep the tier" },
    ).optional(),
    earnMultiplier: labelled(multiplier, { label: "Earn multiplier" })
      .default(1)
      .describe("Every point the rules give an event earned in this tier is multiplied: floor(points x (m - 1)) extra"),
    pointsExpiry: orNull(ExpiryPolicySchema)
      .optional()
      .describe("Expiry of points earned in this tier (a rule's own expiry still wins); default the programme's"),
    benefits: z.array(z.string().trim().min(1).max(200)).max(50).default([]),
  })
  .strict()
  .openapi("TierInput");

export const PutTiersSchema = z
  .object({
    policy: TierPolicySchema,
    tiers: z.array(TierInputSchema).max(20).describe("Bottom tier first; an empty list removes the ladder"),
  })
  .strict()
  .superRefine((body, ctx) => {
    const names = new Set<string>();
    const ids = new Set<string>();
    // Thresholds in order are checked with the programme's currency (checkLadderThresholds,
    // ladder-input.rules.ts), so a refusal speaks money, not minor units.
    body.tiers.forEach((tier, i) => {
      const name = tier.name.toLowerCase();
      if (names.has(name))
        ctx.addIssue({ code: "custom", path: ["tiers", i, "name"], message: `Two tiers are named ${tier.name}` });
      names.add(name);
      if (tier.id !== undefined) {
        if (ids.has(tier.id))
          ctx.addIssue({ code: "custom", path: ["tiers", i, "id"], message: `Tier ${tier.id} is listed twice` });
        ids.add(tier.id);
      }
    });
  })
  .openapi("PutTiers");

export type PutTiersInput = z.infer<typeof PutTiersSchema>;

export const TierSchema = z
  .object({
    id: z.string().openapi({ example: "tie_01jx5y3k1m9t0v6h2c4d8e7f9a" }),
    name: z.string(),
    rank: z.int().describe("0 is the bottom tier"),
    threshold: z.int(),
    retainThreshold: z.int().nullable(),
    earnMultiplier: z.number(),
    pointsExpiry: orNull(ExpiryPolicySchema),
    benefits: z.array(z.string()),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi("Tier");

export const LadderSchema = z
  .object({
    policy: orNull(TierPolicySchema).describe("Null: the programme has no tiers"),
    tiers: z.array(TierSchema),
  })
  .openapi("TierLadder");

export const AssignTierSchema = z
  .object({
    tierId: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .describe("The tier to give; default the member's current tier (to lock or unlock it)"),
    locked: z
      .boolean()
      .optional()
      .describe("true: upgrades and reviews leave the member alone (VIP); false without tierId: unlock, normal rules from now"),
    reason: z.string().trim().min(1).max(500).describe("Why, for the tier history"),
  })
  .strict()
  .refine((b) => b.tierId !== undefined || b.locked !== undefined, {
    message: "give tierId, locked, or both",
    path: ["tierId"],
  })
  .openapi("AssignTier");

export type AssignTierInput = z.infer<typeof AssignTierSchema>;

export const TierStatusQuerySchema = z.object({
  asOf: DateTimeSchema.optional().openapi({
    description: "The state as of this time, reviews due by then applied (default now); years 1900 to 9999",
  }),
});

const TierRef = z.object({ id: z.string(), name: z.string() });

/** Why a member's tier state changed; `ladder_changed`: their tier became or stopped being the bottom. */
export const TierChangeReasonSchema = z.enum([
  "enrolment",
  "qualified",
  "retained",
  "grace",
  "downgraded",
  "manual",
  "unlocked",
  "ladder_changed",
]);

export const TierChangeSchema = z
  .object({
    at: z.iso.datetime().describe("When the change took effect (a review: when it fell due)"),
    reason: TierChangeReasonSchema,
    from: TierRef.nullable(),
    to: TierRef.nullable(),
    metric: z.int().nullable().describe("The qualifying metric the decision was made on"),
    since: z.iso.datetime().nullable(),
    reviewAt: z.iso.datetime().nullable(),
    graceUntil: z.iso.datetime().nullable(),
    locked: z.boolean(),
    note: z.string().nullable(),
  })
  .openapi("TierChange");

export const TierStatusSchema = z
  .object({
    memberId: z.string(),
    asOf: z.iso.datetime(),
    tier: z
      .object({ id: z.string(), name: z.string(), rank: z.int(), earnMultiplier: z.number(), benefits: z.array(z.string()) })
      .nullable(),
    since: z.iso
      .datetime()
      .nullable()
      .describe("When the member reached the tier (null: held since before the programme had tiers)"),
    locked: z.boolean(),
    metric: z.enum(["points_earned", "spend", "purchases"]),
    window: z.object({ from: z.iso.datetime().nullable(), to: z.iso.datetime() }).describe("The window counted: (from, to]"),
    progress: z.object({
      metric: z.int().describe("The qualifying metric over the window"),
      percentToNext: z.int().nullable().describe("Of the next tier's threshold, rounded down, at most 100"),
    }),
    nextTier: z.object({ id: z.string(), name: z.string(), rank: z.int(), threshold: z.int() }).nullable(),
    amountToNext: z.int().nullable().describe("Metric still needed to reach the next tier"),
    amountToKeep: z
      .int()
      .nullable()
      .describe(
        "Metric still needed, counted over the window the next review (or end of grace) looks at, to keep the tier; null when the tier is not reviewed",
      ),
    reviewAt: z.iso.datetime().nullable(),
    graceUntil: z.iso.datetime().nullable(),
    history: z.array(TierChangeSchema).describe("Every change up to asOf, oldest first"),
  })
  .openapi("TierStatus");
