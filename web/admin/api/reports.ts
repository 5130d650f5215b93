/** The reports: the overview (members, points issued, redeemed and expired) and the staff report. */
import { api, type Schema } from "../../shared/api/client.ts";

export type Overview = Schema<"Overview">;
export type StaffReport = Schema<"StaffReport">;

export const reportKeys = {
  overview: (from: string, to: string) => ["reports", "overview", from, to] as const,
  staff: (from: string, to: string) => ["reports", "staff", from, to] as const,
};

export const getOverview = (from: string, to: string) => api.get("/v1/reports/overview", { query: { from, to } });

export const getStaffReport = (from: string, to: string) => api.get("/v1/reports/staff", { query: { from, to } });
