import { z } from "@hono/zod-openapi";
import { DaySchema } from "../shared/schemas.ts";
import { OverviewQuerySchema } from "./reports.schemas.ts";

const date = DaySchema;
const interval = z.enum(["day", "week", "month"]);
const count = z.int();
const minor = z.int();
const fraction = z.number().nullable();

/** from, to and interval as the overview takes them (default: the 90 days up to today). */
export const EngagementQuerySchema = OverviewQuerySchema;

const rangeFields = {
  from: date,
  to: date,
  interval,
  timezone: z.string().describe("The programme's time zone, in which days, weeks and months are counted"),
};

const period = date.describe("First day of the period (the first one is `from`)");

const ACTIVE =
  "Members active in the period: with a purchase, or an event that moved points, by when it happened (occurredAt, however late it was posted), or a ledger entry of their own other than an expiry or an activation (adjustment, redemption, hold, reversal, transfer either side) by its effective time; refused events are not activity. Only members enrolled by the period's end count, so a late-posted event never shows more active members than members";

const PurchaseFigures = {
  memberPurchases: count.describe(
    "Purchases by members (events of type purchase with a member) that happened in the period, not refused and not returned in full since",
  ),
  guestPurchases: count.describe("Purchases by guests (events of type purchase without a member), counted the same way"),
  memberRevenue: minor.describe("Members' purchases' amount net of returns (amount - returned amount), minor units"),
  guestRevenue: minor.describe("Guests' purchases' amount net of returns, minor units (non-member revenue)"),
  memberPurchaseShare: fraction.describe("memberPurchases / (memberPurchases + guestPurchases), 0..1; null without purchases"),
  memberRevenueShare: fraction.describe("memberRevenue / (memberRevenue + guestRevenue), 0..1; null without revenue"),
};

const ParticipationRow = z.object({
  period,
  ...PurchaseFigures,
  enrolments: count.describe("Members enrolled in the period"),
  members: count.describe("Members enrolled by the period's end (enrolment over time)"),
  activeMembers: count.describe(ACTIVE),
  activeShare: fraction.describe("activeMembers / members, 0..1; null without members"),
});

export const ParticipationSchema = z
  .object({
    ...rangeFields,
    currency: z.string().describe("The programme's currency (revenue is in its minor units)"),
    series: z.array(ParticipationRow).describe("One row per period"),
    totals: z.object({
      ...PurchaseFigures,
      enrolments: count.describe("Members enrolled in the range"),
      members: count.describe("Members enrolled by the end of the range"),
      activeMembers: count.describe(
        "Members active in at least one period of the range (each once), by the same definition as the periods'",
      ),
      activeShare: fraction.describe("activeMembers / members, 0..1; null without members"),
    }),
  })
  .openapi("ParticipationReport");

const PointFigures = z.object({
  earned: count.describe(
    "Points issued by earning (the `issued` system account: purchases, other events, sign-up and referral bonuses), net of reversals and of points taken back by returns",
  ),
  partnerFunded: count.describe("Points issued at a partner's expense (the `partner` account), net of reversals and returns"),
  adjustmentsAdded: count.describe("Points given by manual adjustments (the `adjustments` account), net of their reversals"),
  adjustmentsRemoved: count.describe("Points taken by manual adjustments, net of their reversals (a positive number)"),
  adjustments: count.describe("adjustmentsAdded - adjustmentsRemoved: the `adjustments` account's net"),
  redeemed: count.describe("Points spent on redemptions and payments (the `redeemed` account), net of cancellations and refunds"),
  expired: count.describe("Points that expired (the `breakage` account), net of expired points taken back by a reversal"),
  netChange: count.describe(
    "earned + partnerFunded + adjustments - redeemed - expired: the change in what members hold (available, pending and held, less debt)",
  ),
});

export const PointsReportSchema = z
  .object({
    ...rangeFields,
    series: z.array(PointFigures.extend({ period })).describe("One row per period, by when each ledger entry took effect"),
    totals: PointFigures,
  })
  .openapi("PointsReport");

const RedemptionFigures = {
  redemptions: count.describe("Redemptions completed in the period and not cancelled since"),
  membersRedeeming: count.describe("Members with at least one of those redemptions"),
  activeMembers: count.describe(ACTIVE),
  redemptionsPerActiveMember: fraction.describe("redemptions / activeMembers (two decimals); null without active members"),
  medianDaysToFirstRedemption: fraction.describe(
    "Median, over members whose first redemption (the first completed and not cancelled, ever) was in the period, of the programme days from enrolment to it (percentile_cont: the mean of the two middle values when their number is even); null if there were none",
  ),
  medianDaysBetweenRedemptions: fraction.describe(
    "Median of the programme days from a member's redemption to their next one, over the later ones in the period; null if there were none",
  ),
};

export const RedemptionFrequencySchema = z
  .object({
    ...rangeFields,
    series: z.array(z.object({ period, ...RedemptionFigures })).describe("One row per period"),
    totals: z.object({
      ...RedemptionFigures,
      membersRedeeming: count.describe("Members with at least one redemption in the range"),
      activeMembers: count.describe("Members active in at least one period of the range (each once)"),
      members: count.describe("Members enrolled by the end of the range"),
      neverRedeemed: count.describe(
        "Of them, members with no redemption completed (and not cancelled) before the end of the range",
      ),
      neverRedeemedShare: fraction.describe("neverRedeemed / members, 0..1; null without members"),
    }),
  })
  .openapi("RedemptionFrequencyReport");

export const CohortQuerySchema = z.object({
  from: date.optional().openapi({
    description: "First enrolment day (YYYY-MM-DD, programme time); default the first of the month eleven months before `to`'s",
  }),
  to: date.optional().openapi({
    description: "Last day, inclusive (YYYY-MM-DD, programme time): last enrolment day and last purchase day; default today",
  }),
});

const CohortSchema = z.object({
  cohort: z.string().describe("Enrolment month, YYYY-MM in programme time (the first one from `from` on)"),
  size: count.describe("Members enrolled in that month (within the range)"),
  repeatPurchasers: count.describe(
    "Of them, members with a purchase on a later programme day than the one they enrolled on, up to `to` (bought again)",
  ),
  repeatShare: fraction.describe("repeatPurchasers / size, 0..1"),
  months: z
    .array(
      z.object({
        month: count.describe("Months after the enrolment month (0: the enrolment month itself)"),
        purchasers: count.describe(
          "Members of the cohort with a purchase (not refused, not returned in full) in that calendar month of programme time, by when it happened; the month holding `to` counts up to `to`",
        ),
        share: fraction.describe("purchasers / size, 0..1 (retention)"),
      }),
    )
    .describe("Month 0 up to the month holding `to`"),
});

export const CohortReportSchema = z
  .object({
    from: date,
    to: date,
    timezone: rangeFields.timezone,
    cohorts: z.array(CohortSchema).describe("One row per enrolment month with members, oldest first"),
  })
  .openapi("CohortReport");

export type EngagementQuery = z.infer<typeof EngagementQuerySchema>;
export type CohortQuery = z.infer<typeof CohortQuerySchema>;
export type ParticipationReport = z.infer<typeof ParticipationSchema>;
export type PointsReport = z.infer<typeof PointsReportSchema>;
export type RedemptionFrequencyReport = z.infer<typeof RedemptionFrequencySchema>;
export type CohortReport = z.infer<typeof CohortReportSchema>;
