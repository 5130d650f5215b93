/** The API's answers the portal reads (the parts it shows). */

export interface Landing {
  program: { id: string; name: string; currency: string };
  tiers: { name: string; threshold: number; benefits: string[] }[];
  tierMetric: "points_earned" | "spend" | "purchases" | null;
  rewards: { id: string; name: string; description: string | null; costPoints: number; imageUrl: string | null }[];
  earning: { name: string; description: string | null; trigger: string }[];
}

export interface Member {
  id: string;
  email: string | null;
  phone: string | null;
  name: string | null;
  birthDate: string | null;
  referralCode: string;
  marketingConsent: { granted: boolean; at: string | null };
}

export interface MemberSession {
  member: Member;
  programId: string;
  csrfToken: string;
  expiresAt: string;
}

export interface Me extends Member {
  loyalty: {
    available: number;
    tier: { id: string; name: string; rank: number } | null;
    nextReward: { rewardId: string; name: string; costPoints: number; pointsToGo: number } | null;
    upcomingExpiries: { points: number; expiresAt: string }[];
  };
  balance: { available: number; pending: number; held: number; debt: number };
}

export interface TierStatus {
  tier: { id: string; name: string; benefits: string[] } | null;
  metric: "points_earned" | "spend" | "purchases";
  progress: { metric: number; percentToNext: number | null };
  nextTier: { id: string; name: string; threshold: number } | null;
  amountToNext: number | null;
  reviewAt: string | null;
}

export interface RewardSummary {
  id: string;
  name: string;
  description: string | null;
  costPoints: number;
  imageUrl: string | null;
}

export interface MemberReward {
  reward: RewardSummary;
  redeemable: boolean;
  reasons: { code: string; message: string; missingPoints?: number }[];
}

export interface LedgerEntry {
  id: string;
  type: string;
  points: number;
  netChange: number;
  reason: string | null;
  effectiveAt: string;
  createdAt: string;
}

export interface Voucher {
  code: string;
  status: "issued" | "used" | "cancelled" | "expired";
  valid: boolean;
  reward: RewardSummary;
  expiresAt: string | null;
  createdAt: string;
}

export interface Redemption {
  id: string;
  points: number;
  reward: RewardSummary;
  vouchers: { code: string; expiresAt: string | null }[];
  balance: { available: number };
}
