import { z } from "@hono/zod-openapi";
import { isSupportedCountry } from "libphonenumber-js";
import { ClawbackPolicySchema, ReturnPolicySchema } from "../ledger/ledger.schemas.ts";
import { MAX_POINTS_PER_OPERATION } from "../shared/points.ts";
import { orNull } from "../shared/schemas.ts";
import { isValidCurrency, isValidTimezone } from "./programs.rules.ts";

export const ExpiryPolicySchema = z
  .discriminatedUnion("policy", [
    z.object({ policy: z.literal("none") }),
    z.object({
      policy: z.literal("fixed_period"),
      months: z.int().min(1).max(120).describe("Points expire this many months after they are credited"),
      roundTo: z
        .enum(["none", "month_end"])
        .default("none")
        .describe("month_end: expire at the end of that month in the programme's time zone"),
    }),
  ])
  .openapi("ExpiryPolicy");

const name = z.string().trim().min(1).max(200);
const currency = z
  .string()
  .length(3)
  .transform((c) => c.toUpperCase())
  .refine(isValidCurrency, "must be an ISO 4217 currency code such as USD");
const timezone = z.string().refine(isValidTimezone, "must be an IANA time zone such as America/New_York");
const country = z
  .string()
  .length(2)
  .transform((c) => c.toUpperCase())
  .refine((c) => isSupportedCountry(c), "must be an ISO 3166-1 alpha-2 country code such as US")
  .describe("Used to read phone numbers written without a country code");
const pendingDays = z.int().min(0).max(365).describe("Days before credited points become available (e.g. past a return window)");

const unknownMemberPolicy = z
  .enum(["reject", "enroll", "guest"])
  .describe(
    "An event for a member the programme does not know: refuse it (404), enrol the member from the event's member details, or record a purchase as a guest purchase a member can claim later",
  );
const guestClaimDays = z.int().min(0).max(3650).describe("How long after a guest purchase a member may claim it");
const pointValue = z
  .number()
  .min(0)
  .max(1_000_000)
  .describe("What one point costs the programme, in minor units of its currency (campaign cost reports)");
const maxPurchaseAmount = z
  .int()
  .min(1)
  .max(MAX_POINTS_PER_OPERATION)
  .describe(
    "The largest purchase accepted, in minor units: a purchase above it is refused (a mistyped amount at a till). Default 10,000 in the currency's major unit (1000000 for USD)",
  );

export const ReferralPolicySchema = z
  .object({
    referrerPoints: z.int().min(0).max(1_000_000),
    refereePoints: z.int().min(0).max(1_000_000),
    minPurchaseAmount: z
      .int()
      .min(0)
      .max(1_000_000_000_000)
      .default(0)
      .describe("The first purchase that qualifies, in minor units"),
    maxRewardsPerMonth: z.int().min(1).max(10_000).default(10).describe("Rewarded referrals per referrer per calendar month"),
  })
  .strict()
  .describe("Rewards when a referred member makes a first qualifying purchase; null: no referral scheme")
  .openapi("ReferralPolicy");

export const PaymentPolicySchema = z
  .object({
    pointValue: z
      .number()
      .gt(0)
      .max(1_000_000)
      .describe("Minor units of the programme's currency one point pays for (e.g. 1: a point is a cent)"),
    minPoints: z.int().min(1).max(1_000_000_000).default(1).describe("The smallest payment, in points"),
    minSharePercent: z.number().min(0).max(100).default(0).describe("The least share of an order a points payment may cover"),
    maxSharePercent: z.number().gt(0).max(100).default(100).describe("The most share of an order a points payment may cover"),
  })
  .strict()
  .refine((p) => p.minSharePercent <= p.maxSharePercent, {
    message: "minSharePercent cannot exceed maxSharePercent",
    path: ["minSharePercent"],
  })
  .describe("Paying for orders with points; null: off")
  .openapi("PaymentPolicy");

export const CreateProgramSchema = z
  .object({
    name,
    currency,
    timezone,
    country: country.optional(),
    pointsExpiry: ExpiryPolicySchema.default({ policy: "none" }),
    pendingDays: pendingDays.default(0),
    clawbackPolicy: ClawbackPolicySchema.default("available_only"),
    unknownMemberPolicy: unknownMemberPolicy.default("reject"),
    guestClaimDays: guestClaimDays.default(30),
    returnPolicy: ReturnPolicySchema.default("available_only"),
    pointValue: pointValue.default(1),
    referralPolicy: orNull(ReferralPolicySchema).default(null),
    paymentPolicy: orNull(PaymentPolicySchema).default(null),
    maxPurchaseAmount: maxPurchaseAmount.optional(),
  })
  .strict()
  .openapi("CreateProgram");

export const UpdateProgramSchema = z
  .object({
    name: name.optional(),
    timezone: timezone.optional(),
    country: country.nullable().optional(),
    pointsExpiry: ExpiryPolicySchema.optional(),
    pendingDays: pendingDays.optional(),
    clawbackPolicy: ClawbackPolicySchema.optional(),
    unknownMemberPolicy: unknownMemberPolicy.optional(),
    guestClaimDays: guestClaimDays.optional(),
    returnPolicy: ReturnPolicySchema.optional(),
    pointValue: pointValue.optional(),
    referralPolicy: orNull(ReferralPolicySchema).optional(),
    paymentPolicy: orNull(PaymentPolicySchema).optional(),
    maxPurchaseAmount: maxPurchaseAmount.nullable().optional().describe("null: back to the default"),
  })
  .strict()
  .openapi("UpdateProgram");

export const ProgramSchema = z
  .object({
    id: z.string().openapi({ example: "prg_01jx5y3k1m9t0v6h2c4d8e7f9a" }),
    name: z.string(),
    currency: z.string(),
    timezone: z.string(),
    country: z.string().nullable(),
    pointsExpiry: ExpiryPolicySchema,
    pendingDays: z.int(),
    clawbackPolicy: ClawbackPolicySchema,
    unknownMemberPolicy,
    guestClaimDays: z.int(),
    returnPolicy: ReturnPolicySchema,
    pointValue: z.number(),
    referralPolicy: orNull(ReferralPolicySchema),
    paymentPolicy: orNull(PaymentPolicySchema),
    maxPurchaseAmount: z.int().describe("The largest purchase accepted, in minor units (the programme's own or the default)"),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi("Program");

export type CreateProgramInput = z.infer<typeof CreateProgramSchema>;
export type UpdateProgramInput = z.infer<typeof UpdateProgramSchema>;
