-- Campaign results at 1M members (issue 13, "Scale"; src/reports/campaign-results.*).
-- A campaign's held-out members are read as one index range: the stored pairs whose bucket is
-- below holdout_percent x 100 (about holdout_percent of its members), not every pair.
create index report_campaign_buckets_held on report_campaign_buckets (program_id, campaign_id, bucket) include (member_id);
-- A campaign's awards in a window with what its points figures need (outcome, points, member),
-- read from the index alone: the same key as before, covering.
drop index if exists event_awards_campaign;
create index event_awards_campaign on event_awards (campaign_id, occurred_at)
  include (program_id, outcome, points, member_id) where campaign_id is not null;
-- Members' daily spend in member order with what a window sums (purchases, spend): a long window
-- (a year of 10M purchases) is summed per member as the index streams, with no hash table of every
-- buyer; a short one still reads its days by the primary key.
create index report_member_spend_days_member on report_member_spend_days (program_id, member_id, day)
  include (purchases, spend);
