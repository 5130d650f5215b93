/** Campaigns: the list, one campaign, its versions, saving one, its example event and its backtest. */
import { api, type Body, type Schema, type Sent } from "../../shared/api/client.ts";
import type { RequestOptions } from "../../shared/api/http.ts";

export type Campaign = Schema<"Campaign">;
export type MemberCondition = Schema<"MemberCondition">;
export type NewCampaign = Body<"/v1/campaigns", "post">;
export type CampaignChanges = Body<"/v1/campaigns/{campaignId}", "patch">;
export type ExampleEvent = Schema<"CampaignPreviewInput">;
export type Preview = Schema<"CampaignPreview">;
export type Backtest = Schema<"Backtest">;

export const campaignKeys = {
  all: ["campaigns"] as const,
  one: (campaignId: string | undefined) => ["campaign", campaignId] as const,
  versions: (campaignId: string) => ["campaign-versions", campaignId] as const,
};

export const listCampaigns = () => api.get("/v1/campaigns");

export const getCampaign = (campaignId: string) => api.get("/v1/campaigns/{campaignId}", { path: { campaignId } });

export const campaignVersions = (campaignId: string) => api.get("/v1/campaigns/{campaignId}/versions", { path: { campaignId } });

export const createCampaign = (body: Sent<NewCampaign>, options?: RequestOptions) => api.post("/v1/campaigns", { body }, options);

export const updateCampaign = (campaignId: string, body: Sent<CampaignChanges>, options?: RequestOptions) =>
  api.patch("/v1/campaigns/{campaignId}", { path: { campaignId }, body }, options);

/** What an example event would earn with the campaign (schedule and holdout set aside) and the standing rules. */
export const previewCampaign = (campaignId: string, body: Sent<ExampleEvent>) =>
  api.post("/v1/campaigns/{campaignId}/preview", { path: { campaignId }, body });

export const backtestCampaign = (campaignId: string, body: Sent<Body<"/v1/campaigns/{campaignId}/backtest", "post">>) =>
  api.post("/v1/campaigns/{campaignId}/backtest", { path: { campaignId }, body });
