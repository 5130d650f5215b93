import type { RewardRow } from "../db/schema.ts";
import type { RewardSummary, RewardView } from "./rewards.schemas.ts";

/** A reward as the API answers it: the summary a redemption or a recommendation carries, and the full view. */

export const rewardSummary = (row: RewardRow): RewardSummary => ({
  id: row.id,
  name: row.name,
  description: row.description,
  type: row.type,
  value: row.value,
  costPoints: row.cost_points,
  category: row.category,
  imageUrl: row.image_url,
});

export function rewardView(row: RewardRow, codesAvailable: number | null): RewardView {
  return {
    ...rewardSummary(row),
    unitCost: row.unit_cost,
    status: row.status,
    stock:
      row.stock_total === null || row.stock_remaining === null
        ? null
        : { total: row.stock_total, remaining: row.stock_remaining },
    codesAvailable,
    memberLimit: row.member_limit,
    availableFrom: row.available_from?.toISOString() ?? null,
    availableUntil: row.available_until?.toISOString() ?? null,
    minTierId: row.min_tier_id,
    segments: row.segments,
    voucherValidDays: row.voucher_valid_days,
    codeFormat: row.code_format,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
