-- Deferred revenue rollups (issue 13, "Scale"): what each issue layer (the month a purchase that
-- earned points happened) gained and lost per programme day, so the IFRS 15 report sums a few rows
-- per day and layer instead of tracing every redeemed or expired point back to its sale over all
-- history. Kept by the jobs like the other report rollups (report_rollups, rollup
-- 'deferred_revenue'); src/reports/deferred-revenue.rollup.ts says how they stay exact.

-- Per programme day: points redeemed and expired on the system accounts (by effective time, the
-- history the expected redemption rate is measured from), the first purchase that earned points
-- (by when it happened), and the purchases with lots that happened that day: their count, net
-- amount, points credited, and the exact amount allocated to those points with the rate and point
-- value in force that day (stored with them: a day whose rate or point value is no longer the one
-- in force is read live, and rebuilt by the next tick).
create table report_deferred_days (
  program_id text not null,
  day date not null,
  redeemed bigint not null,
  expired bigint not null,
  first_issued_at timestamptz,
  purchases bigint not null,
  sales numeric not null,
  points numeric not null,
  allocated numeric not null,
  rate numeric,
  point_value numeric,
  primary key (program_id, day)
);

-- Per programme day (of the postings' effective time) and issue layer: the change of the layer's
-- purchase lots, as the report counts it (issued by their earn, what members hold, redeemed,
-- expired). `issued_after` is the purchase's day when it is later than the posting's day (a
-- posting dated before the sale it belongs to), else -infinity, so a report ending before the
-- sale leaves it out, as the live query does.
create table report_deferred_layers (
  program_id text not null,
  day date not null,
  issue_month date not null,
  issued_after date not null,
  issued bigint not null,
  outstanding bigint not null,
  redeemed bigint not null,
  expired bigint not null,
  primary key (program_id, day, issue_month, issued_after)
);

-- A purchase's points are the lots its ledger entry credited: found by the entry, for the days the
-- jobs roll up and the days a report reads live (instead of a pass over every lot).
create index if not exists lots_txn on lots (txn_id);
