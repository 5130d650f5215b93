import { createRouter, readRoute } from "../http/openapi.ts";
import { csvTable, field } from "../shared/csv.ts";
import {
  type Breakage,
  BreakageSchema,
  type Liability,
  LiabilityQuerySchema,
  LiabilitySchema,
  type LiabilitySeries,
  LiabilitySeriesQuerySchema,
  LiabilitySeriesSchema,
  type ProgramCost,
  ProgramCostSchema,
  RangeQuerySchema,
} from "./finance.schemas.ts";
import type { FinanceReportService } from "./finance.service.ts";

type Bucket = Liability["buckets"][number];
type MonthEnd = LiabilitySeries["monthEnds"][number];
type BreakageRow = Breakage["series"][number];
type CostRow = ProgramCost["series"][number];
type PartnerRow = ProgramCost["partners"][number];
type RewardRow = ProgramCost["rewards"][number];

/** The services these routes use. */
export interface FinanceRoutesDeps {
  financeReports: FinanceReportService;
}

export function financeRoutes(services: FinanceRoutesDeps) {
  const router = createRouter();
  const reports = services.financeReports;
  readRoute(
    router,
    {
      path: "/v1/reports/liability",
      tags: ["Reports"],
      summary: "The points liability at the end of any day, in points and money, by expiry",
      description:
        "The points members held at the end of `asOf` (programme time; default now), rebuilt from the ledger as it stood then, so a past month end reads the same whenever it is asked: each lot's postings dated before that moment; a lot past its expiry by then is owed nothing (breakage) even if the jobs moved it later; points are pending until their availableAt; points on a hold that had timed out count as back on their lot; held points and members' debt as they stood then. Split by when the points expire (within 30, 31-90, 91-365 days, later, never) and pending vs available, in points and in money at the programme's point value (rounded half away from zero to the minor unit; each figure rounded on its own). Owners, managers, admin and read keys.",
      scopes: ["admin", "read"],
      query: LiabilityQuerySchema,
      response: LiabilitySchema,
      responseDescription: "The liability",
      csv: {
        buckets: csvTable(
          (a: Liability) => a.buckets,
          [
            field<Bucket>("bucket"),
            field<Bucket>("available"),
            field<Bucket>("pending"),
            field<Bucket>("points"),
            field<Bucket>("amount", "amount", { money: true }),
          ],
        ),
      },
    },
    ({ programId, query }) => reports.liability(programId, query),
  );
  readRoute(
    router,
    {
      path: "/v1/reports/liability/month-ends",
      tags: ["Reports"],
      summary: "The points liability at each month end, in points and money",
      description:
        "For each month from `from` to `to` (YYYY-MM, programme time; default the last 12 months), the liability at the end of its last day (this month: now), each figure exactly what GET /v1/reports/liability?asOf= answers for that day. Owners, managers, admin and read keys.",
      scopes: ["admin", "read"],
      query: LiabilitySeriesQuerySchema,
      response: LiabilitySeriesSchema,
      responseDescription: "The liability at month ends",
      csv: {
        month_ends: csvTable(
          (a: LiabilitySeries) => a.monthEnds,
          [
            field<MonthEnd>("month"),
            field<MonthEnd>("asOf", "as_of"),
            field<MonthEnd>("availablePoints"),
            field<MonthEnd>("pendingPoints"),
            field<MonthEnd>("outstandingPoints"),
            field<MonthEnd>("heldPoints"),
            field<MonthEnd>("liabilityPoints"),
            field<MonthEnd>("debtPoints"),
            field<MonthEnd>("outstandingAmount", "outstanding_amount", { money: true }),
            field<MonthEnd>("heldAmount", "held_amount", { money: true }),
            field<MonthEnd>("liabilityAmount", "liability_amount", { money: true }),
            field<MonthEnd>("debtAmount", "debt_amount", { money: true }),
          ],
        ),
      },
    },
    ({ programId, query }) => reports.liabilitySeries(programId, query),
  );
  readRoute(
    router,
    {
      path: "/v1/reports/breakage",
      tags: ["Reports"],
      summary: "Points expired per period, in money, and the breakage rate",
      description:
        "Per period of the range (days in programme time, `to` inclusive): points that expired into breakage (net of expired points a reversal or return took back; lots past their expiry that the jobs have not moved yet count at their expiry), their money value, the points redeemed, and the breakage rate, expired / (expired + redeemed): of the points that left members' hands, the share that expired. Also over the range and over the programme's life up to `to`. Owners, managers, admin and read keys.",
      scopes: ["admin", "read"],
      query: RangeQuerySchema,
      response: BreakageSchema,
      responseDescription: "Breakage",
      csv: {
        series: csvTable(
          (a: Breakage) => a.series,
          [
            field<BreakageRow>("period"),
            field<BreakageRow>("expired"),
            field<BreakageRow>("expiredAmount", "expired_amount", { money: true }),
            field<BreakageRow>("redeemed"),
            field<BreakageRow>("breakageRate"),
          ],
        ),
      },
    },
    ({ programId, query }) => reports.breakage(programId, query),
  );
  readRoute(
    router,
    {
      path: "/v1/reports/program-cost",
      tags: ["Reports"],
      summary: "What points and rewards cost, who funds them, per active member and against member revenue",
      description:
        "Over the range (by effective time, programme days, `to` inclusive), per period and in total: points issued by the programme's earning and by manual adjustments (programme-funded) and by partners (partner-funded, also per partner), points redeemed, each in money at the programme's point value (rounded half away from zero to the minor unit); rewards redeemed (completed, not cancelled) per reward with their points' value and, where the catalogue records one, the reward's unit cost x units; the programme-funded cost per active member and as a share of members' net purchases. Owners, managers, admin and read keys.",
      scopes: ["admin", "read"],
      query: RangeQuerySchema,
      response: ProgramCostSchema,
      responseDescription: "The programme's cost",
      csv: {
        series: csvTable(
          (a: ProgramCost) => a.series,
          [
            field<CostRow>("period"),
            field<CostRow>("issuedPoints"),
            field<CostRow>("adjustedPoints"),
            field<CostRow>("programFundedPoints"),
            field<CostRow>("partnerFundedPoints"),
            field<CostRow>("programFundedCost", "program_funded_cost", { money: true }),
            field<CostRow>("partnerFundedCost", "partner_funded_cost", { money: true }),
            field<CostRow>("redeemedPoints"),
            field<CostRow>("redeemedCost", "redeemed_cost", { money: true }),
          ],
        ),
        rewards: csvTable(
          (a: ProgramCost) => a.rewards,
          [
            field<RewardRow>("rewardId"),
            field<RewardRow>("name"),
            field<RewardRow>("redemptions"),
            field<RewardRow>("units"),
            field<RewardRow>("points"),
            field<RewardRow>("pointsCost", "points_cost", { money: true }),
            field<RewardRow>("unitCost", "unit_cost", { money: true }),
            field<RewardRow>("rewardCost", "reward_cost", { money: true }),
          ],
        ),
        partners: csvTable(
          (a: ProgramCost) => a.partners,
          [field<PartnerRow>("partnerId"), field<PartnerRow>("points"), field<PartnerRow>("cost", "cost", { money: true })],
        ),
      },
    },
    ({ programId, query }) => reports.programCost(programId, query),
  );
  return router;
}
