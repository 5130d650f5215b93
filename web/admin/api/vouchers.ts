/** Vouchers at the console: look one up, use it, or cancel its redemption. */
import { api, type Body, type Schema, type Sent } from "../../shared/api/client.ts";
import type { RequestOptions } from "../../shared/api/http.ts";

export type VoucherCheck = Schema<"VoucherCheck">;

export const voucherKeys = {
  all: ["voucher"] as const,
  one: (code: string) => ["voucher", code] as const,
};

export const checkVoucher = (code: string) => api.get("/v1/vouchers/{code}", { path: { code } });

export const redeemVoucher = (code: string, body: Sent<Body<"/v1/vouchers/{code}/redeem", "post">>, options?: RequestOptions) =>
  api.post("/v1/vouchers/{code}/redeem", { path: { code }, body }, options);

export const cancelRedemption = (
  redemptionId: string,
  body: Sent<Body<"/v1/redemptions/{redemptionId}/cancel", "post">>,
  options?: RequestOptions,
) => api.post("/v1/redemptions/{redemptionId}/cancel", { path: { redemptionId }, body }, options);
