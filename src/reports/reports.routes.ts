import { createRouter, readRoute } from "../http/openapi.ts";
import { csvTable, field } from "../shared/csv.ts";
import {
  type Overview,
  OverviewQuerySchema,
  OverviewSchema,
  type StaffReport,
  StaffReportQuerySchema,
  StaffReportSchema,
} from "./reports.schemas.ts";

type Series = Overview["series"][number];
type TierRow = Overview["tierDistribution"][number];
type TopReward = Overview["topRewards"][number];
type StaffRow = StaffReport["staff"][number];
type StoreRow = StaffReport["stores"][number];

const staffCounts = <R extends StaffRow | StoreRow>() => [
  field<R>("enrolments"),
  field<R>("sales"),
  field<R>("salesAmount", "sales_amount", { money: true }),
  field<R>("redemptions"),
  field<R>("vouchersUsed"),
];

import type { ReportService } from "./reports.service.ts";

/** The services these routes use. */
export interface ReportRoutesDeps {
  reports: ReportService;
}

export function reportRoutes(services: ReportRoutesDeps) {
  const router = createRouter();
  readRoute(
    router,
    {
      path: "/v1/reports/overview",
      tags: ["Reports"],
      summary: "The programme at a glance over a date range",
      description:
        "Members (enrolled, new in the range, active in the 30 days up to its end), the points members hold now (the liability), points issued, redeemed and expired per period and in total (read off the ledger's system accounts, so net of reversals, returns and refunds), the redemption rate, members per tier now and the five most redeemed rewards. Dates are days in the programme's time zone; `to` is inclusive.",
      scopes: ["admin", "read"],
      query: OverviewQuerySchema,
      response: OverviewSchema,
      responseDescription: "The overview",
      csv: {
        series: csvTable(
          (a: Overview) => a.series,
          [field<Series>("period"), field<Series>("issued"), field<Series>("redeemed"), field<Series>("expired")],
        ),
        tiers: csvTable(
          (a: Overview) => a.tierDistribution,
          [field<TierRow>("tierId"), field<TierRow>("name"), field<TierRow>("members")],
        ),
        rewards: csvTable(
          (a: Overview) => a.topRewards,
          [field<TopReward>("rewardId"), field<TopReward>("name"), field<TopReward>("redemptions"), field<TopReward>("points")],
        ),
      },
    },
    ({ programId, query }) => services.reports.overview(programId, query),
  );
  readRoute(
    router,
    {
      path: "/v1/reports/staff",
      tags: ["Reports"],
      summary: "Enrolments, sales and redemptions per cashier and per store",
      description:
        "For managers: per cashier (each staff member's till or console session; API keys by name) and per store, the members enrolled, the purchases recorded (count and amount, net of returns: a purchase returned in full is not counted) and the redemptions completed (not cancelled since) and vouchers used, over whole days in the programme's time zone (`to` inclusive; default the last 30 days). Sales count by when they happened, the rest by when they were made. A store is the event's `storeId`, or the store the till session was opened for (`storeId` at sign-in). Owners, managers, admin and read keys.",
      scopes: ["admin", "read"],
      query: StaffReportQuerySchema,
      response: StaffReportSchema,
      responseDescription: "The staff report",
      csv: {
        staff: csvTable(
          (a: StaffReport) => a.staff,
          [
            field<StaffRow>("actor"),
            { header: "name", value: (r: StaffRow) => r.name ?? "(not recorded)" },
            ...staffCounts<StaffRow>(),
          ],
        ),
        stores: csvTable(
          (a: StaffReport) => a.stores,
          [{ header: "store_id", value: (r: StoreRow) => r.storeId ?? "(no store)" }, ...staffCounts<StoreRow>()],
        ),
      },
    },
    ({ programId, query }) => services.reports.staff(programId, query),
  );
  return router;
}
