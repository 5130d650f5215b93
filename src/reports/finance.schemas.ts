import { z } from "@hono/zod-openapi";
import { DaySchema } from "../shared/schemas.ts";

/** Finance reports: the points liability (as of any day, and at month ends), breakage, and the programme's cost. */

const date = DaySchema;
const points = z.int();
const money = z.int();
const month = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])$/, "must be a month, YYYY-MM")
  .openapi({ description: "A month, YYYY-MM (programme time)", example: "2026-03" });
const interval = z.enum(["day", "week", "month"]);

const ROUNDING = "points x the programme's pointValue (minor units per point), rounded half away from zero to the minor unit";

export const LiabilityQuerySchema = z.object({
  asOf: date.optional().openapi({
    description: "The day whose end the liability is read at (YYYY-MM-DD, programme time), today or any day before; default now",
  }),
});

const BUCKET_DESCRIPTIONS = {
  within_30_days: "expire within 30 days of asOf's end (inclusive)",
  days_31_to_90: "expire after 30 and within 90 days",
  days_91_to_365: "expire after 90 and within 365 days",
  later: "expire more than 365 days after",
  never: "never expire",
} as const;

export const LiabilityBucketSchema = z
  .object({
    bucket: z.enum(["within_30_days", "days_31_to_90", "days_91_to_365", "later", "never"]).describe(
      `When the points expire, counted in the programme's calendar days from the end of asOf: ${Object.entries(
        BUCKET_DESCRIPTIONS,
      )
        .map(([k, v]) => `${k}: ${v}`)
        .join("; ")}`,
    ),
    available: points.describe("Points members could spend then (available, not held), that expire in this bucket"),
    pending: points.describe("Points still pending then (their availableAt not yet reached), that expire in this bucket"),
    points: points.describe("available + pending"),
    amount: money.describe(`The bucket's points in money: ${ROUNDING}`),
  })
  .openapi("LiabilityBucket");

const LiabilityFiguresSchema = z.object({
  availablePoints: points.describe("Points members could spend at that moment (lots past their expiry excluded)"),
  pendingPoints: points.describe("Points credited but not yet available at that moment"),
  outstandingPoints: points.describe(
    "availablePoints + pendingPoints: what members hold (held points apart), the same figure as the overview's outstandingPoints for now",
  ),
  heldPoints: points.describe("Points reserved by holds still live at that moment (a till's reservation); also still owed"),
  liabilityPoints: points.describe("outstandingPoints + heldPoints: every point the programme owed its members then"),
  debtPoints: points.describe(
    "Points members owed the programme then (clawbacks beyond their balance); shown apart, not netted off the liability",
  ),
  outstandingAmount: money.describe(`outstandingPoints in money: ${ROUNDING}`),
  heldAmount: money.describe(`heldPoints in money: ${ROUNDING}`),
  liabilityAmount: money.describe(`liabilityPoints in money: ${ROUNDING}`),
  debtAmount: money.describe(`debtPoints in money: ${ROUNDING}`),
});

export const LiabilitySchema = LiabilityFiguresSchema.extend({
  asOf: date.describe("The day read (programme time); today when none was asked"),
  at: z.iso
    .datetime()
    .describe(
      "The moment read: the end of asOf (the next midnight, programme time), or now for today; everything dated before it counts",
    ),
  timezone: z.string().describe("The programme's time zone, in which days are counted"),
  currency: z.string().describe("The programme's currency (amounts are in its minor units)"),
  pointValue: z.number().describe("Minor units one point is worth (the programme's pointValue now; it has no history)"),
  buckets: z
    .array(LiabilityBucketSchema)
    .describe(
      "Outstanding points by when they expire (held points and debt apart), soonest first; the buckets add up to outstandingPoints",
    ),
})
  .describe(
    "Rebuilt from the ledger as it stood at `at`: each lot's postings dated before then, lots past their expiry by then owed nothing (breakage) even if the jobs moved them later, pending or available by availableAt, holds timed out by then back on their lots",
  )
  .openapi("Liability");

export const LiabilitySeriesQuerySchema = z.object({
  from: month.optional().openapi({ description: "First month (YYYY-MM, programme time); default 11 months before `to`" }),
  to: month.optional().openapi({ description: "Last month, inclusive (YYYY-MM); default this month" }),
});

export const LiabilityMonthEndSchema = LiabilityFiguresSchema.extend({
  month: month,
  asOf: date.describe("The month's last day, or today for this month"),
}).openapi("LiabilityMonthEnd");

export const LiabilitySeriesSchema = z
  .object({
    from: month,
    to: month,
    timezone: z.string().describe("The programme's time zone, in which months are counted"),
    currency: z.string().describe("The programme's currency (amounts are in its minor units)"),
    pointValue: z.number().describe("Minor units one point is worth (the programme's pointValue now)"),
    monthEnds: z
      .array(LiabilityMonthEndSchema)
      .describe(
        "The liability at the end of each month, oldest first: each is what GET /v1/reports/liability?asOf= answers for that day",
      ),
  })
  .openapi("LiabilitySeries");

export const RangeQuerySchema = z.object({
  from: date.optional().openapi({ description: "First day (YYYY-MM-DD, programme time); default 89 days before `to`" }),
  to: date.optional().openapi({ description: "Last day, inclusive (YYYY-MM-DD, programme time); default today" }),
  interval: interval
    .optional()
    .openapi({ description: "Series period; default day up to 31 days, week up to 183, else month. Weeks start on Monday" }),
});

const BREAKAGE_RATE =
  "expired / (expired + redeemed): of the points that left members' hands, the share that expired rather than being redeemed";

const BreakageFiguresSchema = z.object({
  expired: points.describe(
    "Points that expired into breakage, by expiry time, net of expired points a reversal or return took back (in the period the take-back was posted); lots past their expiry the jobs have not moved yet count at their expiry",
  ),
  expiredAmount: money.describe(`expired in money: ${ROUNDING}`),
  redeemed: points.describe("Points spent on redemptions and payments, net of cancellations and refunds"),
  breakageRate: z.number().nullable().describe(`${BREAKAGE_RATE} (0..1, four decimals); null when neither happened`),
});

export const BreakageSchema = z
  .object({
    from: date,
    to: date,
    interval,
    timezone: z.string().describe("The programme's time zone, in which days are counted"),
    currency: z.string().describe("The programme's currency (amounts are in its minor units)"),
    pointValue: z.number().describe("Minor units one point is worth (the programme's pointValue now)"),
    series: z.array(BreakageFiguresSchema.extend({ period: date.describe("First day of the period (the first one is `from`)") })),
    totals: BreakageFiguresSchema.describe("Over the range"),
    lifetime: BreakageFiguresSchema.describe("Over the programme's life up to the end of `to`"),
  })
  .openapi("Breakage");

const CostFiguresSchema = z.object({
  issuedPoints: points.describe("Points credited by the programme's earning (the issued account), net of reversals and returns"),
  adjustedPoints: points.describe("Net manual adjustments (credits less debits)"),
  programFundedPoints: points.describe("issuedPoints + adjustedPoints: points the programme pays for"),
  partnerFundedPoints: points.describe("Points partners fund (earning from the partner account), net of reversals and returns"),
  programFundedCost: money.describe(`programFundedPoints in money: ${ROUNDING}`),
  partnerFundedCost: money.describe(`partnerFundedPoints in money: ${ROUNDING}`),
  redeemedPoints: points.describe("Points spent on redemptions and payments, net of cancellations and refunds"),
  redeemedCost: money.describe(`redeemedPoints in money: ${ROUNDING}`),
});

export const RewardCostSchema = z
  .object({
    rewardId: z.string(),
    name: z.string(),
    redemptions: z.int().describe("Redemptions completed in the range and not cancelled since"),
    units: z.int().describe("Units those redemptions took"),
    points: points.describe("Points they spent"),
    pointsCost: money.describe(`points in money: ${ROUNDING}`),
    unitCost: money.nullable().describe("What one unit costs the business (the reward's unitCost now); null: not recorded"),
    rewardCost: money.nullable().describe("units x unitCost; null when the reward records no unit cost"),
  })
  .openapi("RewardCost");

export const ProgramCostSchema = z
  .object({
    from: date,
    to: date,
    interval,
    timezone: z.string().describe("The programme's time zone, in which days are counted"),
    currency: z.string().describe("The programme's currency (amounts are in its minor units)"),
    pointValue: z.number().describe("Minor units one point is worth (the programme's pointValue now)"),
    series: z.array(CostFiguresSchema.extend({ period: date.describe("First day of the period (the first one is `from`)") })),
    totals: CostFiguresSchema.extend({
      partnerFundedShare: z
        .number()
        .nullable()
        .describe(
          "partnerFundedPoints / (programFundedPoints + partnerFundedPoints) (four decimals); null when nothing was issued",
        ),
      rewardsRedeemed: z.int().describe("Redemptions of catalogue rewards completed in the range and not cancelled since"),
      rewardPoints: points.describe("Points those redemptions spent (payments with points are in redeemedPoints only)"),
      rewardPointsCost: money.describe(`rewardPoints in money: ${ROUNDING}`),
      rewardCost: money.describe("Sum of units x unitCost over the rewards that record a unit cost"),
      unitsWithoutCost: z.int().describe("Units redeemed of rewards that record no unit cost (not in rewardCost)"),
      activeMembers: z
        .int()
        .describe(
          "Members with a purchase or a ledger entry of their own (not expiry or activation) in the range, by when it happened, enrolled by its end",
        ),
      memberRevenue: money.describe(
        "Members' purchases that happened in the range, net of returns (guests' purchases and refused events left out), minor units",
      ),
      costPerActiveMember: money
        .nullable()
        .describe("programFundedCost / activeMembers, rounded half away from zero; null without active members"),
      costShareOfMemberRevenue: z
        .number()
        .nullable()
        .describe("programFundedCost / memberRevenue (four decimals); null without member revenue"),
    }),
    partners: z
      .array(
        z.object({
          partnerId: z.string(),
          points: points.describe("Points the partner funded in the range, net"),
          cost: money.describe(`points in money: ${ROUNDING}`),
        }),
      )
      .describe("Partner-funded points per partner, most first"),
    rewards: z.array(RewardCostSchema).describe("Per reward redeemed in the range, most points first"),
  })
  .openapi("ProgramCost");

export type LiabilityQuery = z.infer<typeof LiabilityQuerySchema>;
export type Liability = z.infer<typeof LiabilitySchema>;
export type LiabilitySeriesQuery = z.infer<typeof LiabilitySeriesQuerySchema>;
export type LiabilitySeries = z.infer<typeof LiabilitySeriesSchema>;
export type RangeQuery = z.infer<typeof RangeQuerySchema>;
export type Breakage = z.infer<typeof BreakageSchema>;
export type ProgramCost = z.infer<typeof ProgramCostSchema>;
