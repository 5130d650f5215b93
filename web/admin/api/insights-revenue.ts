/** Deferred revenue for points (IFRS 15 / ASC 606) and finance's expected redemption rates. */
import { api, type Body, type Schema, type Sent } from "../../shared/api/client.ts";
import type { RequestOptions } from "../../shared/api/http.ts";

export type DeferredRevenue = Schema<"DeferredRevenue">;
export type RedemptionEstimates = Schema<"RedemptionEstimates">;
export type RedemptionEstimate = Schema<"RedemptionEstimate">;
export type RevenueInterval = NonNullable<DeferredRevenue["interval"]>;
export type NewRedemptionEstimate = Body<"/v1/programs/current/redemption-estimates", "post">;

export const DEFERRED_REVENUE_PATH = "/v1/reports/deferred-revenue";
export const ESTIMATES_PATH = "/v1/programs/current/redemption-estimates";

export const revenueKeys = {
  all: ["reports", "deferred-revenue"] as const,
  report: (from: string, to: string, interval: RevenueInterval) => ["reports", "deferred-revenue", from, to, interval] as const,
  estimates: ["reports", "deferred-revenue", "estimates"] as const,
};

export const getDeferredRevenue = (from: string, to: string, interval: RevenueInterval) =>
  api.get("/v1/reports/deferred-revenue", { query: { from, to, interval } });

export const listRedemptionEstimates = () => api.get("/v1/programs/current/redemption-estimates");

export const addRedemptionEstimate = (body: Sent<NewRedemptionEstimate>, options?: RequestOptions) =>
  api.post("/v1/programs/current/redemption-estimates", { body }, options);
