-- Staff accounts: people who sign in to the console and the point-of-sale screen.

create table staff (
  id text primary key,
  program_id text not null references programs (id),
  email text not null,
  name text,
  role text not null check (role in ('owner', 'manager', 'cashier')),
  -- scrypt$N$r$p$salt$hash: the parameters travel with the hash
  password_hash text not null,
  status text not null default 'active' check (status in ('active', 'disabled')),
  -- sign-in failures in a row, and the lock they earned
  failed_attempts integer not null default 0,
  locked_until timestamptz,
  last_sign_in_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  unique (program_id, email)
);

-- A session is found by the SHA-256 of its cookie token (the token itself is never stored).
create table staff_sessions (
  token_hash text primary key,
  staff_id text not null references staff (id),
  program_id text not null,
  -- sent back by the pages in X-CSRF-Token on every change (the cookie alone is not enough)
  csrf_token text not null,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  revoked_at timestamptz
);
create index staff_sessions_staff on staff_sessions (staff_id);
