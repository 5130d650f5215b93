import { createRouter, readRoute } from "../http/openapi.ts";
import { csvTable, field } from "../shared/csv.ts";
import {
  CohortQuerySchema,
  type CohortReport,
  CohortReportSchema,
  EngagementQuerySchema,
  type ParticipationReport,
  ParticipationSchema,
  type PointsReport,
  PointsReportSchema,
  type RedemptionFrequencyReport,
  RedemptionFrequencySchema,
} from "./engagement.schemas.ts";
import type { EngagementService } from "./engagement.service.ts";

type ParticipationRow = ParticipationReport["series"][number];
type PointsRow = PointsReport["series"][number];
type RedemptionRow = RedemptionFrequencyReport["series"][number];
type CohortRow = CohortReport["cohorts"][number];
type RetentionCell = CohortRow["months"][number] & { cohort: string; size: number };

const RANGE =
  "Dates are days in the programme's time zone (`to` inclusive; default the 90 days up to today), split into periods by `interval`.";

/** The services these routes use. */
export interface EngagementRoutesDeps {
  engagement: EngagementService;
}

/** The Engagement reports: is the programme working? Members vs guests, points, redemptions, retention. */
export function engagementRoutes(services: EngagementRoutesDeps) {
  const router = createRouter();
  readRoute(
    router,
    {
      path: "/v1/reports/participation",
      tags: ["Reports"],
      summary: "Members vs all customers: purchases, revenue, enrolment and active members",
      description: `Per period and in total: purchases and revenue (net of returns) by members and by guests (purchases without a member), the members' share of each, enrolments, members at each period's end, and active members by the stated activity definition. Purchases and activity count by when they happened. ${RANGE}`,
      scopes: ["admin", "read"],
      query: EngagementQuerySchema,
      response: ParticipationSchema,
      responseDescription: "Participation",
      csv: {
        series: csvTable(
          (a: ParticipationReport) => a.series,
          [
            field<ParticipationRow>("period"),
            field<ParticipationRow>("memberPurchases"),
            field<ParticipationRow>("guestPurchases"),
            field<ParticipationRow>("memberRevenue", "member_revenue", { money: true }),
            field<ParticipationRow>("guestRevenue", "guest_revenue", { money: true }),
            field<ParticipationRow>("memberPurchaseShare"),
            field<ParticipationRow>("memberRevenueShare"),
            field<ParticipationRow>("enrolments"),
            field<ParticipationRow>("members"),
            field<ParticipationRow>("activeMembers"),
            field<ParticipationRow>("activeShare"),
          ],
        ),
      },
    },
    ({ programId, query }) => services.engagement.participation(programId, query),
  );
  readRoute(
    router,
    {
      path: "/v1/reports/points",
      tags: ["Reports"],
      summary: "Points earned, partner-funded, adjusted, redeemed and expired, per period",
      description: `Read off the ledger's system accounts (every transaction balances, so what members gain or lose shows there), by when each entry took effect, each figure net of reversals, returns and refunds. ${RANGE}`,
      scopes: ["admin", "read"],
      query: EngagementQuerySchema,
      response: PointsReportSchema,
      responseDescription: "Point flows",
      csv: {
        series: csvTable(
          (a: PointsReport) => a.series,
          [
            field<PointsRow>("period"),
            field<PointsRow>("earned"),
            field<PointsRow>("partnerFunded"),
            field<PointsRow>("adjustmentsAdded"),
            field<PointsRow>("adjustmentsRemoved"),
            field<PointsRow>("adjustments"),
            field<PointsRow>("redeemed"),
            field<PointsRow>("expired"),
            field<PointsRow>("netChange"),
          ],
        ),
      },
    },
    ({ programId, query }) => services.engagement.points(programId, query),
  );
  readRoute(
    router,
    {
      path: "/v1/reports/redemption-frequency",
      tags: ["Reports"],
      summary: "Redemptions per period, per active member, time to first redemption and between redemptions",
      description: `Redemptions completed (and not cancelled since) per period, the members who made them, redemptions per active member, median programme days from enrolment to a first redemption and between a member's redemptions, and the share of members (enrolled by the end of the range) who never redeemed. ${RANGE}`,
      scopes: ["admin", "read"],
      query: EngagementQuerySchema,
      response: RedemptionFrequencySchema,
      responseDescription: "Redemption frequency",
      csv: {
        series: csvTable(
          (a: RedemptionFrequencyReport) => a.series,
          [
            field<RedemptionRow>("period"),
            field<RedemptionRow>("redemptions"),
            field<RedemptionRow>("membersRedeeming"),
            field<RedemptionRow>("activeMembers"),
            field<RedemptionRow>("redemptionsPerActiveMember"),
            field<RedemptionRow>("medianDaysToFirstRedemption"),
            field<RedemptionRow>("medianDaysBetweenRedemptions"),
          ],
        ),
      },
    },
    ({ programId, query }) => services.engagement.redemptionFrequency(programId, query),
  );
  readRoute(
    router,
    {
      path: "/v1/reports/cohorts",
      tags: ["Reports"],
      summary: "Retention by enrolment month: the share of each cohort that purchased in each later month",
      description:
        "Members enrolled from `from` to `to`, grouped by enrolment month in programme time; for each cohort its size, the members who bought again on a later day, and for month 0 (the enrolment month), 1, 2, ... up to the month holding `to`, the members who purchased in that month and their share of the cohort. Purchases count by when they happened, up to `to`. Default: the twelve enrolment months up to today.",
      scopes: ["admin", "read"],
      query: CohortQuerySchema,
      response: CohortReportSchema,
      responseDescription: "Cohort retention",
      csv: {
        retention: csvTable(
          (a: CohortReport) =>
            a.cohorts.flatMap((c): RetentionCell[] => c.months.map((m) => ({ cohort: c.cohort, size: c.size, ...m }))),
          [
            field<RetentionCell>("cohort"),
            field<RetentionCell>("size"),
            field<RetentionCell>("month", "months_after_enrolment"),
            field<RetentionCell>("purchasers"),
            field<RetentionCell>("share"),
          ],
        ),
        cohorts: csvTable(
          (a: CohortReport) => a.cohorts,
          [
            field<CohortRow>("cohort"),
            field<CohortRow>("size"),
            field<CohortRow>("repeatPurchasers"),
            field<CohortRow>("repeatShare"),
          ],
        ),
      },
    },
    ({ programId, query }) => services.engagement.cohorts(programId, query),
  );
  return router;
}
