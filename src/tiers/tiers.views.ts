import type { TierRow } from "../db/schema.ts";

export const iso = (d: Date | null) => (d === null ? null : d.toISOString());

/** A tier as answered. */
export function tierView(row: TierRow) {
  return {
    id: row.id,
    name: row.name,
    rank: row.rank ?? 0,
    threshold: Number(row.threshold),
    retainThreshold: row.retain_threshold === null ? null : Number(row.retain_threshold),
    earnMultiplier: Number(row.earn_multiplier),
    pointsExpiry: row.points_expiry,
    benefits: row.benefits,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}
