import { z } from "@hono/zod-openapi";
import { isSupportedCountry } from "libphonenumber-js";
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
const clawbackPolicy = z
  .enum(["available_only", "allow_debt"])
  .describe("When taking points back (a reversal) finds them spent: refuse, or record a debt settled by later credits");

export const CreateProgramSchema = z
  .object({
    name,
    currency,
    timezone,
    country: country.optional(),
    pointsExpiry: ExpiryPolicySchema.default({ policy: "none" }),
    pendingDays: pendingDays.default(0),
    clawbackPolicy: clawbackPolicy.default("available_only"),
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
    clawbackPolicy: clawbackPolicy.optional(),
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
    clawbackPolicy: clawbackPolicy,
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi("Program");

export type CreateProgramInput = z.infer<typeof CreateProgramSchema>;
export type UpdateProgramInput = z.infer<typeof UpdateProgramSchema>;
