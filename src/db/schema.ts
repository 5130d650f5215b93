import type { ColumnType, Generated, Kysely, Selectable, Transaction } from "kysely";
import type { ClawbackPolicy, ReturnPolicy } from "../ledger/ledger.schemas.ts";

/** Row types of every table, as Kysely sees them. Kept beside the SQL migrations they mirror. */

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export interface ExpiryPolicy {
  policy: "none" | "fixed_period";
  months?: number;
  roundTo?: "none" | "month_end";
}

export type UnknownMemberPolicy = "reject" | "enroll" | "guest";

export interface ReferralPolicy {
  referrerPoints: number;
  refereePoints: number;
  minPurchaseAmount: number;
  maxRewardsPerMonth: number;
}

export type TierMetric = "points_earned" | "spend" | "purchases";

export interface TierPolicy {
  metric: TierMetric;
  window: { type: "rolling_months"; months: number } | { type: "calendar_year" } | { type: "lifetime" };
  /** How long a tier is held once reached or kept, before it is reviewed. */
  periodMonths: number;
  /** Days a member short at a review keeps the tier to requalify before the downgrade. */
  graceDays: number;
}

export interface PaymentPolicy {
  /** Minor units of the programme's currency one point pays for. */
  pointValue: number;
  minPoints: number;
  minSharePercent: number;
  maxSharePercent: number;
}

export interface ProgramsTable {
  id: string;
  name: string;
  currency: string;
  timezone: string;
  country: string | null;
  points_expiry: Json<ExpiryPolicy>;
  pending_days: number;
  clawback_policy: ClawbackPolicy;
  unknown_member_policy: Generated<UnknownMemberPolicy>;
  guest_claim_days: Generated<number>;
  return_policy: Generated<ReturnPolicy>;
  point_value: ColumnType<number, number | undefined, number>;
  referral_policy: Json<ReferralPolicy | null> | null;
  rules_revision: Generated<number>;
  tier_policy: Json<TierPolicy | null> | null;
  payment_policy: Json<PaymentPolicy | null> | null;
  /** Minor units; null: the default (maxPurchaseOf). */
  max_purchase_amount: ColumnType<number | null, number | null | undefined, number | null>;
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
  /** Who enrolled the member (staff:<id>, key:<id>, portal:enrolment ...); null if unknown (before 0010). */
  enrolled_by: Generated<string | null>;
  /** The store of the till session that enrolled them, if any. */
  enrolled_store_id: Generated<string | null>;
  external_id: string | null;
  email: string | null;
  phone: string | null;
  name: string | null;
  birth_date: string | null;
  attributes: Json<Record<string, unknown>>;
  status: Generated<"active" | "blocked">;
  debt: Generated<number>;
  referral_code: string;
  /** 12 digits from a sequence (0011): the member's card, shown as a QR code in the portal. */
  card_number: Generated<string>;
  referred_by: string | null;
  tier_id: string | null;
  tier_since: Timestamp | null;
  tier_review_at: Timestamp | null;
  tier_grace_until: Timestamp | null;
  tier_locked: Generated<boolean>;
  marketing_consent: Generated<boolean>;
  marketing_consent_at: Timestamp | null;
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
  | "clawback"
  | "refund";

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
  /** The answer's text as first sent (replayed byte for byte); null on rows of versions before 0008. */
  response_text: string | null;
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
  recurrence: Json<unknown> | null;
  budget_per: Generated<"campaign" | "occurrence">;
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
  /** '' the whole campaign's budget, else the start (ISO) of the occurrence it is for. */
  occurrence: Generated<string>;
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
  /** When its first version was put in force, if earlier than it was saved (rule_versions.in_force_from). */
  in_force_from: Generated<Date | null>;
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
  /** Events that occurred from then on are judged by this version (first versions only); null: from created_at. */
  in_force_from: Generated<Date | null>;
  created_at: Timestamp;
}

export type EventStatus = "processed" | "guest" | "claimed" | "rejected";

export interface EventsTable {
  program_id: string;
  id: string;
  type: string;
  /** Who recorded it (staff:<id>, key:<id>, system:...); null for events before migration 0010 that earned nothing. */
  actor: Generated<string | null>;
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
  /** The integrator's anonymous reference to the customer (a tokenised card, a hashed email); kept by a claim. */
  customer_ref: Generated<string | null>;
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
  /** When the event was last changed in place (a guest purchase claimed); null if never. */
  changed_at: Generated<Timestamp | null>;
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

export interface TiersTable {
  id: string;
  program_id: string;
  name: string;
  /** Null once removed from the ladder. */
  rank: number | null;
  threshold: number;
  retain_threshold: number | null;
  earn_multiplier: number;
  points_expiry: Json<ExpiryPolicy | null> | null;
  benefits: Json<string[]>;
  created_at: Timestamp;
  updated_at: Timestamp;
  removed_at: Timestamp | null;
}

export type TierChangeReason =
  | "enrolment"
  | "qualified"
  | "retained"
  | "grace"
  | "downgraded"
  | "manual"
  | "unlocked"
  | "ladder_changed";

export interface TierChangesTable {
  id: string;
  program_id: string;
  member_id: string;
  from_tier_id: string | null;
  to_tier_id: string | null;
  reason: TierChangeReason;
  metric: number | null;
  tier_since: Timestamp | null;
  review_at: Timestamp | null;
  grace_until: Timestamp | null;
  locked: Generated<boolean>;
  note: string | null;
  actor: string;
  effective_at: Timestamp;
  created_at: Timestamp;
}

export interface OutboxTable {
  id: string;
  program_id: string;
  type: string;
  subject_id: string;
  payload: Json<unknown>;
  created_at: Timestamp;
  published_at: Timestamp | null;
}

export type RewardType = "discount_amount" | "discount_percent" | "free_product" | "store_credit" | "experience" | "donation";
export type RewardStatus = "active" | "inactive" | "archived";
export type LimitPeriod = "day" | "week" | "month" | "year" | "lifetime";
export type CodeFormat = { type: "generated"; prefix?: string; length: number } | { type: "pool" } | { type: "none" };

export interface RewardsTable {
  id: string;
  program_id: string;
  name: string;
  description: string | null;
  type: RewardType;
  value: Json<Record<string, unknown>>;
  category: string | null;
  image_url: string | null;
  status: RewardStatus;
  cost_points: number;
  /** What one unit costs the business, minor units; null: not recorded. */
  unit_cost: number | null;
  stock_total: number | null;
  stock_remaining: number | null;
  member_limit: Json<{ count: number; period: LimitPeriod } | null> | null;
  available_from: Timestamp | null;
  available_until: Timestamp | null;
  min_tier_id: string | null;
  segments: Json<string[]>;
  voucher_valid_days: number | null;
  code_format: Json<CodeFormat>;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface RewardCodesTable {
  program_id: string;
  reward_id: string;
  code: string;
  /** codeKey(code): letters and digits only, unique per programme (rewards/codes.rules.ts). */
  code_key: string;
  assigned: Generated<boolean>;
  created_at: Timestamp;
}

export type RedemptionStatus = "reserved" | "completed" | "cancelled" | "expired";

export interface RedemptionsTable {
  id: string;
  program_id: string;
  member_id: string;
  reward_id: string;
  reward_version: number;
  quantity: number;
  points: number;
  status: RedemptionStatus;
  hold_id: string | null;
  reserved_codes: ColumnType<string[], string | undefined, string>;
  capture_txn_id: string | null;
  cancel_txn_id: string | null;
  channel: string | null;
  actor: string;
  /** The store of the till session that made it, if any. */
  store_id: Generated<string | null>;
  created_at: Timestamp;
  reserved_until: Timestamp | null;
  completed_at: Timestamp | null;
  cancelled_at: Timestamp | null;
  cancel_reason: string | null;
}

export interface VouchersTable {
  code: string;
  /** codeKey(code): letters and digits only, unique per programme (rewards/codes.rules.ts). */
  code_key: string;
  program_id: string;
  redemption_id: string;
  member_id: string;
  reward_id: string;
  status: "issued" | "used" | "cancelled";
  expires_at: Timestamp | null;
  used_at: Timestamp | null;
  used_order_id: string | null;
  used_store_id: string | null;
  used_by: string | null;
  created_at: Timestamp;
}

export interface PaymentsTable {
  id: string;
  program_id: string;
  member_id: string;
  order_id: string;
  amount: number;
  currency: string;
  points: number;
  refunded_amount: Generated<number>;
  refunded_points: Generated<number>;
  capture_txn_id: string;
  actor: string;
  created_at: Timestamp;
}

export interface PaymentRefundsTable {
  id: string;
  program_id: string;
  payment_id: string;
  amount: number;
  points: number;
  txn_id: string | null;
  reason: string | null;
  actor: string;
  created_at: Timestamp;
}

export type StaffRole = "owner" | "manager" | "cashier";

export interface StaffTable {
  id: string;
  program_id: string;
  email: string;
  name: string | null;
  role: StaffRole;
  password_hash: string;
  status: Generated<"active" | "disabled">;
  failed_attempts: Generated<number>;
  locked_until: Timestamp | null;
  last_sign_in_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface StaffSessionsTable {
  token_hash: string;
  staff_id: string;
  program_id: string;
  /** The store the till session was opened for, if it named one. */
  store_id: Generated<string | null>;
  csrf_token: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
}

export interface AuditLogTable {
  id: string;
  program_id: string;
  actor: string;
  action: string;
  summary: string | null;
  target_id: string | null;
  request_id: string | null;
  before: Json<unknown> | null;
  after: Json<unknown> | null;
  created_at: Timestamp;
}

export interface MemberLoginCodesTable {
  id: string;
  program_id: string;
  member_id: string;
  code_hash: string;
  expires_at: Timestamp;
  attempts: Generated<number>;
  used_at: Timestamp | null;
  created_at: Timestamp;
}

export interface SetupTokensTable {
  id: string;
  token_hash: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  program_id: string | null;
}

export type ChecklistMark = "portal_link_shared" | "till_opened" | "dismissed";

export interface ProgramChecklistMarksTable {
  program_id: string;
  item: ChecklistMark;
  marked_at: Timestamp;
  marked_by: string;
}

export interface MemberSessionsTable {
  token_hash: string;
  member_id: string;
  program_id: string;
  csrf_token: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
}

/** Finance's expected redemption rate from a day on (src/reports/deferred-revenue). */
export interface RedemptionEstimatesTable {
  id: string;
  program_id: string;
  /** numeric(7,6): read as text by the driver. */
  rate: string | number;
  /** A day (YYYY-MM-DD) in the programme's time zone. */
  effective_from: string;
  note: string | null;
  actor: string;
  created_at: Timestamp;
}

export type GoalKind = "retention" | "purchase_frequency" | "average_order_value" | "member_revenue_share" | "data_capture";
export type CaptureField = "contact" | "marketing_consent" | "birth_date";

export interface ProgramGoalsTable {
  id: string;
  program_id: string;
  kind: GoalKind;
  capture_field: CaptureField | null;
  target: number;
  baseline: number | null;
  /** YYYY-MM-DD in the programme's time zone. */
  start_date: ColumnType<string, string, string>;
  target_date: ColumnType<string, string, string>;
  note: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
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
  tiers: TiersTable;
  tier_changes: TierChangesTable;
  outbox: OutboxTable;
  rewards: RewardsTable;
  reward_codes: RewardCodesTable;
  redemptions: RedemptionsTable;
  vouchers: VouchersTable;
  payments: PaymentsTable;
  payment_refunds: PaymentRefundsTable;
  staff: StaffTable;
  staff_sessions: StaffSessionsTable;
  member_login_codes: MemberLoginCodesTable;
  member_sessions: MemberSessionsTable;
  audit_log: AuditLogTable;
  setup_tokens: SetupTokensTable;
  program_checklist_marks: ProgramChecklistMarksTable;
  redemption_estimates: RedemptionEstimatesTable;
  program_goals: ProgramGoalsTable;
  report_rollups: ReportRollupsTable;
  customer_value_fits: CustomerValueFitsTable;
  customer_values: CustomerValuesTable;
}

export type CustomerValueFitStatus = "queued" | "running" | "succeeded" | "failed";

/** One fit of a programme's customer-value models (src/insights/), queued, run by the jobs, then kept. */
export interface CustomerValueFitsTable {
  id: string;
  program_id: string;
  status: CustomerValueFitStatus;
  /** YYYY-MM-DD in the programme's time zone: the calibration period's last day. */
  as_of: ColumnType<string, string, string>;
  calibration_from: ColumnType<string | null, string | null, string | null>;
  model: Generated<string>;
  time_unit: Generated<"days" | "weeks">;
  parameters: Json<Record<string, number> | null> | null;
  bgnbd_log_likelihood: number | null;
  gamma_gamma_log_likelihood: number | null;
  customers: number | null;
  repeat_customers: number | null;
  error_reason: string | null;
  error_message: string | null;
  requested_by: string;
  requested_at: Timestamp;
  started_at: Timestamp | null;
  fitted_at: Timestamp | null;
}

/** A member's figures under the programme's latest successful customer-value fit. */
export interface CustomerValuesTable {
  program_id: string;
  member_id: string;
  fit_id: string;
  frequency: number;
  recency: number;
  age: number;
  monetary: number;
  expected_30: number;
  expected_90: number;
  expected_365: number;
  probability_alive: number;
  expected_spend: number;
  clv: number;
  horizon_months: number;
  discount_rate: number;
}

/** Where one report rollup of one programme stands (src/reports/rollups.*). */
export interface ReportRollupsTable {
  program_id: string;
  rollup: string;
  timezone: string;
  /** The first programme day not rolled up, YYYY-MM-DD. */
  rolled_through: string;
  watermark: Timestamp;
  updated_at: Timestamp;
}

/** The database, or a transaction on it: what every query takes first. */
export type Db = Kysely<DB> | Transaction<DB>;

export type ProgramRow = Selectable<ProgramsTable>;
export type MemberRow = Selectable<MembersTable>;
export type LotRow = Selectable<LotsTable>;
export type HoldRow = Selectable<HoldsTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type CampaignRow = Selectable<CampaignsTable>;
export type RuleRow = Selectable<RulesTable>;
export type EventRow = Selectable<EventsTable>;
export type TierRow = Selectable<TiersTable>;
export type RewardRow = Selectable<RewardsTable>;
export type RedemptionRow = Selectable<RedemptionsTable>;
export type VoucherRow = Selectable<VouchersTable>;
export type PaymentRow = Selectable<PaymentsTable>;
export type StaffRow = Selectable<StaffTable>;
export type GoalRow = Selectable<ProgramGoalsTable>;
export type CustomerValueFitRow = Selectable<CustomerValueFitsTable>;
export type CustomerValueRow = Selectable<CustomerValuesTable>;
export type AuditRow = Selectable<AuditLogTable>;
