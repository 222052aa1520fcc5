import type { Db, Sql } from '../db/connect.ts'

export interface AuditEntry {
  readonly schoolId: string | null
  readonly actorAccountId: string | null
  readonly action: string
  readonly entityType: string
  readonly entityId?: string | null
  readonly before?: unknown
  readonly after?: unknown
  readonly requestId?: string | null
}

/**
 * Appends one audit row. Call it inside the transaction of the change it records: the row,
 * its hash link and the change commit or roll back together. The chain itself is built by
 * the database trigger (migrations/0003).
 */
export async function writeAudit(db: Db, e: AuditEntry): Promise<void> {
  await db`
    insert into audit_log (school_id, actor_account_id, action, entity_type, entity_id, before, after, request_id)
    values (${e.schoolId}, ${e.actorAccountId}, ${e.action}, ${e.entityType}, ${e.entityId ?? null},
            ${e.before === undefined ? null : db.json(e.before as never)},
            ${e.after === undefined ? null : db.json(e.after as never)},
            ${e.requestId ?? null})`
}

export interface BrokenLink {
  readonly schoolId: string | null
  readonly seq: number
  readonly id: number | null
  readonly reason: 'hash_mismatch' | 'prev_hash_mismatch' | 'sequence_gap' | 'head_mismatch'
}

export interface VerifyResult {
  readonly ok: boolean
  readonly chains: number
  readonly rows: number
  /** the first broken link of each broken chain, ordered by school */
  readonly broken: BrokenLink[]
}

const NIL = '00000000-0000-0000-0000-000000000000'

/**
 * Recomputes every chain: each row's hash from its content and the previous row's hash, the
 * sequence without gaps, and the head matching the last row (a truncated tail shows there).
 */
export async function verifyAudit(sql: Sql): Promise<VerifyResult> {
  const rows = await sql<{ chainKey: string; seq: number; id: number; reason: BrokenLink['reason'] }[]>`
    with checked as (
      select chain_key, seq, id,
        hash = audit_row_hash(prev_hash, chain_key, seq, at, actor_account_id, action, entity_type,
                              entity_id, before, after, request_id) as hash_ok,
        prev_hash = coalesce(lag(hash) over w, audit_genesis()) as prev_ok,
        seq = coalesce(lag(seq) over w, 0) + 1 as seq_ok
      from audit_log
      window w as (partition by chain_key order by seq)
    )
    select distinct on (chain_key) chain_key as "chainKey", seq, id,
      case when not seq_ok then 'sequence_gap' when not hash_ok then 'hash_mismatch' else 'prev_hash_mismatch' end as reason
    from checked
    where not (hash_ok and prev_ok and seq_ok)
    order by chain_key, seq`
  const heads = await sql<{ chainKey: string; seq: number }[]>`
    select h.chain_key as "chainKey", h.seq
    from audit_heads h
    left join lateral (
      select seq, hash from audit_log l where l.chain_key = h.chain_key order by seq desc limit 1
    ) last on true
    where last.seq is distinct from h.seq or last.hash is distinct from h.hash`
  const [stats] = await sql<{ rows: number; chains: number }[]>`
    select count(*)::int as rows, count(distinct chain_key)::int as chains from audit_log`

  const broken = new Map<string, BrokenLink>()
  const toSchool = (k: string) => (k === NIL ? null : k)
  for (const r of rows) broken.set(r.chainKey, { schoolId: toSchool(r.chainKey), seq: r.seq, id: r.id, reason: r.reason })
  for (const h of heads) {
    if (!broken.has(h.chainKey))
      broken.set(h.chainKey, { schoolId: toSchool(h.chainKey), seq: h.seq, id: null, reason: 'head_mismatch' })
  }
  const list = [...broken.values()].sort((a, b) => String(a.schoolId).localeCompare(String(b.schoolId)))
  return { ok: list.length === 0, chains: stats?.chains ?? 0, rows: stats?.rows ?? 0, broken: list }
}
