/** The till's members: looked up, opened (profile and balance) and enrolled, with their query keys. */
import { type Answer, api, type Body, type Schema, type Sent } from "../../shared/api/client.ts";
import type { RequestOptions } from "../../shared/api/http.ts";

export type Member = Schema<"Member">;
export type MemberDetail = Schema<"MemberDetail">;
export type Balance = Schema<"Balance">;
export type NewMember = Body<"/v1/members", "post">;

export const memberKeys = {
  /** Everything the till read about a member: refreshed after a sale or a redemption. */
  one: (memberId: string) => ["member", memberId] as const,
  detail: (memberId: string) => ["member", memberId, "detail"] as const,
  balance: (memberId: string) => ["member", memberId, "balance"] as const,
  rewards: (memberId: string) => ["member", memberId, "rewards"] as const,
  tier: (memberId: string) => ["member", memberId, "tier"] as const,
};

export const findMembers = (query: {
  email?: string;
  phone?: string;
  externalId?: string;
  cardNumber?: string;
  q?: string;
  limit: number;
}): Promise<Answer<"/v1/members">> => api.get("/v1/members", { query });

export const getMember = (memberId: string) => api.get("/v1/members/{memberId}", { path: { memberId } });

/** The member's tier with its benefits (staff honour them by hand at the till). */
export const getTierStatus = (memberId: string) => api.get("/v1/members/{memberId}/tier", { path: { memberId } });

export const getBalance = (memberId: string) => api.get("/v1/members/{memberId}/balance", { path: { memberId } });

export const enrolMember = (body: Sent<NewMember>, options?: RequestOptions) => api.post("/v1/members", { body }, options);
