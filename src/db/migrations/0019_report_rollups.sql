-- Report rollups (issue 13, "Scale"): figures per programme day, written by the jobs, so a report
-- over a long range reads a few hundred rows per day instead of every event of the range.
-- src/reports/rollups.* owns them; ARCHITECTURE.md and bench/README.md say how they are kept exact.

-- Where each rollup of each programme stands: days before rolled_through are rolled up, from
-- every change recorded before `watermark` (created_at, or changed_at for events changed in place),
-- in `timezone` (the programme's when they were built: another zone means none is valid).
create table report_rollups (
  program_id text not null references programs (id),
  rollup text not null,
  timezone text not null,
  rolled_through date not null,
  watermark timestamptz not null,
  updated_at timestamptz not null,
  primary key (program_id, rollup)
);

-- Changes since a watermark are found by when they were recorded. BRIN indexes cost almost
-- nothing to keep on append-mostly tables and find the last minutes' rows of a large table.
-- An event changed in place (a guest purchase claimed by a member) records when in changed_at.
alter table events add column changed_at timestamptz;
create index events_recorded_brin on events using brin (created_at);
create index events_changed_brin on events using brin (changed_at);
create index ledger_transactions_recorded_brin on ledger_transactions using brin (created_at);

-- Points through the system accounts per programme day (by effective time), as the overview and
-- the points report define them; each net of reversals.
create table report_daily_flows (
  program_id text not null,
  day date not null,
  earned bigint not null,
  partner_funded bigint not null,
  adjustments_added bigint not null,
  adjustments_removed bigint not null,
  redeemed bigint not null,
  expired bigint not null,
  primary key (program_id, day)
);

-- Counted purchases per programme day (by when they happened: not refused, not returned in full),
-- by members and by guests, and their revenue net of returns (minor units).
create table report_daily_purchases (
  program_id text not null,
  day date not null,
  member_purchases bigint not null,
  guest_purchases bigint not null,
  member_revenue bigint not null,
  guest_revenue bigint not null,
  primary key (program_id, day)
);

-- Active members: each member's active days (what they did as members, by when it happened)
-- with the member's previous active day ('-infinity' for the first), and per day how many
-- members were active with each previous active day. Members active at all in [a, b] are then
-- sum(members) over days in [a, b] whose previous active day is before a: a few thousand rows
-- however long the range.
create table report_member_days (
  program_id text not null,
  member_id text not null,
  day date not null,
  prev_day date not null,
  primary key (program_id, member_id, day)
);
create index report_member_days_day on report_member_days (program_id, day);
create table report_active_pairs (
  program_id text not null,
  day date not null,
  prev_day date not null,
  members bigint not null,
  primary key (program_id, day, prev_day)
);
