import { createRouter, mutationRoute, readRoute } from "../http/openapi.ts";
import { csvTable, field } from "../shared/csv.ts";
import {
  CreateRedemptionEstimateSchema,
  type DeferredRevenue,
  DeferredRevenueQuerySchema,
  DeferredRevenueSchema,
  RedemptionEstimateSchema,
  type RedemptionEstimates,
  RedemptionEstimatesSchema,
} from "./deferred-revenue.schemas.ts";
import type { DeferredRevenueService } from "./deferred-revenue.service.ts";

type PeriodRow = DeferredRevenue["periods"][number];
type PointsRow = DeferredRevenue["points"][number];
type LayerRow = DeferredRevenue["layers"][number];
type EstimateRow = RedemptionEstimates["data"][number];

/** The services these routes use. */
export interface DeferredRevenueRoutesDeps {
  deferredRevenue: DeferredRevenueService;
}

const METHOD =
  "Method (IFRS 15 B39-B43 and Illustrative Example 52, IE267-IE270; ASC 606-10-55-41 to 55-45 and 55-353 to 55-356). Each purchase that earned points splits its net amount (amount - returned amount) between the goods and the points by relative stand-alone selling price: the points' SSP is points x the programme's point value x the expected redemption rate in force when the purchase happened, the goods' is the net amount; allocated to points = net x SSP / (net + SSP), fixed then. Sales and allocation count by when the purchase happened (occurredAt, however late it was posted), point movements by when the ledger booked them. The points form layers by the month (programme time) their purchase happened. A redemption spends lots and each lot names the earn that credited it, so the ledger says which layer every redeemed point came from. At the end of each period, per layer: recognised to date = allocated x min(1, redeemed / (points x expected rate)), with the rate in force on the period's last day, so a new estimate re-measures every layer and the difference shows at once (the cumulative catch-up); released to date = allocated x min(1, redeemed / min(points x rate, points - expired)), and breakage = released - recognised (nothing while expiries stay within the estimate; the excess when more expire; the rest once nothing of a layer is outstanding; nothing before the ledger has credited a layer's points). Points a return, reversal, negative adjustment or transfer takes from a layer's lots no longer count in it. Money is exact until the totals to date at each period boundary are rounded once (half away from zero, to the minor unit); each period is the difference of two of them, so liabilityEnd = liabilityStart + allocatedToPoints - recognised - breakage to the minor unit. The programme's current point value is used for every layer.";

export function deferredRevenueRoutes(services: DeferredRevenueRoutesDeps) {
  const router = createRouter();
  const { deferredRevenue } = services;

  readRoute(
    router,
    {
      path: "/v1/programs/current/redemption-estimates",
      tags: ["Reports"],
      summary: "Expected redemption rates set by finance, and the rate in force now",
      description:
        "Every estimate finance has set, latest to take effect first (none is ever changed: a revision is a new estimate from a day), and the rate in force now with its source: finance's latest estimate in force, else the programme's own history (points redeemed / (redeemed + expired), measured at the start of the month, once points have been issued for 365 days and 1,000 have been redeemed or expired), else 1 (every point assumed redeemed).",
      scopes: ["admin", "read"],
      response: RedemptionEstimatesSchema,
      responseDescription: "The estimates",
      csv: {
        estimates: csvTable(
          (a: RedemptionEstimates) => a.data,
          [
            field<EstimateRow>("effectiveFrom"),
            field<EstimateRow>("rate"),
            field<EstimateRow>("note"),
            field<EstimateRow>("actor"),
            field<EstimateRow>("createdAt"),
            field<EstimateRow>("id"),
          ],
        ),
      },
    },
    ({ programId }) => deferredRevenue.estimates(programId),
  );

  mutationRoute(
    router,
    {
      method: "post",
      path: "/v1/programs/current/redemption-estimates",
      tags: ["Reports"],
      summary: "Set the expected redemption rate from a day on",
      description:
        "Finance's estimate of the share of points that will be redeemed (0..1), in force from the start of `effectiveFrom` (programme time) until a later one takes effect; of two on one day, the later set wins. It prices points issued from then on and re-measures revenue recognised for points already issued (the cumulative catch-up). Owners among staff; admin keys.",
      scopes: ["admin"],
      ownersOnly: true,
      body: CreateRedemptionEstimateSchema,
      status: 201,
      response: RedemptionEstimateSchema,
      responseDescription: "The estimate",
    },
    ({ body, programId, ctx }) => deferredRevenue.addEstimate(ctx, programId, body),
  );

  readRoute(
    router,
    {
      path: "/v1/reports/deferred-revenue",
      tags: ["Reports"],
      summary: "Deferred revenue for points per period (IFRS 15 / ASC 606)",
      description: `For finance, per period (day, week, month, quarter or year over any range of whole days in the programme's time zone, \`to\` inclusive): sales that earned points, the part allocated to the points, revenue recognised from points as they are redeemed, breakage, and the contract liability at the start and end; the points of purchase lots per period; and each month of issue (layer) at the end of the range. Says which expected redemption rate it used and where it comes from. ${METHOD} Owners, managers, admin and read keys.`,
      scopes: ["admin", "read"],
      query: DeferredRevenueQuerySchema,
      response: DeferredRevenueSchema,
      responseDescription: "The deferred revenue report",
      csv: {
        periods: csvTable(
          (a: DeferredRevenue) => a.periods,
          [
            field<PeriodRow>("period"),
            field<PeriodRow>("purchases"),
            field<PeriodRow>("sales", "sales", { money: true }),
            field<PeriodRow>("pointsIssued"),
            field<PeriodRow>("allocatedToPoints", "allocated_to_points", { money: true }),
            field<PeriodRow>("allocatedToGoods", "allocated_to_goods", { money: true }),
            field<PeriodRow>("recognised", "recognised", { money: true }),
            field<PeriodRow>("breakage", "breakage", { money: true }),
            field<PeriodRow>("liabilityStart", "liability_start", { money: true }),
            field<PeriodRow>("liabilityEnd", "liability_end", { money: true }),
            field<PeriodRow>("expectedRate"),
            field<PeriodRow>("rateSource"),
          ],
        ),
        points: csvTable(
          (a: DeferredRevenue) => a.points,
          [
            field<PointsRow>("period"),
            field<PointsRow>("issued"),
            field<PointsRow>("redeemed"),
            field<PointsRow>("expired"),
            field<PointsRow>("cancelled"),
            field<PointsRow>("outstandingStart"),
            field<PointsRow>("outstandingEnd"),
          ],
        ),
        layers: csvTable(
          (a: DeferredRevenue) => a.layers,
          [
            field<LayerRow>("month"),
            field<LayerRow>("sales", "sales", { money: true }),
            field<LayerRow>("pointsIssued"),
            field<LayerRow>("points"),
            field<LayerRow>("redeemed"),
            field<LayerRow>("expired"),
            field<LayerRow>("outstanding"),
            field<LayerRow>("expectedRedemptions"),
            field<LayerRow>("allocated", "allocated", { money: true }),
            field<LayerRow>("recognisedToDate", "recognised_to_date", { money: true }),
            field<LayerRow>("breakageToDate", "breakage_to_date", { money: true }),
            field<LayerRow>("liability", "liability", { money: true }),
          ],
        ),
      },
    },
    ({ programId, query }) => deferredRevenue.report(programId, query),
  );
  return router;
}
