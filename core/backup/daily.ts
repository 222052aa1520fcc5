/**
 * The daily backup (krasnodar typical regulation 1.3): a periodic task of every worker (and of
 * `zvonok start`, on its live embedded store). Every few minutes it looks at the latest due
 * day — today once BACKUP_AT (UTC) has passed, otherwise yesterday — and, when that day has no
 * backup yet, claims it by inserting `backups.day_key = 'daily:YYYY-MM-DD'` (unique: among
 * several workers exactly one wins) and makes it. Then it deletes daily backups beyond
 * BACKUP_KEEP, files first, rows marked 'removed'.
 *
 * BACKUP_AT=off turns it off (backups made some other way). A failed day is tried again after FAILED_RETRY_MS; a claim left 'running' by a worker that
 * died is taken over after STALE_CLAIM_MS.
 */
import { readdir, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import type { PeriodicTask, TaskContext } from '../jobs/index.ts'
import { makeBackup, type BackupResult } from './backup.ts'
import { MANIFEST_SUFFIX } from './files.ts'

export const DAILY_BACKUP_TASK = 'backup.daily'
const CHECK_EVERY_MS = 5 * 60_000
const FAILED_RETRY_MS = 30 * 60_000
const STALE_CLAIM_MS = 3 * 3600_000
const PARTIAL_MAX_AGE_MS = 6 * 3600_000

export function dailyBackupTask(): PeriodicTask {
  return { name: DAILY_BACKUP_TASK, everyMs: CHECK_EVERY_MS, run: async (ctx) => void (await runDailyBackup(ctx)) }
}

/** 'daily:YYYY-MM-DD' of the latest day whose backup time `at` ('HH:MM', UTC) has come. */
export function dueDayKey(now: Date, at: string): string {
  const [h, m] = at.split(':').map(Number)
  const todayAt = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), h ?? 0, m ?? 0)
  const day = now.getTime() >= todayAt ? now : new Date(todayAt - 86_400_000)
  return `daily:${day.toISOString().slice(0, 10)}`
}

export interface DailyOutcome {
  /** null: daily backups are off (BACKUP_AT=off) */
  readonly dayKey: string | null
  /** the backup this run made (null: made already, or another worker is making it) */
  readonly made: BackupResult | null
  /** files of old daily backups this run deleted */
  readonly removed: readonly string[]
}

export async function runDailyBackup(ctx: TaskContext): Promise<DailyOutcome> {
  const { db, config, log } = ctx
  if (config.backup.at === 'off') return { dayKey: null, made: null, removed: [] }
  const now = ctx.clock()
  const dayKey = dueDayKey(now, config.backup.at)
  const kind = db.embedded ? 'pglite' : 'pg_dump'
  const [claim] = await db.sql<{ id: string }[]>`
    insert into backups (day_key, kind, file, status, started_at)
    values (${dayKey}, ${kind}, '', 'running', ${now})
    on conflict (day_key) do update set status = 'running', started_at = excluded.started_at, error = null, finished_at = null
      where (backups.status = 'failed' and backups.finished_at < ${new Date(now.getTime() - FAILED_RETRY_MS)})
         or (backups.status = 'running' and backups.started_at < ${new Date(now.getTime() - STALE_CLAIM_MS)})
    returning id`
  let made: BackupResult | null = null
  if (claim) {
    try {
      made = await makeBackup(db, config, { backupId: claim.id, dayKey, clock: ctx.clock, log })
    } catch (err) {
      // makeBackup marks its row failed once it has started; this covers a failure before that
      const message = (err as Error).message.slice(0, 1000)
      await db.sql`update backups set status = 'failed', error = ${message}, finished_at = ${ctx.clock()} where id = ${claim.id} and status = 'running'`
      throw err
    }
  }
  const removed = await pruneDaily(ctx)
  await removeStalePartials(config.backup.dir, now)
  if (removed.length) log.info({ removed, keep: config.backup.keep }, 'old daily backups removed')
  return { dayKey, made, removed }
}

/** Deletes daily backups beyond BACKUP_KEEP (newest kept); each row is locked while its files go. */
async function pruneDaily(ctx: TaskContext): Promise<string[]> {
  const { db, config, log } = ctx
  const old = await db.sql<{ id: string }[]>`
    select id from backups where day_key like 'daily:%' and status = 'done'
    order by day_key desc offset ${config.backup.keep}`
  const removed: string[] = []
  for (const { id } of old) {
    await db.sql.begin(async (tx) => {
      const [row] = await tx<{ file: string }[]>`
        select file from backups where id = ${id} and status = 'done' for update skip locked`
      if (!row) return
      try {
        if (row.file) {
          await rm(row.file, { force: true })
          await rm(row.file + MANIFEST_SUFFIX, { force: true })
        }
      } catch (err) {
        log.warn({ file: row.file, err: (err as Error).message }, 'an old daily backup could not be deleted; it is tried again next time')
        return
      }
      await tx`update backups set status = 'removed' where id = ${id}`
      removed.push(row.file)
    })
  }
  return removed
}

/** Temp files a crash left behind (`.zvonok-….partial`) in the backup directory. */
async function removeStalePartials(dir: string, now: Date): Promise<void> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch {
    return
  }
  for (const name of names) {
    if (!/^\.zvonok-.*\.partial$/.test(name)) continue
    const file = path.join(dir, name)
    const s = await stat(file).catch(() => undefined)
    if (s && now.getTime() - s.mtimeMs > PARTIAL_MAX_AGE_MS) await rm(file, { force: true })
  }
}
