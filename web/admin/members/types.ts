/** The API's answers the console's member and voucher pages read (see the OpenAPI document). */

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export type MemberStatus = "active" | "blocked";

export interface Member {
  id: string;
  externalId: string | null;
  email: string | null;
  phone: string | null;
  name: string | null;
  birthDate: string | null;
  attributes: Record<string, unknown>;
  status: MemberStatus;
  referralCode: string;
  referredBy: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface MemberListItem extends Member {
  tierId: string | null;
}

export interface MemberDetail extends Member {
  loyalty: {
    available: number;
    tier: { id: string; name: string; rank: number } | null;
    nextReward: { rewardId: string; name: string; costPoints: number; pointsToGo: number } | null;
    upcomingExpiries: { points: number; expiresAt: string }[];
  };
}

export interface Balance {
  memberId: string;
  available: number;
  pending: number;
  held: number;
  debt: number;
  lifetime: {
    earned: number;
    spent: number;
    expired: number;
    adjusted: number;
    reversed: number;
    transferredIn: number;
    transferredOut: number;
  };
  expiring: { points: number; expiresAt: string }[];
  asOf: string;
}

export interface TierStatus {
  memberId: string;
  tier: { id: string; name: string; rank: number; earnMultiplier: number; benefits: string[] } | null;
  since: string | null;
  locked: boolean;
  metric: "points_earned" | "spend" | "purchases";
  progress: { metric: number; percentToNext: number | null };
  nextTier: { id: string; name: string; rank: number; threshold: number } | null;
  amountToNext: number | null;
  amountToKeep: number | null;
  reviewAt: string | null;
  graceUntil: string | null;
}

export interface Ladder {
  policy: unknown;
  tiers: { id: string; name: string; rank: number }[];
}

export type LedgerType = "earn" | "adjustment" | "transfer" | "hold" | "capture" | "void" | "activation" | "expiry" | "reversal";

export interface LedgerEntry {
  id: string;
  type: LedgerType;
  points: number;
  netChange: number;
  reason: string | null;
  actor: string;
  memberId: string;
  counterpartyMemberId: string | null;
  holdId: string | null;
  reversesTransactionId: string | null;
  reversedByTransactionId: string | null;
  lots: { lotId: string | null; account: string; points: number }[];
  effectiveAt: string;
  createdAt: string;
}

export interface StoredEvent {
  id: string;
  type: string;
  memberId: string | null;
  status: "processed" | "guest" | "claimed" | "rejected";
  occurredAt: string;
  amount: number | null;
  currency: string | null;
  items: { sku: string; name?: string; quantity: number; unitPrice: number }[] | null;
  storeId: string | null;
  channel: string | null;
  points: number;
  returnedAmount: number;
  clawedBack: number;
  result: unknown;
}

export interface Voucher {
  code: string;
  status: "issued" | "used" | "cancelled" | "expired";
  expiresAt: string | null;
  usedAt: string | null;
  usedOrderId: string | null;
}

export interface RewardSummary {
  id: string;
  name: string;
  type: string;
  costPoints: number;
}

export interface Redemption {
  id: string;
  memberId: string;
  reward: RewardSummary;
  quantity: number;
  points: number;
  status: "reserved" | "completed" | "cancelled" | "expired";
  vouchers: Voucher[];
  channel: string | null;
  createdAt: string;
  cancelReason: string | null;
}

export interface Referral {
  member: { id: string; name: string | null; email: string | null; status: MemberStatus };
  status: "pending" | "rewarded" | "refused" | "reversed";
  refusedReason: string | null;
  referrerPoints: number;
  refereePoints: number;
  createdAt: string;
  qualifiedAt: string | null;
}

export interface Referrals extends Page<Referral> {
  referredBy: Referral | null;
}

export interface VoucherCheck {
  code: string;
  valid: boolean;
  status: Voucher["status"];
  invalidReason: "voucher_used" | "voucher_expired" | "voucher_cancelled" | null;
  memberId: string;
  redemptionId: string;
  reward: RewardSummary;
  expiresAt: string | null;
  usedAt: string | null;
  usedOrderId: string | null;
  usedStoreId: string | null;
  createdAt: string;
}
