-- Core: programmes (tenants), API keys, members, the points ledger, idempotency, job leases.

create table programs (
  id text primary key,
  name text not null,
  currency char(3) not null,
  timezone text not null,
  country char(2),
  points_expiry jsonb not null,
  pending_days integer not null default 0 check (pending_days >= 0),
  clawback_policy text not null default 'available_only'
    check (clawback_policy in ('available_only', 'allow_debt')),
  created_at timestamptz not null,
  updated_at timestamptz not null
);

create table api_keys (
  id text primary key,
  program_id text references programs (id),
  name text not null,
  scope text not null check (scope in ('root', 'admin', 'pos', 'read')),
  prefix text not null,
  secret_hash text not null unique,
  created_at timestamptz not null,
  revoked_at timestamptz,
  -- the operator (root) key belongs to no programme; every other key to exactly one
  check ((scope = 'root') = (program_id is null))
);
create index api_keys_program on api_keys (program_id, created_at);

create table members (
  id text primary key,
  program_id text not null references programs (id),
  external_id text,
  email text,
  phone text,
  name text,
  birth_date date,
  attributes jsonb not null default '{}',
  status text not null default 'active' check (status in ('active', 'blocked')),
  -- points owed by the member after a clawback; settled first by later credits.
  -- A cache of -sum(member_debt postings), checked by verify.
  debt bigint not null default 0 check (debt >= 0),
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create unique index members_external_id on members (program_id, external_id) where external_id is not null;
create unique index members_email on members (program_id, email) where email is not null;
create unique index members_phone on members (program_id, phone) where phone is not null;
create index members_program on members (program_id, id);

-- One row per ledger transaction. Immutable: nothing is updated or deleted; a mistake is
-- corrected by a reversing transaction (reverses_id, unique: a transaction is undone once).
create table ledger_transactions (
  id text primary key,
  program_id text not null references programs (id),
  type text not null check (type in
    ('earn', 'adjustment', 'transfer', 'hold', 'capture', 'void', 'activation', 'expiry', 'reversal')),
  member_id text not null references members (id),
  counterparty_member_id text references members (id),
  hold_id text,
  reverses_id text unique references ledger_transactions (id),
  points bigint not null,
  reason text,
  actor text not null,
  effective_at timestamptz not null,
  created_at timestamptz not null
);
create index ledger_transactions_member on ledger_transactions (member_id, id);
create index ledger_transactions_counterparty on ledger_transactions (counterparty_member_id, id)
  where counterparty_member_id is not null;
create index ledger_transactions_program on ledger_transactions (program_id, id);

-- A lot is one credit of points. `remaining` and `state` cache what the postings on the lot
-- say (verify checks it): the points not yet spent, held or expired, and whether they sit in
-- the member's pending or available account.
create table lots (
  id text primary key,
  program_id text not null references programs (id),
  member_id text not null references members (id),
  txn_id text not null references ledger_transactions (id),
  amount bigint not null check (amount > 0),
  remaining bigint not null check (remaining >= 0 and remaining <= amount),
  state text not null check (state in ('pending', 'available')),
  available_at timestamptz not null,
  expires_at timestamptz,
  created_at timestamptz not null
);
create index lots_member_open on lots (member_id, expires_at) where remaining > 0;
create index lots_due_activation on lots (available_at) where state = 'pending' and remaining > 0;
create index lots_due_expiry on lots (expires_at) where remaining > 0 and expires_at is not null;

-- Double entry: the postings of one transaction sum to zero. Member accounts carry member_id
-- (and lot_id for points that belong to a lot); system accounts carry neither.
create table postings (
  id bigint generated always as identity primary key,
  txn_id text not null references ledger_transactions (id),
  program_id text not null references programs (id),
  account text not null check (account in
    ('member_available', 'member_pending', 'member_held', 'member_debt',
     'issued', 'adjustments', 'redeemed', 'breakage')),
  member_id text references members (id),
  lot_id text references lots (id),
  hold_id text,
  amount bigint not null check (amount <> 0),
  effective_at timestamptz not null,
  check ((account like 'member_%') = (member_id is not null)),
  check (account in ('member_debt', 'issued', 'adjustments', 'redeemed', 'breakage') or lot_id is not null)
);
create index postings_txn on postings (txn_id);
create index postings_member on postings (member_id, effective_at) where member_id is not null;
create index postings_lot on postings (lot_id) where lot_id is not null;

create table holds (
  id text primary key,
  program_id text not null references programs (id),
  member_id text not null references members (id),
  points bigint not null check (points > 0),
  captured_points bigint,
  status text not null check (status in ('active', 'captured', 'voided', 'expired')),
  reason text,
  -- the lots the hold took points from, soonest expiry first: [{lotId, points}]
  allocations jsonb not null,
  expires_at timestamptz not null,
  txn_id text not null references ledger_transactions (id),
  closed_txn_id text references ledger_transactions (id),
  created_at timestamptz not null,
  closed_at timestamptz
);
create index holds_member_active on holds (member_id) where status = 'active';
create index holds_due on holds (expires_at) where status = 'active';

-- Stored answers of mutating requests, keyed per programme ('-' for the operator scope).
create table idempotency_keys (
  scope text not null,
  key text not null,
  fingerprint text not null,
  status_code integer not null,
  response jsonb not null,
  created_at timestamptz not null,
  primary key (scope, key)
);
create index idempotency_keys_created on idempotency_keys (created_at);

-- A lease per scheduled job, so one process at a time runs it across a fleet.
create table job_leases (
  name text primary key,
  owner text not null,
  leased_until timestamptz not null
);
