-- The Telegram bot and teacher–parent messaging. The bot keeps no state in process memory: what
-- a chat is in the middle of (a homework draft to confirm, an attendance sheet being ticked, a
-- message being written) lives here, so any bot process can take the chat's next update.

-- One row per chat that has spoken to the bot.
create table bot_chats (
  platform         text not null default 'telegram' check (platform in ('telegram')),
  chat_id          bigint not null,
  -- the child a guardian is looking at (switching between children)
  student_id       uuid references persons (id),
  -- the pending step, with its own kind: {"kind": "homework", …}; null when none
  state            jsonb,
  state_expires_at timestamptz,
  -- failed /start codes, for throttling guessing
  bad_codes        integer not null default 0,
  bad_codes_at     timestamptz,
  first_seen_at    timestamptz not null default now(),
  last_seen_at     timestamptz not null default now(),
  primary key (platform, chat_id)
);

-- Updates already handled, so a redelivered update (a webhook retry, a poller restarted before
-- it confirmed its offset) is not handled twice. Rows older than a day are pruned.
create table bot_updates (
  bot_id     bigint not null,
  update_id  bigint not null,
  handled_at timestamptz not null default now(),
  primary key (bot_id, update_id)
);
create index bot_updates_age on bot_updates (handled_at);

-- A conversation between a guardian and a member of staff about one child: part of the
-- school's record. The staff side may mute it: new messages are kept but not pushed.
create table message_threads (
  id              uuid primary key default gen_random_uuid(),
  school_id       uuid not null references schools (id),
  student_id      uuid not null references persons (id),
  guardian_id     uuid not null references persons (id),
  staff_id        uuid not null references persons (id),
  created_at      timestamptz not null default now(),
  last_message_at timestamptz not null default now(),
  muted_at        timestamptz,
  unique (student_id, guardian_id, staff_id)
);
create index message_threads_guardian on message_threads (guardian_id, last_message_at desc);
create index message_threads_staff on message_threads (staff_id, last_message_at desc);

create table thread_messages (
  id          uuid primary key default gen_random_uuid(),
  thread_id   uuid not null references message_threads (id),
  school_id   uuid not null references schools (id),
  author_id   uuid not null references persons (id),
  body        text not null check (length(body) between 1 and 4000),
  attachments jsonb not null default '[]',
  -- the chat the message came from ('telegram') or the API
  via         text not null check (via in ('telegram', 'api')),
  created_at  timestamptz not null default now(),
  read_at     timestamptz
);
create index thread_messages_thread on thread_messages (thread_id, created_at);

-- An announcement to a class's families (class_id set) or to the whole school's.
create table announcements (
  id                uuid primary key default gen_random_uuid(),
  school_id         uuid not null references schools (id),
  class_id          uuid references classes (id),
  author_id         uuid not null references persons (id),
  author_account_id uuid references accounts (id),
  body              text not null check (length(body) between 1 and 4000),
  created_at        timestamptz not null default now()
);
create index announcements_school on announcements (school_id, created_at desc);
