/** The rewards a member can take at the till, and redeeming one. */
import { api, type Body, type Sent } from "../../shared/api/client.ts";
import type { RequestOptions } from "../../shared/api/http.ts";

export type RedemptionRequest = Body<"/v1/members/{memberId}/redemptions", "post">;

export const memberRewards = (memberId: string) => api.get("/v1/members/{memberId}/rewards", { path: { memberId } });

export const redeemReward = (memberId: string, body: Sent<RedemptionRequest>, options?: RequestOptions) =>
  api.post("/v1/members/{memberId}/redemptions", { path: { memberId }, body }, options);
