-- Earning: events, earn rules and campaigns (with versions), awards, campaign budgets, returns,
-- partner-funded points, referrals and guest purchases.

alter table programs
  add column unknown_member_policy text not null default 'reject'
    check (unknown_member_policy in ('reject', 'enroll', 'guest')),
  add column guest_claim_days integer not null default 30 check (guest_claim_days between 0 and 3650),
  add column return_policy text not null default 'available_only'
    check (return_policy in ('pending_only', 'available_only', 'allow_debt')),
  -- what one point costs the programme, in minor units of its currency (reports the cost of campaigns)
  add column point_value double precision not null default 1 check (point_value >= 0),
  -- null: no referral scheme. {referrerPoints, refereePoints, minPurchaseAmount, maxRewardsPerMonth}
  add column referral_policy jsonb,
  -- bumped by every rule or campaign change, so servers can cache a programme's rules safely
  add column rules_revision bigint not null default 0;

alter table ledger_transactions drop constraint ledger_transactions_type_check;
alter table ledger_transactions add constraint ledger_transactions_type_check check (type in
  ('earn', 'adjustment', 'transfer', 'hold', 'capture', 'void', 'activation', 'expiry', 'reversal', 'clawback'));

-- Points a partner funds are issued from the `partner` account, per partner: what each owes.
alter table postings add column partner_id text;
alter table postings drop constraint postings_account_check;
alter table postings add constraint postings_account_check check (account in
  ('member_available', 'member_pending', 'member_held', 'member_debt',
   'issued', 'adjustments', 'redeemed', 'breakage', 'partner'));
alter table postings drop constraint postings_check1;
alter table postings add constraint postings_lot_check
  check (account in ('member_debt', 'issued', 'adjustments', 'redeemed', 'breakage', 'partner') or lot_id is not null);
alter table postings add constraint postings_partner_check check ((account = 'partner') = (partner_id is not null));
create index postings_partner on postings (program_id, partner_id) where partner_id is not null;

-- Referral codes: every member has one; a member who enrolled with another's code is linked to it.
alter table members add column referral_code text;
update members set referral_code = upper(substr(md5(id), 1, 8)) where referral_code is null;
alter table members alter column referral_code set not null;
alter table members add column referred_by text references members (id);
-- referral_code first: an index led by program_id tempts the planner (before statistics exist)
-- into using it for foreign-key checks on members (id, program_id), reading a whole programme.
create unique index members_referral_code on members (referral_code, program_id);

-- The (member_id, program_id) foreign keys of 0002 already guarantee the member exists; the
-- single-column ones only add a second check per row on the hottest inserts.
alter table ledger_transactions drop constraint ledger_transactions_member_id_fkey;
alter table lots drop constraint lots_member_id_fkey;
alter table holds drop constraint holds_member_id_fkey;

create table campaigns (
  id text primary key,
  program_id text not null references programs (id),
  name text not null,
  description text,
  status text not null check (status in ('draft', 'active', 'paused', 'ended')),
  starts_at timestamptz,
  ends_at timestamptz,
  -- member conditions (attribute, tier, segment) that decide who the campaign is for
  audience jsonb not null default '[]',
  holdout_percent integer not null default 0 check (holdout_percent between 0 and 50),
  budget_points bigint check (budget_points > 0),
  version integer not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  check (ends_at is null or starts_at is null or ends_at > starts_at)
);
create index campaigns_program on campaigns (program_id, id);

-- Every version of a campaign as it was saved: awards name the version that produced them.
create table campaign_versions (
  campaign_id text not null references campaigns (id),
  version integer not null,
  definition jsonb not null,
  actor text not null,
  created_at timestamptz not null,
  primary key (campaign_id, version)
);

-- A campaign budget is split into slices, each its own row: an award takes points from the
-- slice its member hashes to, so parallel events contend on one slice in N, not on one row.
-- Only when a slice runs dry does an award sweep the others (in slice order, so no deadlock).
create table campaign_budget_slices (
  campaign_id text not null references campaigns (id),
  slice smallint not null,
  remaining bigint not null check (remaining >= 0),
  primary key (campaign_id, slice)
);

create table rules (
  id text primary key,
  program_id text not null references programs (id),
  campaign_id text references campaigns (id),
  name text not null,
  status text not null check (status in ('active', 'inactive', 'archived')),
  version integer not null,
  -- trigger, conditions, items, effect, limits, priority, stacking, pending and expiry overrides, funding
  definition jsonb not null,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index rules_program on rules (program_id, id);
create index rules_campaign on rules (campaign_id) where campaign_id is not null;

create table rule_versions (
  rule_id text not null references rules (id),
  version integer not null,
  name text not null,
  status text not null,
  definition jsonb not null,
  actor text not null,
  created_at timestamptz not null,
  primary key (rule_id, version)
);

-- Events as received, keyed by the client's own id (the idempotency key), with the stored answer.
-- No foreign key to programs: that would share-lock the programme's row on every insert (0002).
create table events (
  program_id text not null,
  id text not null,
  type text not null,
  member_id text references members (id),
  status text not null check (status in ('processed', 'guest', 'claimed', 'rejected')),
  occurred_at timestamptz not null,
  amount bigint,
  currency char(3),
  items jsonb,
  channel text,
  store_id text,
  partner_id text,
  receipt_id text,
  original_event_id text,
  attributes jsonb,
  fingerprint text not null,
  points bigint not null default 0,
  txn_id text references ledger_transactions (id),
  -- purchases: how much of the amount came back in returns, and the points taken back for it
  returned_amount bigint not null default 0,
  clawed_back bigint not null default 0,
  status_code integer not null,
  result jsonb not null,
  created_at timestamptz not null,
  primary key (program_id, id)
);
create index events_program_time on events (program_id, occurred_at);
create index events_member_time on events (member_id, occurred_at) where member_id is not null;
create index events_guest_receipt on events (program_id, receipt_id) where status = 'guest';

-- What each rule gave for each event, with the rule and campaign versions that decided it.
-- A holdout row records that a campaign would have applied to a member held out of it.
-- rule_id and campaign_id carry no foreign key: it would share-lock a popular rule's row on
-- every award, a hot row across the programme (see 0002).
create table event_awards (
  program_id text not null,
  event_id text not null,
  rule_id text not null,
  rule_version integer not null,
  campaign_id text,
  campaign_version integer,
  member_id text not null references members (id),
  outcome text not null check (outcome in ('awarded', 'holdout')),
  points bigint not null,
  stamps integer not null default 0,
  occurred_at timestamptz not null,
  txn_id text references ledger_transactions (id),
  -- no foreign key to events: it is written in the same statement as its event, and a check
  -- per award was planned on events_program_time before statistics existed (verify checks it)
  primary key (program_id, event_id, rule_id)
);
create index event_awards_member_rule on event_awards (member_id, rule_id, occurred_at);
create index event_awards_campaign on event_awards (campaign_id, occurred_at) where campaign_id is not null;

-- Points returns gave back to campaign budgets: with the awards, they account for every point a
-- budget spent (verify checks budget - remaining = awarded - refunded, to the point).
create table campaign_budget_refunds (
  program_id text not null,
  event_id text not null,
  campaign_id text not null,
  points bigint not null check (points > 0),
  primary key (program_id, event_id, campaign_id)
);

create table referrals (
  referee_id text primary key references members (id),
  program_id text not null,
  referrer_id text not null references members (id),
  -- reversed: the qualifying purchase was returned in full, and both rewards taken back
  status text not null check (status in ('pending', 'rewarded', 'refused', 'reversed')),
  refused_reason text,
  event_id text,
  referrer_points bigint not null default 0,
  referee_points bigint not null default 0,
  txn_id text references ledger_transactions (id),
  created_at timestamptz not null,
  qualified_at timestamptz
);
create index referrals_referrer on referrals (referrer_id, qualified_at);
