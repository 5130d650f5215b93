-- Campaign results kept (issue 13, "Scale"; src/reports/campaign-results.*). A campaign whose own
-- window has closed (it has ended, and its last day is over) has results that change only when an
-- event of its window (or of the window before) is recorded late or changed, or when the campaign
-- changes. The jobs compute them once and keep them here: the groups' figures, the points, and the
-- bootstrap interval, as of `valid_at` (an instant ten minutes before the jobs last found nothing of
-- the two windows changed, the rollups' grace). A report of a campaign over its own window reads the
-- row when the campaign's version and window are the same and nothing of the windows changed since
-- `valid_at`; otherwise it computes live. Campaigns with audience conditions are never kept (their
-- audience is judged on members' facts now).
create table report_campaign_results (
  program_id text not null,
  campaign_id text not null,
  campaign_version integer not null,
  before_start timestamptz not null,
  start_at timestamptz not null,
  end_at timestamptz not null,
  computed_at timestamptz not null,
  valid_at timestamptz not null,
  groups jsonb not null,
  points jsonb not null,
  bootstrap jsonb,
  primary key (program_id, campaign_id)
);
