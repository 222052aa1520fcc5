-- Curriculum, timetable, dated lessons and the journal entries on them: homework, marks,
-- attendance, final marks. Plus the outbox the notifier reads and the idempotency record of
-- client-supplied request ids.

-- Work types with their weight and the regulation's deadline (school26 2.5, 2.11, 2.12):
-- a mark is due by the end of the lesson's day plus deadline_days.
create table work_types (
  id            uuid primary key default gen_random_uuid(),
  school_id     uuid not null references schools (id),
  name          text not null check (length(name) between 1 and 100),
  weight        numeric(3, 1) not null check (weight > 0 and weight <= 10),
  deadline_days smallint not null default 0 check (deadline_days between 0 and 30),
  is_default    boolean not null default false,
  unique (school_id, name)
);
create unique index work_types_default on work_types (school_id) where is_default;

-- Нагрузка: a teacher teaches a subject to a class or to one subgroup of it.
create table teaching_assignments (
  id          uuid primary key default gen_random_uuid(),
  school_id   uuid not null references schools (id),
  class_id    uuid not null references classes (id),
  subgroup_id uuid references subgroups (id),
  subject_id  uuid not null references subjects (id),
  teacher_id  uuid not null references persons (id),
  created_at  timestamptz not null default now()
);
create unique index teaching_assignments_unique
  on teaching_assignments (class_id, subject_id, teacher_id, coalesce(subgroup_id, '00000000-0000-0000-0000-000000000000'));
create index teaching_assignments_teacher on teaching_assignments (teacher_id);

-- The calendar-thematic plan (КТП) of an assignment: the topics in order.
create table plan_topics (
  id            uuid primary key default gen_random_uuid(),
  assignment_id uuid not null references teaching_assignments (id) on delete cascade,
  number        smallint not null check (number between 1 and 400),
  topic         text not null check (length(topic) between 1 and 500),
  unique (assignment_id, number)
);

-- Звонки: the bell schedule per shift.
create table bells (
  school_id uuid not null references schools (id),
  shift     smallint not null default 1 check (shift between 1 and 3),
  number    smallint not null check (number between 0 and 12),
  starts_at time not null,
  ends_at   time not null,
  check (ends_at > starts_at),
  primary key (school_id, shift, number)
);

-- The weekly timetable: which assignment takes which lesson number on which weekday.
create table timetable_slots (
  id            uuid primary key default gen_random_uuid(),
  school_id     uuid not null references schools (id),
  assignment_id uuid not null references teaching_assignments (id),
  weekday       smallint not null check (weekday between 1 and 7),
  lesson_number smallint not null check (lesson_number between 0 and 12),
  shift         smallint not null default 1 check (shift between 1 and 3),
  room          text check (length(room) between 1 and 30),
  valid_from    date not null,
  valid_to      date,
  check (valid_to is null or valid_to >= valid_from)
);
create index timetable_slots_assignment on timetable_slots (assignment_id);

create type lesson_status as enum ('planned', 'cancelled');

-- A dated lesson. class_id, subject_id and teacher_id are copied from the assignment so the
-- diary and the teacher's day read one table.
create table lessons (
  id                     uuid primary key default gen_random_uuid(),
  school_id              uuid not null references schools (id),
  assignment_id          uuid not null references teaching_assignments (id),
  class_id               uuid not null references classes (id),
  subgroup_id            uuid references subgroups (id),
  subject_id             uuid not null references subjects (id),
  teacher_id             uuid not null references persons (id),
  substitute_teacher_id  uuid references persons (id),
  substitute_recorded_at timestamptz,
  date                   date not null,
  lesson_number          smallint not null check (lesson_number between 0 and 12),
  starts_at              timestamptz not null,
  ends_at                timestamptz not null,
  room                   text check (length(room) between 1 and 30),
  topic                  text check (length(topic) between 1 and 500),
  plan_topic_id          uuid references plan_topics (id),
  status                 lesson_status not null default 'planned',
  slot_id                uuid references timetable_slots (id),
  -- the date the timetable generated it for; a moved lesson keeps it, so generating again skips it
  slot_date              date,
  created_at             timestamptz not null default now(),
  updated_at             timestamptz not null default now(),
  check (ends_at > starts_at)
);
create index lessons_class_date on lessons (class_id, date);
create index lessons_teacher_date on lessons (teacher_id, date);
create index lessons_substitute_date on lessons (substitute_teacher_id, date) where substitute_teacher_id is not null;
create index lessons_assignment_date on lessons (assignment_id, date, lesson_number);
create unique index lessons_slot_date on lessons (slot_id, slot_date) where slot_id is not null;

-- One homework per lesson, replaced when edited; due at the next lesson of the assignment.
create table homework (
  id            uuid primary key default gen_random_uuid(),
  school_id     uuid not null references schools (id),
  lesson_id     uuid not null references lessons (id),
  text          text not null check (length(text) between 1 and 4000),
  pages         text check (length(pages) <= 200),
  exercises     text check (length(exercises) <= 200),
  attachments   jsonb not null default '[]' check (jsonb_typeof(attachments) = 'array'),
  due_lesson_id uuid references lessons (id),
  due_on        date,
  entered_at    timestamptz not null default now(),
  entered_by    uuid references accounts (id),
  late          boolean not null default false,
  removed_at    timestamptz
);
create unique index homework_lesson on homework (lesson_id) where removed_at is null;
create index homework_due on homework (due_lesson_id) where removed_at is null;

-- A mark: 1–5, or pass/fail (passed), never both; several per lesson; removal is soft so the
-- history and compromise voiding can restore it.
create table marks (
  id           uuid primary key default gen_random_uuid(),
  school_id    uuid not null references schools (id),
  lesson_id    uuid not null references lessons (id),
  student_id   uuid not null references persons (id),
  value        smallint check (value between 1 and 5),
  passed       boolean,
  work_type_id uuid not null references work_types (id),
  weight       numeric(3, 1) not null check (weight > 0),
  comment      text check (length(comment) <= 500),
  entered_at   timestamptz not null default now(),
  entered_by   uuid references accounts (id),
  updated_at   timestamptz not null default now(),
  late         boolean not null default false,
  removed_at   timestamptz,
  check ((value is null) <> (passed is null))
);
create index marks_student on marks (student_id, lesson_id) where removed_at is null;
create index marks_lesson on marks (lesson_id) where removed_at is null;

create type attendance_kind as enum ('absent', 'ill', 'excused', 'late');

create table attendance (
  id                  uuid primary key default gen_random_uuid(),
  school_id           uuid not null references schools (id),
  lesson_id           uuid not null references lessons (id),
  student_id          uuid not null references persons (id),
  kind                attendance_kind not null,
  reason              text check (length(reason) <= 500),
  reason_confirmed_at timestamptz,
  reason_confirmed_by uuid references accounts (id),
  entered_at          timestamptz not null default now(),
  entered_by          uuid references accounts (id),
  updated_at          timestamptz not null default now(),
  late                boolean not null default false,
  removed_at          timestamptz
);
create unique index attendance_lesson_student on attendance (lesson_id, student_id) where removed_at is null;
create index attendance_student on attendance (student_id, lesson_id) where removed_at is null;

-- A final mark per period and subject: a value (1–5), pass/fail, or a status beside a null
-- value (освобождён, не аттестован, безотметочное, school26 2.8).
create type final_mark_status as enum ('exempt', 'not_attested', 'ungraded');

create table final_marks (
  id         uuid primary key default gen_random_uuid(),
  school_id  uuid not null references schools (id),
  period_id  uuid not null references periods (id),
  class_id   uuid not null references classes (id),
  subject_id uuid not null references subjects (id),
  student_id uuid not null references persons (id),
  value      smallint check (value between 1 and 5),
  passed     boolean,
  status     final_mark_status,
  comment    text check (length(comment) <= 500),
  entered_at timestamptz not null default now(),
  entered_by uuid references accounts (id),
  updated_at timestamptz not null default now(),
  late       boolean not null default false,
  removed_at timestamptz,
  check (num_nonnulls(value, passed, status) = 1)
);
create unique index final_marks_one on final_marks (period_id, subject_id, student_id) where removed_at is null;
create index final_marks_class on final_marks (class_id, period_id) where removed_at is null;

-- The outbox: one row per change, written in the change's transaction; the notifier claims
-- rows in id order. Payloads carry ids and the minimum needed to word a message.
create table outbox (
  id            bigint generated always as identity primary key,
  school_id     uuid not null references schools (id),
  kind          text not null check (kind ~ '^[a-z_]+\.[a-z_]+$'),
  entity_type   text not null,
  entity_id     uuid not null,
  student_id    uuid,
  class_id      uuid,
  payload       jsonb not null default '{}',
  actor_account_id uuid,
  request_id    text,
  created_at    timestamptz not null default now(),
  dispatched_at timestamptz
);
create index outbox_pending on outbox (id) where dispatched_at is null;
create index outbox_entity on outbox (entity_id);

-- Client-supplied request ids of idempotent operations (the journal grid): a retry with the
-- same id and body answers the stored response and changes nothing.
create table idempotency_keys (
  account_id   uuid not null references accounts (id),
  key          text not null check (length(key) between 1 and 100),
  operation    text not null,
  request_hash text not null,
  response     jsonb not null,
  created_at   timestamptz not null default now(),
  primary key (account_id, key)
);

-- Compromise voiding: which journal operations of a compromised account were reverted, or
-- skipped because someone else changed the entry afterwards.
create table voided_operations (
  id                 uuid primary key default gen_random_uuid(),
  compromise_id      uuid not null references compromise_reports (id),
  audit_id           bigint not null,
  entity_type        text not null,
  entity_id          uuid not null,
  action             text not null,
  outcome            text not null check (outcome in ('reverted', 'skipped_changed_later')),
  voided_at          timestamptz not null default now(),
  unique (compromise_id, audit_id)
);

-- Wake the notifier when events commit (NOTIFY is delivered at commit, never for a rollback).
create function outbox_notify() returns trigger language plpgsql as $$
begin
  perform pg_notify('zvonok_outbox', '');
  return null;
end $$;
create trigger outbox_notify after insert on outbox for each statement execute function outbox_notify();
