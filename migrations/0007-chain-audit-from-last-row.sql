-- The audit chain's row trigger updated the school's head row once per audit row. Inside one
-- transaction those versions of the one head row cannot be cleaned up, so every further
-- insert walked a longer chain of them: a 2,000-student import or a year's lessons slowed
-- quadratically. Now the row trigger only locks the head (which serialises writers of a
-- school as before) and takes the previous hash from the chain's last row through the
-- (chain_key, seq) index — rows inserted earlier by the same statement are visible there —
-- and a statement trigger moves the head once per statement.

create or replace function audit_log_chain() returns trigger language plpgsql
as $$
declare
  last_seq  bigint;
  last_hash bytea;
begin
  new.chain_key := coalesce(new.school_id, '00000000-0000-0000-0000-000000000000'::uuid);
  insert into audit_heads (chain_key, seq, hash) values (new.chain_key, 0, audit_genesis())
    on conflict (chain_key) do nothing;
  perform 1 from audit_heads where chain_key = new.chain_key for update;
  select seq, hash into last_seq, last_hash from audit_log where chain_key = new.chain_key order by seq desc limit 1;
  if not found then
    last_seq := 0;
    last_hash := audit_genesis();
  end if;
  new.seq := last_seq + 1;
  new.prev_hash := last_hash;
  new.hash := audit_row_hash(new.prev_hash, new.chain_key, new.seq, new.at, new.actor_account_id,
    new.action, new.entity_type, new.entity_id, new.before, new.after, new.request_id);
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
