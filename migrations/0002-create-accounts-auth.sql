-- Accounts, roles, sessions, refresh tokens, login throttling, one-time link codes,
-- credential compromise reports.

create table accounts (
  id                   uuid primary key default gen_random_uuid(),
  login                text not null check (login ~ '^[a-z0-9][a-z0-9._-]{2,63}$'),
  password_hash        text not null,
  must_change_password boolean not null default true,
  password_changed_at  timestamptz,
  locked_at            timestamptz,
  lock_reason          text,
  last_login_at        timestamptz,
  created_at           timestamptz not null default now()
);
create unique index accounts_login on accounts (login);

-- The persons an account stands for (a teacher who is also a parent: two persons, one account).
create table account_persons (
  account_id uuid not null references accounts (id),
  person_id  uuid not null unique references persons (id),
  primary key (account_id, person_id)
);

create type role_name as enum (
  'admin', 'coordinator', 'director', 'deputy', 'secretary', 'teacher', 'class_teacher',
  'moderator', 'parent_liaison', 'guardian', 'student', 'authority'
);

-- A role held in a scope: school_id null means every school (a regional admin or authority);
-- class_id narrows a role to one class (class_teacher, parent_liaison).
create table account_roles (
  id         uuid primary key default gen_random_uuid(),
  account_id uuid not null references accounts (id),
  role       role_name not null,
  school_id  uuid references schools (id),
  class_id   uuid references classes (id),
  granted_at timestamptz not null default now(),
  granted_by uuid references accounts (id)
);
create unique index account_roles_unique on account_roles (
  account_id, role,
  coalesce(school_id, '00000000-0000-0000-0000-000000000000'),
  coalesce(class_id, '00000000-0000-0000-0000-000000000000')
);

-- A login session: the family of refresh tokens issued from one login.
create table auth_sessions (
  id            uuid primary key default gen_random_uuid(),
  account_id    uuid not null references accounts (id),
  created_at    timestamptz not null default now(),
  last_used_at  timestamptz not null default now(),
  expires_at    timestamptz not null,
  revoked_at    timestamptz,
  revoke_reason text,
  user_agent    text,
  ip            text
);
create index auth_sessions_account on auth_sessions (account_id) where revoked_at is null;

-- Refresh tokens rotate: each is usable once; reuse of a used one revokes its session.
create table refresh_tokens (
  id         uuid primary key default gen_random_uuid(),
  session_id uuid not null references auth_sessions (id),
  token_hash bytea not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at    timestamptz
);
create index refresh_tokens_session on refresh_tokens (session_id);

-- Failed-login counters per login and per client address; kept in the database so that any
-- number of api processes share them.
create table login_throttle (
  key           text primary key,
  failures      integer not null default 0,
  last_failure  timestamptz not null default now(),
  blocked_until timestamptz
);

-- One-time codes printed on credential slips (Telegram deep link), stored hashed.
create table link_codes (
  code_hash  bytea primary key,
  person_id  uuid not null references persons (id),
  purpose    text not null check (purpose in ('telegram')),
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at    timestamptz
);
create index link_codes_person on link_codes (person_id) where used_at is null;

-- A reported credential compromise (school26 3.3–3.4). The journal voids, with audit, every
-- operation the account made after learned_at and stamps voided_at.
create table compromise_reports (
  id                     uuid primary key default gen_random_uuid(),
  account_id             uuid not null references accounts (id),
  reported_by_account_id uuid not null references accounts (id),
  learned_at             timestamptz not null,
  reported_at            timestamptz not null default now(),
  note                   text check (length(note) <= 1000),
  voided_at              timestamptz,
  check (learned_at <= reported_at)
);
create index compromise_reports_account on compromise_reports (account_id);
