-- Finance's expected redemption rate (the share of points issued it expects members to redeem),
-- each with the day it takes effect. Rows are never changed: a new estimate is a new row, so
-- the history of estimates stays readable and a past period's report keeps the estimate it had.
create table redemption_estimates (
  id text primary key,
  program_id text not null references programs (id),
  rate numeric(7, 6) not null check (rate >= 0 and rate <= 1),
  -- a day in the programme's time zone: the estimate is in force from its start
  effective_from date not null,
  note text,
  actor text not null,
  created_at timestamptz not null
);
create index redemption_estimates_program on redemption_estimates (program_id, effective_from, created_at);
