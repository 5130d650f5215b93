import { z } from "@hono/zod-openapi";
import { CHANNELS, eventType } from "../earning/earning.schemas.ts";
import { MAX_POINTS_PER_OPERATION } from "../shared/points.ts";
import { DateTimeSchema } from "../shared/schemas.ts";
import { TierChangeReasonSchema } from "../tiers/tiers.schemas.ts";

const money = z.int().min(0).max(MAX_POINTS_PER_OPERATION);
const label = z.string().trim().min(1).max(200);

/**
 * The integrator's anonymous reference to a customer: letters, digits and `-_.:+/=` (a token, a hex or base64
 * hash, with an optional `scheme:` prefix), 1 to 128 characters. No `@` and no spaces, so a raw email or name
 * is refused rather than stored.
 */
export const CUSTOMER_REF_PATTERN = /^[A-Za-z0-9._:+/=-]{1,128}$/;

export const CustomerRefSchema = z
  .string()
  .regex(CUSTOMER_REF_PATTERN, "1 to 128 letters, digits or - _ . : + / = (a token or a hash, not an email or a name)");

export const EventItemSchema = z
  .object({
    sku: label,
    name: label.optional(),
    category: label.optional(),
    brand: label.optional(),
    quantity: z.int().min(1).max(1_000_000).default(1),
    unitPrice: money.describe("Minor units"),
  })
  .strict()
  .openapi("EventItem");

export const MemberRefSchema = z
  .object({
    externalId: label.optional(),
    email: z.email().max(320).optional(),
    phone: z.string().trim().min(3).max(40).optional(),
  })
  .strict()
  .refine((r) => r.externalId !== undefined || r.email !== undefined || r.phone !== undefined, "give externalId, email or phone")
  .describe(
    "Finds the member by externalId, else email, else phone; under the enroll policy, unknown ones are enrolled with these",
  )
  .openapi("MemberRef");

export const EventInputSchema = z
  .object({
    id: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces")
      .describe(
        "Your unique id for this event: the idempotency key. A replay answers the first result. Ids starting `signup:` or `birthday:` are the system's own.",
      ),
    type: eventType,
    memberId: z.string().min(1).max(100).optional(),
    member: MemberRefSchema.optional(),
    occurredAt: DateTimeSchema.optional().describe("When it happened; defaults to when it is received"),
    amount: money.optional().describe("Minor units (cents). Required for purchases and returns unless items give it"),
    currency: z
      .string()
      .length(3)
      .transform((c) => c.toUpperCase())
      .optional()
      .describe("Defaults to the programme's; must be the programme's"),
    items: z.array(EventItemSchema).max(500).optional(),
    channel: z.enum(CHANNELS).optional(),
    storeId: label.optional(),
    partnerId: label.optional(),
    receiptId: label.optional().describe("A guest purchase is claimed later by this id (defaults to the event id)"),
    customerRef: CustomerRefSchema.optional().describe(
      "Your anonymous reference to the customer, the same on each of their purchases: a tokenised card or a hashed email (1 to 128 letters, digits or `-_.:+/=`; never a raw email, name or card number). On guest purchases it recognises repeat non-member customers (GET /v1/insights/customers/comparison, /convertible); a claimed purchase keeps it, which links the customer's earlier guest purchases to the member. Stored on the event, never logged",
    ),
    originalEventId: z.string().min(1).max(200).optional().describe("For a return: the purchase it returns"),
    reason: label
      .optional()
      .describe("For a return: why (e.g. `void at till`), kept in the ledger entry the member's history shows"),
    attributes: z
      .record(z.string().min(1).max(100), z.unknown())
      .refine((a) => JSON.stringify(a).length <= 16_384, "must serialize to at most 16 KiB")
      .optional(),
  })
  .strict()
  .refine((e) => e.memberId === undefined || e.member === undefined, {
    message: "give memberId or member, not both",
    path: ["member"],
  })
  .openapi("EventInput");

export type EventInput = z.infer<typeof EventInputSchema>;

export const EventQuerySchema = z.object({
  dryRun: z
    .enum(["true", "false"])
    .optional()
    .transform((v) => v === "true")
    .openapi({ description: "Compute the same answer and write nothing" }),
  asOf: DateTimeSchema.optional().openapi({
    description: "With dryRun: process as if received at this time (balances, pending, expiry); years 1900 to 9999",
  }),
});

const ContributionSchema = z
  .object({
    ruleId: z.string().nullable(),
    ruleVersion: z.int().nullable(),
    ruleName: z.string(),
    campaignId: z.string().nullable(),
    campaignVersion: z.int().nullable(),
    points: z.int(),
    stamps: z.int(),
    fundedBy: z.enum(["program", "partner"]),
    availableAt: z.iso.datetime(),
    expiresAt: z.iso.datetime().nullable(),
    explanation: z.string(),
  })
  .openapi("Contribution");

const SkipSchema = z
  .object({
    ruleId: z.string(),
    ruleVersion: z.int(),
    ruleName: z.string(),
    campaignId: z.string().nullable(),
    campaignVersion: z.int().nullable(),
    reason: z.enum([
      "condition",
      "audience",
      "no_eligible_items",
      "holdout",
      "limit_reached",
      "outranked",
      "budget_exhausted",
      "zero_points",
    ]),
    explanation: z.string(),
  })
  .openapi("SkippedRule");

export const EventResultSchema = z
  .object({
    eventId: z.string(),
    type: z.string(),
    status: z.enum(["processed", "guest", "claimed"]),
    memberId: z.string().nullable(),
    enrolled: z.boolean().describe("The member was enrolled by this event"),
    occurredAt: z.iso.datetime(),
    points: z.object({
      total: z.int().describe("Net points this event gave (negative for a return)"),
      available: z.int(),
      pending: z.int(),
      expired: z
        .int()
        .optional()
        .describe(
          "Points already past their expiry when the event arrived (it occurred long ago and was posted late): credited and expired at once, into breakage",
        ),
    }),
    contributions: z.array(ContributionSchema).describe("Each rule's points and why"),
    skipped: z
      .array(SkipSchema)
      .describe("Rules that listen to this event but gave nothing, and why (condition misses only on a dry run)"),
    stamps: z.array(
      z.object({
        ruleId: z.string(),
        cardSize: z.int(),
        stamps: z.int(),
        progress: z.int(),
        completedCards: z.int(),
      }),
    ),
    return: z
      .object({
        originalEventId: z.string(),
        returnedAmount: z.int(),
        pointsTakenBack: z.int(),
        totalReturnedAmount: z.int(),
        totalTakenBack: z.int(),
        explanation: z.string(),
      })
      .nullable(),
    referral: z
      .object({
        referrerId: z.string(),
        status: z
          .enum(["rewarded", "refused", "reversed"])
          .describe("reversed: a full return of the qualifying purchase took both rewards back"),
        referrerPoints: z.int(),
        refereePoints: z.int(),
        explanation: z.string(),
      })
      .nullable(),
    transactionId: z.string().nullable(),
    balance: z
      .object({ available: z.int(), pending: z.int(), held: z.int(), debt: z.int() })
      .nullable()
      .describe("The member's balance after this event"),
    tierChange: z
      .object({
        from: z.object({ id: z.string(), name: z.string() }).nullable(),
        to: z.object({ id: z.string(), name: z.string() }).nullable(),
        reason: TierChangeReasonSchema,
      })
      .nullable()
      .optional()
      .describe("The tier change this event brought: an upgrade it qualified for, or a grace it ended by requalifying"),
    dryRun: z.boolean(),
  })
  .openapi("EventResult");

export type EventResult = z.infer<typeof EventResultSchema>;

export const BatchInputSchema = z
  .object({
    events: z
      .array(z.unknown().openapi({ $ref: "#/components/schemas/EventInput" } as never))
      .min(1)
      .max(1000)
      .describe("Up to 1,000 events, each validated and answered on its own"),
  })
  .strict()
  .openapi("EventBatch");

export const BatchResultSchema = z
  .object({
    results: z.array(
      z.object({
        index: z.int(),
        eventId: z.string().nullable(),
        status: z.int().describe("The HTTP status this event alone would have had"),
        replayed: z.boolean(),
        result: EventResultSchema.optional(),
        error: z
          .object({ code: z.string(), message: z.string(), requestId: z.string(), details: z.unknown().optional() })
          .optional(),
      }),
    ),
    summary: z.object({ accepted: z.int(), replayed: z.int(), failed: z.int() }),
  })
  .openapi("EventBatchResult");

export const ClaimInputSchema = z
  .object({ receiptId: label.describe("The receipt id (or event id) of a guest purchase") })
  .strict()
  .openapi("ClaimGuestPurchase");

export const StoredEventSchema = z
  .object({
    id: z.string(),
    type: z.string(),
    memberId: z.string().nullable(),
    status: z.enum(["processed", "guest", "claimed", "rejected"]),
    occurredAt: z.iso.datetime(),
    amount: z.int().nullable(),
    currency: z.string().nullable(),
    items: z.array(EventItemSchema).nullable(),
    channel: z.string().nullable(),
    storeId: z.string().nullable(),
    partnerId: z.string().nullable(),
    receiptId: z.string().nullable(),
    customerRef: z.string().nullable().describe("The integrator's anonymous reference to the customer, as sent"),
    originalEventId: z.string().nullable(),
    attributes: z.record(z.string(), z.unknown()).nullable(),
    points: z.int().describe("Points the event's rules gave (negative: taken back by a return)"),
    transactionId: z.string().nullable(),
    returnedAmount: z.int().describe("Purchases: how much of the amount came back in returns"),
    clawedBack: z.int().describe("Purchases: points taken back by returns"),
    result: z.unknown().describe("The answer given when the event was received"),
    actor: z
      .string()
      .nullable()
      .describe(
        "Who recorded it: staff:<id> (a till or console session), key:<id> (an API key); null for events recorded before it was kept",
      ),
    actorName: z.string().nullable().describe("The staff member's name (or email), or the API key's name, as they are now"),
    createdAt: z.iso.datetime(),
  })
  .openapi("Event");

export const PurchaseStatsSchema = z
  .object({
    currency: z.string(),
    maxPurchaseAmount: z.int().describe("The largest purchase accepted, in minor units: larger ones are refused"),
    sample: z.int().describe("Purchases looked at: the latest 500 with an amount"),
    median: z.int().nullable().describe("Minor units; null: fewer than 20 purchases"),
    p99: z.int().nullable().describe("The 99th percentile, minor units; null: fewer than 20 purchases"),
    confirmAbove: z
      .int()
      .nullable()
      .describe(
        "A till asks the cashier to confirm an amount above this: the larger of 5 medians and the 99th percentile; null: too few purchases to tell",
      ),
  })
  .openapi("PurchaseStats");
