-- Campaign results at scale (issue 13): each member's counted purchases and spend per programme
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
