-- The notifier: chat links, preferences, deliveries. An outbox event becomes, per recipient,
-- a delivery on one channel; several events for one recipient inside a short window (or a
-- day, in digest mode) share one delivery, so they are told in one message.

-- A Telegram chat linked to a person (the bot issue adds the linking flows). A link is dead
-- when Telegram says the bot is blocked or the chat is gone; the next channel is used then.
create table chat_links (
  id          uuid primary key default gen_random_uuid(),
  person_id   uuid not null references persons (id),
  platform    text not null default 'telegram' check (platform in ('telegram')),
  chat_id     bigint not null,
  linked_at   timestamptz not null default now(),
  unlinked_at timestamptz,
  dead_at     timestamptz,
  dead_reason text check (length(dead_reason) <= 300)
);
create unique index chat_links_live on chat_links (platform, chat_id, person_id)
  where unlinked_at is null and dead_at is null;
create index chat_links_person on chat_links (person_id) where unlinked_at is null and dead_at is null;

-- Per person: quiet hours and digest time in the school's time zone, the order in which
-- channels are tried. No row means the defaults (students: notifications off until enabled).
create table notification_settings (
  person_id     uuid primary key references persons (id),
  enabled       boolean not null,
  -- null and null: no quiet hours
  quiet_from    time default '21:00',
  quiet_to      time default '08:00',
  digest_at     time not null default '19:00',
  channel_order text[] not null default '{telegram,email,sms}'
                check (channel_order <@ '{telegram,email,sms}' and cardinality(channel_order) between 1 and 3),
  updated_at    timestamptz not null default now(),
  check ((quiet_from is null) = (quiet_to is null))
);

-- Per person × topic × channel: instant, digest or off. No row means the default for the topic.
create table notification_preferences (
  person_id uuid not null references persons (id),
  topic     text not null check (topic in ('marks', 'absence', 'homework', 'final_marks', 'messages',
                                           'announcements', 'absence_digest', 'attendance_summary')),
  channel   text not null check (channel in ('telegram', 'email', 'sms')),
  mode      text not null check (mode in ('instant', 'digest', 'off')),
  primary key (person_id, topic, channel)
);

create type delivery_status as enum ('pending', 'deferred', 'sending', 'sent', 'delivered', 'failed', 'suppressed');

create table deliveries (
  id           uuid primary key default gen_random_uuid(),
  school_id    uuid not null references schools (id),
  person_id    uuid not null references persons (id),
  channel      text not null check (channel in ('telegram', 'email', 'sms')),
  -- instant: events of a short window; digest: a day's events; report: a scheduled summary
  mode         text not null check (mode in ('instant', 'digest', 'report')),
  -- unique per person and channel where set: 'digest:<date>', 'absence_digest:<class>:<date>' …
  dedupe_key   text,
  status       delivery_status not null default 'pending',
  -- not sent before this instant: the end of the coalescing window, quiet hours, a retry
  not_before   timestamptz not null,
  -- what a report delivery tells (ids and dates; the text is rendered at send time)
  payload      jsonb not null default '{}',
  address      text,
  attempts     integer not null default 0,
  -- a send was interrupted (the worker died mid-send) and the delivery was taken up again
  interrupted  boolean not null default false,
  claimed_at   timestamptz,
  enqueued_at  timestamptz,
  provider_id  text,
  last_error   text check (length(last_error) <= 1000),
  fallback_of  uuid references deliveries (id),
  created_at   timestamptz not null default now(),
  sent_at      timestamptz,
  delivered_at timestamptz,
  updated_at   timestamptz not null default now()
);
create unique index deliveries_dedupe on deliveries (person_id, channel, dedupe_key) where dedupe_key is not null;
create index deliveries_due on deliveries (not_before) where status in ('pending', 'deferred');
create index deliveries_open on deliveries (person_id, channel, mode) where status in ('pending', 'deferred');
create index deliveries_sending on deliveries (claimed_at) where status = 'sending';
create index deliveries_person on deliveries (person_id, created_at desc);
create index deliveries_school_status on deliveries (school_id, status, created_at desc);
create index deliveries_provider on deliveries (channel, provider_id) where provider_id is not null;

-- Which events a delivery tells. The primary key is the idempotency key: an event reaches a
-- person on a channel at most once, whatever the dispatcher or the queue repeats.
create table delivery_events (
  outbox_id   bigint not null references outbox (id),
  person_id   uuid not null,
  channel     text not null,
  delivery_id uuid not null references deliveries (id),
  -- the child the event is about, for this recipient (a class's homework reaches each family once)
  student_id  uuid,
  primary key (outbox_id, person_id, channel)
);
create index delivery_events_delivery on delivery_events (delivery_id);

-- The absence alert goes out to a recipient the first time a child is marked absent on a day.
create table absence_alerts (
  person_id  uuid not null references persons (id),
  student_id uuid not null references persons (id),
  date       date not null,
  outbox_id  bigint not null references outbox (id),
  primary key (person_id, student_id, date)
);
