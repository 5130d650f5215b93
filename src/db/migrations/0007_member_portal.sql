-- The member portal: marketing consent on members, one-time sign-in codes sent by email, and
-- member sessions (cookie tokens stored by their SHA-256, like staff sessions).

alter table members add column marketing_consent boolean not null default false;
-- when consent was last given or withdrawn (null: the member was never asked)
alter table members add column marketing_consent_at timestamptz;

-- A six-digit code, stored as the SHA-256 of the code id and the code. Only a member's newest
-- code counts (a new one replaces the previous); it lasts 10 minutes and 5 tries.
create table member_login_codes (
  id text primary key,
  program_id text not null references programs (id),
  member_id text not null references members (id),
  code_hash text not null,
  expires_at timestamptz not null,
  attempts integer not null default 0,
  used_at timestamptz,
  created_at timestamptz not null
);
create index member_login_codes_member on member_login_codes (member_id, created_at desc);

create table member_sessions (
  token_hash text primary key,
  member_id text not null references members (id),
  program_id text not null references programs (id),
  -- sent back by the portal in X-CSRF-Token on every change (the cookie alone is not enough)
  csrf_token text not null,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  revoked_at timestamptz
);
create index member_sessions_member on member_sessions (member_id);
