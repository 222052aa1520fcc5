-- Schools, people (the name card apart from sensitive fields), guardianship, consent, classes.

create table schools (
  id           uuid primary key default gen_random_uuid(),
  name         text not null check (length(name) between 1 and 300),
  short_name   text check (length(short_name) between 1 and 100),
  timezone     text not null check (length(timezone) between 1 and 64),
  municipality text check (length(municipality) between 1 and 200),
  created_at   timestamptz not null default now()
);

create type person_kind as enum ('student', 'guardian', 'staff');
create type gender as enum ('male', 'female');

-- The name card: what most roles may see. Contacts are here because the bot matches a
-- guardian by phone; everything else personal lives in person_sensitive.
create table persons (
  id          uuid primary key default gen_random_uuid(),
  school_id   uuid not null references schools (id),
  kind        person_kind not null,
  last_name   text not null check (length(last_name) between 1 and 100),
  first_name  text not null check (length(first_name) between 1 and 100),
  middle_name text check (length(middle_name) between 1 and 100),
  gender      gender,
  phone       text check (phone ~ '^\+[0-9]{10,15}$'),
  email       text check (length(email) between 3 and 254 and position('@' in email) > 1),
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now()
);
create index persons_school_kind_name on persons (school_id, kind, last_name, first_name);
create index persons_phone on persons (phone) where phone is not null;

-- Documents, SNILS, health, address, birth date: readable by few roles, entered only with consent.
create table person_sensitive (
  person_id    uuid primary key references persons (id) on delete cascade,
  birth_date   date,
  snils        text check (snils ~ '^[0-9]{3}-[0-9]{3}-[0-9]{3} [0-9]{2}$'),
  document     jsonb,
  address      text check (length(address) <= 500),
  health_notes text check (length(health_notes) <= 2000),
  updated_at   timestamptz not null default now()
);

create type guardian_relation as enum (
  'mother', 'father', 'grandmother', 'grandfather', 'stepmother', 'stepfather',
  'sister', 'brother', 'aunt', 'uncle', 'guardian', 'trustee', 'other'
);

create table guardianships (
  guardian_id uuid not null references persons (id),
  student_id  uuid not null references persons (id),
  relation    guardian_relation not null,
  created_at  timestamptz not null default now(),
  primary key (guardian_id, student_id),
  check (guardian_id <> student_id)
);
create index guardianships_student on guardianships (student_id);

-- Consent to process personal data (согласие на обработку ПДн): who consented, for whom, when.
create table pd_consents (
  id                 uuid primary key default gen_random_uuid(),
  school_id          uuid not null references schools (id),
  subject_person_id  uuid not null references persons (id),
  given_by_person_id uuid not null references persons (id),
  purpose            text not null check (length(purpose) between 1 and 500),
  document_ref       text check (length(document_ref) <= 200),
  given_at           timestamptz not null,
  revoked_at         timestamptz,
  recorded_by        uuid,
  recorded_at        timestamptz not null default now(),
  check (revoked_at is null or revoked_at >= given_at)
);
create index pd_consents_subject on pd_consents (subject_person_id);

create table classes (
  id               uuid primary key default gen_random_uuid(),
  school_id        uuid not null references schools (id),
  grade            smallint not null check (grade between 1 and 11),
  letter           text not null check (length(letter) between 1 and 3),
  class_teacher_id uuid references persons (id),
  created_at       timestamptz not null default now(),
  unique (school_id, grade, letter)
);

-- Enrolment history: the movement book (книга движения). The journal issue adds its details.
create table enrolments (
  id         uuid primary key default gen_random_uuid(),
  student_id uuid not null references persons (id),
  class_id   uuid not null references classes (id),
  started_on date not null,
  ended_on   date,
  check (ended_on is null or ended_on >= started_on)
);
create unique index enrolments_current on enrolments (student_id) where ended_on is null;
create index enrolments_class on enrolments (class_id) where ended_on is null;
