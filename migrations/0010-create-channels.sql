-- Moderated class channels: a class's discussion supergroup bound to the class, who may be in
-- it, what is filtered, and the record of every moderation action (school53 5.7).

-- One-time codes a class teacher or moderator takes to the group (`/bind CODE`).
create table channel_codes (
  id          uuid primary key default gen_random_uuid(),
  school_id   uuid not null references schools (id),
  class_id    uuid not null references classes (id),
  code_hash   bytea not null unique,
  created_by  uuid not null references accounts (id),
  created_at  timestamptz not null default now(),
  expires_at  timestamptz not null,
  used_at     timestamptz
);

-- A group bound to a class, with its settings. Unbinding keeps the row (the record stays).
create table channels (
  id                 uuid primary key default gen_random_uuid(),
  school_id          uuid not null references schools (id),
  class_id           uuid not null references classes (id),
  platform           text not null default 'telegram' check (platform in ('telegram')),
  chat_id            bigint not null,
  title              text not null default '' check (length(title) <= 255),
  is_forum           boolean not null default false,
  invite_link        text,
  -- who may join besides guardians, teachers and moderators
  students_allowed   boolean not null default false,
  -- 0: off; a member may post once per this many seconds (staff are exempt)
  slow_mode_seconds  integer not null default 0 check (slow_mode_seconds between 0 and 86400),
  -- warnings that lead to a mute, and its length
  warn_limit         integer not null default 3 check (warn_limit between 1 and 20),
  warn_mute_minutes  integer not null default 1440 check (warn_mute_minutes between 1 and 525600),
  -- more than flood_messages within flood_seconds: deleted and muted for flood_mute_minutes
  flood_messages     integer not null default 6 check (flood_messages between 2 and 100),
  flood_seconds      integer not null default 10 check (flood_seconds between 1 and 3600),
  flood_mute_minutes integer not null default 10 check (flood_mute_minutes between 1 and 10080),
  bound_by           uuid not null references accounts (id),
  bound_at           timestamptz not null default now(),
  unbound_at         timestamptz,
  unbound_reason     text
);
create unique index channels_live_chat on channels (platform, chat_id) where unbound_at is null;
create index channels_class on channels (class_id) where unbound_at is null;

-- The members the bot has seen (joined through it, wrote, or were reported by Telegram), and
-- their standing. The Telegram user id equals the user's private chat id with the bot, which
-- is what chat_links hold.
create table channel_members (
  channel_id   uuid not null references channels (id),
  user_id      bigint not null,
  status       text not null default 'member' check (status in ('member', 'left', 'removed', 'banned')),
  muted_until  timestamptz,
  first_name   text not null default '' check (length(first_name) <= 64),
  joined_at    timestamptz not null default now(),
  -- set when the bot let them in (a join request, a join it checked); members who were in the
  -- group before it was bound get a grace day to link themselves before gating removes them
  admitted_at  timestamptz,
  last_post_at timestamptz,
  updated_at   timestamptz not null default now(),
  primary key (channel_id, user_id)
);
create index channel_members_present on channel_members (channel_id) where status = 'member';

-- Recent posts per member, for flood limits only (no text); older than an hour are pruned.
create table channel_posts (
  channel_id uuid not null references channels (id),
  user_id    bigint not null,
  message_id bigint not null,
  posted_at  timestamptz not null,
  primary key (channel_id, message_id)
);
create index channel_posts_member on channel_posts (channel_id, user_id, posted_at);

-- A school's watched words, normalised like the messages they are matched in.
create table watched_words (
  id         uuid primary key default gen_random_uuid(),
  school_id  uuid not null references schools (id),
  word       text not null check (length(word) between 2 and 100),
  action     text not null check (action in ('delete_warn', 'hold', 'flag')),
  created_by uuid not null references accounts (id),
  created_at timestamptz not null default now(),
  unique (school_id, word)
);

-- What waits for a moderator: a message held by the filter, flagged, reported by a member, or
-- an appeal of a muted or banned member.
create table moderation_queue (
  id               uuid primary key default gen_random_uuid(),
  school_id        uuid not null references schools (id),
  channel_id       uuid not null references channels (id),
  kind             text not null check (kind in ('held', 'flagged', 'report', 'appeal')),
  author_user_id   bigint not null,
  author_name      text not null default '',
  message_id       bigint,
  thread_id        bigint,
  -- kept for the record and for the moderator to judge; an appeal's own text
  message_text     text not null default '' check (length(message_text) <= 4096),
  rule             text,
  reporter_user_id bigint,
  created_at       timestamptz not null default now(),
  resolved_at      timestamptz,
  resolved_by      uuid references accounts (id),
  resolution       text check (resolution in ('approved', 'deleted', 'warned', 'lifted', 'rejected'))
);
create index moderation_queue_open on moderation_queue (school_id, created_at) where resolved_at is null;

-- Every moderation action, automatic (actor null) or by a moderator: who, when, which rule,
-- the message text as it was. The audit log records each with its id.
create table moderation_actions (
  id               uuid primary key default gen_random_uuid(),
  school_id        uuid not null references schools (id),
  channel_id       uuid not null references channels (id),
  action           text not null check (action in (
    'delete', 'warn', 'mute', 'unmute', 'ban', 'unban', 'remove', 'hold', 'flag', 'approve',
    'join_approved', 'join_declined', 'report', 'appeal', 'appeal_rejected', 'slow_mode', 'bound', 'unbound')),
  target_user_id   bigint,
  target_name      text not null default '',
  actor_account_id uuid references accounts (id),
  actor_user_id    bigint,
  rule             text not null,
  reason           text check (length(reason) <= 500),
  message_id       bigint,
  message_text     text check (length(message_text) <= 4096),
  until            timestamptz,
  queue_item_id    uuid references moderation_queue (id),
  -- the moment of each action, not of its transaction: a delete and its warning stay in order
  -- and a page of the log never ends between them
  created_at       timestamptz not null default clock_timestamp()
);
create index moderation_actions_channel on moderation_actions (channel_id, created_at desc);
create index moderation_actions_member on moderation_actions (channel_id, target_user_id, created_at desc);

-- Telegram calls decided together with the action that needs them, made by the bot after the
-- transaction commits; pending ones are retried, so a crash between the two loses nothing.
create table channel_effects (
  id         bigserial primary key,
  channel_id uuid not null references channels (id),
  kind       text not null check (kind in (
    'delete', 'mute', 'unmute', 'ban', 'unban', 'remove', 'approve_join', 'decline_join', 'post', 'notify')),
  params     jsonb not null,
  created_at timestamptz not null default now(),
  attempts   integer not null default 0,
  done_at    timestamptz,
  last_error text
);
create index channel_effects_pending on channel_effects (id) where done_at is null;

-- Does this Telegram user belong to the channel's class: linked (chat_links, the user's private
-- chat) to a guardian of a student of the class, to a student of the class when the channel
-- allows students, or to a teacher of the class. (Moderators are decided by core/auth/policy.)
create function channel_member_belongs(p_channel uuid, p_user bigint) returns boolean
language sql stable as $$
  with ch as (select school_id, class_id, students_allowed from channels where id = p_channel),
  linked as (
    select cl.person_id from chat_links cl
    where cl.platform = 'telegram' and cl.chat_id = p_user and cl.unlinked_at is null)
  select exists (
      select 1 from linked l join guardianships g on g.guardian_id = l.person_id
      join enrolments e on e.student_id = g.student_id and e.ended_on is null
      where e.class_id = (select class_id from ch))
    or exists (
      select 1 from linked l join enrolments e on e.student_id = l.person_id and e.ended_on is null
      where e.class_id = (select class_id from ch) and (select students_allowed from ch))
    or exists (
      select 1 from linked l join teaching_assignments t on t.teacher_id = l.person_id
      where t.class_id = (select class_id from ch))
$$;
