import type { Recurrence } from "../campaigns/recurrence.rules.ts";
import type { ExpiryPolicy } from "../db/schema.ts";
import type { MemberCondition, RuleDefinition } from "./earning.schemas.ts";

/**
 * What the earning rules take and give: an event, the member's facts and history, the
 * programme's live rules; and the contributions, skips and stamp progress an evaluation answers.
 * Money is integer minor units; points are whole numbers.
 */

export interface EventItem {
  sku: string;
  name?: string | undefined;
  category?: string | undefined;
  brand?: string | undefined;
  quantity: number;
  unitPrice: number;
}

export interface EarnEvent {
  id: string;
  type: string;
  occurredAt: Date;
  amount: number | null;
  currency: string;
  items: EventItem[] | null;
  channel: string | null;
  storeId: string | null;
  partnerId: string | null;
  attributes: Record<string, unknown>;
}

export interface MemberFacts {
  id: string;
  attributes: Record<string, unknown>;
  /**
   * The member's tier when the event is processed; null without one. Its earn multiplier and
   * points expiry (both optional: conditions only need id and name) apply to what the event earns.
   */
  tier: { id: string; name: string; earnMultiplier?: number; pointsExpiry?: ExpiryPolicy | null } | null;
  segments: string[];
}

export interface LiveCampaign {
  id: string;
  version: number;
  name: string;
  status: "draft" | "active" | "paused" | "ended";
  startsAt: Date | null;
  endsAt: Date | null;
  audience: MemberCondition[];
  holdoutPercent: number;
  budgetPoints: number | null;
  /** Occurrences within startsAt-endsAt, in programme time; none: the whole window. */
  recurrence?: Recurrence | null;
  /** Whether budgetPoints is for the whole campaign (default) or for each occurrence afresh. */
  budgetPer?: "campaign" | "occurrence";
}

export interface LiveRule {
  id: string;
  version: number;
  name: string;
  status: "active" | "inactive" | "archived";
  campaign: LiveCampaign | null;
  definition: RuleDefinition;
}

/** A past award that limits or stamp cards count. */
export interface PastAward {
  ruleId: string;
  occurredAt: Date;
  points: number;
  stamps: number;
}

export interface MemberHistory {
  /** Purchases the member made before this event. */
  purchases: number;
  /** Lifetime stamps per stamp rule. */
  stamps: Map<string, number>;
  /** Awards of rules with per-member limits, at least over the periods the limits look at. */
  awards: PastAward[];
}

export interface ProgramFacts {
  timezone: string;
  currency: string;
}

export interface Contribution {
  ruleId: string;
  ruleVersion: number;
  ruleName: string;
  campaignId: string | null;
  campaignVersion: number | null;
  priority: number;
  points: number;
  stamps: number;
  fundedBy: "program" | "partner";
  pendingDays: number | null;
  expiry: ExpiryPolicy | null;
  explanation: string;
  /** Set on the extra points of a tier's earn multiplier (ruleId is then the tier's id). */
  tierId?: string;
}

export type SkipReason =
  | "condition"
  | "audience"
  | "no_eligible_items"
  | "holdout"
  | "limit_reached"
  | "outranked"
  | "budget_exhausted"
  | "zero_points";

export interface Skip {
  ruleId: string;
  ruleVersion: number;
  ruleName: string;
  campaignId: string | null;
  campaignVersion: number | null;
  reason: SkipReason;
  explanation: string;
}

export interface StampProgress {
  ruleId: string;
  cardSize: number;
  stamps: number;
  /** Stamps on the current card after this event. */
  progress: number;
  completedCards: number;
}

export interface Evaluation {
  contributions: Contribution[];
  skipped: Skip[];
  stamps: StampProgress[];
}
