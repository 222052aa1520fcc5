/**
 * Backups on the real PostgreSQL: `zvonok backup` → `zvonok restore` into a new, empty
 * database serves the same diaries with the audit chains intact; a damaged file and a
 * non-empty target are refused; a dump from an older schema is migrated after the restore;
 * the daily task makes one backup per day however many workers run it, and keeps BACKUP_KEEP.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ConfigError, loadConfig, testConfig, type Config } from '../../core/config/config.ts'
import { openDatabase, type Database, type Sql } from '../../core/db/connect.ts'
import { migrate, MIGRATIONS_DIR, readMigrations } from '../../core/db/migrate.ts'
import { verifyAudit } from '../../core/audit/audit.ts'
import { addDays, addMark, diary, setAttendance, setHomework } from '../../core/journal/index.ts'
import { makeBackup, restoreBackup, runDailyBackup, verifyBackupFile, DAILY_BACKUP_TASK, type Manifest } from '../../core/backup/index.ts'
import { createTaskRunner, workerTasks, type TaskContext } from '../../core/jobs/index.ts'
import { runCli } from '../helpers/cli.ts'
import { createTestDb, type TestDb } from '../helpers/db.ts'
import { createSchool } from '../helpers/app.ts'
import { buildJournal, type JournalFixture } from '../helpers/journal-fixture.ts'

const JWT_SECRET = 'backup-test-secret-backup-test-secret-0123'
const silent = pino({ level: 'silent' })

let source: TestDb
let j: JournalFixture
let work: string
const dbs: TestDb[] = []
const dirs: string[] = []
const freshDir = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'zvonok-backup-'))
  dirs.push(d)
  return d
}
async function emptyDb(): Promise<TestDb> {
  const db = await createTestDb({ migrate: false })
  dbs.push(db)
  return db
}

const cli = (args: string[], env: Record<string, string | undefined>) => runCli(args, { JWT_SECRET, ...env })

/** Every student's diary a week back and ahead: what a guardian is served. */
async function diaries(sql: Sql) {
  return Promise.all(j.students.map((s) => diary(sql, s.id, addDays(j.today, -7), addDays(j.today, 7))))
}

const tableCount = async (sql: Sql) =>
  (await sql<{ n: number }[]>`select count(*)::int as n from pg_tables where schemaname = 'public'`)[0]!.n

beforeAll(async () => {
  source = await createTestDb()
  dbs.push(source)
  j = await buildJournal(source.sql, { students: 3 })
  work = j.workTypes.get('Ответ на уроке')!
  const [a, b, c] = j.students as [typeof j.students[0], typeof j.students[0], typeof j.students[0]]
  await addMark(source.sql, j.teacher, await j.lesson(-1, 1), { studentId: a.id, value: 5, workTypeId: work, comment: 'Отлично у доски' })
  await addMark(source.sql, j.teacher, await j.lesson(-2, 1), { studentId: b.id, value: 3, workTypeId: work })
  await addMark(source.sql, j.teacher, await j.lesson(-2, 2), { studentId: c.id, value: 4, workTypeId: work })
  await setAttendance(source.sql, j.teacher, await j.lesson(-1, 2), b.id, { kind: 'ill' })
  await setHomework(source.sql, j.teacher, await j.lesson(-1, 1), { text: '№ 245, 247', pages: 'с. 61', attachments: [] })
})

afterAll(async () => {
  for (const db of dbs.reverse()) await db.close()
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

describe('zvonok backup → zvonok restore', () => {
  let dump: string
  let manifest: Manifest

  test('backup writes a custom-format dump and a manifest with its checksum, and records it', async () => {
    const out = freshDir()
    const r = await cli(['backup', '--out', out], { DATABASE_URL: source.url, DATA_DIR: freshDir() })
    expect(r.code, r.show).toBe(0)
    const files = readdirSync(out).sort()
    expect(files, 'no temp file is left, only the dump and its manifest').toHaveLength(2)
    expect(files[0]).toMatch(/^zvonok-\d{8}T\d{6}Z\.dump$/)
    expect(files[1]).toBe(files[0] + '.json')
    dump = path.join(out, files[0]!)
    expect(readFileSync(dump).subarray(0, 5).toString()).toBe('PGDMP') // pg_dump's custom format
    ;({ manifest } = await verifyBackupFile(dump))
    expect(manifest).toMatchObject({
      kind: 'pg_dump', file: files[0], sizeBytes: readFileSync(dump).length,
      lastMigration: readMigrations().at(-1)!.name, database: new URL(source.url!).pathname.slice(1),
    })
    expect(manifest.serverVersion).toMatch(/^\d+/)
    expect(r.stdout).toContain(`backup written: ${dump}`)
    expect(r.stdout).toContain(manifest.sha256)
    const [row] = await source.sql`select * from backups where id = ${manifest.backupId}`
    expect(row).toMatchObject({ kind: 'pg_dump', file: dump, status: 'done', sha256: manifest.sha256, sizeBytes: manifest.sizeBytes, dayKey: null })
  })

  test('the password travels in PGPASSWORD, never in pg_dump\'s argv', async () => {
    // a pg_dump that notes its argv and PGPASSWORD, then runs the real one (the test server trusts local logins)
    const dir = freshDir()
    const spy = path.join(dir, 'pg_dump')
    writeFileSync(spy, '#!/bin/sh\nprintf "%s\\n" "$@" > "$0.argv"\nprintf "%s" "${PGPASSWORD-}" > "$0.password"\nexec pg_dump "$@"\n', { mode: 0o755 })
    const url = new URL(source.url!)
    url.password = 'S3cret-pass'
    const out = freshDir()
    const r = await cli(['backup', '--out', out], { DATABASE_URL: url.toString(), DATA_DIR: freshDir(), PG_DUMP: spy })
    expect(r.code, r.show).toBe(0)
    const argv = readFileSync(spy + '.argv', 'utf8')
    expect(argv).toContain('--format=custom')
    expect(argv).toContain(`--dbname=postgres://postgres@127.0.0.1:5432${url.pathname}`)
    expect(argv).not.toContain('S3cret')
    expect(readFileSync(spy + '.password', 'utf8')).toBe('S3cret-pass')
    expect(r.stdout + r.stderr).not.toContain('S3cret')
  })

  test('a failing pg_dump leaves no file and exits 1', async () => {
    const out = freshDir()
    const r = await cli(['backup', '--out', out], { DATABASE_URL: source.url, DATA_DIR: freshDir(), PG_DUMP: '/bin/false' })
    expect(r.code, r.show).toBe(1)
    expect(r.stderr).toContain('/bin/false failed (exit 1)')
    expect(readdirSync(out)).toEqual([])
    const [row] = await source.sql`select status, error from backups where file like ${out + '/%'}`
    expect(row?.status).toBe('failed')
  })

  test('restore into a new, empty database: same diaries, audit chains verified, the restore audited', async () => {
    const target = await emptyDb()
    const r = await cli(['restore', dump], { DATABASE_URL: target.url, DATA_DIR: freshDir() })
    expect(r.code, r.show).toBe(0)
    expect(r.stderr).toContain('checksum verified')
    expect(r.stdout).toMatch(/audit log intact: \d+ rows in \d+ chains/)

    expect(await diaries(target.sql)).toEqual(await diaries(source.sql))
    const before = await diaries(source.sql)
    expect(before.flatMap((d) => d.days.flatMap((day) => day.lessons.flatMap((l) => l.marks))).map((m) => m.value).sort()).toEqual([3, 4, 5])

    const audit = await verifyAudit(target.sql)
    expect(audit.ok).toBe(true)
    const [restored] = await target.sql`select action, after from audit_log where action = 'backup.restore'`
    expect(restored?.after).toMatchObject({ sha256: manifest.sha256, file: manifest.file, migrationsApplied: [] })
    // the dump caught its own row while it ran; the restored copy says it finished
    const [row] = await target.sql`select status, sha256 from backups where id = ${manifest.backupId}`
    expect(row).toEqual({ status: 'done', sha256: manifest.sha256 })
    const names = (sql: Sql) => sql`select version, name, sha256 from schema_migrations order by version`
    expect(await names(target.sql)).toEqual(await names(source.sql))
  })

  test('a dump with one byte flipped is refused before anything is restored (exit 1)', async () => {
    const dir = freshDir()
    const copy = path.join(dir, path.basename(dump))
    copyFileSync(dump, copy)
    copyFileSync(dump + '.json', copy + '.json')
    const bytes = readFileSync(copy)
    const at = Math.floor(bytes.length / 2)
    bytes[at] = bytes[at]! ^ 0x01
    writeFileSync(copy, bytes)

    const target = await emptyDb()
    const r = await cli(['restore', copy + '.json'], { DATABASE_URL: target.url, DATA_DIR: freshDir() })
    expect(r.code, r.show).toBe(1)
    expect(r.stderr).toContain('checksum mismatch')
    expect(r.stderr).toContain('Nothing was restored')
    expect(await tableCount(target.sql)).toBe(0)
  })

  test('a dump without its manifest is refused: its checksum cannot be verified', async () => {
    const dir = freshDir()
    const copy = path.join(dir, 'lonely.dump')
    copyFileSync(dump, copy)
    const target = await emptyDb()
    const r = await cli(['restore', copy], { DATABASE_URL: target.url, DATA_DIR: freshDir() })
    expect(r.code, r.show).toBe(1)
    expect(r.stderr).toContain('manifest is missing')
    expect(await tableCount(target.sql)).toBe(0)
  })

  test('a non-empty database is refused without --force and replaced with it', async () => {
    // the source itself: refused, untouched
    const marksBefore = await source.sql`select count(*)::int as n from marks`
    const refused = await cli(['restore', dump], { DATABASE_URL: source.url, DATA_DIR: freshDir() })
    expect(refused.code, refused.show).toBe(1)
    expect(refused.stderr).toContain('is not empty')
    expect(refused.stderr).toContain('--force')
    expect(await source.sql`select count(*)::int as n from marks`).toEqual(marksBefore)

    // another school's database, migrated and in use: --force replaces it entirely
    const other = await createTestDb()
    dbs.push(other)
    const otherSchool = await createSchool(other.sql, 'Другая школа')
    const forced = await cli(['restore', dump, '--force'], { DATABASE_URL: other.url, DATA_DIR: freshDir() })
    expect(forced.code, forced.show).toBe(0)
    expect(forced.stderr).toContain('dropping schema "public"')
    expect(await other.sql`select id from schools where id = ${otherSchool}`).toEqual([])
    expect(await diaries(other.sql)).toEqual(await diaries(source.sql))
    expect((await verifyAudit(other.sql)).ok).toBe(true)

    // a database restored with --force backs up and restores again
    const out = freshDir()
    const again = await cli(['backup', '--out', out], { DATABASE_URL: other.url, DATA_DIR: freshDir() })
    expect(again.code, again.show).toBe(0)
    const target = await emptyDb()
    const file = readdirSync(out).find((f) => f.endsWith('.dump'))!
    const r = await cli(['restore', path.join(out, file)], { DATABASE_URL: target.url, DATA_DIR: freshDir() })
    expect(r.code, r.show).toBe(0)
    expect(await diaries(target.sql)).toEqual(await diaries(source.sql))
  })

  test('a broken audit chain in the backup fails the restore (exit 1) and names the chain', async () => {
    const tampered = await emptyDb()
    expect((await restoreBackup(configFor(tampered.url!, freshDir()), dump)).audit.ok).toBe(true)
    // someone edits a mark's history behind the application's back
    await tampered.sql.begin(async (tx) => {
      await tx`alter table audit_log disable trigger audit_log_no_update`
      const n = await tx`
        update audit_log set after = '{"value": 5, "forged": true}'
        where id = (select id from audit_log where school_id = ${j.schoolId} and action = 'journal.mark.created' order by seq limit 1)`
      expect(n.count).toBe(1)
      await tx`alter table audit_log enable trigger audit_log_no_update`
    })
    const out = freshDir()
    expect((await cli(['backup', '--out', out], { DATABASE_URL: tampered.url, DATA_DIR: freshDir() })).code).toBe(0)
    const target = await emptyDb()
    const file = readdirSync(out).find((f) => f.endsWith('.dump'))!
    const r = await cli(['restore', path.join(out, file)], { DATABASE_URL: target.url, DATA_DIR: freshDir() })
    expect(r.code, r.show).toBe(1)
    expect(r.stdout).toContain(`BROKEN chain ${j.schoolId}`)
    expect(r.stdout).toContain('does not verify')
  })
})

describe('restoring a dump of an older version', () => {
  test('pending migrations run after the restore', async () => {
    // a database at migration 0010, as an installation before this version had it
    const all = readMigrations()
    const older = freshDir()
    for (const m of all.filter((x) => x.version <= 10)) copyFileSync(path.join(MIGRATIONS_DIR, m.name), path.join(older, m.name))
    const old = await emptyDb()
    await migrate(old.sql, older)
    const config = configFor(old.url!, freshDir())
    const db: Database = { sql: old.sql, embedded: false, close: async () => {} }
    const made = await makeBackup(db, config)
    expect(made.manifest.lastMigration).toMatch(/^0010-/)
    expect(made.manifest.backupId, 'no backups table at 0010: nothing recorded').toBeNull()

    const target = await emptyDb()
    const r = await restoreBackup(configFor(target.url!, freshDir()), made.file)
    expect(r.migrationsApplied).toEqual(all.filter((x) => x.version > 10).map((x) => x.name))
    expect(r.audit.ok).toBe(true)
    expect((await target.sql`select max(version)::int as v from schema_migrations`)[0]!.v).toBe(all.at(-1)!.version)
  })
})

function configFor(databaseUrl: string, dir: string, over: Partial<Config['backup']> = {}): Config {
  const base = testConfig()
  return testConfig({ databaseUrl, backup: { ...base.backup, dir, ...over } })
}

describe('configuration', () => {
  test('defaults: DATA_DIR/backups, 14 kept, 02:30 UTC, the tools from PATH; a bad time is named', () => {
    const dataDir = freshDir()
    expect(loadConfig({ DATA_DIR: dataDir }).backup).toEqual({
      dir: path.join(dataDir, 'backups'), keep: 14, at: '02:30', pgDump: 'pg_dump', pgRestore: 'pg_restore',
    })
    expect(loadConfig({ DATA_DIR: dataDir, BACKUP_DIR: 'rel/dir', BACKUP_KEEP: '3', BACKUP_AT: 'off' }).backup)
      .toMatchObject({ dir: path.resolve('rel/dir'), keep: 3, at: 'off' })
    for (const bad of [{ BACKUP_AT: '24:00' }, { BACKUP_AT: '2:30' }, { BACKUP_KEEP: '0' }]) {
      expect(() => loadConfig({ DATA_DIR: dataDir, ...bad })).toThrow(ConfigError)
      try {
        loadConfig({ DATA_DIR: dataDir, ...bad })
      } catch (err) {
        expect((err as ConfigError).problems.join('\n')).toContain(Object.keys(bad)[0])
      }
    }
  })
})

describe('the daily backup task', () => {
  test('two workers make one backup a day; old ones beyond BACKUP_KEEP are deleted', async () => {
    const dir = freshDir()
    const config = configFor(source.url!, dir, { keep: 2, at: '02:30' })
    let now = new Date('2031-03-10T03:00:00Z')
    const clock = () => now
    // two workers, each with its own pool
    const workers = [await openDatabase(config), await openDatabase(config)]
    const ctx = (db: Database): TaskContext => ({ db, config, log: silent, clock })
    try {
      const first = await Promise.all(workers.map((w) => runDailyBackup(ctx(w))))
      expect(first.map((o) => o.dayKey)).toEqual(['daily:2031-03-10', 'daily:2031-03-10'])
      expect(first.filter((o) => o.made).length, 'exactly one worker made it').toBe(1)
      const again = await runDailyBackup(ctx(workers[1]!))
      expect(again.made, 'the same day again: nothing to do').toBeNull()

      // before BACKUP_AT the due day is yesterday, made already
      now = new Date('2031-03-11T01:00:00Z')
      expect((await runDailyBackup(ctx(workers[0]!))).made).toBeNull()

      const made: string[] = [first.find((o) => o.made)!.made!.file]
      for (const day of ['2031-03-11', '2031-03-12', '2031-03-13']) {
        now = new Date(`${day}T02:31:00Z`)
        const outs = await Promise.all(workers.map((w) => runDailyBackup(ctx(w))))
        expect(outs.filter((o) => o.made).length).toBe(1)
        made.push(outs.find((o) => o.made)!.made!.file)
      }
      const rows = await source.sql<{ dayKey: string; status: string; file: string }[]>`
        select day_key, status, file from backups where day_key like 'daily:2031-%' order by day_key`
      expect(rows.map((r) => [r.dayKey, r.status])).toEqual([
        ['daily:2031-03-10', 'removed'], ['daily:2031-03-11', 'removed'], ['daily:2031-03-12', 'done'], ['daily:2031-03-13', 'done'],
      ])
      expect(rows.map((r) => r.file)).toEqual(made)
      const left = readdirSync(dir).sort()
      expect(left).toEqual(made.slice(2).flatMap((f) => [path.basename(f), path.basename(f) + '.json']).sort())

      // the kept ones restore
      const kept = await verifyBackupFile(made[3]!)
      expect(kept.manifest.dayKey).toBe('daily:2031-03-13')
    } finally {
      for (const w of workers) await w.close()
    }
  })

  test('it is one of the worker\'s tasks; a failed day is recorded and tried again later', async () => {
    const dir = freshDir()
    const broken = configFor(source.url!, dir, { pgDump: path.join(dir, 'no-such-pg_dump'), at: '02:30' })
    let now = new Date('2032-05-01T04:00:00Z')
    const db = await openDatabase(broken)
    try {
      const runner = createTaskRunner({ db, config: broken, log: silent, clock: () => now }, workerTasks())
      await runner.runNow(DAILY_BACKUP_TASK) // the runner logs the failure and goes on
      const [failed] = await source.sql`select status, error, file from backups where day_key = 'daily:2032-05-01'`
      expect(failed?.status).toBe('failed')
      expect(failed?.error).toContain('PG_DUMP')
      expect(readdirSync(dir).filter((f) => !f.startsWith('no-such')), 'no half file').toEqual([])
      await runner.stop()

      // ten minutes later it is not tried again yet; after half an hour, with pg_dump found, it is
      now = new Date('2032-05-01T04:10:00Z')
      const fixed = configFor(source.url!, dir, { at: '02:30' })
      expect((await runDailyBackup({ db, config: fixed, log: silent, clock: () => now })).made).toBeNull()
      now = new Date('2032-05-01T04:40:00Z')
      const retried = await runDailyBackup({ db, config: fixed, log: silent, clock: () => now })
      expect(retried.made?.manifest.dayKey).toBe('daily:2032-05-01')
      const [done] = await source.sql`select status, error from backups where day_key = 'daily:2032-05-01'`
      expect(done).toEqual({ status: 'done', error: null })
      expect(existsSync(retried.made!.file)).toBe(true)
    } finally {
      await db.close()
    }
  })

  test('BACKUP_AT=off turns it off', async () => {
    const config = configFor(source.url!, freshDir(), { at: 'off' })
    const db: Database = { sql: source.sql, embedded: false, close: async () => {} }
    expect(await runDailyBackup({ db, config, log: silent, clock: () => new Date() })).toEqual({ dayKey: null, made: null, removed: [] })
    mkdirSync(config.backup.dir, { recursive: true })
    expect(readdirSync(config.backup.dir)).toEqual([])
  })
})
