import { createRouter, idParam, readRoute } from "../http/openapi.ts";
import { type CsvColumn, csvTable, field } from "../shared/csv.ts";
import {
  type RewardDetail,
  RewardDetailQuerySchema,
  RewardDetailSchema,
  type RewardReport,
  RewardReportQuerySchema,
  RewardReportSchema,
} from "./reward-report.schemas.ts";
import type { RewardReportService } from "./reward-report.service.ts";

type Row = RewardReport["rewards"][number];
type Judged = RewardReport["popular"][number];
type Period = RewardDetail["series"][number];

const rowColumns: CsvColumn<Row>[] = [
  field<Row>("rewardId"),
  field<Row>("name"),
  field<Row>("status"),
  field<Row>("availability"),
  field<Row>("costPoints"),
  field<Row>("daysOffered"),
  field<Row>("redemptions"),
  field<Row>("units"),
  field<Row>("members"),
  field<Row>("pointsSpent"),
  field<Row>("vouchersIssued"),
  field<Row>("vouchersUsed"),
  field<Row>("vouchersExpiredUnused"),
  field<Row>("vouchersOpen"),
  field<Row>("stockLeft"),
  field<Row>("unitsPerDay"),
  field<Row>("daysOfStock"),
  field<Row>("stockUp"),
  field<Row>("withinReachFrom"),
  field<Row>("membersWithinReach"),
  field<Row>("membersCanAfford"),
];

const judgedColumns: CsvColumn<Judged>[] = [
  field<Judged>("rewardId"),
  field<Judged>("name"),
  field<Judged>("redemptions"),
  field<Judged>("membersCanAfford"),
  field<Judged>("reason"),
];

/** The services these routes use. */
export interface RewardReportRoutesDeps {
  rewardReport: RewardReportService;
}

export function rewardReportRoutes(services: RewardReportRoutesDeps) {
  const router = createRouter();
  readRoute(
    router,
    {
      path: "/v1/reports/rewards",
      tags: ["Reports"],
      summary: "Reward patterns: redemptions, vouchers, stock, members within reach; popular and underused rewards",
      description:
        "Per reward over whole days in the programme's time zone (`to` inclusive; default the last 90 days): redemptions completed and not cancelled since, the members who made them and the points they spent; the vouchers issued and what became of them; the stock left and how many days it lasts at the window's rate (the stock-up signal); the members within reach now who have not redeemed it. Then the popular and underused rewards, ranked, each with its reason in one line. Redemptions count by when they were completed; balances, stock and voucher states are as of now. Inactive and archived rewards keep their figures for the window but are not judged underused and have no members within reach; an archived one nobody redeemed in the window is left out. Owners, managers, admin and read keys.",
      scopes: ["admin", "read"],
      query: RewardReportQuerySchema,
      response: RewardReportSchema,
      responseDescription: "The reward report",
      csv: {
        rewards: csvTable((a: RewardReport) => a.rewards, rowColumns),
        popular: csvTable((a: RewardReport) => a.popular, judgedColumns),
        underused: csvTable((a: RewardReport) => a.underused, judgedColumns),
      },
    },
    ({ programId, query }) => services.rewardReport.report(programId, query),
  );
  readRoute(
    router,
    {
      path: "/v1/reports/rewards/{rewardId}",
      tags: ["Reports"],
      summary: "One reward's figures over a date range, per period",
      description:
        "The figures the reward report gives this reward (any status, archived included), whether it is popular or underused and why, and per period its redemptions, members, points and vouchers used. 404 for a reward the programme does not have. Owners, managers, admin and read keys.",
      scopes: ["admin", "read"],
      params: idParam("rewardId", "rwd"),
      query: RewardDetailQuerySchema,
      response: RewardDetailSchema,
      responseDescription: "One reward's report",
      csv: {
        series: csvTable(
          (a: RewardDetail) => a.series,
          [
            field<Period>("period"),
            field<Period>("redemptions"),
            field<Period>("units"),
            field<Period>("members"),
            field<Period>("pointsSpent"),
            field<Period>("vouchersUsed"),
          ],
        ),
      },
    },
    ({ programId, params, query }) => services.rewardReport.reward(programId, params.rewardId, query),
  );
  return router;
}
