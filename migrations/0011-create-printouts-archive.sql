-- Printouts, reports, the archive and backups: every printed or downloaded document is
-- registered under a short verification code; long generation runs as print jobs in the
-- worker; closing a period freezes its summary sheets in a hash-chained archive; backups are
-- recorded where the worker makes them.

-- A document the system produced (PDF or XLSX): who made it, when, of what, and the SHA-256
-- of its files and of its data, so a paper in hand can be checked against the record
-- (krasnodar 4.5). The code is 10 characters of Crockford base32, printed as XXXXX-XXXXX.
create table printouts (
  code          text primary key check (code ~ '^[0-9A-HJKMNP-TV-Z]{10}$'),
  school_id     uuid not null references schools (id),
  -- diary_week, diary_week_class, summary_sheet, attendance, class_teacher, timeliness, activity
  kind          text not null check (length(kind) between 1 and 40),
  title         text not null check (length(title) between 1 and 300),
  made_at       timestamptz not null default now(),
  -- null: the system itself (the weekly mailing, a scheduled job)
  made_by       uuid references accounts (id),
  made_by_label text not null check (length(made_by_label) between 1 and 200),
  student_id    uuid references persons (id),
  class_id      uuid references classes (id),
  params        jsonb not null default '{}',
  data_sha256   text not null,
  pdf_sha256    text,
  xlsx_sha256   text,
  pages         integer
);
create index printouts_school_made on printouts (school_id, made_at);
create index printouts_student on printouts (student_id, made_at) where student_id is not null;

-- Guardians who receive the weekly diary on paper (handed over by the class teacher) or as a
-- PDF by e-mail (school14 4.6.5, school26 1.6). No row: no printout.
create table printout_preferences (
  person_id uuid primary key references persons (id),
  weekly    text not null check (weekly in ('email', 'paper')),
  set_by    uuid references accounts (id),
  set_at    timestamptz not null default now()
);

-- Long generation (a whole school's weekly printouts, a class bundle) runs in the worker:
-- the row is the job's record and progress; files are kept for a while for download.
create table print_jobs (
  id           uuid primary key default gen_random_uuid(),
  school_id    uuid not null references schools (id),
  kind         text not null check (length(kind) between 1 and 40),
  params       jsonb not null default '{}',
  requested_by uuid references accounts (id),
  status       text not null default 'queued' check (status in ('queued', 'running', 'done', 'failed')),
  total        integer not null default 0,
  done         integer not null default 0,
  error        text check (length(error) <= 1000),
  created_at   timestamptz not null default now(),
  claimed_at   timestamptz,
  started_at   timestamptz,
  finished_at  timestamptz
);
create index print_jobs_queued on print_jobs (created_at) where status in ('queued', 'running');
create index print_jobs_school on print_jobs (school_id, created_at);

create table print_files (
  id         uuid primary key default gen_random_uuid(),
  job_id     uuid not null references print_jobs (id) on delete cascade,
  name       text not null check (length(name) between 1 and 200),
  media_type text not null,
  content    bytea not null,
  sha256     text not null,
  created_at timestamptz not null default now()
);
create index print_files_job on print_files (job_id);

-- The archive: frozen documents (summary sheets when a period closes, 25 years; class
-- journals when a year closes, 5 years), hash-chained per school. Each entry's hash covers its
-- description and the SHA-256 of its files, so a changed file, a changed entry, a removed or
-- reordered entry breaks the chain. The files live apart: retention removes them (purged_at)
-- and leaves the link, so the chain still verifies after an expired entry is gone.
create table archive_heads (
  school_id uuid primary key references schools (id),
  seq       integer not null,
  hash      text not null
);

create table archive_entries (
  id               uuid primary key default gen_random_uuid(),
  school_id        uuid not null references schools (id),
  seq              integer not null,
  kind             text not null check (kind in ('summary_sheet', 'class_journal')),
  title            text not null check (length(title) between 1 and 300),
  academic_year_id uuid references academic_years (id),
  period_id        uuid references periods (id),
  class_id         uuid references classes (id),
  archived_at      timestamptz not null,
  archived_by      uuid references accounts (id),
  retain_until     date not null,
  printout_code    text references printouts (code),
  data_sha256      text not null,
  pdf_sha256       text,
  prev_hash        text not null,
  hash             text not null,
  purged_at        timestamptz,
  unique (school_id, seq)
);
create index archive_entries_expiry on archive_entries (retain_until) where purged_at is null;
create unique index archive_entries_once on archive_entries (kind, class_id, coalesce(period_id, academic_year_id));

create table archive_files (
  entry_id uuid primary key references archive_entries (id),
  -- the frozen data: canonical JSON text, UTF-8
  data     bytea not null,
  pdf      bytea
);

-- Backups the worker (or `zvonok backup`) made: where, how big, the checksum. One daily
-- backup per day key, whatever the number of workers.
create table backups (
  id          uuid primary key default gen_random_uuid(),
  day_key     text unique,
  kind        text not null check (kind in ('pg_dump', 'pglite')),
  file        text not null,
  size_bytes  bigint,
  sha256      text,
  status      text not null default 'running' check (status in ('running', 'done', 'failed', 'removed')),
  error       text check (length(error) <= 1000),
  started_at  timestamptz not null default now(),
  finished_at timestamptz
);
