import { z } from "@hono/zod-openapi";
import { labelled } from "../shared/field-words.ts";
import { DaySchema, orNull } from "../shared/schemas.ts";

const externalId = labelled(z.string().trim().min(1).max(200).describe("Your system's id for this customer"), {
  label: "External id",
});
const email = labelled(z.email().max(320), { label: "Email", ask: "Enter an email address, such as name@example.com" });
const phone = labelled(
  z.string().trim().min(3).max(40).describe("Any common format; stored as E.164 using the programme's country"),
  { label: "Phone", ask: "Enter a phone number with its area code" },
);
const name = labelled(z.string().trim().min(1).max(200), { label: "Name" });
const birthDate = labelled(DaySchema.describe("YYYY-MM-DD, in the years 1900 to 9999, not in the future"), {
  label: "Birthday",
});
const marketingConsent = z
  .boolean()
  .describe("Whether the member agrees to marketing messages; recording a change stamps the time (marketingConsent.at)");
const attributes = z
  .record(z.string().min(1).max(100), z.unknown())
  .refine((a) => JSON.stringify(a).length <= 16_384, "must serialize to at most 16 KiB")
  .describe("Free-form facts about the member (e.g. segment, preferred store)");

export const CreateMemberSchema = z
  .object({
    externalId: externalId.optional(),
    email: email.optional(),
    phone: phone.optional(),
    name: name.optional(),
    birthDate: birthDate.optional(),
    attributes: attributes.optional(),
    marketingConsent: marketingConsent.optional(),
    referralCode: z
      .string()
      .trim()
      .min(4)
      .max(40)
      .optional()
      .describe("Another member's referral code: links the two; refused if unknown or the member's own (same email or phone)"),
  })
  .strict()
  .openapi("CreateMember");

export const UpdateMemberSchema = z
  .object({
    externalId: externalId.nullable().optional(),
    email: email.nullable().optional(),
    phone: phone.nullable().optional(),
    name: name.nullable().optional(),
    birthDate: birthDate.nullable().optional(),
    attributes: attributes.optional().describe("Replaces the attributes object"),
    status: z.enum(["active", "blocked"]).optional(),
    marketingConsent: marketingConsent.optional(),
  })
  .strict()
  .openapi("UpdateMember");

export const MemberSchema = z
  .object({
    id: z.string().openapi({ example: "mem_01jx5y3k1m9t0v6h2c4d8e7f9a" }),
    externalId: z.string().nullable(),
    email: z.string().nullable(),
    phone: z.string().nullable().describe("E.164"),
    name: z.string().nullable(),
    birthDate: z.string().nullable(),
    attributes: z.record(z.string(), z.unknown()),
    status: z.enum(["active", "blocked"]),
    referralCode: z.string().describe("Share it: new members who enrol with it are linked to this member"),
    cardNumber: z
      .string()
      .describe(
        "The member's card: 12 digits given at enrolment, unique, shown as a QR code in the portal and found by a till's lookup",
      ),
    referredBy: z.string().nullable().describe("The member whose referral code this member enrolled with"),
    marketingConsent: z
      .object({
        granted: z.boolean(),
        at: z.iso.datetime().nullable().describe("When it was last given or withdrawn; null: never asked"),
      })
      .describe("Consent to marketing messages, as the member last gave or withdrew it"),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi("Member");

export const MemberDetailSchema = MemberSchema.extend({
  loyalty: z
    .object({
      available: z.int().describe("Spendable points now"),
      tier: z.object({ id: z.string(), name: z.string(), rank: z.int() }).nullable(),
      nextReward: z
        .object({ rewardId: z.string(), name: z.string(), costPoints: z.int(), pointsToGo: z.int() })
        .nullable()
        .describe("The cheapest active reward the member cannot afford yet"),
      upcomingExpiries: z
        .array(z.object({ points: z.int(), expiresAt: z.iso.datetime() }))
        .describe("The next (up to five) dates points expire, soonest first"),
    })
    .describe("What a portal shows beside the member's name"),
}).openapi("MemberDetail");

export const MemberSearchSchema = z.object({
  phone: z.string().optional().openapi({ description: "Exact match after E.164 normalization" }),
  email: z.string().optional().openapi({ description: "Exact match, case-insensitive" }),
  externalId: z.string().optional(),
  cardNumber: z.string().max(40).optional().openapi({ description: "Exact match; spaces and dashes ignored" }),
  q: z.string().min(1).max(200).optional().openapi({ description: "Substring of name, email, phone or external id" }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().optional().openapi({ description: "nextCursor from the previous page (of the same sort)" }),
  sort: z.enum(["id", "clv", "-clv", "probabilityAlive", "-probabilityAlive"]).default("id").openapi({
    description:
      "id (default): by member id. clv, probabilityAlive: by that figure of `value`, ascending, or descending with a leading '-' (ties by member id, in the same direction); sorting by a figure lists only members that have one (`value` not null)",
  }),
  minClv: z.coerce.number().int().min(0).optional().openapi({
    description: "Only members whose value.clv is at least this (minor units); members without a value are left out",
  }),
  maxClv: z.coerce.number().int().min(0).optional().openapi({ description: "Only members whose value.clv is at most this" }),
  minProbabilityAlive: z.coerce
    .number()
    .min(0)
    .max(1)
    .optional()
    .openapi({ description: "Only members whose value.probabilityAlive is at least this (0..1)" }),
  maxProbabilityAlive: z.coerce.number().min(0).max(1).optional().openapi({
    description: "Only members whose value.probabilityAlive is at most this (0..1): e.g. 0.5 for members likely lost",
  }),
});

/** A member's stored figures on the member list (the latest successful fit's, 12 months at 0.01 a month). */
export const MemberListValueSchema = orNull(
  z
    .object({
      fitId: z.string(),
      frequency: z.int(),
      recency: z.number(),
      age: z.number(),
      monetary: z.number(),
      expected30: z.number(),
      expected90: z.number(),
      expected365: z.number(),
      probabilityAlive: z.number(),
      expectedSpend: z.int(),
      clv: z.int(),
      horizonMonths: z.int(),
      discountRate: z.number(),
    })
    .openapi("MemberListValue"),
).describe(
  "The member's figures under the latest successful customer-value fit (GET /v1/members/{memberId}/value defines each); null: the member had no purchase counted by that fit, or none has succeeded",
);

export const MemberListItemSchema = MemberSchema.extend({
  tierId: z
    .string()
    .nullable()
    .describe(
      "The member's tier of record (names in GET /v1/tiers); null: none, which is the bottom tier when the programme has tiers. Reviews that fell due since the jobs last ran are not applied here: GET /v1/members/{id}/tier is exact",
    ),
  value: MemberListValueSchema,
}).openapi("MemberListItem");

export const MemberListSchema = z
  .object({
    data: z.array(MemberListItemSchema),
    nextCursor: z.string().nullable(),
    total: z
      .object({
        count: z.int().describe("Members matching the search, all pages together, counted exactly up to 10,000"),
        capped: z.boolean().describe("true: more than `count` (10,000) match and counting stopped there"),
      })
      .describe("How many members match the search (the same on every page)"),
  })
  .openapi("MemberList");

const MemberRefSchema = z.object({
  id: z.string(),
  name: z.string().nullable(),
  email: z.string().nullable(),
  status: z.enum(["active", "blocked"]),
});

export const ReferralSchema = z
  .object({
    member: MemberRefSchema.describe("The other member: the referee in `data`, the referrer in `referredBy`"),
    status: z
      .enum(["pending", "rewarded", "refused", "reversed"])
      .describe("pending: the referee has not made a qualifying purchase yet"),
    refusedReason: z.string().nullable(),
    referrerPoints: z.int(),
    refereePoints: z.int(),
    createdAt: z.iso.datetime(),
    qualifiedAt: z.iso.datetime().nullable(),
  })
  .openapi("Referral");

export const ReferralsSchema = z
  .object({
    referredBy: orNull(ReferralSchema).describe("Who referred this member, if anyone"),
    data: z.array(ReferralSchema).describe("Members this member referred, newest first"),
    nextCursor: z.string().nullable(),
  })
  .openapi("Referrals");

export type CreateMemberInput = z.infer<typeof CreateMemberSchema>;
export type UpdateMemberInput = z.infer<typeof UpdateMemberSchema>;
export type MemberSearch = z.infer<typeof MemberSearchSchema>;
