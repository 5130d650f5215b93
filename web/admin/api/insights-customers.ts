/** Customer lifetime value: the fitted model, fits queued and followed, and one member's value. */
import { api, type Body, type Schema, type Sent } from "../../shared/api/client.ts";
import { ApiError, type RequestOptions } from "../../shared/api/http.ts";

export type CustomerValueModel = Schema<"CustomerValueModel">;
export type CustomerValueFit = Schema<"CustomerValueFit">;
export type CustomerValueParameters = Schema<"CustomerValueParameters">;
export type MemberValue = Schema<"MemberValue">;
export type MemberListValue = Schema<"MemberListValue">;
export type FitRequest = Body<"/v1/insights/customer-value/fit", "post">;

/** The model, or none yet (the API's 404) with the latest fit asked for, e.g. one queued or failed. */
export interface ModelState {
  model: CustomerValueModel | null;
  latestFit: CustomerValueFit | null;
}

export const customerValueKeys = {
  all: ["customer-value"] as const,
  model: ["customer-value", "model"] as const,
  fit: (fitId: string) => ["customer-value", "fit", fitId] as const,
  /** Under the member's own key, so everything read about a member refreshes together. */
  member: (memberId: string) => ["member", memberId, "value"] as const,
};

export async function getModelState(): Promise<ModelState> {
  try {
    const model = await api.get("/v1/insights/customer-value");
    return { model, latestFit: model.latestFit };
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) throw error;
    const latestFit = (error.details as { latestFit?: CustomerValueFit | null } | undefined)?.latestFit ?? null;
    return { model: null, latestFit };
  }
}

export const requestFit = (body: Sent<FitRequest>, options?: RequestOptions) =>
  api.post("/v1/insights/customer-value/fit", { body }, options);

export const getFit = (fitId: string) => api.get("/v1/insights/customer-value/fits/{fitId}", { path: { fitId } });

/** The member's value under the latest model (12 months at 1% a month), or null when no model is fitted yet (the API's 409). */
export async function getMemberValue(memberId: string): Promise<MemberValue | null> {
  try {
    return await api.get("/v1/members/{memberId}/value", { path: { memberId } });
  } catch (error) {
    if (error instanceof ApiError && error.status === 409) return null;
    throw error;
  }
}

export type CustomerComparison = Schema<"CustomerComparison">;
export type ComparisonSide = CustomerComparison["members"];
export type MembersAtRisk = Schema<"MembersAtRisk">;
export type MemberAtRisk = MembersAtRisk["members"][number];
export type ConvertibleCustomers = Schema<"ConvertibleCustomers">;

/**
 * The members-vs-non-members views. At risk and the comparison (its members' predicted CLV) follow the
 * member fit, so they sit under the customer-value key and refresh with it.
 */
export const customerInsightKeys = {
  atRisk: (limit: number) => ["customer-value", "at-risk", limit] as const,
  comparison: (from: string, to: string) => ["customer-value", "comparison", from, to] as const,
  convertible: (limit: number) => ["customers", "convertible", limit] as const,
};

export const getComparison = (from: string, to: string) => api.get("/v1/insights/customers/comparison", { query: { from, to } });

/** Members at risk by the API's rule (default 90 days back, CLV then at least the median), or null with no model yet (its 409). */
export async function getMembersAtRisk(limit: number): Promise<MembersAtRisk | null> {
  try {
    return await api.get("/v1/insights/customers/at-risk", { query: { limit } });
  } catch (error) {
    if (error instanceof ApiError && error.status === 409) return null;
    throw error;
  }
}

/** Why the non-members' model could not be fitted: the API's 422 reason, its message and its counts. */
export interface ConvertibleRefusal {
  reason: string;
  message: string;
  details: Record<string, unknown>;
}

/** Non-member customers by predicted CLV, or the reason the API refused to predict (its 422). */
export async function getConvertible(
  limit: number,
): Promise<{ customers: ConvertibleCustomers; refusal: null } | { customers: null; refusal: ConvertibleRefusal }> {
  try {
    return { customers: await api.get("/v1/insights/customers/convertible", { query: { limit } }), refusal: null };
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 422)) throw error;
    const details = (error.details ?? {}) as Record<string, unknown>;
    const reason = typeof details.reason === "string" ? details.reason : "error";
    return { customers: null, refusal: { reason, message: error.message, details } };
  }
}
