import { z } from "@hono/zod-openapi";
import { MAX_POINTS_PER_OPERATION } from "../shared/points.ts";
import { DateTimeSchema } from "../shared/schemas.ts";

/** When taking points back (a reversal) finds them spent: refuse, or record a debt. */
export const ClawbackPolicySchema = z
  .enum(["available_only", "allow_debt"])
  .describe("When taking points back (a reversal) finds them spent: refuse, or record a debt settled by later credits");
export type ClawbackPolicy = z.infer<typeof ClawbackPolicySchema>;

/** Where a return takes its points back from. */
export const ReturnPolicySchema = z
  .enum(["pending_only", "available_only", "allow_debt"])
  .describe(
    "Where a return takes its points back from: only the purchase's still-pending points; also the member's other available points; or, failing those, a recorded debt. A return that cannot take its points back under the policy is refused (409 insufficient_points), never left free.",
  );
export type ReturnPolicy = z.infer<typeof ReturnPolicySchema>;

export const PointsSchema = z
  .int()
  .min(1)
  .max(MAX_POINTS_PER_OPERATION)
  .describe(`Whole points, 1 to ${MAX_POINTS_PER_OPERATION}`);

const reason = z.string().trim().min(1).max(500);
const datetime = DateTimeSchema.transform((s) => new Date(s));

export const AdjustmentSchema = z
  .object({
    points: z
      .int()
      .min(-MAX_POINTS_PER_OPERATION)
      .max(MAX_POINTS_PER_OPERATION)
      .refine((p) => p !== 0, "must not be 0")
      .describe("Positive credits a new lot; negative debits available points, soonest-expiring first"),
    reason: reason.describe("Why, for the ledger and the audit trail"),
    expiresAt: datetime.nullable().optional().describe("Credits only: overrides the programme's expiry (null: never expires)"),
    availableAt: datetime.optional().describe("Credits only: points stay pending until then"),
  })
  .strict()
  .openapi("Adjustment");

export const HoldRequestSchema = z
  .object({
    points: PointsSchema,
    reason: reason.optional(),
    ttlSeconds: z
      .int()
      .min(1)
      .max(30 * 24 * 3600)
      .optional()
      .describe("How long the points stay reserved before they are released (default 900)"),
  })
  .strict()
  .openapi("HoldRequest");

export const CaptureSchema = z
  .object({
    points: PointsSchema.optional().describe("Capture only this many; the rest of the hold is released"),
    reason: reason.optional(),
  })
  .strict()
  .openapi("Capture");

export const VoidSchema = z.object({ reason: reason.optional() }).strict().openapi("Void");

export const TransferSchema = z
  .object({ fromMemberId: z.string().min(1), toMemberId: z.string().min(1), points: PointsSchema, reason })
  .strict()
  .openapi("Transfer");

export const ReverseSchema = z.object({ reason }).strict().openapi("Reverse");

const asOf = DateTimeSchema.transform((s) => new Date(s));

export const JobsRunSchema = z
  .object({ asOf: asOf.optional().describe("Do everything due up to this time (default: now); not in the future") })
  .strict()
  .openapi("JobsRun");

export const AsOfQuery = z.object({
  asOf: asOf.optional().openapi({
    description: "Balance as it stood at this time (default: now); years 1900 to 9999",
    type: "string",
    format: "date-time",
  }),
});

export const LedgerPageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().optional().openapi({ description: "nextCursor from the previous page" }),
});

const LotTouchSchema = z.object({
  lotId: z.string().nullable(),
  account: z.enum(["member_available", "member_pending", "member_held", "member_debt"]),
  points: z.int().describe("Signed: what this transaction put into (+) or took from (-) the account"),
});

export const LedgerEntrySchema = z
  .object({
    id: z.string(),
    type: z.enum(["earn", "adjustment", "transfer", "hold", "capture", "void", "activation", "expiry", "reversal"]),
    points: z.int().describe("The transaction's size"),
    netChange: z.int().describe("Change to this member's points (available + pending + held - debt)"),
    reason: z.string().nullable(),
    actor: z
      .string()
      .describe(
        "Who made it: staff:<id> for a staff session (the till's cashier, the console), key:<id> for an API key, system:jobs for due work",
      ),
    memberId: z.string(),
    counterpartyMemberId: z.string().nullable(),
    holdId: z.string().nullable(),
    reversesTransactionId: z.string().nullable(),
    reversedByTransactionId: z.string().nullable(),
    lots: z.array(LotTouchSchema).describe("This member's postings: which lots and accounts moved"),
    effectiveAt: z.iso.datetime(),
    createdAt: z.iso.datetime(),
  })
  .openapi("LedgerEntry");

/** An entry as read back later (history, a transaction): with the name of who made it, as it is now. */
export const LedgerEntryReadSchema = LedgerEntrySchema.extend({
  actorName: z
    .string()
    .nullable()
    .describe("The staff member's name (or email), the API key's name, or what the system actor is; null if unknown"),
}).openapi("LedgerEntryRead");

export const BalanceSnapshotSchema = z
  .object({ available: z.int(), pending: z.int(), held: z.int(), debt: z.int() })
  .openapi("BalanceSnapshot");

export const LedgerResultSchema = z
  .object({
    transaction: LedgerEntrySchema,
    related: z.array(LedgerEntrySchema).describe("Entries the operation caused (e.g. returned points expiring at once)"),
    balance: BalanceSnapshotSchema.describe("The member's points right after the operation"),
  })
  .openapi("LedgerResult");

export const BalanceSchema = z
  .object({
    memberId: z.string(),
    available: z.int(),
    pending: z.int(),
    held: z.int(),
    debt: z.int(),
    lifetime: z.object({
      earned: z.int(),
      spent: z.int(),
      expired: z.int(),
      adjusted: z.int().describe("Net of manual adjustments (signed)"),
      reversed: z.int().describe("Net of reversals (signed)"),
      transferredIn: z.int(),
      transferredOut: z.int(),
    }),
    expiring: z.array(z.object({ points: z.int(), expiresAt: z.iso.datetime() })).describe("Soonest first"),
    asOf: z.iso.datetime(),
  })
  .openapi("Balance");

export const HoldSchema = z
  .object({
    id: z.string(),
    memberId: z.string(),
    points: z.int(),
    capturedPoints: z.int().nullable(),
    status: z.enum(["active", "captured", "voided", "expired"]),
    reason: z.string().nullable(),
    expiresAt: z.iso.datetime(),
    lots: z.array(z.object({ lotId: z.string(), points: z.int() })),
    transactionId: z.string(),
    closedTransactionId: z.string().nullable(),
    createdAt: z.iso.datetime(),
    closedAt: z.iso.datetime().nullable(),
  })
  .openapi("Hold");

export const JobsResultSchema = z
  .object({
    asOf: z.iso.datetime(),
    members: z.int().describe("Members brought up to date"),
    activations: z.int(),
    expiries: z.int(),
    holdTimeouts: z.int(),
    birthdays: z.int().describe("Birthday events sent to members whose birthday it is (programmes with a birthday rule)"),
    reservationsExpired: z.int().describe("Redemption reservations that timed out: points released, units back in stock"),
    tierReviews: z.int().describe("Tier reviews and ends of grace applied (retained, grace, downgraded)"),
  })
  .openapi("JobsResult");
