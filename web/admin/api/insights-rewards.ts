/** The reward report: per reward over a date range, the popular and underused ones, and one reward per period. */
import { api, type Schema } from "../../shared/api/client.ts";

export type RewardReport = Schema<"RewardReport">;
export type RewardFigures = Schema<"RewardFigures">;

export const REWARD_REPORT_PATH = "/v1/reports/rewards";

export const rewardReportKeys = {
  report: (from: string, to: string) => ["reports", "rewards", from, to] as const,
};

export const getRewardReport = (from: string, to: string) => api.get("/v1/reports/rewards", { query: { from, to } });
