/**
 * The archive's chain under concurrent appends, the class journals frozen at a year's close,
 * and retention with an injected clock: only what expired is purged, the chain still verifies,
 * and the log and the audit say what was removed.
 */
import { Writable } from 'node:stream'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addYears, canonicalJson } from '../../core/archive/canonical.ts'
import { appendEntry, verifyArchive, type ArchiveEntry } from '../../core/archive/chain.ts'
import { archiveClassJournals } from '../../core/archive/journals.ts'
import { entryFile } from '../../core/archive/service.ts'
import { testConfig } from '../../core/config/config.ts'
import { createTaskRunner, workerTasks } from '../../core/jobs/index.ts'
import { addMark, patchLesson, setAttendance, setFinalMark, setHomework } from '../../core/journal/index.ts'
import { createSchool } from '../helpers/app.ts'
import { createTestDb, type TestDb } from '../helpers/db.ts'
import { buildJournal, ctxOf } from '../helpers/journal-fixture.ts'

let db: TestDb

beforeAll(async () => {
  db = await createTestDb()
})
afterAll(async () => {
  await db?.close()
})

const entry = (schoolId: string, n: number, retainUntil = '2060-08-31') => ({
  schoolId, kind: 'summary_sheet' as const, title: `Ведомость ${n}`, archivedBy: null, archivedAt: new Date(),
  retainUntil, data: { n, rows: [{ b: 2, a: 1 }] }, pdf: Buffer.from(`%PDF-fake ${n}`),
})

describe('canonical JSON', () => {
  it('sorts keys at every level, writes dates in UTC and refuses what JSON cannot hold', () => {
    expect(canonicalJson({ b: 1, a: [{ d: null, c: 'т' }], e: undefined, '10': true, '9': false }))
      .toBe('{"10":true,"9":false,"a":[{"c":"т","d":null}],"b":1}')
    expect(canonicalJson({ at: new Date('2030-01-02T03:04:05.678+03:00') })).toBe('{"at":"2030-01-02T00:04:05.678Z"}')
    expect(() => canonicalJson({ x: Number.NaN })).toThrow(TypeError)
    expect(() => canonicalJson({ x: 1n })).toThrow(TypeError)
    expect(addYears('2028-02-29', 5)).toBe('2033-02-28')
    expect(addYears('2027-08-31', 25)).toBe('2052-08-31')
  })
})

describe('the chain', () => {
  it('cannot fork: concurrent appends to one school queue on its head and number 1..n', async () => {
    const schoolId = await createSchool(db.sql, 'Школа параллельных закрытий')
    const appended = await Promise.all(Array.from({ length: 8 }, (_, i) => db.sql.begin((tx) => appendEntry(tx, entry(schoolId, i))) as Promise<ArchiveEntry>))
    expect(appended.map((e) => e.seq).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    const r = await verifyArchive(db.sql, { schoolId })
    expect(r).toEqual({ ok: true, chains: 1, entries: 8, purged: 0, problems: [] })
  })

  it('holds the head until commit: a second appender waits, then links to the first', async () => {
    const schoolId = await createSchool(db.sql, 'Школа с ожиданием')
    // a chain that already has a head row, as most appends find it
    await db.sql.begin((tx) => appendEntry(tx, entry(schoolId, 0)))
    let release!: () => void
    const gate = new Promise<void>((resolve) => { release = resolve })
    let firstDone!: () => void
    const firstAppended = new Promise<void>((resolve) => { firstDone = resolve })
    const first = db.sql.begin(async (tx) => {
      const e = await appendEntry(tx, entry(schoolId, 1))
      firstDone()
      await gate
      return e
    }) as Promise<ArchiveEntry>
    await firstAppended
    let secondFinished = false
    const second = (db.sql.begin((tx) => appendEntry(tx, entry(schoolId, 2))) as Promise<ArchiveEntry>).then((e) => {
      secondFinished = true
      return e
    })
    await new Promise((r) => setTimeout(r, 300))
    expect(secondFinished).toBe(false)
    release()
    const [a, b] = await Promise.all([first, second])
    expect([a.seq, b.seq]).toEqual([2, 3])
    expect(b.prevHash).toBe(a.hash)
    expect((await verifyArchive(db.sql, { schoolId })).ok).toBe(true)
  })
})

describe('class journals at the close of a year', () => {
  it('freeze each class\'s whole journal as canonical JSON for 5 years, once', async () => {
    const f = await buildJournal(db.sql, { students: 2 })
    const [y] = await db.sql<{ id: string; endsOn: string }[]>`
      select y.id, y.ends_on from academic_years y join classes c on c.academic_year_id = y.id where c.id = ${f.classId}`
    const lesson = await f.lesson(-1, 1)
    const anna = f.students[0]!.id, boris = f.students[1]!.id
    await patchLesson(db.sql, f.teacher, lesson, { topic: 'Дроби и проценты' })
    await addMark(db.sql, f.teacher, lesson, { studentId: anna, value: 5, workTypeId: f.workTypes.get('Ответ на уроке')!, comment: 'У доски' })
    await setAttendance(db.sql, f.teacher, lesson, boris, { kind: 'ill' })
    await setHomework(db.sql, f.teacher, lesson, { text: '№ 245, 246', attachments: [] })
    await setFinalMark(db.sql, f.teacher, { periodId: f.periodId, subjectId: f.subjects.maths, studentId: anna, value: 5 })

    const entries = await db.sql.begin((tx) => archiveClassJournals(tx, f.admin, f.schoolId, y!.id)) as ArchiveEntry[]
    expect(entries).toHaveLength(1)
    const e = entries[0]!
    expect(e).toMatchObject({
      kind: 'class_journal', classId: f.classId, academicYearId: y!.id, periodId: null, printoutCode: null, pdfSha256: null,
      retainUntil: addYears(y!.endsOn, 5), archivedBy: f.admin.actor.accountId,
    })
    expect(e.title).toMatch(/^Классный журнал 7А класса, \d{4}\/\d{4} учебный год$/)
    const [files] = await db.sql<{ data: Buffer; pdf: Buffer | null }[]>`select data, pdf from archive_files where entry_id = ${e.id}`
    expect(files!.pdf).toBeNull()
    const text = files!.data.toString('utf8')
    const journal = JSON.parse(text)
    expect(canonicalJson(journal)).toBe(text)
    expect(journal.class).toMatchObject({ grade: 7, letter: 'А' })
    expect(journal.students.map((s: { id: string }) => s.id).sort()).toEqual([anna, boris].sort())
    const l = journal.lessons.find((x: { id: string }) => x.id === lesson)
    expect(l.topic).toBe('Дроби и проценты')
    expect(l.marks).toEqual([expect.objectContaining({ studentId: anna, value: 5, weight: 1, comment: 'У доски' })])
    expect(l.attendance).toEqual([expect.objectContaining({ studentId: boris, kind: 'ill' })])
    expect(l.homework).toMatchObject({ text: '№ 245, 246' })
    expect(journal.finalMarks).toEqual([expect.objectContaining({ periodId: f.periodId, studentId: anna, subjectId: f.subjects.maths, value: 5 })])

    const audit = await db.sql<{ entityId: string }[]>`select entity_id from audit_log where school_id = ${f.schoolId} and action = 'archive.appended'`
    expect(audit.map((a) => a.entityId)).toEqual([e.id])
    // a second call archives nothing twice
    expect(await db.sql.begin((tx) => archiveClassJournals(tx, f.admin, f.schoolId, y!.id))).toEqual([])
    expect((await verifyArchive(db.sql, { schoolId: f.schoolId })).ok).toBe(true)
  })
})

describe('retention', () => {
  it('purges only what expired (in the school\'s time zone), logs and audits it, and the chain still verifies', async () => {
    const schoolId = await createSchool(db.sql, 'Школа с давним архивом')
    const [expiring, kept] = [
      await db.sql.begin((tx) => appendEntry(tx, { ...entry(schoolId, 1, '2030-06-30'), kind: 'class_journal', title: 'Классный журнал 5А класса, 2024/2025 учебный год', pdf: null })) as ArchiveEntry,
      await db.sql.begin((tx) => appendEntry(tx, entry(schoolId, 2, '2050-06-30'))) as ArchiveEntry,
    ]
    let logged = ''
    const log = pino({ level: 'info' }, new Writable({ write(chunk, _e, cb) { logged += String(chunk); cb() } }))
    let now = new Date('2030-06-30T20:30:00Z') // 23:30 on 30 June in Moscow: still within retention
    const runner = createTaskRunner(
      { db: { sql: db.sql, embedded: false, close: async () => {} }, config: testConfig(), log, clock: () => now },
      workerTasks().filter((t) => t.name === 'archive-retention'),
    )
    await runner.runNow('archive-retention')
    expect(await purgedIds(schoolId)).toEqual([])

    now = new Date('2030-06-30T21:30:00Z') // 00:30 on 1 July in Moscow: the journal's term is over
    await runner.runNow('archive-retention')
    await runner.stop()
    expect(await purgedIds(schoolId)).toEqual([{ id: expiring.id, purgedAt: now }])
    const files = await db.sql<{ entryId: string }[]>`select entry_id from archive_files where entry_id in ${db.sql([expiring.id, kept.id])}`
    expect(files.map((x) => x.entryId)).toEqual([kept.id])

    const [audit] = await db.sql<{ actorAccountId: string | null; entityId: string; before: Record<string, unknown> }[]>`
      select actor_account_id, entity_id, before from audit_log where school_id = ${schoolId} and action = 'archive.purged'`
    expect(audit).toMatchObject({
      actorAccountId: null, entityId: expiring.id,
      before: { seq: 1, kind: 'class_journal', title: 'Классный журнал 5А класса, 2024/2025 учебный год', retainUntil: '2030-06-30' },
    })
    const line = logged.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((l) => l.msg === 'archive entry purged: its retention period ended')
    expect(line).toMatchObject({ entryId: expiring.id, seq: 1, kind: 'class_journal', retainUntil: '2030-06-30', title: 'Классный журнал 5А класса, 2024/2025 учебный год' })

    expect(await verifyArchive(db.sql, { schoolId })).toEqual({ ok: true, chains: 1, entries: 2, purged: 1, problems: [] })
    const deputy = ctxOf(expiring.id, expiring.id, [{ role: 'deputy', schoolId }])
    await expect(entryFile(db.sql, deputy, expiring.id, 'data')).rejects.toMatchObject({ code: 'not_found' })
    expect((await entryFile(db.sql, deputy, kept.id, 'pdf')).content.toString()).toBe('%PDF-fake 2')

    // an entry marked purged by hand, early and with its files still there, is reported
    await db.sql`update archive_entries set purged_at = '2031-01-01T00:00:00Z' where id = ${kept.id}`
    const r = await verifyArchive(db.sql, { schoolId })
    expect(r.problems.map((p) => [p.seq, p.problem])).toEqual([[2, 'purged_with_files'], [2, 'purged_before_expiry']])
  })
})

async function purgedIds(schoolId: string) {
  return db.sql<{ id: string; purgedAt: Date }[]>`
    select id, purged_at from archive_entries where school_id = ${schoolId} and purged_at is not null order by seq`
}
