/**
 * `zvonok backup [--out FILE|DIR]` and `zvonok restore FILE [--force]`.
 * Exit codes: 0 done, 1 refused or failed (a damaged file, a non-empty target, a broken audit
 * chain, pg_dump/pg_restore failing), 2 usage.
 */
import { existsSync } from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import type pino from 'pino'
import type { Config } from '../config/config.ts'
import { fromEmbedded, openDatabase, type Database } from '../db/connect.ts'
import { embeddedOwner, startEmbeddedPostgres } from '../db/embedded.ts'
import { BackupRefused, makeBackup, restoreBackup } from './backup.ts'
import { BackupFileError } from './files.ts'
import { ToolError } from './pg.ts'

const BACKUP_USAGE = 'usage: zvonok backup [--out FILE|DIR]\n'
const RESTORE_USAGE = 'usage: zvonok restore FILE [--force]   (FILE: the .dump/.tar.gz or its .json manifest)\n'

export async function runBackupCommand(command: 'backup' | 'restore', args: string[], config: Config, log: pino.Logger): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args, allowPositionals: command === 'restore', strict: true,
      options: command === 'backup' ? { out: { type: 'string' } } : { force: { type: 'boolean', default: false } },
    })
  } catch (err) {
    process.stderr.write(`zvonok ${command}: ${(err as Error).message}\n${command === 'backup' ? BACKUP_USAGE : RESTORE_USAGE}`)
    return 2
  }
  try {
    if (command === 'backup') return await backup(parsed.values.out as string | undefined, config, log)
    const [file, ...extra] = parsed.positionals
    if (!file || extra.length) {
      process.stderr.write(RESTORE_USAGE)
      return 2
    }
    if (!existsSync(file)) {
      process.stderr.write(`zvonok restore: ${file}: no such file\n`)
      return 2
    }
    return await restore(file, parsed.values.force === true, config, log)
  } catch (err) {
    if (err instanceof BackupRefused || err instanceof BackupFileError || err instanceof ToolError) {
      process.stderr.write(`zvonok ${command}: ${err.message}\n`)
      return 1
    }
    throw err
  }
}

async function backup(out: string | undefined, config: Config, log: pino.Logger): Promise<number> {
  let db: Database
  if (config.databaseUrl) {
    db = await openDatabase(config)
  } else {
    // PGlite's data directory is single-process: open it only when nobody else has it
    const dir = path.join(config.dataDir, 'pg')
    const owner = embeddedOwner(dir)
    if (owner !== null)
      throw new BackupRefused(
        `${dir} is in use by process ${owner} (zvonok start?). The embedded database is single-process: stop it first, ` +
          `or rely on the daily backup that process makes at ${config.backup.at} UTC into ${config.backup.dir}. ` +
          `(If no zvonok process uses it, delete ${dir}.pid.)`,
      )
    if (!existsSync(path.join(dir, 'PG_VERSION'))) throw new BackupRefused(`${dir} holds no database to back up`)
    db = fromEmbedded(await startEmbeddedPostgres(dir))
  }
  try {
    process.stderr.write(config.databaseUrl ? 'backing up the database with pg_dump…\n' : 'backing up the embedded database…\n')
    const r = await makeBackup(db, config, { ...(out ? { out } : {}), log })
    process.stdout.write(
      `backup written: ${r.file}\n` +
        `  ${r.manifest.sizeBytes} bytes, sha256 ${r.manifest.sha256}, ${(r.ms / 1000).toFixed(1)} s\n` +
        `  PostgreSQL ${r.manifest.serverVersion ?? '?'}, last migration ${r.manifest.lastMigration ?? 'none'}\n` +
        `manifest: ${r.manifestFile}\n`,
    )
    return 0
  } finally {
    await db.close()
  }
}

async function restore(file: string, force: boolean, config: Config, log: pino.Logger): Promise<number> {
  const r = await restoreBackup(config, file, { force, log, progress: (line) => process.stderr.write(line + '\n') })
  process.stdout.write(`restored ${r.manifest.file} (made ${r.manifest.createdAt}) into ${r.target} in ${(r.ms / 1000).toFixed(1)} s\n`)
  if (r.movedAside) process.stdout.write(`the previous database is kept in ${r.movedAside}\n`)
  if (r.audit.ok) {
    process.stdout.write(`audit log intact: ${r.audit.rows} rows in ${r.audit.chains} chains\n`)
    return 0
  }
  for (const b of r.audit.broken)
    process.stdout.write(`BROKEN chain ${b.schoolId ?? '(system)'}: first broken link at seq ${b.seq}${b.id ? ` (row ${b.id})` : ''}: ${b.reason}\n`)
  process.stdout.write('the restored audit log does not verify: treat this backup as untrustworthy\n')
  return 1
}
