/** The tier ladder and its policy, read by every design page and replaced as a whole. */
import { type Answer, api, type Body, type Schema, type Sent, type WithNull } from "../../shared/api/client.ts";
import type { RequestOptions } from "../../shared/api/http.ts";

export type Tier = WithNull<Schema<"Tier">, "pointsExpiry">;
export type TierPolicy = NonNullable<Schema<"TierPolicy">>;
export type Ladder = Omit<Answer<"/v1/tiers">, "tiers"> & { tiers: Tier[] };
export type LadderChange = Body<"/v1/tiers", "put">;

export const tierKeys = {
  ladder: ["tiers"] as const,
};

export const getLadder = (): Promise<Ladder> => api.get("/v1/tiers");

export const putLadder = (body: Sent<LadderChange>, options?: RequestOptions): Promise<Ladder> =>
  api.put("/v1/tiers", { body }, options);
