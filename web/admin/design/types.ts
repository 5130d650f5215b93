/** The API's programme design objects as the console reads them (see /openapi.json). */

export type ExpiryPolicy = { policy: "none" } | { policy: "fixed_period"; months: number; roundTo?: "none" | "month_end" };

export type Condition = { type: string } & Record<string, unknown>;

export interface ItemFilter {
  skus?: string[];
  categories?: string[];
  brands?: string[];
}

export type Effect =
  | { type: "points_per_amount"; points: number; per: number; rounding: Rounding }
  | { type: "points_per_item"; points: number }
  | { type: "fixed_points"; points: number }
  | { type: "multiplier"; factor: number; rounding: Rounding; appliesTo?: string[] }
  | { type: "stamps"; cardSize: number; per: "event" | "item"; rewardPoints: number };

export type Rounding = "floor" | "round" | "ceil";

export interface Limits {
  perEvent?: number;
  perMember?: { period: string; maxPoints?: number; maxAwards?: number };
}

export interface Rule {
  id: string;
  campaignId: string | null;
  name: string;
  description: string | null;
  status: "active" | "inactive" | "archived";
  version: number;
  trigger: string;
  conditions: Condition[];
  items: { include?: ItemFilter; exclude?: ItemFilter } | null;
  effect: Effect;
  limits: Limits;
  priority: number;
  stacking: "stack" | "exclusive";
  pendingDays: number | null;
  expiry: ExpiryPolicy | null;
  fundedBy: "program" | "partner";
  createdAt: string;
  updatedAt: string;
}

export interface Campaign {
  id: string;
  name: string;
  description: string | null;
  status: "draft" | "active" | "paused" | "ended";
  running: boolean;
  startsAt: string | null;
  endsAt: string | null;
  audience: Condition[];
  holdoutPercent: number;
  budget: { points: number; spent: number; remaining: number } | null;
  version: number;
  ruleIds: string[];
  createdAt: string;
  updatedAt: string;
}

export interface Version {
  version: number;
  definition: Record<string, unknown>;
  actor: string;
  createdAt: string;
}

export interface Tier {
  id: string;
  name: string;
  rank: number;
  threshold: number;
  retainThreshold: number | null;
  earnMultiplier: number;
  pointsExpiry: ExpiryPolicy | null;
  benefits: string[];
}

export interface TierPolicy {
  metric: "points_earned" | "spend" | "purchases";
  window: { type: "rolling_months"; months: number } | { type: "calendar_year" } | { type: "lifetime" };
  periodMonths: number;
  graceDays: number;
}

export interface Ladder {
  policy: TierPolicy | null;
  tiers: Tier[];
}

export const REWARD_TYPES = [
  "discount_amount",
  "discount_percent",
  "free_product",
  "store_credit",
  "experience",
  "donation",
] as const;
export type RewardType = (typeof REWARD_TYPES)[number];

export type CodeFormat = { type: "generated"; prefix?: string; length: number } | { type: "pool" } | { type: "none" };

export interface Reward {
  id: string;
  name: string;
  description: string | null;
  type: RewardType;
  value: Record<string, unknown>;
  costPoints: number;
  category: string | null;
  imageUrl: string | null;
  status: "active" | "inactive" | "archived";
  stock: { total: number; remaining: number } | null;
  codesAvailable: number | null;
  memberLimit: { count: number; period: string } | null;
  availableFrom: string | null;
  availableUntil: string | null;
  minTierId: string | null;
  segments: string[];
  voucherValidDays: number | null;
  codeFormat: CodeFormat;
  version: number;
}
