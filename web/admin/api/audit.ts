/** The audit log, filtered and read a page at a time. */
import { type Answer, api } from "../../shared/api/client.ts";

export const auditKeys = {
  /** Every page of the log: changes to staff, keys and settings refresh it. */
  all: ["audit"] as const,
  page: (filters: object, cursor: string | undefined) => ["audit", filters, cursor ?? null] as const,
};

export const listAudit = (query: {
  actor?: string;
  action?: string;
  targetId?: string;
  from?: string | undefined;
  to?: string | undefined;
  limit: number;
  cursor: string | undefined;
}): Promise<Answer<"/v1/audit">> => api.get("/v1/audit", { query });
