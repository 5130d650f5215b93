/** The API's answers the point of sale reads (the fields it uses). */

export interface Member {
  id: string;
  externalId: string | null;
  email: string | null;
  phone: string | null;
  name: string | null;
  status: "active" | "blocked";
}

export interface MemberDetail extends Member {
  loyalty: {
    available: number;
    tier: { id: string; name: string; rank: number } | null;
    nextReward: { rewardId: string; name: string; costPoints: number; pointsToGo: number } | null;
  };
}

export interface Balance {
  available: number;
  pending: number;
  held: number;
  debt: number;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export interface RewardSummary {
  id: string;
  name: string;
  description: string | null;
  type: string;
  value: Record<string, unknown>;
  costPoints: number;
}

export interface MemberReward {
  reward: RewardSummary;
  redeemable: boolean;
  reasons: { code: string; message: string; missingPoints?: number }[];
  maxQuantity: number;
}

export interface Voucher {
  code: string;
  status: "issued" | "used" | "cancelled" | "expired";
  expiresAt: string | null;
}

export interface RedemptionResult {
  id: string;
  reward: RewardSummary;
  points: number;
  vouchers: Voucher[];
  balance: Balance;
}

export interface VoucherCheck {
  code: string;
  valid: boolean;
  status: "issued" | "used" | "cancelled" | "expired";
  invalidReason: "voucher_used" | "voucher_expired" | "voucher_cancelled" | null;
  memberId: string;
  reward: RewardSummary;
  expiresAt: string | null;
  usedAt: string | null;
  usedOrderId: string | null;
}

export interface PurchaseItem {
  sku: string;
  category?: string;
  quantity: number;
  unitPrice: number;
}

export interface PurchaseEvent {
  id: string;
  type: "purchase";
  memberId: string;
  amount?: number;
  items?: PurchaseItem[];
  channel: "store";
}

export interface EventResult {
  eventId: string;
  points: { total: number; available: number; pending: number };
  contributions: { ruleName: string; points: number; explanation: string }[];
  skipped: { ruleName: string; explanation: string }[];
  balance: Balance | null;
  tierChange?: { from: { name: string } | null; to: { name: string } | null } | null;
}
