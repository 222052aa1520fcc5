/**
 * Retention (school14 5.3: journals 5 years, summary sheets 25 years): an entry whose
 * retain_until is before today, in its school's time zone, loses its files and is marked
 * purged; its chain link stays, so the chain still verifies. Nothing else is touched. Each
 * purge is written to the audit log and to the log. Safe in several workers at once: entries
 * are claimed with SKIP LOCKED.
 */
import type { Logger } from 'pino'
import { writeAudit } from '../audit/audit.ts'
import type { Db, Sql } from '../db/connect.ts'
import type { PeriodicTask } from '../jobs/index.ts'

export interface PurgedEntry {
  readonly id: string
  readonly schoolId: string
  readonly seq: number
  readonly kind: string
  readonly title: string
  readonly retainUntil: string
  readonly purgedAt: Date
}

const BATCH = 200

/** Purges every expired entry as of `now`; returns what was purged. */
export async function purgeExpired(sql: Sql, opts: { now: Date; log?: Logger | undefined }): Promise<PurgedEntry[]> {
  const all: PurgedEntry[] = []
  for (;;) {
    const batch = await sql.begin((tx) => purgeBatch(tx, opts.now)) as PurgedEntry[]
    for (const e of batch) {
      opts.log?.info({ entryId: e.id, schoolId: e.schoolId, seq: e.seq, kind: e.kind, title: e.title, retainUntil: e.retainUntil },
        'archive entry purged: its retention period ended')
    }
    all.push(...batch)
    if (batch.length < BATCH) return all
  }
}

async function purgeBatch(tx: Db, now: Date): Promise<PurgedEntry[]> {
  const due = await tx<Omit<PurgedEntry, 'purgedAt'>[]>`
    select e.id, e.school_id, e.seq, e.kind, e.title, e.retain_until
    from archive_entries e join schools s on s.id = e.school_id
    where e.purged_at is null and e.retain_until < (${now}::timestamptz at time zone s.timezone)::date
    order by e.retain_until, e.school_id, e.seq
    limit ${BATCH}
    for update of e skip locked`
  if (due.length === 0) return []
  const ids = due.map((e) => e.id)
  await tx`delete from archive_files where entry_id in ${tx(ids)}`
  await tx`update archive_entries set purged_at = ${now} where id in ${tx(ids)}`
  for (const e of due) {
    await writeAudit(tx, {
      schoolId: e.schoolId, actorAccountId: null, action: 'archive.purged', entityType: 'archive_entry', entityId: e.id,
      before: { seq: e.seq, kind: e.kind, title: e.title, retainUntil: e.retainUntil, purgedAt: null },
      after: { purgedAt: now },
    })
  }
  return due.map((e) => ({ ...e, purgedAt: now }))
}

const DAY_MS = 24 * 60 * 60 * 1000

/** The worker's daily retention check (and once soon after the worker starts). */
export function archiveRetentionTask(): PeriodicTask {
  return {
    name: 'archive-retention',
    everyMs: DAY_MS,
    async run(ctx) {
      const purged = await purgeExpired(ctx.db.sql, { now: ctx.clock(), log: ctx.log })
      if (purged.length) ctx.log.info({ purged: purged.length }, 'archive retention: expired entries purged')
    },
  }
}
