-- Customer lifetime value (issue 14, src/insights/): each programme's fits of the BG/NBD and
-- Gamma-Gamma models, queued by the API or the nightly refit and run by the jobs, and the
-- per-member figures of the latest successful fit, written in the transaction that marks it
-- succeeded (the previous fit's rows replaced), so no reader sees half a fit.

create table customer_value_fits (
  id text primary key,
  program_id text not null references programs (id),
  status text not null check (status in ('queued', 'running', 'succeeded', 'failed')),
  -- The calibration period's last day (programme time, inclusive) and its optional first day
  -- (customers first seen before it are left out).
  as_of date not null,
  calibration_from date,
  model text not null default 'bgnbd+gamma-gamma',
  time_unit text not null default 'days' check (time_unit in ('days', 'weeks')),
  -- {r, alpha, a, b, p, q, v}: alpha in time_unit, v in the currency's minor units.
  parameters jsonb,
  bgnbd_log_likelihood double precision,
  gamma_gamma_log_likelihood double precision,
  customers integer,
  repeat_customers integer,
  -- A failed fit's reason (the 422 reasons of customer-value.rules.ts, or 'error') and message.
  error_reason text,
  error_message text,
  requested_by text not null,
  requested_at timestamptz not null,
  started_at timestamptz,
  fitted_at timestamptz
);
-- At most one fit queued or running per programme: a second request answers the pending one.
create unique index customer_value_fits_pending on customer_value_fits (program_id) where status in ('queued', 'running');
create index customer_value_fits_program on customer_value_fits (program_id, requested_at desc);
create index customer_value_fits_queue on customer_value_fits (requested_at) where status in ('queued', 'running');

create table customer_values (
  program_id text not null,
  member_id text not null references members (id),
  fit_id text not null references customer_value_fits (id),
  -- The summary: x (repeat purchase days), t_x and T in days, mean repeat-day spend in minor units.
  frequency integer not null,
  recency double precision not null,
  age double precision not null,
  monetary double precision not null,
  expected_30 double precision not null,
  expected_90 double precision not null,
  expected_365 double precision not null,
  probability_alive double precision not null,
  -- Minor units: E[M | x, mbar] per purchase day, and the discounted CLV over horizon_months.
  expected_spend double precision not null,
  clv double precision not null,
  horizon_months integer not null,
  discount_rate double precision not null,
  primary key (program_id, member_id)
);
create index customer_values_clv on customer_values (program_id, clv, member_id);
create index customer_values_alive on customer_values (program_id, probability_alive, member_id);
