import type { RedemptionRow, RewardRow, VoucherRow } from "../db/schema.ts";
import { DomainError } from "../shared/errors.ts";
import { voucherState } from "./rewards.rules.ts";
import { rewardSummary } from "./views.ts";

// How redemptions and vouchers are answered: shaping only, no I/O.

function voucherView(v: VoucherRow, at: Date) {
  return {
    code: v.code,
    status: voucherState({ status: v.status, expiresAt: v.expires_at }, at),
    expiresAt: v.expires_at?.toISOString() ?? null,
    usedAt: v.used_at?.toISOString() ?? null,
    usedOrderId: v.used_order_id,
  };
}

export function redemptionView(row: RedemptionRow, reward: RewardRow, vouchers: VoucherRow[], at: Date) {
  // A reservation past its time is released even before the job records it, so say so.
  const lapsed = row.status === "reserved" && row.reserved_until !== null && row.reserved_until <= at;
  return {
    id: row.id,
    memberId: row.member_id,
    reward: rewardSummary(reward),
    rewardVersion: row.reward_version,
    quantity: row.quantity,
    points: row.points,
    status: lapsed ? ("expired" as const) : row.status,
    vouchers: vouchers.map((v) => voucherView(v, at)),
    holdId: row.hold_id,
    reservedUntil: row.reserved_until?.toISOString() ?? null,
    transactionId: row.capture_txn_id,
    cancelTransactionId: row.cancel_txn_id,
    channel: row.channel,
    createdAt: row.created_at.toISOString(),
    completedAt: row.completed_at?.toISOString() ?? null,
    cancelledAt: row.cancelled_at?.toISOString() ?? null,
    cancelReason: row.cancel_reason,
  };
}

export function voucherCheck(voucher: VoucherRow, reward: RewardRow, at: Date) {
  const status = voucherState({ status: voucher.status, expiresAt: voucher.expires_at }, at);
  return {
    code: voucher.code,
    valid: status === "issued",
    status,
    invalidReason:
      status === "used"
        ? ("voucher_used" as const)
        : status === "expired"
          ? ("voucher_expired" as const)
          : status === "cancelled"
            ? ("voucher_cancelled" as const)
            : null,
    memberId: voucher.member_id,
    redemptionId: voucher.redemption_id,
    reward: rewardSummary(reward),
    expiresAt: voucher.expires_at?.toISOString() ?? null,
    usedAt: voucher.used_at?.toISOString() ?? null,
    usedOrderId: voucher.used_order_id,
    usedStoreId: voucher.used_store_id,
    createdAt: voucher.created_at.toISOString(),
  };
}

/** The refusal of a voucher that could not be used, by its state. */
export function voucherRefusal(voucher: VoucherRow, at: Date): DomainError {
  const state = voucherState({ status: voucher.status, expiresAt: voucher.expires_at }, at);
  if (state === "used") {
    return new DomainError("voucher_used", `Voucher ${voucher.code} was already used at ${voucher.used_at?.toISOString()}`, {
      usedAt: voucher.used_at,
      usedOrderId: voucher.used_order_id,
    });
  }
  if (state === "cancelled") return new DomainError("voucher_cancelled", `Voucher ${voucher.code} was cancelled`);
  return new DomainError("voucher_expired", `Voucher ${voucher.code} expired at ${voucher.expires_at?.toISOString()}`, {
    expiresAt: voucher.expires_at,
  });
}
