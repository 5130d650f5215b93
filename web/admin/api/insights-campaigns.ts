/** Campaign effectiveness: every campaign's treated vs holdout results, and one campaign's with its bootstrap. */
import { api, type Schema } from "../../shared/api/client.ts";

export type CampaignResults = Schema<"CampaignResults">;
export type CampaignResult = Schema<"CampaignResult">;
export type CampaignResultDetail = Schema<"CampaignResultDetail">;

/** A window asked for; both empty: each campaign over its own dates. */
export interface ResultsWindow {
  from?: string;
  to?: string;
}

const window = (w: ResultsWindow) => ({ ...(w.from && { from: w.from }), ...(w.to && { to: w.to }) });

export const campaignResultKeys = {
  all: (w: ResultsWindow) => ["reports", "campaigns", w.from ?? "", w.to ?? ""] as const,
  one: (campaignId: string, w: ResultsWindow) => ["reports", "campaigns", campaignId, w.from ?? "", w.to ?? ""] as const,
};

export const CAMPAIGN_RESULTS_PATH = "/v1/reports/campaigns";

export const getCampaignResults = (w: ResultsWindow) => api.get("/v1/reports/campaigns", { query: window(w) });

export const getCampaignResult = (campaignId: string, w: ResultsWindow) =>
  api.get("/v1/reports/campaigns/{campaignId}", { path: { campaignId }, query: window(w) });
