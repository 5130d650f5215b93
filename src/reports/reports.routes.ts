import { createRouter, readRoute } from "../http/openapi.ts";
import { OverviewQuerySchema, OverviewSchema } from "./reports.schemas.ts";
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
      scopes: ["admin"],
      query: OverviewQuerySchema,
      response: OverviewSchema,
      responseDescription: "The overview",
    },
    ({ programId, query }) => services.reports.overview(programId, query),
  );
  return router;
}
