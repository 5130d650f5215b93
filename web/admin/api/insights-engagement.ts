/** The Engagement reports: participation, points by account, redemption frequency and cohort retention. */
import { api, type Schema } from "../../shared/api/client.ts";

export type Participation = Schema<"ParticipationReport">;
export type PointsReport = Schema<"PointsReport">;
export type RedemptionFrequency = Schema<"RedemptionFrequencyReport">;
export type CohortReport = Schema<"CohortReport">;
export type Interval = Participation["interval"];

/** The range every Engagement report is asked for; interval left out lets the server choose. */
export interface EngagementRange {
  from: string;
  to: string;
  interval?: Interval;
}

export const engagementKeys = {
  participation: (r: EngagementRange) => ["reports", "participation", r.from, r.to, r.interval ?? "auto"] as const,
  points: (r: EngagementRange) => ["reports", "points", r.from, r.to, r.interval ?? "auto"] as const,
  frequency: (r: EngagementRange) => ["reports", "redemption-frequency", r.from, r.to, r.interval ?? "auto"] as const,
  cohorts: (r: EngagementRange) => ["reports", "cohorts", r.from, r.to] as const,
};

const query = (r: EngagementRange) => ({ from: r.from, to: r.to, ...(r.interval && { interval: r.interval }) });

export const getParticipation = (r: EngagementRange) => api.get("/v1/reports/participation", { query: query(r) });
export const getPointsReport = (r: EngagementRange) => api.get("/v1/reports/points", { query: query(r) });
export const getRedemptionFrequency = (r: EngagementRange) => api.get("/v1/reports/redemption-frequency", { query: query(r) });
export const getCohorts = (r: EngagementRange) => api.get("/v1/reports/cohorts", { query: { from: r.from, to: r.to } });
