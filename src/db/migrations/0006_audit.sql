-- The audit log: every successful change made through the API (staff sessions and API keys
-- alike), written in the same transaction as the change, so a change and its record commit
-- together. Refusals and idempotent replays write nothing.

create table audit_log (
  id text primary key,
  program_id text not null references programs (id),
  -- `staff:stf_...` for a staff session, `key:key_...` for an API key
  actor text not null,
  -- method and route pattern, e.g. `PATCH /v1/members/{memberId}`
  action text not null,
  -- the route's summary, e.g. `Update a member`
  summary text,
  -- the main path id, else the id of what the change created
  target_id text,
  request_id text,
  -- the resource before the change (null when the service does not read it), and the answer
  before jsonb,
  after jsonb,
  created_at timestamptz not null
);
-- Newest first per programme, in keyset pages.
create index audit_log_program_time on audit_log (program_id, created_at desc, id desc);
