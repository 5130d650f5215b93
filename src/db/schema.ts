import type { ColumnType, Generated, Selectable } from "kysely";

/** Row types of every table, as Kysely sees them. Kept beside the SQL migrations they mirror. */

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export interface ExpiryPolicy {
  policy: "none" | "fixed_period";
  months?: number;
  roundTo?: "none" | "month_end";
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
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type TxnType = "earn" | "adjustment" | "transfer" | "hold" | "capture" | "void" | "activation" | "expiry" | "reversal";

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
  | "breakage";

export interface PostingsTable {
  id: Generated<number>;
  txn_id: string;
  program_id: string;
  account: Account;
  member_id: string | null;
  lot_id: string | null;
  hold_id: string | null;
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
}

export type ProgramRow = Selectable<ProgramsTable>;
export type MemberRow = Selectable<MembersTable>;
export type LotRow = Selectable<LotsTable>;
export type HoldRow = Selectable<HoldsTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
