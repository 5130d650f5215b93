/** Finance insights: the points liability (at a day's end and at month ends), breakage, and the programme's cost. */
import { api, type Schema } from "../../shared/api/client.ts";

export type Liability = Schema<"Liability">;
export type LiabilitySeries = Schema<"LiabilitySeries">;
export type Breakage = Schema<"Breakage">;
export type ProgramCost = Schema<"ProgramCost">;

export const LIABILITY_PATH = "/v1/reports/liability";
export const LIABILITY_SERIES_PATH = "/v1/reports/liability/month-ends";
export const BREAKAGE_PATH = "/v1/reports/breakage";
export const PROGRAM_COST_PATH = "/v1/reports/program-cost";

export const financeKeys = {
  liability: (asOf: string) => ["reports", "liability", asOf] as const,
  series: (from: string, to: string) => ["reports", "liability-series", from, to] as const,
  breakage: (from: string, to: string) => ["reports", "breakage", from, to] as const,
  cost: (from: string, to: string) => ["reports", "program-cost", from, to] as const,
};

export const getLiability = (asOf: string) => api.get(LIABILITY_PATH, { query: { asOf } });

export const getLiabilitySeries = (from: string, to: string) => api.get(LIABILITY_SERIES_PATH, { query: { from, to } });

/** Finance reads breakage and cost by month. */
export const FINANCE_INTERVAL = "month";

export const getBreakage = (from: string, to: string) =>
  api.get(BREAKAGE_PATH, { query: { from, to, interval: FINANCE_INTERVAL } });

export const getProgramCost = (from: string, to: string) =>
  api.get(PROGRAM_COST_PATH, { query: { from, to, interval: FINANCE_INTERVAL } });
