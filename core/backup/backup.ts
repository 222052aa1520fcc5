/**
 * Making and restoring backups.
 *
 * A real server is dumped with `pg_dump --format=custom` (one consistent snapshot) and
 * restored with `pg_restore` into an empty database; the embedded store (PGlite) is dumped as
 * its whole data directory (a gzipped tar) and restored by starting PGlite from that tarball
 * in an empty DATA_DIR/pg. Each dump has a manifest beside it (`<file>.json`: sha256, size,
 * kind, times, server version, last migration); restore refuses a file that does not match it.
 * Backups are recorded in `backups` when the database has that table.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { readFile, rename, rm } from 'node:fs/promises'
import path from 'node:path'
import postgres from 'postgres'
import type { Logger } from 'pino'
import type { Config } from '../config/config.ts'
import { connectionOptions, fromEmbedded, type Database, type Sql } from '../db/connect.ts'
import { embeddedOwner, startEmbeddedPostgres } from '../db/embedded.ts'
import { migrate } from '../db/migrate.ts'
import { sha256Hex } from '../print/canonical.ts'
import { verifyAudit, writeAudit, type VerifyResult } from '../audit/audit.ts'
import {
  backupPath, commitFile, MANIFEST_SUFFIX, sha256File, tempName, timestampName, verifyBackupFile, writeFileAtomic,
  type BackupKind, type Manifest,
} from './files.ts'
import { libpqTarget, runTool } from './pg.ts'

/** A backup that cannot or must not go ahead; the message says why and what to do. */
export class BackupRefused extends Error {
  override name = 'BackupRefused'
}

export interface BackupResult {
  readonly file: string
  readonly manifestFile: string
  readonly manifest: Manifest
  readonly ms: number
}

export interface MakeBackupOptions {
  /** a directory (existing or ending in a slash) or a file path; default BACKUP_DIR */
  readonly out?: string
  readonly clock?: () => Date
  /** a `backups` row claimed already (the daily task): completed instead of inserting one */
  readonly backupId?: string
  readonly dayKey?: string | null
  readonly log?: Logger
}

interface SourceInfo { serverVersion: string | null; lastMigration: string | null; hasBackupsTable: boolean }

async function sourceInfo(sql: Sql): Promise<SourceInfo> {
  const [row] = await sql<{ serverVersion: string; migrations: boolean; backups: boolean }[]>`
    select current_setting('server_version') as server_version,
      to_regclass('schema_migrations') is not null as migrations,
      to_regclass('backups') is not null as backups`
  let lastMigration: string | null = null
  if (row?.migrations) {
    const [m] = await sql<{ name: string }[]>`select name from schema_migrations order by version desc limit 1`
    lastMigration = m?.name ?? null
  }
  return { serverVersion: row?.serverVersion ?? null, lastMigration, hasBackupsTable: !!row?.backups }
}

const clip = (s: string) => (s.length > 1000 ? s.slice(0, 997) + '…' : s)

/**
 * Dumps the database `db` (the configured server, or the live embedded store) to a file and
 * its manifest. Nothing appears under the final names until each is complete and synced.
 */
export async function makeBackup(db: Database, config: Config, opts: MakeBackupOptions = {}): Promise<BackupResult> {
  const clock = opts.clock ?? (() => new Date())
  const kind: BackupKind = db.embedded ? 'pglite' : 'pg_dump'
  if (kind === 'pg_dump' && !config.databaseUrl) throw new BackupRefused('DATABASE_URL is not set, so there is no server to dump')
  if (kind === 'pglite' && !db.dumpDataDir) throw new BackupRefused('this embedded database cannot dump its data directory')
  const startedAt = clock()
  const t0 = performance.now()
  const file = backupPath(kind, startedAt, config.backup.dir, opts.out)
  mkdirSync(path.dirname(file), { recursive: true })
  const info = await sourceInfo(db.sql)
  const target = config.databaseUrl && kind === 'pg_dump' ? libpqTarget(config.databaseUrl) : undefined

  let backupId = opts.backupId ?? null
  if (backupId) {
    await db.sql`update backups set file = ${file}, kind = ${kind} where id = ${backupId}`
  } else if (info.hasBackupsTable) {
    const [row] = await db.sql<{ id: string }[]>`
      insert into backups (day_key, kind, file, status, started_at)
      values (${opts.dayKey ?? null}, ${kind}, ${file}, 'running', ${startedAt}) returning id`
    backupId = row!.id
  }
  opts.log?.info({ kind, file, database: target?.label ?? 'embedded', backupId }, 'backup started')

  const tmp = tempName(file)
  try {
    let digest: { sha256: string; sizeBytes: number }
    if (target) {
      await runTool(config.backup.pgDump, ['--format=custom', '--no-password', `--file=${tmp}`, `--dbname=${target.uri}`], target.env, 'PG_DUMP')
      digest = await sha256File(tmp)
      await commitFile(tmp, file)
    } else {
      const bytes = await db.dumpDataDir!()
      digest = { sha256: sha256Hex(bytes), sizeBytes: bytes.length }
      await writeFileAtomic(file, bytes)
    }
    const finishedAt = clock()
    const manifest: Manifest = {
      format: 'zvonok-backup', version: 1, kind, file: path.basename(file), sha256: digest.sha256, sizeBytes: digest.sizeBytes,
      createdAt: startedAt.toISOString(), finishedAt: finishedAt.toISOString(),
      serverVersion: info.serverVersion, lastMigration: info.lastMigration, database: target?.database ?? null,
      backupId, dayKey: opts.dayKey ?? null,
    }
    const manifestFile = file + MANIFEST_SUFFIX
    await writeFileAtomic(manifestFile, JSON.stringify(manifest, null, 2) + '\n')
    if (backupId)
      await db.sql`
        update backups set status = 'done', size_bytes = ${digest.sizeBytes}, sha256 = ${digest.sha256}, finished_at = ${finishedAt}, error = null
        where id = ${backupId}`
    const ms = Math.round(performance.now() - t0)
    opts.log?.info({ file, sizeBytes: digest.sizeBytes, ms, backupId }, 'backup made')
    return { file, manifestFile, manifest, ms }
  } catch (err) {
    await rm(tmp, { force: true })
    const message = (err as Error).message
    if (backupId)
      await db.sql`update backups set status = 'failed', error = ${clip(message)}, finished_at = ${clock()} where id = ${backupId}`
        .catch(() => undefined)
    opts.log?.warn({ file, err: message, backupId }, 'backup failed')
    throw err
  }
}

export interface RestoreOptions {
  readonly force?: boolean
  readonly log?: Logger
  /** progress lines for a person watching (the CLI writes them to stderr) */
  readonly progress?: (line: string) => void
}

export interface RestoreResult {
  readonly manifest: Manifest
  readonly target: string
  readonly migrationsApplied: readonly string[]
  readonly audit: VerifyResult
  /** embedded --force: where the previous data directory was moved */
  readonly movedAside?: string
  readonly ms: number
}

/**
 * Restores `file` (a dump or its manifest) into the configured database: the checksum first,
 * then an empty target (or --force), the restore itself, pending migrations, and the audit
 * chains verified. The restore is recorded as an audit row in the system chain.
 */
export async function restoreBackup(config: Config, file: string, opts: RestoreOptions = {}): Promise<RestoreResult> {
  const t0 = performance.now()
  const say = opts.progress ?? (() => {})
  const { dump, manifest } = await verifyBackupFile(file)
  say(`checksum verified: ${path.basename(dump)} (${manifest.kind}, ${manifest.sizeBytes} bytes, made ${manifest.createdAt}, last migration ${manifest.lastMigration ?? 'none'})`)
  if (config.databaseUrl) {
    if (manifest.kind !== 'pg_dump')
      throw new BackupRefused('this is a backup of the embedded database (PGlite); restore it without DATABASE_URL, into DATA_DIR')
    return restoreToServer(config, config.databaseUrl, dump, manifest, opts, t0)
  }
  if (manifest.kind !== 'pglite')
    throw new BackupRefused('this is a pg_dump backup of a PostgreSQL server; set DATABASE_URL to the (empty) database to restore it into')
  return restoreEmbedded(config, dump, manifest, opts, t0)
}

async function restoreToServer(
  config: Config, databaseUrl: string, dump: string, manifest: Manifest, opts: RestoreOptions, t0: number,
): Promise<RestoreResult> {
  const say = opts.progress ?? (() => {})
  const target = libpqTarget(databaseUrl)
  const admin = postgres(databaseUrl, { max: 1, onnotice: () => {}, connection: { application_name: 'zvonok-restore' } })
  try {
    const [row] = await admin<{ n: number }[]>`
      select count(*)::int as n from pg_class c join pg_namespace s on s.oid = c.relnamespace
      where c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')
        and s.nspname not in ('pg_catalog', 'information_schema') and s.nspname not like 'pg\\_%'`
    const relations = row?.n ?? 0
    if (relations > 0) {
      if (!opts.force)
        throw new BackupRefused(
          `the database ${target.label} is not empty (${relations} tables and other relations). A restore replaces everything in it: ` +
            'restore into a new, empty database, or pass --force to drop the schema "public" first',
        )
      say(`--force: dropping schema "public" of ${target.label} (${relations} relations)`)
      opts.log?.warn({ database: target.label, relations }, 'restore --force: dropping schema public')
      await admin.begin(async (tx) => {
        await tx`drop schema if exists public cascade`
        await tx`create schema public`
      })
    }
  } finally {
    await admin.end({ timeout: 5 })
  }
  say(`restoring into ${target.label} with pg_restore…`)
  await runTool(
    config.backup.pgRestore,
    ['--no-owner', '--no-privileges', '--exit-on-error', '--single-transaction', '--no-password', `--dbname=${target.uri}`, dump],
    target.env, 'PG_RESTORE',
  )
  const sql = postgres(databaseUrl, connectionOptions(2))
  try {
    const after = await afterRestore(sql, manifest, dump, opts)
    return { manifest, target: target.label, ...after, ms: Math.round(performance.now() - t0) }
  } finally {
    await sql.end({ timeout: 5 })
  }
}

async function restoreEmbedded(config: Config, dump: string, manifest: Manifest, opts: RestoreOptions, t0: number): Promise<RestoreResult> {
  const say = opts.progress ?? (() => {})
  const dir = path.join(config.dataDir, 'pg')
  const owner = embeddedOwner(dir)
  if (owner !== null)
    throw new BackupRefused(`${dir} is in use by process ${owner} (zvonok start?): stop it before restoring (if no zvonok process uses it, delete ${dir}.pid)`)
  let movedAside: string | undefined
  if (existsSync(path.join(dir, 'PG_VERSION'))) {
    if (!opts.force)
      throw new BackupRefused(`${dir} already holds a database. A restore replaces it: pass --force (the current one is kept, renamed)`)
    movedAside = `${dir}.before-restore-${timestampName(new Date())}`
    await rename(dir, movedAside)
    say(`--force: the current database was moved to ${movedAside}`)
    opts.log?.warn({ dir, movedAside }, 'restore --force: the embedded database moved aside')
  }
  say(`loading the data directory into ${dir}…`)
  const embedded = await startEmbeddedPostgres(dir, { loadDataDir: await readFile(dump) })
  const db = fromEmbedded(embedded)
  try {
    const after = await afterRestore(db.sql, manifest, dump, opts)
    return { manifest, target: dir, ...after, ...(movedAside ? { movedAside } : {}), ms: Math.round(performance.now() - t0) }
  } finally {
    await db.close()
  }
}

/** Migrations, the restored backup's own record, an audit row, then the chains verified. */
async function afterRestore(sql: Sql, manifest: Manifest, dump: string, opts: RestoreOptions) {
  const say = opts.progress ?? (() => {})
  const migrated = await migrate(sql)
  say(migrated.applied.length ? `migrations applied: ${migrated.applied.join(', ')}` : 'migrations are up to date')
  await sql.begin(async (tx) => {
    // the dump was taken while its own row said 'running'; other backups in flight then never finished here
    if (manifest.backupId)
      await tx`
        update backups set status = 'done', size_bytes = ${manifest.sizeBytes}, sha256 = ${manifest.sha256},
          finished_at = ${new Date(manifest.finishedAt)}, error = null
        where id = ${manifest.backupId} and status = 'running'`
    await tx`
      update backups set status = 'failed', error = 'interrupted: the database was restored from a backup taken while this one ran',
        finished_at = now()
      where status = 'running'`
    await writeAudit(tx, {
      schoolId: null, actorAccountId: null, action: 'backup.restore', entityType: 'backup', entityId: manifest.backupId,
      after: {
        file: path.basename(dump), kind: manifest.kind, sha256: manifest.sha256, createdAt: manifest.createdAt,
        lastMigration: manifest.lastMigration, migrationsApplied: migrated.applied,
      },
    })
  })
  const audit = await verifyAudit(sql)
  opts.log?.info({ file: path.basename(dump), applied: migrated.applied, auditOk: audit.ok, rows: audit.rows }, 'backup restored')
  return { migrationsApplied: migrated.applied, audit }
}
