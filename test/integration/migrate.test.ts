import { cpSync, mkdtempSync, readdirSync, writeFileSync, appendFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import postgres from 'postgres'
import { afterEach, expect, test } from 'vitest'
import { connectionOptions } from '../../core/db/connect.ts'
import { MIGRATIONS_DIR, migrate, MigrationError, readMigrations } from '../../core/db/migrate.ts'
import { createTestDb, type TestDb } from '../helpers/db.ts'

let db: TestDb | undefined
afterEach(async () => { await db?.close(); db = undefined })

function copyOfMigrations(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'zvonok-mig-'))
  cpSync(MIGRATIONS_DIR, dir, { recursive: true })
  return dir
}

test('all migrations apply to an empty database, once', async () => {
  db = await createTestDb({ migrate: false })
  const files = readMigrations()
  expect(files.length).toBeGreaterThan(0)
  const first = await migrate(db.sql)
  expect(first.applied).toEqual(files.map((f) => f.name))
  const second = await migrate(db.sql)
  expect(second).toEqual({ applied: [], alreadyApplied: files.length })
  const recorded = await db.sql<{ name: string; sha256: string }[]>`select name, sha256 from schema_migrations order by version`
  expect(recorded).toEqual(files.map((f) => ({ name: f.name, sha256: f.sha256 })))
})

test('an applied file that changed is an error, and nothing new is applied', async () => {
  db = await createTestDb({ migrate: false })
  const dir = copyOfMigrations()
  await migrate(db.sql, dir)
  const [firstFile] = readdirSync(dir).sort()
  appendFileSync(path.join(dir, firstFile!), '\n-- an innocent-looking edit\n')
  writeFileSync(path.join(dir, '9998-create-later.sql'), 'create table later_thing (id int);')
  await expect(migrate(db.sql, dir)).rejects.toThrow(MigrationError)
  await expect(migrate(db.sql, dir)).rejects.toThrow(/changed after it was applied/)
  expect(await db.sql`select 1 from pg_tables where tablename = 'later_thing'`).toHaveLength(0)
})

test('a failing migration rolls back whole and is not recorded', async () => {
  db = await createTestDb({ migrate: false })
  const dir = copyOfMigrations()
  writeFileSync(path.join(dir, '9999-create-broken.sql'), 'create table half_done (id int);\nselect no_such_function();')
  await expect(migrate(db.sql, dir)).rejects.toThrow()
  expect(await db.sql`select 1 from pg_tables where tablename = 'half_done'`).toHaveLength(0)
  expect(await db.sql`select 1 from schema_migrations where version = 9999`).toHaveLength(0)
  const ok = await db.sql`select count(*)::int as n from schema_migrations`
  expect(ok[0]!.n).toBe(readMigrations().length)
})

test('badly named files and a recorded file that disappeared are errors', async () => {
  const dir = copyOfMigrations()
  writeFileSync(path.join(dir, 'add-stuff.sql'), 'select 1;')
  expect(() => readMigrations(dir)).toThrow(/NNNN-verb-noun/)
  db = await createTestDb({ migrate: false })
  const dir2 = copyOfMigrations()
  writeFileSync(path.join(dir2, '9997-create-temp.sql'), 'create table temp_thing (id int);')
  await migrate(db.sql, dir2)
  await expect(migrate(db.sql)).rejects.toThrow(/missing from migrations/)
})

test('two processes migrating at once apply each file exactly once', async () => {
  db = await createTestDb({ migrate: false })
  // on a real server: two independent pools, as two processes would have; the embedded server
  // serves one connection, so there both runners share it
  const other = db.url ? postgres(db.url, connectionOptions(2)) : db.sql
  try {
    const [a, b] = await Promise.all([migrate(db.sql), migrate(other)])
    const files = readMigrations()
    expect([...a.applied, ...b.applied].sort()).toEqual(files.map((f) => f.name).sort())
    const n = await db.sql<{ n: number }[]>`select count(*)::int as n from schema_migrations`
    expect(n[0]!.n).toBe(files.length)
  } finally {
    if (other !== db.sql) await other.end()
  }
})
