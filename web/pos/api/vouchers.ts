/** Vouchers at the till: check a code, then use it. */
import { api, type Schema } from "../../shared/api/client.ts";
import type { RequestOptions } from "../../shared/api/http.ts";

export type VoucherCheck = Schema<"VoucherCheck">;

export const checkVoucher = (code: string) => api.get("/v1/vouchers/{code}", { path: { code } });

export const redeemVoucher = (code: string, options?: RequestOptions) =>
  api.post("/v1/vouchers/{code}/redeem", { path: { code }, body: {} }, options);
