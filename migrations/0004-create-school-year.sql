-- The school year: academic years, periods per grade range, holidays; classes belong to a year;
-- subgroups; the movement book (книга движения).

create table academic_years (
  id         uuid primary key default gen_random_uuid(),
  school_id  uuid not null references schools (id),
  name       text not null check (length(name) between 1 and 40),
  starts_on  date not null,
  ends_on    date not null,
  closed_at  timestamptz,
  created_at timestamptz not null default now(),
  check (ends_on > starts_on),
  unique (school_id, starts_on)
);

-- Existing classes (the demo of the foundation) get the school year they were made in.
insert into academic_years (school_id, name, starts_on, ends_on)
select s.school_id,
       y || '/' || (y + 1),
       make_date(y, 9, 1),
       make_date(y + 1, 8, 31)
from (select distinct school_id,
             case when extract(month from now()) >= 8 then extract(year from now())::int
                  else extract(year from now())::int - 1 end as y
      from classes) s;

alter table classes add column academic_year_id uuid references academic_years (id);
update classes c set academic_year_id = y.id from academic_years y where y.school_id = c.school_id;
alter table classes alter column academic_year_id set not null;
alter table classes drop constraint classes_school_id_grade_letter_key;
alter table classes add constraint classes_year_grade_letter unique (academic_year_id, grade, letter);
-- the class of the previous year this one continues (5А of 2026/27 continues 4А of 2025/26)
alter table classes add column previous_class_id uuid references classes (id);
create index classes_school on classes (school_id, academic_year_id);

create type period_kind as enum ('quarter', 'trimester', 'half', 'year');

-- Periods apply to a range of grades: quarters for 1–9 and halves for 10–11 in one year.
-- The 'year' period carries the annual final marks.
create table periods (
  id               uuid primary key default gen_random_uuid(),
  school_id        uuid not null references schools (id),
  academic_year_id uuid not null references academic_years (id),
  kind             period_kind not null,
  number           smallint not null check (number between 1 and 4),
  grade_from       smallint not null check (grade_from between 1 and 11),
  grade_to         smallint not null check (grade_to between 1 and 11),
  starts_on        date not null,
  ends_on          date not null,
  closed_at        timestamptz,
  check (ends_on >= starts_on),
  check (grade_to >= grade_from),
  unique (academic_year_id, kind, number, grade_from)
);
create index periods_year on periods (academic_year_id, starts_on);

create table holidays (
  id               uuid primary key default gen_random_uuid(),
  school_id        uuid not null references schools (id),
  academic_year_id uuid not null references academic_years (id),
  name             text not null check (length(name) between 1 and 100),
  starts_on        date not null,
  ends_on          date not null,
  grade_from       smallint not null default 1 check (grade_from between 1 and 11),
  grade_to         smallint not null default 11 check (grade_to between 1 and 11),
  check (ends_on >= starts_on),
  check (grade_to >= grade_from)
);
create index holidays_year on holidays (academic_year_id, starts_on);

create table subjects (
  id         uuid primary key default gen_random_uuid(),
  school_id  uuid not null references schools (id),
  name       text not null check (length(name) between 1 and 100),
  short_name text check (length(short_name) between 1 and 30),
  unique (school_id, name)
);

-- Subgroups per subject (английский язык, 1 группа); the class teacher divides the class.
create table subgroups (
  id         uuid primary key default gen_random_uuid(),
  class_id   uuid not null references classes (id),
  subject_id uuid not null references subjects (id),
  name       text not null check (length(name) between 1 and 60),
  unique (class_id, subject_id, name)
);

-- Membership history: a move ends one row and starts another, with its reason
-- (e.g. the guardian's written request).
create table subgroup_members (
  id          uuid primary key default gen_random_uuid(),
  subgroup_id uuid not null references subgroups (id),
  student_id  uuid not null references persons (id),
  started_on  date not null,
  ended_on    date,
  reason      text check (length(reason) <= 500),
  recorded_by uuid references accounts (id),
  recorded_at timestamptz not null default now(),
  check (ended_on is null or ended_on >= started_on)
);
create unique index subgroup_members_current on subgroup_members (subgroup_id, student_id) where ended_on is null;
create index subgroup_members_student on subgroup_members (student_id);

-- The movement book: every admission, transfer, promotion, departure and graduation, with
-- its date and order number. enrolments stays the derived "who is in which class when".
create type movement_kind as enum ('admission', 'transfer', 'promotion', 'departure', 'graduation');

create table movements (
  id            uuid primary key default gen_random_uuid(),
  school_id     uuid not null references schools (id),
  student_id    uuid not null references persons (id),
  kind          movement_kind not null,
  occurred_on   date not null,
  order_number  text check (length(order_number) between 1 and 50),
  from_class_id uuid references classes (id),
  to_class_id   uuid references classes (id),
  note          text check (length(note) <= 500),
  recorded_by   uuid references accounts (id),
  recorded_at   timestamptz not null default now()
);
create index movements_student on movements (student_id, occurred_on);
create index movements_school on movements (school_id, occurred_on);
