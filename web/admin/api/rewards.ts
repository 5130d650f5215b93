/** Rewards: the catalogue, one reward, saving one, and a pool reward's voucher codes. */
import { api, type Body, type Schema, type Sent } from "../../shared/api/client.ts";
import type { RequestOptions } from "../../shared/api/http.ts";

export type Reward = Schema<"Reward">;
export type RewardType = Reward["type"];
export type NewReward = Body<"/v1/rewards", "post">;
export type RewardChanges = Body<"/v1/rewards/{rewardId}", "patch">;
export type CodesImport = Body<"/v1/rewards/{rewardId}/codes", "post">;

export interface RewardFilters {
  status: Reward["status"] | "";
  type: RewardType | "";
  cursor: string | undefined;
}

export const rewardKeys = {
  all: ["rewards"] as const,
  list: (filters: RewardFilters) => ["rewards", filters] as const,
  one: (rewardId: string | undefined) => ["reward", rewardId] as const,
};

export const listRewards = (filters: RewardFilters, limit: number) => api.get("/v1/rewards", { query: { ...filters, limit } });

export const getReward = (rewardId: string) => api.get("/v1/rewards/{rewardId}", { path: { rewardId } });

export const createReward = (body: Sent<NewReward>, options?: RequestOptions) => api.post("/v1/rewards", { body }, options);

export const updateReward = (rewardId: string, body: Sent<RewardChanges>, options?: RequestOptions) =>
  api.patch("/v1/rewards/{rewardId}", { path: { rewardId }, body }, options);

export const importCodes = (rewardId: string, body: Sent<CodesImport>, options?: RequestOptions) =>
  api.post("/v1/rewards/{rewardId}/codes", { path: { rewardId }, body }, options);
