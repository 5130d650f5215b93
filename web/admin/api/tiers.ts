/** The tier ladder and its policy, read by every design page and replaced as a whole. */
import { type Answer, api, type Body, type Schema, type Sent } from "../../shared/api/client.ts";
import type { RequestOptions } from "../../shared/api/http.ts";

export type Tier = Schema<"Tier">;
export type TierPolicy = Schema<"TierPolicy">;
export type Ladder = Answer<"/v1/tiers">;
export type LadderChange = Body<"/v1/tiers", "put">;

export const tierKeys = {
  ladder: ["tiers"] as const,
};

export const getLadder = (): Promise<Ladder> => api.get("/v1/tiers");

export const putLadder = (body: Sent<LadderChange>, options?: RequestOptions): Promise<Ladder> =>
  api.put("/v1/tiers", { body }, options);
