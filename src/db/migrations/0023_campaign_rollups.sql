-- Campaign results at scale (issue 13). Each member's counted purchases and spend per programme
-- day, kept by the jobs like the other report rollups (0019; src/reports/campaign-results.*), so a
-- campaign's window sums each audience member's spend from this narrow table instead of joining
-- every purchase of the window (and the window before) to every audience member of every campaign.
-- A purchase counts on the day it happened (programme zone) when it is not refused and not returned
-- in full; its spend is net of returns. Only members' purchases (guests have no audience).
create table report_member_spend_days (
  program_id text not null,
  day date not null,
  member_id text not null,
  purchases bigint not null,
  spend bigint not null,
  primary key (program_id, day, member_id)
);

-- Each (campaign, member) pair's holdout bucket: the first four bytes of
-- sha256("<campaign id>:<member id>") as an unsigned integer, modulo 10,000 (`holdoutBucket`,
-- earning/campaign-reach.rules.ts). A pure function of the two ids, so a row never changes: kept
-- by the jobs for members and campaigns as they are created; a pair without a row (created since
-- the last tick) is drawn live. A member is held out when bucket < holdout_percent x 100.
create table report_campaign_buckets (
  program_id text not null,
  campaign_id text not null,
  member_id text not null,
  bucket smallint not null,
  primary key (program_id, campaign_id, member_id)
);
-- Members enrolled in a run of days (the jobs' bucket rows for them), found by when they were recorded.
create index members_recorded_brin on members using brin (created_at);
