import { z } from "@hono/zod-openapi";
import { dateOrInstant } from "../earning/earning.schemas.ts";
import { labelled } from "../shared/field-words.ts";
import { orNull, PageQuerySchema, patchOf, urlSchema } from "../shared/schemas.ts";

export const REWARD_TYPES = [
  "discount_amount",
  "discount_percent",
  "free_product",
  "store_credit",
  "experience",
  "donation",
] as const;

const minor = z.int().min(1).max(1_000_000_000_000);

/** The terms of each reward type; `value` is checked against the one its type names. */
export const RewardValueSchemas = {
  discount_amount: z
    .object({ amount: labelled(minor.describe("Minor units off the order"), { label: "Discount amount" }) })
    .strict(),
  discount_percent: z
    .object({
      percent: labelled(z.number().gt(0).max(100), { label: "Percent off" }),
      maxAmount: labelled(minor.describe("The most the discount may take off, in minor units"), {
        label: "Largest discount",
      }).optional(),
    })
    .strict(),
  free_product: z
    .object({
      sku: labelled(z.string().trim().min(1).max(200), {
        label: "Product SKU",
        ask: "Enter the product SKU for a free-product reward",
      }),
      productName: labelled(z.string().max(200), { label: "Product name" }).optional(),
    })
    .strict(),
  store_credit: z
    .object({ amount: labelled(minor.describe("Value loaded on the gift card, in minor units"), { label: "Gift card value" }) })
    .strict(),
  experience: z.object({ details: labelled(z.string().max(2000), { label: "Details" }).optional() }).strict(),
  donation: z
    .object({
      charity: labelled(z.string().trim().min(1).max(200), {
        label: "Charity",
        ask: "Enter the charity's name for a donation reward",
      }),
      amount: labelled(minor.describe("What the programme gives the charity per redemption, in minor units"), {
        label: "Donation amount",
      }).optional(),
    })
    .strict(),
} as const;

const typeOf = (reward: unknown) => (reward as { type?: unknown } | null)?.type;

export const RewardValueSchema = labelled(
  z
    .union(Object.values(RewardValueSchemas))
    .describe(
      "By type: discount_amount {amount}; discount_percent {percent, maxAmount?}; free_product {sku, productName?}; store_credit {amount}; experience {details?}; donation {charity, amount?}",
    )
    .openapi("RewardValue"),
  {
    label: "Reward value",
    // A value that fits no type is told by the terms of the reward's own type ("Enter the product SKU ...").
    branch: (reward) => RewardValueSchemas[typeOf(reward) as keyof typeof RewardValueSchemas],
  },
);

const LimitSchema = z
  .object({
    count: z.int().min(1).max(10_000),
    period: z.enum(["day", "week", "month", "year", "lifetime"]).describe("A calendar period in the programme's time zone"),
  })
  .strict()
  .openapi("RewardLimit");

export const CodeFormatSchema = z
  .discriminatedUnion("type", [
    z
      .object({
        type: z.literal("generated"),
        prefix: z
          .string()
          .regex(/^[A-Z0-9]{1,10}$/, "1-10 capital letters or digits")
          .optional(),
        length: z
          .int()
          .min(10)
          .max(32)
          .default(12)
          .describe("Random characters (31 unambiguous letters and digits, about 5 bits each)"),
      })
      .strict(),
    z
      .object({ type: z.literal("pool").describe("Codes imported with POST /v1/rewards/{id}/codes, each handed out once") })
      .strict(),
    z.object({ type: z.literal("none").describe("No voucher (a donation, or a reward fulfilled elsewhere)") }).strict(),
  ])
  .openapi("CodeFormat");

const rewardFields = {
  name: labelled(z.string().trim().min(1).max(200), { label: "Reward name" }),
  description: z.string().max(4000).nullable().optional(),
  value: RewardValueSchema,
  costPoints: labelled(z.int().min(1).max(1_000_000_000).describe("Points per unit"), { label: "Cost in points" }),
  unitCost: labelled(
    z
      .int()
      .min(0)
      .max(1_000_000_000_000)
      .nullable()
      .optional()
      .describe(
        "What one unit costs the business, in minor units of the programme's currency (the programme-cost report adds it up); null: not recorded",
      ),
    { label: "Unit cost" },
  ),
  category: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .nullable()
    .optional()
    .describe("Matched against purchase item categories to recommend rewards"),
  imageUrl: urlSchema({ dataImages: true }).nullable().optional(),
  status: z.enum(["active", "inactive", "archived"]).default("active").describe("Only active rewards can be redeemed"),
  stock: z.int().min(0).max(1_000_000_000).nullable().optional().describe("Units that can ever be redeemed; null: unlimited"),
  memberLimit: orNull(LimitSchema).optional().describe("Units one member may redeem per period"),
  availableFrom: dateOrInstant.nullable().optional(),
  availableUntil: dateOrInstant.nullable().optional().describe("A date is inclusive: to the end of that day, programme time"),
  minTierId: z.string().min(1).max(100).nullable().optional().describe("Members in this tier or above"),
  segments: z
    .array(z.string().min(1).max(100))
    .max(50)
    .default([])
    .describe("If any: members in at least one of these segments (the member's `segments` attribute)"),
  voucherValidDays: z
    .int()
    .min(1)
    .max(3650)
    .nullable()
    .optional()
    .describe("Vouchers expire at the end of the day this many days after issue; null: never"),
  codeFormat: CodeFormatSchema.optional().describe("Default: generated codes of 12 characters (none for donations)"),
};

export const CreateRewardSchema = z
  .object({ type: z.enum(REWARD_TYPES), ...rewardFields })
  .strict()
  .openapi("CreateReward");

const { codeFormat: _codeFormat, ...patchable } = rewardFields;
export const UpdateRewardSchema = patchOf(patchable)
  .describe("Send only what changes. Changing stock moves the remaining stock by the same amount.")
  .openapi("UpdateReward");

export const RewardSummarySchema = z
  .object({
    id: z.string().openapi({ example: "rwd_01jx5y3k1m9t0v6h2c4d8e7f9a" }),
    name: z.string(),
    description: z.string().nullable(),
    type: z.enum(REWARD_TYPES),
    value: z.record(z.string(), z.unknown()),
    costPoints: z.int(),
    category: z.string().nullable(),
    imageUrl: z.string().nullable(),
  })
  .openapi("RewardSummary");

export const RewardSchema = RewardSummarySchema.extend({
  unitCost: z
    .int()
    .nullable()
    .describe("What one unit costs the business, in minor units of the programme's currency; null: not recorded"),
  status: z.enum(["active", "inactive", "archived"]),
  stock: z
    .object({ total: z.int(), remaining: z.int() })
    .nullable()
    .describe("null: unlimited. Reserved units count as taken until confirmed or released."),
  codesAvailable: z.int().nullable().describe("Pool rewards: imported codes not yet handed out"),
  memberLimit: orNull(LimitSchema),
  availableFrom: z.iso.datetime().nullable(),
  availableUntil: z.iso.datetime().nullable(),
  minTierId: z.string().nullable(),
  segments: z.array(z.string()),
  voucherValidDays: z.int().nullable(),
  codeFormat: CodeFormatSchema,
  version: z.int(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
}).openapi("Reward");

export const RewardListQuerySchema = PageQuerySchema.extend({
  status: z.enum(["active", "inactive", "archived"]).optional(),
  type: z.enum(REWARD_TYPES).optional(),
});

export const ImportCodesSchema = z
  .object({ codes: z.array(z.string().trim().min(4).max(100)).min(1).max(10_000) })
  .strict()
  .openapi("ImportCodes");

export const ImportCodesResultSchema = z.object({
  imported: z.int(),
  skipped: z.array(z.string()).describe("Codes already known (in this import, or anywhere before)"),
  codesAvailable: z.int(),
});

export const UNAVAILABLE_REASONS = [
  "insufficient_points",
  "out_of_stock",
  "limit_reached",
  "tier_required",
  "segment_required",
  "not_yet_available",
  "ended",
  "inactive",
  "member_blocked",
] as const;

export const UnavailableReasonSchema = z
  .object({
    code: z.enum(UNAVAILABLE_REASONS),
    message: z.string(),
    missingPoints: z.int().optional(),
    availableFrom: z.iso.datetime().optional(),
    availableUntil: z.iso.datetime().optional(),
    requiredTierId: z.string().optional(),
    limit: LimitSchema.optional(),
    used: z.int().optional(),
  })
  .openapi("UnavailableReason");

export const MemberRewardSchema = z
  .object({
    reward: RewardSummarySchema,
    redeemable: z.boolean().describe("The member can redeem one now"),
    reasons: z.array(UnavailableReasonSchema).describe("Every reason it cannot be redeemed now"),
    maxQuantity: z.int().describe("Units the member could redeem now (points, stock and limit allowing)"),
  })
  .openapi("MemberReward");

export const MemberRewardsSchema = z.object({
  memberId: z.string(),
  available: z.int().describe("Spendable points now"),
  data: z.array(MemberRewardSchema),
});

export const RecommendationSchema = z
  .object({
    reward: RewardSummarySchema,
    score: z.number().describe("Higher is more relevant; only the order is meaningful"),
    reason: z.string().describe("One line for the member"),
    redeemableNow: z.boolean(),
    pointsToGo: z.int(),
    estimatedDays: z.int().nullable().describe("At the member's recent earning pace; null if they have not earned lately"),
    factors: z.object({ affordability: z.number(), affinity: z.number(), popularity: z.number() }),
  })
  .openapi("Recommendation");

export const RecommendationsSchema = z.object({ memberId: z.string(), data: z.array(RecommendationSchema) });

export const RecommendationsQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(50).default(5) });

export const CreateRedemptionSchema = z
  .object({
    rewardId: z.string().min(1).max(100),
    quantity: z.int().min(1).max(100).default(1),
    reserve: z
      .boolean()
      .default(false)
      .describe("Two-phase (at a till): hold the points and the stock now, then confirm or cancel"),
    holdSeconds: z.int().min(30).max(86_400).default(900).describe("How long a reservation lasts before it is released"),
    channel: z.string().trim().min(1).max(50).optional(),
  })
  .strict()
  .openapi("CreateRedemption");

export const CancelRedemptionSchema = z
  .object({ reason: z.string().trim().min(1).max(500).optional() })
  .strict()
  .openapi("CancelRedemption");

export const ConfirmRedemptionSchema = z.object({}).strict().openapi("ConfirmRedemption");

const voucherStatus = z.enum(["issued", "used", "cancelled", "expired"]);

export const VoucherSchema = z
  .object({
    code: z.string(),
    status: voucherStatus,
    expiresAt: z.iso.datetime().nullable(),
    usedAt: z.iso.datetime().nullable(),
    usedOrderId: z.string().nullable(),
  })
  .openapi("Voucher");

export const RedemptionSchema = z
  .object({
    id: z.string().openapi({ example: "red_01jx5y3k1m9t0v6h2c4d8e7f9a" }),
    memberId: z.string(),
    reward: RewardSummarySchema,
    rewardVersion: z.int(),
    quantity: z.int(),
    points: z.int(),
    status: z.enum(["reserved", "completed", "cancelled", "expired"]),
    vouchers: z.array(VoucherSchema),
    holdId: z.string().nullable(),
    reservedUntil: z.iso.datetime().nullable(),
    transactionId: z.string().nullable().describe("The ledger capture that spent the points"),
    cancelTransactionId: z.string().nullable().describe("The ledger reversal that gave them back"),
    channel: z.string().nullable(),
    createdAt: z.iso.datetime(),
    completedAt: z.iso.datetime().nullable(),
    cancelledAt: z.iso.datetime().nullable(),
    cancelReason: z.string().nullable(),
  })
  .openapi("Redemption");

export const RedemptionResultSchema = RedemptionSchema.extend({
  balance: z.object({ available: z.int(), pending: z.int(), held: z.int(), debt: z.int() }),
}).openapi("RedemptionResult");

export const VoucherCheckSchema = z
  .object({
    code: z.string(),
    valid: z.boolean().describe("It can be used at checkout now"),
    status: voucherStatus,
    invalidReason: z.enum(["voucher_used", "voucher_expired", "voucher_cancelled"]).nullable(),
    memberId: z.string(),
    redemptionId: z.string(),
    reward: RewardSummarySchema,
    expiresAt: z.iso.datetime().nullable(),
    usedAt: z.iso.datetime().nullable(),
    usedOrderId: z.string().nullable(),
    usedStoreId: z.string().nullable(),
    createdAt: z.iso.datetime(),
  })
  .openapi("VoucherCheck");

export const UseVoucherSchema = z
  .object({
    orderId: z.string().trim().min(1).max(200).optional(),
    storeId: z.string().trim().min(1).max(200).optional(),
  })
  .strict()
  .openapi("UseVoucher");

export const VoucherParams = z.object({
  code: z
    .string()
    .min(4)
    .max(100)
    .openapi({
      param: { name: "code", in: "path" },
      example: "SB-7KQX-M2RT-9HVD",
      description: "The voucher code as typed: any case, with or without its dashes, spaces or other punctuation",
    }),
});

export type CreateRewardInput = z.infer<typeof CreateRewardSchema>;
export type UpdateRewardInput = z.infer<typeof UpdateRewardSchema>;
export type RewardView = z.infer<typeof RewardSchema>;
export type RewardSummary = z.infer<typeof RewardSummarySchema>;
export type UnavailableReason = z.infer<typeof UnavailableReasonSchema>;
export type CreateRedemptionInput = z.infer<typeof CreateRedemptionSchema>;
