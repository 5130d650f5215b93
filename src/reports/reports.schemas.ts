import { z } from "@hono/zod-openapi";
import { DaySchema } from "../shared/schemas.ts";

const date = DaySchema;

export const OverviewQuerySchema = z.object({
  from: date.optional().openapi({ description: "First day (YYYY-MM-DD, programme time); default 89 days before `to`" }),
  to: date.optional().openapi({ description: "Last day, inclusive (YYYY-MM-DD, programme time); default today" }),
  interval: z
    .enum(["day", "week", "month"])
    .optional()
    .openapi({ description: "Series period; default day up to 31 days, week up to 183, else month. Weeks start on Monday" }),
});

const points = z.int();

const FlowsSchema = z.object({
  issued: points.describe("Points credited by earning and adjustments, net of reversals, returns and negative adjustments"),
  redeemed: points.describe("Points spent on redemptions and payments, net of cancellations and refunds"),
  expired: points.describe("Points that expired (moved to breakage), net of expired points taken back by a reversal"),
});

export const OverviewSchema = z
  .object({
    from: date,
    to: date,
    interval: z.enum(["day", "week", "month"]),
    timezone: z.string().describe("The programme's time zone, in which days are counted"),
    members: z.int().describe("Members enrolled by the end of the range"),
    newMembers: z.int().describe("Members enrolled within the range"),
    activeMembers: z
      .int()
      .describe(
        "Members with a purchase or a ledger entry of their own (not expiry or activation) in the 30 days up to the end of the range",
      ),
    outstandingPoints: points.describe(
      "Available and pending points members hold now (lots past their expiry excluded): the programme's liability",
    ),
    heldPoints: points.describe("Points reserved by active holds now (also still owed)"),
    debtPoints: points.describe("Points members owe now (clawbacks beyond their balance)"),
    series: z.array(FlowsSchema.extend({ period: date.describe("First day of the period (the first one is `from`)") })),
    totals: FlowsSchema,
    redemptionRate: z.number().nullable().describe("redeemed / issued in the range (0..1); null if nothing was issued"),
    tierDistribution: z
      .array(z.object({ tierId: z.string().nullable(), name: z.string(), members: z.int() }))
      .describe("Members per tier now, bottom tier first; tierId null: members without a tier"),
    topRewards: z
      .array(z.object({ rewardId: z.string(), name: z.string(), redemptions: z.int(), points: points }))
      .describe("The five rewards redeemed most in the range (completed redemptions, not cancelled)"),
  })
  .openapi("Overview");

export type OverviewQuery = z.infer<typeof OverviewQuerySchema>;
export type Overview = z.infer<typeof OverviewSchema>;

export const StaffReportQuerySchema = z.object({
  from: date.optional().openapi({ description: "First day (YYYY-MM-DD, programme time); default 29 days before `to`" }),
  to: date.optional().openapi({ description: "Last day, inclusive (YYYY-MM-DD, programme time); default today" }),
});

const StaffCountsSchema = z.object({
  enrolments: z.int().describe("Members enrolled (by POST /v1/members or by an event naming an unknown member)"),
  sales: z.int().describe("Purchases recorded that happened in the range, not returned in full since"),
  salesAmount: z.int().describe("Their amount net of returns, in minor units of the programme's currency"),
  redemptions: z.int().describe("Redemptions completed in the range and not cancelled since"),
  vouchersUsed: z.int().describe("Vouchers used at checkout in the range"),
});

export const StaffReportSchema = z
  .object({
    from: date,
    to: date,
    timezone: z.string().describe("The programme's time zone, in which days are counted"),
    currency: z.string().describe("The programme's currency (salesAmount is in its minor units)"),
    staff: z
      .array(
        StaffCountsSchema.extend({
          actor: z
            .string()
            .nullable()
            .describe(
              "staff:<id> (a cashier's or manager's session), key:<id> (an API key), system:...; null: not recorded (before actors were kept)",
            ),
          name: z.string().nullable().describe("The staff member's name (or email), the key's name; null if unknown"),
        }),
      )
      .describe("One row per cashier (or key), busiest first"),
    stores: z
      .array(StaffCountsSchema.extend({ storeId: z.string().nullable().describe("null: no store named") }))
      .describe("One row per store (the event's storeId, or the till session's store), busiest first"),
    totals: StaffCountsSchema,
  })
  .openapi("StaffReport");

export type StaffReportQuery = z.infer<typeof StaffReportQuerySchema>;
export type StaffReport = z.infer<typeof StaffReportSchema>;
