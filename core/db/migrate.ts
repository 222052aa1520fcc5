import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Sql } from './connect.ts'

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations')
const FILE_PATTERN = /^(\d{4})-[a-z0-9-]+\.sql$/
/** Arbitrary constant: the advisory lock that serialises migration runs across processes. */
const LOCK_KEY = 7_240_119_001

export interface MigrationFile {
  readonly version: number
  readonly name: string
  readonly sha256: string
  readonly sql: string
}

export class MigrationError extends Error {
  override name = 'MigrationError'
}

export function readMigrations(dir = MIGRATIONS_DIR): MigrationFile[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort()
  const seen = new Set<number>()
  return files.map((name) => {
    const m = FILE_PATTERN.exec(name)
    if (!m) throw new MigrationError(`${name}: migration files are named NNNN-verb-noun.sql`)
    const version = Number(m[1])
    if (seen.has(version)) throw new MigrationError(`${name}: version ${m[1]} is used twice`)
    seen.add(version)
    const text = readFileSync(path.join(dir, name), 'utf8')
    return { version, name, sql: text, sha256: createHash('sha256').update(text).digest('hex') }
  })
}

export interface MigrateResult {
  readonly applied: string[]
  readonly alreadyApplied: number
}

/**
 * Applies pending migrations, each file in its own transaction, recorded with its sha256.
 * Every step takes a transaction-scoped advisory lock, so two processes starting at once
 * apply each file exactly once: the second waits, then finds the file recorded.
 * A recorded file whose content changed, or that disappeared, is an error: migrations are
 * forward-only, a fix is a new file.
 */
export async function migrate(sql: Sql, dir = MIGRATIONS_DIR): Promise<MigrateResult> {
  const files = readMigrations(dir)
  await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${LOCK_KEY})`
    await tx`
      create table if not exists schema_migrations (
        version integer primary key,
        name text not null,
        sha256 text not null,
        applied_at timestamptz not null default now()
      )`
  })
  const recorded = await sql<{ version: number; name: string; sha256: string }[]>`
    select version, name, sha256 from schema_migrations order by version`
  checkRecorded(recorded, files)

  const applied: string[] = []
  for (const file of files) {
    const done = await sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(${LOCK_KEY})`
      const [row] = await tx<{ sha256: string }[]>`
        select sha256 from schema_migrations where version = ${file.version}`
      if (row) {
        if (row.sha256 !== file.sha256) throw changed(file.name)
        return false
      }
      await tx.unsafe(file.sql)
      await tx`
        insert into schema_migrations (version, name, sha256)
        values (${file.version}, ${file.name}, ${file.sha256})`
      return true
    })
    if (done) applied.push(file.name)
  }
  return { applied, alreadyApplied: files.length - applied.length }
}

function checkRecorded(recorded: { version: number; name: string; sha256: string }[], files: MigrationFile[]) {
  const byVersion = new Map(files.map((f) => [f.version, f]))
  for (const r of recorded) {
    const file = byVersion.get(r.version)
    if (!file) throw new MigrationError(`${r.name}: applied to this database but missing from migrations/`)
    if (file.sha256 !== r.sha256) throw changed(r.name)
  }
}

function changed(name: string) {
  return new MigrationError(
    `${name}: changed after it was applied (sha256 differs). Migrations are forward-only: restore the file and add a new one.`,
  )
}
