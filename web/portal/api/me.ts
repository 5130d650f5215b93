/** The signed-in member's own data: session, profile, points, tier, history, rewards and vouchers. */
import { type Answer, api, type Body, type Schema, type Sent } from "../../shared/api/client.ts";
import type { RequestOptions } from "../../shared/api/http.ts";

export type MemberSession = Schema<"MemberSession">;
export type Me = Schema<"Me">;
export type TierStatus = Schema<"TierStatus">;
export type LedgerEntry = Schema<"MeLedgerEntry">;
export type MemberReward = Schema<"MemberReward">;
export type Redemption = Schema<"RedemptionResult">;
export type Voucher = Answer<"/v1/me/vouchers">["data"][number];
export type ProfileChanges = Body<"/v1/me", "patch">;

export const meKeys = {
  session: ["member-session"] as const,
  me: ["me"] as const,
  tier: ["me-tier"] as const,
  /** Every page of the history. */
  ledger: ["me-ledger"] as const,
  ledgerPage: (limit: number, cursor: string | undefined) => ["me-ledger", limit, cursor] as const,
  rewards: ["me-rewards"] as const,
  vouchers: ["me-vouchers"] as const,
};

export const getSession = (): Promise<MemberSession> => api.get("/v1/me/session");

export const signOut = () => api.post("/v1/me/sign-out");

export const getMe = () => api.get("/v1/me");

export const getTier = () => api.get("/v1/me/tier");

export const updateProfile = (body: Sent<ProfileChanges>, options?: RequestOptions) => api.patch("/v1/me", { body }, options);

export const getLedger = (limit: number, cursor: string | undefined) => api.get("/v1/me/ledger", { query: { limit, cursor } });

export const getRewards = () => api.get("/v1/me/rewards");

export const redeem = (rewardId: string, options?: RequestOptions) =>
  api.post("/v1/me/redemptions", { body: { rewardId } }, options);

export const getVouchers = () => api.get("/v1/me/vouchers");
