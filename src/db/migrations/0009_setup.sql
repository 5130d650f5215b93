-- First run in the browser: one-time setup links, and the checklist a new programme opens on.

-- A setup link's token, stored by its SHA-256 (the token itself is only printed, once, by the
-- server that made it). Setup is open while no token has been used: the first use creates a
-- programme and its owner and closes every other token.
create table setup_tokens (
  id text primary key,
  token_hash text not null unique,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  used_at timestamptz,
  -- the programme the use created
  program_id text references programs (id)
);

-- Checklist steps that no other data records (the till opened, the portal link shared) and the
-- checklist's dismissal: marked once, never unmarked.
create table program_checklist_marks (
  program_id text not null references programs (id),
  item text not null check (item in ('portal_link_shared', 'till_opened', 'dismissed')),
  marked_at timestamptz not null,
  -- the API key or staff account that marked it
  marked_by text not null,
  primary key (program_id, item)
);
