import { createRouter, idParam, readRoute } from "../http/openapi.ts";
import { type CsvColumn, csvTable, field } from "../shared/csv.ts";
import {
  type CampaignResult,
  type CampaignResultDetail,
  CampaignResultDetailSchema,
  type CampaignResults,
  CampaignResultsQuerySchema,
  CampaignResultsSchema,
} from "./campaign-results.schemas.ts";
import type { CampaignResultsService } from "./campaign-results.service.ts";

/** The services these routes use. */
export interface CampaignResultsRoutesDeps {
  campaignResults: CampaignResultsService;
}

type Group = "treated" | "holdout";
const groupColumns = (g: Group): CsvColumn<CampaignResult>[] => [
  { header: `${g}_members`, value: (r) => r[g].members },
  { header: `${g}_buyers`, value: (r) => r[g].buyers },
  { header: `${g}_conversion`, value: (r) => r[g].conversion },
  { header: `${g}_purchases`, value: (r) => r[g].purchases },
  { header: `${g}_spend`, value: (r) => r[g].spend, money: true },
  { header: `${g}_spend_per_member`, value: (r) => r[g].spendPerMember, money: true },
];

/** One campaign's headline results as a CSV line (intervals as _low and _high columns). */
const resultColumns: CsvColumn<CampaignResult>[] = [
  field<CampaignResult>("campaignId"),
  field<CampaignResult>("name"),
  field<CampaignResult>("status"),
  field<CampaignResult>("holdoutPercent"),
  field<CampaignResult>("from"),
  field<CampaignResult>("to"),
  ...groupColumns("treated"),
  ...groupColumns("holdout"),
  { header: "conversion_difference", value: (r) => r.conversion?.difference },
  { header: "conversion_difference_low", value: (r) => r.conversion?.differenceCi?.[0] },
  { header: "conversion_difference_high", value: (r) => r.conversion?.differenceCi?.[1] },
  { header: "conversion_p_value", value: (r) => r.conversion?.pValue },
  { header: "spend_per_member_difference", value: (r) => r.spendPerMember?.difference },
  { header: "spend_lift", value: (r) => r.spendPerMember?.lift },
  { header: "spend_lift_low", value: (r) => r.spendPerMember?.liftCi?.[0] },
  { header: "spend_lift_high", value: (r) => r.spendPerMember?.liftCi?.[1] },
  { header: "spend_p_value", value: (r) => r.spendPerMember?.pValue },
  field<CampaignResult>("incrementalRevenue", "incremental_revenue", { money: true }),
  { header: "incremental_revenue_low", value: (r) => r.incrementalRevenueCi?.[0], money: true },
  { header: "incremental_revenue_high", value: (r) => r.incrementalRevenueCi?.[1], money: true },
  field<CampaignResult>("points"),
  field<CampaignResult>("pointsCost", "points_cost", { money: true }),
  field<CampaignResult>("costPerIncrementalRevenue"),
  field<CampaignResult>("verdict"),
  field<CampaignResult>("reason"),
];

const definitions =
  "A campaign's audience is every member enrolled before the window's end who meets its audience conditions as they stand now (all members when it has none). " +
  "Each is treated or held out by the campaign's deterministic draw (a hash of campaign and member, the one the earning engine uses), so every audience member is in a group whether or not they had an event, " +
  "and the groups are a random split: comparing them measures the campaign (intention to treat). Reach counted only from events would be unfair: a purchase-triggered campaign reaches only members who bought, so its conversion would be 100%. " +
  "Conversion: members who purchased in the window / members (two-proportion z-test). Spend per member: net of returns, zeros included (Welch's t-test). " +
  "Purchases count by when they happened; the campaign's points by when their events happened, net of returns, costed at the programme's point value. " +
  "Caveats: the audience is judged on members' facts now (a tier or attribute changed since counts as it is now), and by the campaign's current holdout share.";

export function campaignResultsRoutes(services: CampaignResultsRoutesDeps) {
  const router = createRouter();
  readRoute(
    router,
    {
      path: "/v1/reports/campaigns",
      tags: ["Reports"],
      summary: "Campaign effectiveness: treated vs holdout for every campaign",
      description: `One row per campaign with its headline results over a window (default: each campaign's own dates, to today): reach, conversion and spend per member in each group, incremental revenue and lift with 95% intervals and p-values, points and their cost, cost per incremental dollar, and a verdict. The bootstrap interval is in each campaign's own report (GET /v1/reports/campaigns/{campaignId}); the verdicts here use Welch's test alone. ${definitions}`,
      scopes: ["admin", "read"],
      query: CampaignResultsQuerySchema,
      response: CampaignResultsSchema,
      responseDescription: "Every campaign's results",
      csv: { campaigns: csvTable((a: CampaignResults) => a.campaigns, resultColumns) },
    },
    ({ programId, query }) => services.campaignResults.list(programId, query),
  );
  readRoute(
    router,
    {
      path: "/v1/reports/campaigns/{campaignId}",
      tags: ["Reports"],
      summary: "One campaign's results over any window",
      description: `A campaign's results (default window: its own dates, to today), with a bootstrap interval for the difference in spend per member (2,000 resamples from a seeded Mersenne Twister: the same data gives the same answer). A campaign without a holdout shows reach, points, cost and its treated members' spend before vs during, and says lift needs a holdout. ${definitions}`,
      scopes: ["admin", "read"],
      params: idParam("campaignId", "cmp"),
      query: CampaignResultsQuerySchema,
      response: CampaignResultDetailSchema,
      responseDescription: "The campaign's results",
      csv: { campaign: csvTable((a: CampaignResultDetail) => [a.campaign], resultColumns) },
    },
    ({ programId, params, query }) => services.campaignResults.one(programId, params.campaignId, query),
  );
  return router;
}
