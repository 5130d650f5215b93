/** The overview report: members, points issued, redeemed and expired over a period. */
import { api, type Schema } from "../../shared/api/client.ts";

export type Overview = Schema<"Overview">;

export const reportKeys = {
  overview: (from: string, to: string) => ["reports", "overview", from, to] as const,
};

export const getOverview = (from: string, to: string) => api.get("/v1/reports/overview", { query: { from, to } });
