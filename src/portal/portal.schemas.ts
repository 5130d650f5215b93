import { z } from "@hono/zod-openapi";
import { BalanceSchema, LedgerPageQuery } from "../ledger/ledger.schemas.ts";
import { CreateMemberSchema, MemberDetailSchema, MemberSchema, UpdateMemberSchema } from "../members/members.schemas.ts";
import { CreateRedemptionSchema } from "../rewards/rewards.schemas.ts";

export const PortalProgramParams = z.object({
  programId: z
    .string()
    .min(1)
    .max(100)
    .openapi({ param: { name: "programId", in: "path" }, example: "prg_01jx5y3k1m9t0v6h2c4d8e7f9a" }),
});

export const LandingSchema = z
  .object({
    program: z.object({ id: z.string(), name: z.string(), currency: z.string() }),
    tiers: z
      .array(z.object({ name: z.string(), threshold: z.int(), benefits: z.array(z.string()) }))
      .describe("The tier ladder, bottom first"),
    tierMetric: z.enum(["points_earned", "spend", "purchases"]).nullable().describe("What tier thresholds count; null: no tiers"),
    rewards: z
      .array(
        z.object({
          id: z.string(),
          name: z.string(),
          description: z.string().nullable(),
          costPoints: z.int(),
          imageUrl: z.string().nullable(),
          category: z.string().nullable(),
        }),
      )
      .describe("Active rewards, cheapest first"),
    earning: z
      .array(z.object({ name: z.string(), description: z.string().nullable(), trigger: z.string() }))
      .describe("How points are earned: the rules every member earns by now, in their own words"),
  })
  .openapi("PortalLanding");

const { email, name, phone, birthDate, referralCode } = CreateMemberSchema.shape;

export const PortalEnrolSchema = z
  .object({
    email: email.unwrap(),
    name,
    phone,
    birthDate,
    referralCode,
    marketingConsent: z.boolean().describe("The member's answer to the marketing question, recorded with the time"),
  })
  .strict()
  .openapi("PortalEnrol");

export const CodeRequestSchema = z.object({ email: email.unwrap() }).strict().openapi("PortalCodeRequest");

export const CodeSentSchema = z
  .object({
    email: z.string(),
    message: z.string(),
  })
  .openapi("PortalCodeSent");

export const PortalSignInSchema = z
  .object({
    email: email.unwrap(),
    code: z
      .string()
      .trim()
      .regex(/^\d{3}[\s-]?\d{3}$/, "the 6-digit code from the email")
      .describe("The 6-digit code from the email"),
  })
  .strict()
  .openapi("PortalSignIn");

const BUSINESS_ONLY = { attributes: true, externalId: true } as const;

/** The member as they see themselves: without the business's attributes and external id. */
export const OwnMemberSchema = MemberSchema.omit(BUSINESS_ONLY).openapi("OwnMember");

export const MemberSessionSchema = z
  .object({
    member: OwnMemberSchema,
    programId: z.string(),
    csrfToken: z.string().describe("Send it in X-CSRF-Token with every change"),
    expiresAt: z.iso.datetime(),
  })
  .openapi("MemberSession");

export const MeSchema = MemberDetailSchema.omit(BUSINESS_ONLY)
  .extend({
    balance: BalanceSchema.describe("Available, pending (not yet spendable), held and expiring points"),
  })
  .openapi("Me");

const { name: n, phone: p, birthDate: b, marketingConsent } = UpdateMemberSchema.shape;
export const UpdateMeSchema = z
  .object({ name: n, phone: p, birthDate: b, marketingConsent })
  .strict()
  .describe("Send only what changes; null clears a field")
  .openapi("UpdateMe");

export const MeLedgerQuery = LedgerPageQuery;

export const MeLedgerEntrySchema = z
  .object({
    id: z.string(),
    type: z.enum(["earn", "adjustment", "transfer", "hold", "capture", "void", "activation", "expiry", "reversal"]),
    points: z.int().describe("The transaction's size"),
    netChange: z.int().describe("Change to the member's points (available + pending + held - debt)"),
    reason: z.string().nullable(),
    effectiveAt: z.iso.datetime(),
    createdAt: z.iso.datetime(),
  })
  .openapi("MeLedgerEntry");

export const MeRedemptionSchema = CreateRedemptionSchema.pick({ rewardId: true }).strict().openapi("MeRedemption");

export const SignedOutSchema = z.object({ signedOut: z.boolean() });

export type PortalEnrol = z.infer<typeof PortalEnrolSchema>;
