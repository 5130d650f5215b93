import { z } from "@hono/zod-openapi";
import { labelled } from "../shared/field-words.ts";
import { DaySchema } from "../shared/schemas.ts";

const date = DaySchema;
const money = z.int();
const points = z.int();

export const DeferredRevenueQuerySchema = z.object({
  from: date.optional().openapi({ description: "First day (YYYY-MM-DD, programme time); default 89 days before `to`" }),
  to: date.optional().openapi({ description: "Last day, inclusive (YYYY-MM-DD, programme time); default today" }),
  interval: z.enum(["day", "week", "month", "quarter", "year"]).optional().openapi({
    description:
      "Period; default day up to 31 days, week up to 183, else month. Weeks start on Monday, quarters in January, April, July and October, years on 1 January; the first period starts on `from`",
  }),
});

const SourceSchema = z
  .enum(["finance", "history", "default"])
  .describe(
    "finance: an estimate set by finance (POST /v1/programs/current/redemption-estimates); history: none set, the programme's own history, points redeemed / (redeemed + expired) over all points no longer outstanding, measured at the start of the month, once points have been issued for 365 days and 1,000 points have been redeemed or expired; default: neither, every point is assumed to be redeemed (rate 1, no breakage expected)",
  );

export const RateInForceSchema = z
  .object({
    rate: z.number().describe("Expected redemption rate (0..1): the share of points issued expected to be redeemed"),
    source: SourceSchema,
    estimateId: z.string().nullable().describe("The finance estimate's id (source finance)"),
    effectiveFrom: date.nullable().describe("The day the finance estimate took effect (source finance)"),
    note: z.string().nullable().describe("Finance's note on the estimate"),
    sample: z
      .object({
        measuredAt: z.iso.datetime().describe("When the history was measured (the start of the month)"),
        redeemed: points.describe("Points redeemed by then, net of refunds and cancellations"),
        expired: points.describe("Points expired by then, net of expired points taken back"),
      })
      .nullable()
      .describe("The history behind a history or default estimate: its sample is redeemed + expired"),
    explanation: z.string().describe("How the rate was chosen, in a sentence"),
  })
  .openapi("RedemptionRateInForce");

export const RedemptionEstimateSchema = z
  .object({
    id: z.string(),
    rate: z.number().describe("Expected redemption rate (0..1)"),
    effectiveFrom: date.describe("In force from the start of this day (programme time) until a later estimate takes effect"),
    note: z.string().nullable(),
    actor: z.string().describe("Who set it (staff:<id>, key:<id>)"),
    createdAt: z.iso.datetime(),
  })
  .openapi("RedemptionEstimate");

export const RedemptionEstimatesSchema = z
  .object({
    data: z
      .array(RedemptionEstimateSchema)
      .describe("Every estimate set, latest to take effect first (history kept: none is changed)"),
    inForce: RateInForceSchema.describe("The rate in force now, and where it comes from"),
  })
  .openapi("RedemptionEstimates");

export const CreateRedemptionEstimateSchema = z
  .object({
    rate: labelled(
      z.number().min(0).max(1).describe("The share of points issued finance expects to be redeemed, 0..1 (kept to six decimals)"),
      { label: "Expected redemption rate", ask: "Enter the expected redemption rate as a number from 0 to 1 (0.95 for 95%)" },
    ),
    effectiveFrom: labelled(
      date.describe(
        "The day (YYYY-MM-DD, programme time) it takes effect; a day in the past changes the reports of the periods after it",
      ),
      { label: "Effective from" },
    ),
    note: z.string().trim().max(500).nullable().optional().describe("Why: the basis of the estimate"),
  })
  .strict()
  .openapi("CreateRedemptionEstimate");

export type CreateRedemptionEstimate = z.infer<typeof CreateRedemptionEstimateSchema>;

const PeriodSchema = z.object({
  period: date.describe("First day of the period (the first one is `from`)"),
  purchases: z
    .int()
    .describe("Purchases that happened in the period (by occurredAt, however late they were posted) and earned points"),
  sales: money.describe("Their net amount (amount - returned amount): sales that earned points"),
  pointsIssued: points.describe("Points their earn credited (lots)"),
  allocatedToPoints: money.describe(
    "The part of those sales allocated to the points by relative stand-alone selling price: net x SSP / (net + SSP) per purchase, SSP = points x point value x the expected rate in force when it happened",
  ),
  allocatedToGoods: money.describe("sales - allocatedToPoints: revenue for the goods"),
  recognised: money.describe(
    "Revenue recognised from points: the change in allocated x min(1, redeemed / (points x expected rate)) over every layer, the rate in force at each end; includes the cumulative catch-up when the estimate changes (negative when a higher estimate defers revenue back)",
  ),
  breakage: money.describe(
    "Revenue released because points can no longer be redeemed: more expired than the estimate expects, or a layer with nothing outstanding",
  ),
  liabilityStart: money.describe("Contract liability (deferred revenue for points) at the start of the period"),
  liabilityEnd: money.describe("At its end: liabilityStart + allocatedToPoints - recognised - breakage, to the minor unit"),
  expectedRate: z.number().describe("The expected redemption rate at the end of the period"),
  rateSource: SourceSchema,
});

const PointsRowSchema = z.object({
  period: date,
  issued: points.describe("Points credited to purchase lots (by when the ledger booked them)"),
  redeemed: points.describe("Points of purchase lots spent on redemptions and payments, net of refunds and cancellations"),
  expired: points.describe("Points of purchase lots that expired, net of expired points taken back"),
  cancelled: points.describe(
    "Points that left purchase lots otherwise: taken back by returns and reversals, negative adjustments, transfers to another member",
  ),
  outstandingStart: points.describe("Points purchase lots held for members at the start (available, pending and held)"),
  outstandingEnd: points.describe("At the end: outstandingStart + issued - redeemed - expired - cancelled"),
});

const LayerSchema = z.object({
  month: z
    .string()
    .regex(/^\d{4}-\d{2}$/)
    .describe("The layer: the month (programme time) the purchases that earned its points happened"),
  sales: money.describe("Net amount of the purchases that issued them"),
  pointsIssued: points.describe("Points credited"),
  points: points.describe("Points still counted: redeemed + expired + outstanding (issued less those cancelled)"),
  redeemed: points,
  expired: points,
  outstanding: points,
  expectedRedemptions: points.describe("points x the expected rate at the end of the range"),
  allocated: money.describe("Allocated to the points, fixed at issue"),
  recognisedToDate: money.describe("allocated x min(1, redeemed / expectedRedemptions)"),
  breakageToDate: money.describe("Released as breakage to date"),
  liability: money.describe("allocated - recognisedToDate - breakageToDate at the end of the range"),
});

export const DeferredRevenueSchema = z
  .object({
    from: date,
    to: date,
    interval: z.enum(["day", "week", "month", "quarter", "year"]),
    timezone: z.string().describe("The programme's time zone, in which days are counted"),
    currency: z.string().describe("The programme's currency: money is in its minor units"),
    pointValue: z.number().describe("Minor units one point is worth (the programme's current setting)"),
    rounding: z.string().describe("How money is rounded so the figures add up to the minor unit"),
    estimate: RateInForceSchema.describe("The expected redemption rate at the end of the range, and where it comes from"),
    periods: z.array(PeriodSchema),
    totals: PeriodSchema.omit({ period: true, expectedRate: true, rateSource: true }).describe(
      "The range: sums of the periods; liabilityStart of the first, liabilityEnd of the last",
    ),
    points: z.array(PointsRowSchema).describe("Points of purchase lots per period, from the postings on those lots"),
    layers: z
      .array(LayerSchema)
      .describe("Each month of issue at the end of the range, oldest first; each column adds up to the totals"),
  })
  .openapi("DeferredRevenue");

export type DeferredRevenueQuery = z.infer<typeof DeferredRevenueQuerySchema>;
export type DeferredRevenue = z.infer<typeof DeferredRevenueSchema>;
export type RedemptionEstimates = z.infer<typeof RedemptionEstimatesSchema>;
export type RedemptionEstimate = z.infer<typeof RedemptionEstimateSchema>;
export type RateInForceAnswer = z.infer<typeof RateInForceSchema>;
