import type { RewardRow } from "../../src/db/schema.ts";

/** A reward row as the catalogue stores it: a 100-point coffee, no stock, limit, window or gate unless told. */
export const row = (fields: Partial<RewardRow> = {}): RewardRow => ({
  id: "rwd_1",
  program_id: "prg_1",
  name: "Coffee",
  description: null,
  type: "free_product",
  value: { sku: "coffee" },
  category: "drinks",
  image_url: null,
  status: "active",
  cost_points: 100,
  unit_cost: null,
  stock_total: null,
  stock_remaining: null,
  member_limit: null,
  available_from: null,
  available_until: null,
  min_tier_id: null,
  segments: [],
  voucher_valid_days: null,
  code_format: { type: "generated", length: 12 },
  version: 1,
  created_at: new Date("2026-03-10T15:00:00Z"),
  updated_at: new Date("2026-03-10T15:00:00Z"),
  ...fields,
});
