-- Events changed after they were recorded (a guest purchase claimed by a member: `changed_at`) are
-- few and anywhere in the table, so a BRIN index on changed_at prunes nothing (the planner read
-- every event for the rollups' changed days, 0.1-0.4 s at 1M events per report). A partial b-tree
-- holds only the changed ones.
drop index if exists events_changed_brin;
create index events_changed on events (program_id, changed_at) where changed_at is not null;
