-- Redemption rollups (issue 13, "Scale"): the redemption frequency report, reward patterns and the
-- overview's top rewards read per-day figures kept by the jobs (src/reports/redemption-rollups.*).
-- Only redemptions completed and not cancelled since count. A redemption changes in place when it
-- is cancelled (completed -> cancelled): cancelled_at records when, found through the index below.

-- Completed redemptions cancelled later, by when they were cancelled (the rollups' changed days).
create index redemptions_cancelled_at on redemptions (program_id, cancelled_at) where cancel_txn_id is not null;
-- Unused vouchers by expiry: those expiring on the current day are split expired/open at read time.
create index vouchers_issued_expiry on vouchers (program_id, expires_at) where status = 'issued';
-- Vouchers by issue time, for rebuilding a run of days.
create index vouchers_program_created on vouchers (program_id, created_at);

-- Per reward per programme day of completion: redemptions, units and points; and vouchers used
-- that day (by when they were used).
create table report_reward_days (
  program_id text not null,
  reward_id text not null,
  day date not null,
  redemptions bigint not null,
  units bigint not null,
  points bigint not null,
  vouchers_used bigint not null,
  primary key (program_id, day, reward_id)
);

-- Vouchers per reward by the day they were issued and the day they expire ('infinity': never),
-- not cancelled: still unused, and used.
create table report_voucher_days (
  program_id text not null,
  reward_id text not null,
  day date not null,
  expires_day date not null,
  unused bigint not null,
  used bigint not null,
  primary key (program_id, day, reward_id, expires_day)
);

-- Members redeeming: each member's redemption days, per reward and for any reward (reward_id ''),
-- with the previous such day ('-infinity' for the first); and per day the members by previous
-- day. Members redeeming in [a, b] are sum(members) over days in [a, b] whose previous day is
-- before a (as report_active_pairs counts active members).
create table report_redeemer_days (
  program_id text not null,
  reward_id text not null,
  member_id text not null,
  day date not null,
  prev_day date not null,
  primary key (program_id, reward_id, member_id, day)
);
create index report_redeemer_days_day on report_redeemer_days (program_id, day);
create table report_redeemer_pairs (
  program_id text not null,
  reward_id text not null,
  day date not null,
  prev_day date not null,
  members bigint not null,
  primary key (program_id, reward_id, day, prev_day)
);

-- Whole programme days to a member's first redemption (kind 'first', from the enrolment day) and
-- between a member's consecutive redemptions ('between'), per day of the (later) redemption:
-- how many of each number of days. Medians over any range are exact from these.
create table report_redemption_gaps (
  program_id text not null,
  day date not null,
  kind text not null,
  days integer not null,
  n bigint not null,
  primary key (program_id, day, kind, days)
);
