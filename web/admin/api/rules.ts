/** Earn rules: the list, one rule, its versions, saving one, and the standing rules' example event. */
import { api, type Body, type Schema, type Sent } from "../../shared/api/client.ts";
import type { RequestOptions } from "../../shared/api/http.ts";
import type { ExampleEvent } from "./campaigns.ts";

export type Rule = Schema<"Rule">;
export type RuleStatus = Rule["status"];
export type NewRule = Body<"/v1/rules", "post">;
export type RuleChanges = Body<"/v1/rules/{ruleId}", "patch">;

export const ruleKeys = {
  /** Every list of rules (by status, or a campaign's). */
  all: ["rules"] as const,
  byStatus: (status: string) => ["rules", { status }] as const,
  ofCampaign: (campaignId: string) => ["rules", { campaignId }] as const,
  one: (ruleId: string | undefined) => ["rule", ruleId] as const,
  versions: (ruleId: string) => ["rule-versions", ruleId] as const,
};

export const listRules = (query: { status?: RuleStatus | ""; campaignId?: string }): Promise<{ data: Rule[] }> =>
  api.get("/v1/rules", { query });

export const getRule = (ruleId: string): Promise<Rule> => api.get("/v1/rules/{ruleId}", { path: { ruleId } });

export const ruleVersions = (ruleId: string) => api.get("/v1/rules/{ruleId}/versions", { path: { ruleId } });

export const createRule = (body: Sent<NewRule>, options?: RequestOptions): Promise<Rule> =>
  api.post("/v1/rules", { body }, options);

export const updateRule = (ruleId: string, body: Sent<RuleChanges>, options?: RequestOptions): Promise<Rule> =>
  api.patch("/v1/rules/{ruleId}", { path: { ruleId }, body }, options);

/** What an example event would earn with the active standing rules. */
export const previewRules = (body: Sent<ExampleEvent>) => api.post("/v1/rules/preview", { body });
