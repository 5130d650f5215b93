-- Buyer rollups (issue 13, "Scale"): the days each member bought on, kept by the jobs like the
-- rollups of 0019, so the cohort report and the goals count distinct buyers over months and
-- ranges from a few thousand rows. src/reports/buyer-rollups.* owns them.
--
-- Two definitions of a purchase are in use, so two chains of buyer days:
-- - cohorts count a purchase not refused and not returned in full (nothing paid included);
-- - goals count a purchase with something still paid (amount > returned_amount).
-- Each chain holds a member's buying days (programme days, by when the purchases happened) with
-- the member's previous buying day ('-infinity' for the first). A purchase returned in full after
-- the fact removes its day (the rebuild of that day drops the row and re-links the next one).

create table report_cohort_buyer_days (
  program_id text not null,
  member_id text not null,
  day date not null,
  prev_day date not null,
  primary key (program_id, member_id, day)
);
create index report_cohort_buyer_days_day on report_cohort_buyer_days (program_id, day);

-- Per enrolment month (cohort) and day: members of the cohort whose first buying day of that
-- calendar month it is (month_firsts), and whose first buying day after their enrolment day it is
-- (later_firsts). A cohort's buyers in month M are sum(month_firsts) over M's days; its repeat
-- buyers up to a day are sum(later_firsts) before it.
create table report_cohort_firsts (
  program_id text not null,
  cohort date not null,
  day date not null,
  month_firsts bigint not null,
  later_firsts bigint not null,
  primary key (program_id, cohort, day)
);

create table report_paid_buyer_days (
  program_id text not null,
  member_id text not null,
  day date not null,
  prev_day date not null,
  primary key (program_id, member_id, day)
);
create index report_paid_buyer_days_day on report_paid_buyer_days (program_id, day);

-- Per day, members who bought (paid) on it by their previous buying day: buyers in [a, b] are
-- sum(members) over days in [a, b] whose previous buying day is before a.
create table report_paid_buyer_pairs (
  program_id text not null,
  day date not null,
  prev_day date not null,
  members bigint not null,
  primary key (program_id, day, prev_day)
);

-- Per day, the purchases report_daily_purchases counts and the goals do not (nothing paid: amount
-- 0 and nothing returned), by members and by guests, with their (zero) revenue, so the goals read
-- their purchase counts from report_daily_purchases less these.
create table report_daily_unpaid_purchases (
  program_id text not null,
  day date not null,
  member_purchases bigint not null,
  guest_purchases bigint not null,
  member_revenue bigint not null,
  guest_revenue bigint not null,
  primary key (program_id, day)
);
