-- Programme goals: what the owner wants the programme to raise (retention, purchase frequency,
-- average order value, members' share of revenue, data capture), to what, by when. The goals
-- report (src/reports/goals.*) measures each against its target; a goal is a plain setting, so a
-- change updates it in place and the audit log keeps what it was.
create table program_goals (
  id text primary key,
  program_id text not null references programs (id),
  kind text not null check (kind in (
    'retention', 'purchase_frequency', 'average_order_value', 'member_revenue_share', 'data_capture')),
  -- data capture only: which detail members are counted with
  capture_field text check (capture_field in ('contact', 'marketing_consent', 'birth_date')),
  -- in the kind's unit: a share 0..1, purchases per member per 30 days, or minor units of money
  target double precision not null,
  baseline double precision,
  start_date date not null,
  target_date date not null,
  note text,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  check ((kind = 'data_capture') = (capture_field is not null)),
  check (target_date > start_date)
);
create index program_goals_program on program_goals (program_id, created_at, id);
