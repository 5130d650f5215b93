-- Tiers, the rewards catalogue, redemptions, vouchers, payments with points, and the outbox.

-- null: the programme has no tiers. {metric, window {type, months?}, periodMonths, graceDays}
alter table programs add column tier_policy jsonb;
-- null: paying with points is off. {pointValue, minPoints, minSharePercent, maxSharePercent}
alter table programs add column payment_policy jsonb;

create table tiers (
  id text primary key,
  program_id text not null references programs (id),
  name text not null,
  -- 0 is the bottom tier, where members start; null once the tier is removed from the ladder
  rank integer check (rank >= 0),
  -- the qualifying metric over the window needed to reach this tier
  threshold bigint not null check (threshold >= 0),
  -- the metric needed to keep it at a review; null: the threshold
  retain_threshold bigint check (retain_threshold >= 0),
  earn_multiplier double precision not null default 1 check (earn_multiplier >= 1 and earn_multiplier <= 10),
  -- null: the programme's expiry policy applies to points earned in this tier
  points_expiry jsonb,
  benefits jsonb not null default '[]',
  created_at timestamptz not null,
  updated_at timestamptz not null,
  -- a removed tier stays (its history and rewards still name it) but leaves the ladder
  removed_at timestamptz,
  check ((rank is null) = (removed_at is not null)),
  -- deferred: a new ladder renumbers its tiers in place. Names are unique per ladder (the API checks
  -- it): a removed tier keeps its name, and a new one may take it.
  unique (program_id, rank) deferrable initially deferred
);

-- The member's tier of record. Upgrades are written by the event that qualifies; reviews by the
-- jobs (and applied in memory by any read or write that finds one due, so job timing never shows).
-- No foreign keys to tiers here or in tier_changes: every enrolment would share-lock the bottom
-- tier's row, a hot row across the programme (see 0002); verify checks the references instead.
alter table members
  add column tier_id text,
  add column tier_since timestamptz,
  add column tier_review_at timestamptz,
  add column tier_grace_until timestamptz,
  add column tier_locked boolean not null default false;
create index members_tier_review on members (tier_review_at) where tier_review_at is not null and not tier_locked;
-- a tier's holders: a ladder change records what it does to them, and the jobs find members left on
-- a removed tier
create index members_tier on members (program_id, tier_id) where tier_id is not null;

create table tier_changes (
  id text primary key,
  program_id text not null,
  member_id text not null references members (id),
  from_tier_id text,
  to_tier_id text,
  -- ladder_changed: a tier became or stopped being the bottom, so its review date went or came
  reason text not null check (reason in ('enrolment', 'qualified', 'retained', 'grace', 'downgraded', 'manual', 'unlocked',
    'ladder_changed')),
  -- the qualifying metric when the change was decided
  metric bigint,
  -- the member's tier state after the change, so the state as of any time is one row
  tier_since timestamptz,
  review_at timestamptz,
  grace_until timestamptz,
  locked boolean not null default false,
  -- a manual change's reason, as the admin gave it
  note text,
  actor text not null,
  -- when the change took effect: a review applied late (by the jobs, or by the next event) is dated
  -- when it fell due
  effective_at timestamptz not null,
  created_at timestamptz not null
);
create index tier_changes_member on tier_changes (member_id, effective_at, id);

-- Domain events written in the same transaction as the change they announce (webhooks and
-- notifications read it later).
create table outbox (
  id text primary key,
  program_id text not null,
  type text not null,
  subject_id text not null,
  payload jsonb not null,
  created_at timestamptz not null,
  published_at timestamptz
);
create index outbox_unpublished on outbox (created_at, id) where published_at is null;

create table rewards (
  id text primary key,
  program_id text not null references programs (id),
  name text not null,
  description text,
  type text not null check (type in
    ('discount_amount', 'discount_percent', 'free_product', 'store_credit', 'experience', 'donation')),
  -- the type's terms: {amount} | {percent, maxAmount?} | {sku} | {amount} | {} | {charity, amount?}
  value jsonb not null default '{}',
  category text,
  image_url text,
  status text not null check (status in ('active', 'inactive', 'archived')),
  cost_points bigint not null check (cost_points > 0),
  -- null: unlimited. stock_remaining counts down at each redemption (or reservation) and back at a cancel.
  stock_total bigint check (stock_total >= 0),
  stock_remaining bigint check (stock_remaining >= 0),
  -- {count, period: day|week|month|year|lifetime}
  member_limit jsonb,
  available_from timestamptz,
  available_until timestamptz,
  min_tier_id text references tiers (id),
  segments jsonb not null default '[]',
  voucher_valid_days integer check (voucher_valid_days between 1 and 3650),
  -- {type: generated, prefix?, length} | {type: pool} | {type: none}
  code_format jsonb not null,
  version integer not null default 1,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  check ((stock_total is null) = (stock_remaining is null)),
  check (stock_remaining <= stock_total),
  check (available_until is null or available_from is null or available_until > available_from)
);
create index rewards_program on rewards (program_id, id);

-- Imported codes for pool rewards; each is handed out once. Codes are unique per programme (like
-- vouchers), so one programme can neither collide with nor learn of another's codes.
create table reward_codes (
  program_id text not null,
  code text not null,
  reward_id text not null references rewards (id),
  assigned boolean not null default false,
  created_at timestamptz not null,
  primary key (program_id, code)
);
create index reward_codes_free on reward_codes (reward_id, created_at, code) where not assigned;

create table redemptions (
  id text primary key,
  program_id text not null,
  member_id text not null references members (id),
  reward_id text not null references rewards (id),
  reward_version integer not null,
  quantity integer not null check (quantity between 1 and 100),
  points bigint not null check (points > 0),
  -- reserved: points on hold at a till, waiting for confirm or cancel
  status text not null check (status in ('reserved', 'completed', 'cancelled', 'expired')),
  hold_id text references holds (id),
  -- pool codes set aside for a reservation, handed out as vouchers at confirmation
  reserved_codes jsonb not null default '[]',
  capture_txn_id text references ledger_transactions (id),
  cancel_txn_id text references ledger_transactions (id),
  channel text,
  actor text not null,
  created_at timestamptz not null,
  reserved_until timestamptz,
  completed_at timestamptz,
  cancelled_at timestamptz,
  cancel_reason text
);
create index redemptions_member on redemptions (member_id, reward_id, created_at);
create index redemptions_reward on redemptions (reward_id, created_at);
create index redemptions_reserved on redemptions (reserved_until) where status = 'reserved';

create table vouchers (
  program_id text not null,
  code text not null,
  redemption_id text not null references redemptions (id),
  member_id text not null references members (id),
  reward_id text not null references rewards (id),
  status text not null check (status in ('issued', 'used', 'cancelled')),
  expires_at timestamptz,
  used_at timestamptz,
  used_order_id text,
  used_store_id text,
  used_by text,
  created_at timestamptz not null,
  primary key (program_id, code)
);
create index vouchers_redemption on vouchers (redemption_id);
create index vouchers_member on vouchers (member_id, created_at);

create table payments (
  id text primary key,
  program_id text not null,
  member_id text not null references members (id),
  order_id text not null,
  amount bigint not null check (amount > 0),
  currency char(3) not null,
  points bigint not null check (points > 0),
  refunded_amount bigint not null default 0 check (refunded_amount >= 0 and refunded_amount <= amount),
  refunded_points bigint not null default 0 check (refunded_points >= 0 and refunded_points <= points),
  capture_txn_id text not null references ledger_transactions (id),
  actor text not null,
  created_at timestamptz not null
);
create index payments_member on payments (member_id, created_at);
create index payments_order on payments (program_id, order_id);

create table payment_refunds (
  id text primary key,
  program_id text not null,
  payment_id text not null references payments (id),
  amount bigint not null check (amount > 0),
  points bigint not null check (points >= 0),
  txn_id text references ledger_transactions (id),
  reason text,
  actor text not null,
  created_at timestamptz not null
);
create index payment_refunds_payment on payment_refunds (payment_id);

-- A refund gives back part of a capture; it is its own transaction type (a reversal undoes a
-- whole transaction, once).
alter table ledger_transactions drop constraint ledger_transactions_type_check;
alter table ledger_transactions add constraint ledger_transactions_type_check check (type in
  ('earn', 'adjustment', 'transfer', 'hold', 'capture', 'void', 'activation', 'expiry', 'reversal', 'clawback', 'refund'));
