import type { ColumnType, Generated, Selectable } from "kysely";

/** Row types of every table, as Kysely sees them. Kept beside the SQL migrations they mirror. */

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export interface ExpiryPolicy {
  policy: "none" | "fixed_period";
  months?: number;
  roundTo?: "none" | "month_end";
}

export type UnknownMemberPolicy = "reject" | "enroll" | "guest";
export type ReturnPolicy = "pending_only" | "available_only" | "allow_debt";

export interface ReferralPolicy {
  referrerPoints: number;
  refereePoints: number;
  minPurchaseAmount: number;
  maxRewardsPerMonth: number;
}

export interface ProgramsTable {
  id: string;
  name: string;
  currency: string;
  timezone: string;
  country: string | null;
  points_expiry: Json<ExpiryPolicy>;
  pending_days: number;
  clawback_policy: "available_only" | "allow_debt";
  unknown_member_policy: Generated<UnknownMemberPolicy>;
  guest_claim_days: Generated<number>;
  return_policy: Generated<ReturnPolicy>;
  point_value: ColumnType<number, number | undefined, number>;
  referral_policy: Json<ReferralPolicy | null> | null;
  rules_revision: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type ApiKeyScope = "root" | "admin" | "pos" | "read";

export interface ApiKeysTable {
  id: string;
  program_id: string | null;
  name: string;
  scope: ApiKeyScope;
  prefix: string;
  secret_hash: string;
  created_at: Timestamp;
  revoked_at: Timestamp | null;
}

export interface MembersTable {
  id: string;
  program_id: string;
  external_id: string | null;
  email: string | null;
  phone: string | null;
  name: string | null;
  birth_date: string | null;
  attributes: Json<Record<string, unknown>>;
  status: Generated<"active" | "blocked">;
  debt: Generated<number>;
  referral_code: string;
  referred_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type TxnType =
  | "earn"
  | "adjustment"
  | "transfer"
  | "hold"
  | "capture"
  | "void"
  | "activation"
  | "expiry"
  | "reversal"
  | "clawback";

export interface LedgerTransactionsTable {
  id: string;
  program_id: string;
  type: TxnType;
  member_id: string;
  counterparty_member_id: string | null;
  hold_id: string | null;
  reverses_id: string | null;
  points: number;
  reason: string | null;
  actor: string;
  effective_at: Timestamp;
  created_at: Timestamp;
}

export interface LotsTable {
  id: string;
  program_id: string;
  member_id: string;
  txn_id: string;
  amount: number;
  remaining: number;
  state: "pending" | "available";
  available_at: Timestamp;
  expires_at: Timestamp | null;
  created_at: Timestamp;
}

export type Account =
  | "member_available"
  | "member_pending"
  | "member_held"
  | "member_debt"
  | "issued"
  | "adjustments"
  | "redeemed"
  | "breakage"
  | "partner";

export interface PostingsTable {
  id: Generated<number>;
  txn_id: string;
  program_id: string;
  account: Account;
  member_id: string | null;
  lot_id: string | null;
  hold_id: string | null;
  partner_id: string | null;
  amount: number;
  effective_at: Timestamp;
}

export interface HoldAllocation {
  lotId: string;
  points: number;
}

export interface HoldsTable {
  id: string;
  program_id: string;
  member_id: string;
  points: number;
  captured_points: number | null;
  status: "active" | "captured" | "voided" | "expired";
  reason: string | null;
  allocations: Json<HoldAllocation[]>;
  expires_at: Timestamp;
  txn_id: string;
  closed_txn_id: string | null;
  created_at: Timestamp;
  closed_at: Timestamp | null;
}

export interface IdempotencyKeysTable {
  scope: string;
  key: string;
  fingerprint: string;
  status_code: number;
  response: Json<unknown>;
  created_at: Timestamp;
}

export interface JobLeasesTable {
  name: string;
  owner: string;
  leased_until: Timestamp;
}

export type CampaignStatus = "draft" | "active" | "paused" | "ended";

export interface CampaignsTable {
  id: string;
  program_id: string;
  name: string;
  description: string | null;
  status: CampaignStatus;
  starts_at: Timestamp | null;
  ends_at: Timestamp | null;
  audience: Json<unknown[]>;
  holdout_percent: number;
  budget_points: number | null;
  version: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface CampaignVersionsTable {
  campaign_id: string;
  version: number;
  definition: Json<unknown>;
  actor: string;
  created_at: Timestamp;
}

export interface CampaignBudgetSlicesTable {
  campaign_id: string;
  slice: number;
  remaining: number;
}

export type RuleStatus = "active" | "inactive" | "archived";

export interface RulesTable {
  id: string;
  program_id: string;
  campaign_id: string | null;
  name: string;
  status: RuleStatus;
  version: number;
  definition: Json<unknown>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface RuleVersionsTable {
  rule_id: string;
  version: number;
  name: string;
  status: RuleStatus;
  definition: Json<unknown>;
  actor: string;
  created_at: Timestamp;
}

export type EventStatus = "processed" | "guest" | "claimed" | "rejected";

export interface EventsTable {
  program_id: string;
  id: string;
  type: string;
  member_id: string | null;
  status: EventStatus;
  occurred_at: Timestamp;
  amount: number | null;
  currency: string | null;
  items: Json<unknown[] | null> | null;
  channel: string | null;
  store_id: string | null;
  partner_id: string | null;
  receipt_id: string | null;
  original_event_id: string | null;
  attributes: Json<Record<string, unknown> | null> | null;
  fingerprint: string;
  points: Generated<number>;
  txn_id: string | null;
  returned_amount: Generated<number>;
  clawed_back: Generated<number>;
  status_code: number;
  result: Json<unknown>;
  created_at: Timestamp;
}

export interface EventAwardsTable {
  program_id: string;
  event_id: string;
  rule_id: string;
  rule_version: number;
  campaign_id: string | null;
  campaign_version: number | null;
  member_id: string;
  outcome: "awarded" | "holdout";
  points: number;
  stamps: number;
  occurred_at: Timestamp;
  txn_id: string | null;
}

export interface CampaignBudgetRefundsTable {
  program_id: string;
  event_id: string;
  campaign_id: string;
  points: number;
}

export interface ReferralsTable {
  referee_id: string;
  program_id: string;
  referrer_id: string;
  status: "pending" | "rewarded" | "refused" | "reversed";
  refused_reason: string | null;
  event_id: string | null;
  referrer_points: Generated<number>;
  referee_points: Generated<number>;
  txn_id: string | null;
  created_at: Timestamp;
  qualified_at: Timestamp | null;
}

export interface DB {
  programs: ProgramsTable;
  api_keys: ApiKeysTable;
  members: MembersTable;
  ledger_transactions: LedgerTransactionsTable;
  lots: LotsTable;
  postings: PostingsTable;
  holds: HoldsTable;
  idempotency_keys: IdempotencyKeysTable;
  job_leases: JobLeasesTable;
  campaigns: CampaignsTable;
  campaign_versions: CampaignVersionsTable;
  campaign_budget_slices: CampaignBudgetSlicesTable;
  rules: RulesTable;
  rule_versions: RuleVersionsTable;
  events: EventsTable;
  event_awards: EventAwardsTable;
  referrals: ReferralsTable;
  campaign_budget_refunds: CampaignBudgetRefundsTable;
}

export type ProgramRow = Selectable<ProgramsTable>;
export type MemberRow = Selectable<MembersTable>;
export type LotRow = Selectable<LotsTable>;
export type HoldRow = Selectable<HoldsTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type CampaignRow = Selectable<CampaignsTable>;
export type RuleRow = Selectable<RulesTable>;
export type EventRow = Selectable<EventsTable>;
