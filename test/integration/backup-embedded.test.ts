/**
 * Backups of the embedded store (PGlite in DATA_DIR/pg): the daily task dumps the live
 * instance (as in `zvonok start`), `zvonok restore` loads that data directory into a fresh
 * DATA_DIR and the same diaries are served; `zvonok backup` opens a stopped store itself and
 * refuses one another process holds. PGlite is slow to start: the data is kept small.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { testConfig, type Config } from '../../core/config/config.ts'
import { fromEmbedded, type Database, type Sql } from '../../core/db/connect.ts'
import { startEmbeddedPostgres } from '../../core/db/embedded.ts'
import { migrate } from '../../core/db/migrate.ts'
import { verifyAudit } from '../../core/audit/audit.ts'
import { addDays, addMark, diary, setAttendance } from '../../core/journal/index.ts'
import { runDailyBackup, verifyBackupFile, type BackupResult } from '../../core/backup/index.ts'
import { runCli } from '../helpers/cli.ts'
import { buildJournal, type JournalFixture } from '../helpers/journal-fixture.ts'

const silent = pino({ level: 'silent' })
const dirs: string[] = []
const freshDir = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'zvonok-backup-pglite-'))
  dirs.push(d)
  return d
}

const cli = (args: string[], env: Record<string, string | undefined>) => runCli(args, { DEMO: 'off', ...env })

const openStore = async (dataDir: string): Promise<Database> => fromEmbedded(await startEmbeddedPostgres(path.join(dataDir, 'pg')))

let dataDir: string
let backupDir: string
let j: JournalFixture
let expected: unknown
let daily: BackupResult
const diaries = (sql: Sql) => Promise.all(j.students.map((s) => diary(sql, s.id, addDays(j.today, -3), addDays(j.today, 3))))

beforeAll(async () => {
  dataDir = freshDir()
  backupDir = path.join(freshDir(), 'backups')
  const db = await openStore(dataDir)
  try {
    await migrate(db.sql)
    j = await buildJournal(db.sql, { students: 2 })
    const work = j.workTypes.get('Ответ на уроке')!
    await addMark(db.sql, j.teacher, await j.lesson(-1, 1), { studentId: j.students[0]!.id, value: 4, workTypeId: work })
    await setAttendance(db.sql, j.teacher, await j.lesson(-1, 2), j.students[1]!.id, { kind: 'late' })
    expected = await diaries(db.sql)

    // the worker's daily task on the live instance, as `zvonok start` runs it
    const base = testConfig()
    const config: Config = testConfig({ dataDir, backup: { ...base.backup, dir: backupDir, at: '02:30' } })
    const outcome = await runDailyBackup({ db, config, log: silent, clock: () => new Date('2033-01-20T05:00:00Z') })
    daily = outcome.made!
    expect(daily, 'the live store was backed up').toBeTruthy()
    // the store goes on working after the dump
    await setAttendance(db.sql, j.teacher, await j.lesson(-2, 1), j.students[0]!.id, { kind: 'absent' })
  } finally {
    await db.close()
  }
})

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

describe('embedded store', () => {
  test('the live dump is a gzipped data directory with a manifest, recorded in the store', async () => {
    expect(path.basename(daily.file)).toMatch(/^zvonok-20330120T050000Z\.tar\.gz$/)
    expect(readFileSync(daily.file).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]))
    const { manifest } = await verifyBackupFile(daily.file)
    expect(manifest).toMatchObject({ kind: 'pglite', dayKey: 'daily:2033-01-20', database: null })
    expect(manifest.serverVersion).toMatch(/^\d+/)
  })

  test('zvonok restore loads it into a fresh DATA_DIR: the same diaries as at the dump, audit verified', async () => {
    const fresh = freshDir()
    const r = await cli(['restore', daily.manifestFile], { DATA_DIR: fresh })
    expect(r.code, r.show).toBe(0)
    expect(r.stdout).toMatch(/audit log intact: \d+ rows in \d+ chains/)
    const db = await openStore(fresh)
    try {
      expect(await diaries(db.sql)).toEqual(expected)
      expect((await verifyAudit(db.sql)).ok).toBe(true)
      const [row] = await db.sql`select status, day_key from backups where id = ${daily.manifest.backupId}`
      expect(row).toEqual({ status: 'done', dayKey: 'daily:2033-01-20' })
    } finally {
      await db.close()
    }
    // a second restore into the same DATA_DIR finds a database there: refused without --force
    const again = await cli(['restore', daily.file], { DATA_DIR: fresh })
    expect(again.code, again.show).toBe(1)
    expect(again.stderr).toContain('already holds a database')
  })

  test('zvonok backup opens a stopped store itself; one held by another process is refused', async () => {
    const pidFile = path.join(dataDir, 'pg.pid')
    expect(existsSync(pidFile), 'a closed store is not marked in use').toBe(false)
    // another live process (the test runner's parent) holding the store
    writeFileSync(pidFile, `${process.ppid}\n`)
    const busy = await cli(['backup'], { DATA_DIR: dataDir, BACKUP_DIR: backupDir })
    expect(busy.code, busy.show).toBe(1)
    expect(busy.stderr).toContain(`in use by process ${process.ppid}`)
    rmSync(pidFile)

    const out = freshDir()
    const r = await cli(['backup', '--out', out + '/'], { DATA_DIR: dataDir })
    expect(r.code, r.show).toBe(0)
    const files = readdirSync(out).sort()
    expect(files).toHaveLength(2)
    const { manifest } = await verifyBackupFile(path.join(out, files[0]!))
    expect(manifest).toMatchObject({ kind: 'pglite', dayKey: null })
    expect(manifest.sha256).not.toBe(daily.manifest.sha256)
    // a pglite backup does not go into a PostgreSQL server
    const wrong = await cli(['restore', path.join(out, files[0]!)], {
      DATA_DIR: freshDir(), DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none', JWT_SECRET: 'x'.repeat(40),
    })
    expect(wrong.code, wrong.show).toBe(1)
    expect(wrong.stderr).toContain('restore it without DATABASE_URL')
  })
})
