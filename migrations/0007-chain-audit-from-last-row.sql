-- The audit chain's row trigger updated the school's head row once per audit row. Inside one
-- transaction those versions of the one head row cannot be cleaned up, so every further
-- insert walked a longer chain of them: a 2,000-student import or a year's lessons slowed
-- quadratically. Now a transaction locks and reads the head once per chain, keeps the chain's
-- last seq and hash in a transaction-local setting (reverted with a rolled-back savepoint, like
-- the rows), and a statement trigger moves the head once per statement. The head lock, held to
-- commit, still serialises writers of a school, so the cached value cannot go stale.

create or replace function audit_log_chain() returns trigger language plpgsql
as $$
declare
  cache_key text;
  cached    text;
  last_seq  bigint;
  last_hash bytea;
begin
  new.chain_key := coalesce(new.school_id, '00000000-0000-0000-0000-000000000000'::uuid);
  cache_key := 'zvonok_audit.h' || replace(new.chain_key::text, '-', '');
  cached := current_setting(cache_key, true);
  if cached is null or cached = '' then
    insert into audit_heads (chain_key, seq, hash) values (new.chain_key, 0, audit_genesis())
      on conflict (chain_key) do nothing;
    select seq, hash into last_seq, last_hash from audit_heads where chain_key = new.chain_key for update;
  else
    last_seq := split_part(cached, ':', 1)::bigint;
    last_hash := decode(split_part(cached, ':', 2), 'hex');
  end if;
  new.seq := last_seq + 1;
  new.prev_hash := last_hash;
  new.hash := audit_row_hash(new.prev_hash, new.chain_key, new.seq, new.at, new.actor_account_id,
    new.action, new.entity_type, new.entity_id, new.before, new.after, new.request_id);
  perform set_config(cache_key, new.seq::text || ':' || encode(new.hash, 'hex'), true);
  return new;
end
$$;

create function audit_heads_advance() returns trigger language plpgsql
as $$
begin
  update audit_heads h set seq = l.seq, hash = l.hash
  from (select distinct on (chain_key) chain_key, seq, hash from inserted order by chain_key, seq desc) l
  where h.chain_key = l.chain_key;
  return null;
end
$$;

create trigger audit_heads_advance after insert on audit_log
  referencing new table as inserted for each statement execute function audit_heads_advance();
