-- Members within reach of a reward (the reward report) read each member's available points from a
-- snapshot the jobs keep (src/reports/member-balances.*), not from every spendable lot of every
-- member: the available points of each member who has any, as of one instant (the snapshot's
-- `as_of`, the balance rollup's watermark). A report reads the members above its lowest threshold
-- through the index, and recomputes live only the members whose balance can differ at its `now`.

create table report_member_balances (
  program_id text not null,
  member_id text not null,
  available bigint not null,
  primary key (program_id, member_id)
);
create index report_member_balances_available on report_member_balances (program_id, available);

-- The instant each programme's snapshot is as of (no row: never built).
create table report_member_balances_as_of (
  program_id text primary key,
  as_of timestamptz not null
);
