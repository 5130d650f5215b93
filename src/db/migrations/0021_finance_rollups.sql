-- Finance report rollups (issue 13, "Scale"): the liability at any day's end, and partner funding,
-- from rows kept per programme day by the jobs (src/reports/finance-rollups.sql.ts says how each
-- answer stays exactly the live query's).

-- Points on lots moved per programme day (postings to member_available, member_pending and
-- member_held, by effective day), by what the liability at a moment asks of each posting's lot and
-- hold: the local day the lot expires ('infinity': never), the local day of one microsecond before
-- it (so "expires at or before a midnight" is a comparison of days), the local day it becomes
-- available, and for points on a hold the local day the hold times out ('-infinity' otherwise:
-- points that are never held). Lots' and holds' times never change, so a day's rows change only
-- with ledger entries dated that day.
create table report_daily_lot_points (
  program_id text not null,
  day date not null,
  expires_day date not null,
  expires_by date not null,
  available_day date not null,
  hold_day date not null,
  points bigint not null,
  primary key (program_id, day, expires_day, expires_by, available_day, hold_day)
);

-- Points partners funded per programme day (the `partner` account, net of reversals and returns).
create table report_daily_partner_funding (
  program_id text not null,
  day date not null,
  partner_id text not null,
  points bigint not null,
  primary key (program_id, day, partner_id)
);

-- The liability's live parts, each a bounded read:
-- members in debt at a moment (the debt postings only: few);
create index if not exists postings_program_debt on postings (program_id, effective_at) include (member_id, amount)
  where account = 'member_debt';
-- for today's liability, the lots expiring or becoming available on the days whose rows cannot say
-- on which side of the moment they fall, and the holds timing out today.
create index if not exists lots_program_expiry on lots (program_id, expires_at) where expires_at is not null;
create index if not exists lots_program_available on lots (program_id, available_at);
create index if not exists holds_program_expiry on holds (program_id, expires_at);
