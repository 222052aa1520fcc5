-- The audit log: append-only, each row hash-chained to the previous row of its school.
-- The chain is built by a trigger so that every writer is chained the same way; a per-school
-- head row locked FOR UPDATE serialises concurrent writers so the chain cannot fork.

create table audit_heads (
  chain_key uuid primary key,
  seq       bigint not null,
  hash      bytea not null
);

create table audit_log (
  id               bigserial primary key,
  school_id        uuid references schools (id),
  chain_key        uuid not null,
  seq              bigint not null,
  at               timestamptz not null default now(),
  actor_account_id uuid,
  action           text not null check (length(action) between 1 and 100),
  entity_type      text not null check (length(entity_type) between 1 and 100),
  entity_id        text,
  before           jsonb,
  after            jsonb,
  request_id       text,
  prev_hash        bytea not null,
  hash             bytea not null,
  unique (chain_key, seq)
);
create index audit_log_entity on audit_log (entity_type, entity_id);
create index audit_log_actor_at on audit_log (actor_account_id, at);

-- Genesis: the hash before the first row of every chain.
create function audit_genesis() returns bytea language sql immutable
as $$ select decode(repeat('00', 32), 'hex') $$;

-- The canonical text of a row, hashed together with the previous row's hash. Fields are
-- separated by the ASCII unit separator; jsonb's text form is canonical (sorted keys).
create function audit_row_hash(
  prev bytea, chain_key uuid, seq bigint, at timestamptz, actor uuid, action text,
  entity_type text, entity_id text, before jsonb, after jsonb, request_id text
) returns bytea language sql stable
as $$
  select sha256(prev || convert_to(concat_ws(chr(31),
    chain_key::text, seq::text,
    to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    coalesce(actor::text, ''), action, entity_type, coalesce(entity_id, ''),
    coalesce(before::text, 'null'), coalesce(after::text, 'null'), coalesce(request_id, '')
  ), 'UTF8'))
$$;

create function audit_log_chain() returns trigger language plpgsql
as $$
declare
  head_seq  bigint;
  head_hash bytea;
begin
  new.chain_key := coalesce(new.school_id, '00000000-0000-0000-0000-000000000000'::uuid);
  insert into audit_heads (chain_key, seq, hash) values (new.chain_key, 0, audit_genesis())
    on conflict (chain_key) do nothing;
  select seq, hash into head_seq, head_hash from audit_heads where chain_key = new.chain_key for update;
  new.seq := head_seq + 1;
  new.prev_hash := head_hash;
  new.hash := audit_row_hash(new.prev_hash, new.chain_key, new.seq, new.at, new.actor_account_id,
    new.action, new.entity_type, new.entity_id, new.before, new.after, new.request_id);
  update audit_heads set seq = new.seq, hash = new.hash where chain_key = new.chain_key;
  return new;
end
$$;

create function audit_log_refuse() returns trigger language plpgsql
as $$
begin
  raise exception 'audit_log is append-only: % refused', tg_op using errcode = 'insufficient_privilege';
end
$$;

create trigger audit_log_chain before insert on audit_log for each row execute function audit_log_chain();
create trigger audit_log_no_update before update or delete on audit_log for each row execute function audit_log_refuse();
create trigger audit_log_no_truncate before truncate on audit_log for each statement execute function audit_log_refuse();
create trigger audit_heads_no_delete before delete or truncate on audit_heads for each statement execute function audit_log_refuse();
