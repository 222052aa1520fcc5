/**
 * `zvonok import`: rosters and timetables from CSV and XLSX, checked whole before anything is
 * written, through the services' audit and outbox path; and the command itself, in process.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import ExcelJS from 'exceljs'
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest'
import { main } from '../../core/cli.ts'
import { fromEmbedded, type Database, type Sql } from '../../core/db/connect.ts'
import { startEmbeddedPostgres } from '../../core/db/embedded.ts'
import { createRng, randomPerson } from '../../core/demo/names.ts'
import {
  createProgress, importRoster, importTimetable, normalizePhone, parseClassLabel, parseCsv, type ImportOptions,
} from '../../core/journal/import/index.ts'
import { generateLessons } from '../../core/journal/lessons.ts'
import { addDays, weekday } from '../../core/journal/time.ts'
import type { RequestContext } from '../../core/people/service.ts'
import { createAccount, createClass, createPerson, createSchool, currentYear } from '../helpers/app.ts'
import { createTestDb, type TestDb } from '../helpers/db.ts'

let db: TestDb
let sql: Sql
beforeAll(async () => {
  db = await createTestDb()
  sql = db.sql
})
afterAll(async () => { await db?.close() })

/** The school year the helpers create: the one containing today. */
const Y = (() => { const now = new Date(); return now.getUTCMonth() >= 7 ? now.getUTCFullYear() : now.getUTCFullYear() - 1 })()
const YEAR_START = `${Y}-09-01`
/** a consent signed before the year: always in the past */
const CONSENT_RU = `20.05.${Y - 1}`
const CONSENT_ISO = `${Y - 1}-05-20`

const ROSTER_HEADER = [
  'Класс', 'Фамилия', 'Имя', 'Отчество', 'Пол', 'Дата рождения', 'Телефон', 'Email', 'Представитель: фамилия',
  'Представитель: имя', 'Представитель: отчество', 'Представитель: телефон', 'Представитель: email', 'Степень родства',
  'Согласие на обработку ПДн',
]
const file = (lines: string[], eol = '\r\n') => Buffer.from(lines.join(eol) + eol, 'utf8')
const BOM = Buffer.from([0xef, 0xbb, 0xbf])
/** code-point order, whatever the server's collation */
const byKey = <T>(key: (x: T) => string) => (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)

async function schoolWithYear(name = 'Школа импорта') {
  const schoolId = await createSchool(sql, name)
  const yearId = await currentYear(sql, schoolId)
  return { schoolId, yearId }
}

/** Rows of the tables an import writes to, for "nothing changed" checks. */
async function footprint(schoolId: string) {
  type Counts = Record<'persons' | 'classes' | 'enrolments' | 'movements' | 'guardianships' | 'consents' | 'sensitive' | 'subjects' | 'assignments' | 'slots' | 'audit' | 'outbox', number>
  const [r] = await sql<Counts[]>`
    select
      (select count(*)::int from persons where school_id = ${schoolId}) as persons,
      (select count(*)::int from classes where school_id = ${schoolId}) as classes,
      (select count(*)::int from enrolments e join persons p on p.id = e.student_id where p.school_id = ${schoolId}) as enrolments,
      (select count(*)::int from movements where school_id = ${schoolId}) as movements,
      (select count(*)::int from guardianships g join persons p on p.id = g.student_id where p.school_id = ${schoolId}) as guardianships,
      (select count(*)::int from pd_consents where school_id = ${schoolId}) as consents,
      (select count(*)::int from person_sensitive s join persons p on p.id = s.person_id where p.school_id = ${schoolId}) as sensitive,
      (select count(*)::int from subjects where school_id = ${schoolId}) as subjects,
      (select count(*)::int from teaching_assignments where school_id = ${schoolId}) as assignments,
      (select count(*)::int from timetable_slots where school_id = ${schoolId}) as slots,
      (select count(*)::int from audit_log where school_id = ${schoolId}) as audit,
      (select count(*)::int from outbox where school_id = ${schoolId}) as outbox`
  return r!
}

describe('reading files', () => {
  test('CSV: quotes, escaped quotes, line breaks inside quotes, CRLF, BOM; each record keeps the line it starts on', () => {
    const text = '\uFEFFa;b;c\r\n1;"two; ""quoted""";3\r\n\r\n"multi\r\nline";x;\r\n  "sp";"";last'
    expect(parseCsv(text)).toEqual([
      { line: 1, cells: ['a', 'b', 'c'] },
      { line: 2, cells: ['1', 'two; "quoted"', '3'] },
      { line: 4, cells: ['multi\nline', 'x', ''] },
      { line: 6, cells: ['sp', '', 'last'] },
    ])
  })

  test('CSV: the delimiter comes from the header line (`,` here, though `;` appears in data); LF and CR line ends', () => {
    expect(parseCsv('a,b\n"x;y",2\r3,4')).toEqual([
      { line: 1, cells: ['a', 'b'] }, { line: 2, cells: ['x;y', '2'] }, { line: 3, cells: ['3', '4'] },
    ])
    expect(parseCsv('a\tb\n1\t2')).toEqual([{ line: 1, cells: ['a', 'b'] }, { line: 2, cells: ['1', '2'] }])
  })

  test('phones, classes', () => {
    for (const raw of ['8 (916) 123-45-67', '+7 (916) 123-45-67', '79161234567', '9161234567', '8-916-123-45-67', '+7.916.123.45.67'])
      expect(normalizePhone(raw), raw).toBe('+79161234567')
    expect(normalizePhone('+375 29 123-45-67')).toBe('+375291234567')
    for (const raw of ['12345', '916123456', '+7 916 123 45 6', '89161234567 доб. 2', '89161234567, 89161234568', '7+9161234567'])
      expect(normalizePhone(raw), raw).toBeNull()
    expect(parseClassLabel('5А')).toEqual({ grade: 5, letter: 'А' })
    expect(parseClassLabel('5 а')).toEqual({ grade: 5, letter: 'А' })
    expect(parseClassLabel('5a')).toEqual({ grade: 5, letter: 'А' }) // Latin a
    expect(parseClassLabel('10-B')).toEqual({ grade: 10, letter: 'В' }) // Latin B looks like В
    expect(parseClassLabel('11 «М»')).toEqual({ grade: 11, letter: 'М' })
    expect(parseClassLabel('5Q')).toEqual({ problem: 'класс «5Q»: буква «Q» латинская, укажите русскую' })
    expect(parseClassLabel('0А')).toEqual({ problem: 'класс «0А»: параллель должна быть от 1 до 11' })
    expect(parseClassLabel('5')).toEqual({ problem: 'класс «5»: ожидается параллель и буква, например «5А»' })
  })

  test('progress: a bar redrawn in place on a terminal, a line per tenth otherwise, nothing for 200 rows or fewer', () => {
    const out = (isTTY: boolean) => {
      let text = ''
      return { stream: { isTTY, write: (s: string) => { text += s } }, text: () => text }
    }
    const tty = out(true)
    const bar = createProgress(tty.stream)
    bar.update(512, 1024)
    bar.update(1024, 1024)
    bar.end()
    expect(tty.text()).toBe(`\rимпорт [${'#'.repeat(15)}${'.'.repeat(15)}] 512/1024\rимпорт [${'#'.repeat(30)}] 1024/1024\n`)

    const pipe = out(false)
    const lines = createProgress(pipe.stream)
    for (let done = 100; done < 1024; done += 100) lines.update(done, 1024)
    lines.update(1024, 1024)
    lines.end()
    expect(pipe.text()).toBe([
      'импорт: 19% (200/1024)', 'импорт: 29% (300/1024)', 'импорт: 39% (400/1024)', 'импорт: 48% (500/1024)', 'импорт: 58% (600/1024)',
      'импорт: 68% (700/1024)', 'импорт: 78% (800/1024)', 'импорт: 87% (900/1024)', 'импорт: 97% (1000/1024)', 'импорт: 100% (1024/1024)', '',
    ].join('\n'))

    const small = out(false)
    createProgress(small.stream).update(200, 200)
    expect(small.text()).toBe('')
  })
})

describe('roster', () => {
  let schoolId: string
  let class5a: string
  let adminAccountId: string
  let existingStudent: string
  let opts: ImportOptions
  // a Russian Excel export: `;`, CRLF, a BOM
  const roster = Buffer.concat([BOM, file([
    ROSTER_HEADER.join(';'),
    `5А;Орлова;Вера;Игоревна;ж;12.03.2015;;;Орлова;Анна;Сергеевна;8 (916) 123-45-67;anna@example.ru;мать;да, ${CONSENT_RU}`,
    // the same mother by phone, written another way: one guardian, two children
    '5А;Орлов;Глеб;Игоревич;;2015-03-12;;;Орлова;Анна;Сергеевна;+7 916 123 45 67;;мама;нет',
    // a new class: 6б (Cyrillic б)
    '6б;Жуков;Пётр;Олегович;м;;+79031112233;petr@example.ru;Жуков;Олег;Петрович;89035556677;;отец;',
    // the same student again with his second guardian
    '6Б;Жуков;Пётр;Олегович;м;;;;Жукова;Ирина;;+7 903 555 66 88;;мать;',
    // already in 5А: not created again; the guardian is linked to them
    '5A;Петров;Пётр;Петрович;;;;;Петрова;Ольга;;+79160000001;olga@example.ru;мать;',
  ])])

  beforeAll(async () => {
    ;({ schoolId } = await schoolWithYear())
    class5a = await createClass(sql, schoolId, 5, 'А')
    existingStudent = await createPerson(sql, schoolId, 'student', { classId: class5a, lastName: 'Петров', firstName: 'Пётр' })
    adminAccountId = (await createAccount(sql, { personId: await createPerson(sql, schoolId, 'staff'), roles: [{ role: 'admin', schoolId }] })).accountId
    opts = { schoolId, date: YEAR_START, orderNumber: '15-у' }
  })

  test('imports students, guardians (one per phone), a new class, admissions under the order, consents and birth dates', async () => {
    const r = await importRoster(sql, roster, opts)
    expect(r.errors).toEqual([])
    expect(r.warnings).toEqual([
      'дата рождения не сохранена без согласия на обработку ПДн (строки 3) / birth dates not stored without a recorded consent',
    ])
    expect(r).toMatchObject({ rows: 5, imported: 5, written: true, dryRun: false, actorAccountId: adminAccountId, orderNumber: '15-у', date: YEAR_START })
    expect(r.counts).toEqual({
      studentsCreated: 3, studentsExisting: 1, guardiansCreated: 4, guardiansExisting: 0, links: 5, admissions: 3,
      consents: 2, birthDates: 1, classesCreated: ['6Б'],
    })

    const people = await sql<{ kind: string; name: string; gender: string | null; phone: string | null; email: string | null }[]>`
      select kind, last_name || ' ' || first_name as name, gender, phone, email from persons
      where school_id = ${schoolId} and kind <> 'staff'`
    expect(people.sort(byKey((p) => `${p.kind === 'student' ? 0 : 1} ${p.name}`))).toEqual([
      { kind: 'student', name: 'Жуков Пётр', gender: 'male', phone: '+79031112233', email: 'petr@example.ru' },
      { kind: 'student', name: 'Орлов Глеб', gender: 'male', phone: null, email: null }, // from the patronymic
      { kind: 'student', name: 'Орлова Вера', gender: 'female', phone: null, email: null },
      { kind: 'student', name: 'Петров Пётр', gender: null, phone: null, email: null }, // the one already there
      { kind: 'guardian', name: 'Жуков Олег', gender: 'male', phone: '+79035556677', email: null },
      { kind: 'guardian', name: 'Жукова Ирина', gender: 'female', phone: '+79035556688', email: null },
      { kind: 'guardian', name: 'Орлова Анна', gender: 'female', phone: '+79161234567', email: 'anna@example.ru' },
      { kind: 'guardian', name: 'Петрова Ольга', gender: 'female', phone: '+79160000001', email: 'olga@example.ru' },
    ])
    const links = await sql<{ guardian: string; student: string; relation: string }[]>`
      select g.last_name || ' ' || g.first_name as guardian, s.last_name || ' ' || s.first_name as student, l.relation
      from guardianships l join persons g on g.id = l.guardian_id join persons s on s.id = l.student_id
      where s.school_id = ${schoolId}`
    expect(links.sort(byKey((l) => `${l.student}/${l.guardian}`))).toEqual([
      { guardian: 'Жуков Олег', student: 'Жуков Пётр', relation: 'father' },
      { guardian: 'Жукова Ирина', student: 'Жуков Пётр', relation: 'mother' },
      { guardian: 'Орлова Анна', student: 'Орлов Глеб', relation: 'mother' },
      { guardian: 'Орлова Анна', student: 'Орлова Вера', relation: 'mother' },
      { guardian: 'Петрова Ольга', student: 'Петров Пётр', relation: 'mother' },
    ])
    const movements = await sql<{ name: string; kind: string; occurredOn: string; orderNumber: string; class: string; recordedBy: string }[]>`
      select p.last_name || ' ' || p.first_name as name, m.kind, m.occurred_on, m.order_number, c.grade || c.letter as class, m.recorded_by
      from movements m join persons p on p.id = m.student_id join classes c on c.id = m.to_class_id
      where m.school_id = ${schoolId}`
    expect(movements.sort(byKey((m) => m.name))).toEqual([
      { name: 'Жуков Пётр', kind: 'admission', occurredOn: YEAR_START, orderNumber: '15-у', class: '6Б', recordedBy: adminAccountId },
      { name: 'Орлов Глеб', kind: 'admission', occurredOn: YEAR_START, orderNumber: '15-у', class: '5А', recordedBy: adminAccountId },
      { name: 'Орлова Вера', kind: 'admission', occurredOn: YEAR_START, orderNumber: '15-у', class: '5А', recordedBy: adminAccountId },
    ])
    const enrolled = await sql<{ startedOn: string }[]>`
      select e.started_on from enrolments e join persons p on p.id = e.student_id where p.school_id = ${schoolId} and p.id <> ${existingStudent}`
    expect(enrolled.map((e) => e.startedOn)).toEqual([YEAR_START, YEAR_START, YEAR_START])

    // the consent signed by the mother covers the child and herself; only then is the birth date kept
    const consents = await sql<{ subject: string; givenBy: string; givenAt: string; recordedBy: string }[]>`
      select s.first_name as subject, g.first_name as given_by, (c.given_at at time zone 'Europe/Moscow')::text as given_at, c.recorded_by
      from pd_consents c join persons s on s.id = c.subject_person_id join persons g on g.id = c.given_by_person_id
      where c.school_id = ${schoolId}`
    expect(consents.sort(byKey((c) => c.subject))).toEqual([
      { subject: 'Анна', givenBy: 'Анна', givenAt: `${CONSENT_ISO} 00:00:00`, recordedBy: adminAccountId },
      { subject: 'Вера', givenBy: 'Анна', givenAt: `${CONSENT_ISO} 00:00:00`, recordedBy: adminAccountId },
    ])
    const sensitive = await sql<{ firstName: string; birthDate: string }[]>`
      select p.first_name, s.birth_date::text from person_sensitive s join persons p on p.id = s.person_id where p.school_id = ${schoolId}`
    expect(sensitive).toEqual([{ firstName: 'Вера', birthDate: '2015-03-12' }])

    // the services' audit and outbox path, all under one request id and the admin's account
    const audit = await sql<{ action: string; n: number }[]>`
      select action, count(*)::int as n from audit_log where school_id = ${schoolId} group by action order by action`
    expect(audit).toEqual([
      { action: 'class.created', n: 1 }, { action: 'consent.recorded', n: 2 }, { action: 'guardianship.created', n: 5 },
      { action: 'journal.movement.recorded', n: 3 }, { action: 'person.created', n: 7 }, { action: 'person.sensitive_updated', n: 1 },
    ])
    const requestIds = await sql<{ requestId: string; actor: string }[]>`
      select distinct request_id, actor_account_id as actor from audit_log where school_id = ${schoolId}`
    expect(requestIds).toHaveLength(1)
    expect(requestIds[0]!.requestId).toMatch(/^import:[0-9a-f-]{36}$/)
    expect(requestIds[0]!.actor).toBe(adminAccountId)
    const outbox = await sql<{ kind: string; payload: { kind: string }; actorAccountId: string; requestId: string }[]>`
      select kind, payload, actor_account_id, request_id from outbox where school_id = ${schoolId}`
    expect(outbox.map((o) => [o.kind, o.payload.kind, o.actorAccountId, o.requestId])).toEqual(
      Array(3).fill(['movement.recorded', 'admission', adminAccountId, requestIds[0]!.requestId]))
  })

  test('running the same file again changes nothing', async () => {
    const before = await footprint(schoolId)
    const r = await importRoster(sql, roster, opts)
    expect(r.errors).toEqual([])
    expect(r.counts).toEqual({
      studentsCreated: 0, studentsExisting: 4, guardiansCreated: 0, guardiansExisting: 4, links: 0, admissions: 0,
      consents: 0, birthDates: 0, classesCreated: [],
    })
    expect(await footprint(schoolId)).toEqual(before)
  })

  test('a dry run reports what would be done and writes nothing', async () => {
    const { schoolId: other } = await schoolWithYear('Школа пробного запуска')
    const before = await footprint(other)
    const r = await importRoster(sql, roster, { ...opts, schoolId: other, dryRun: true })
    expect(r).toMatchObject({ dryRun: true, written: false, imported: 5, errors: [] })
    expect(r.counts).toMatchObject({ studentsCreated: 4, guardiansCreated: 4, links: 5, classesCreated: ['5А', '6Б'] })
    expect(r.actorAccountId).toBeNull() // no admin in that school: the system
    expect(await footprint(other)).toEqual(before)
  })

  test('English headers, `,` and a quoted note over several lines: errors name the line in the file', async () => {
    const { schoolId: other } = await schoolWithYear('Школа с английскими заголовками')
    const csv = file([
      'class,last name,first name,middle name,guardian last name,guardian first name,guardian phone,relation,note',
      '7В,Смирнова,Алиса,,Смирнов,Игорь,89261112233,father,"первая строка',
      'вторая строка, с ""кавычками"""',
      '7В,Смирнов,Кирилл,,Смирнов,Игорь,8926111,father,',
    ], '\n')
    const r = await importRoster(sql, csv, { schoolId: other, date: YEAR_START })
    expect(r.errors).toEqual([
      { line: 4, message: 'телефон представителя «8926111»: ожидается номер вида +7XXXXXXXXXX или 8XXXXXXXXXX' },
    ])
    expect(r).toMatchObject({ rows: 2, imported: 0, written: false })
    expect((await footprint(other)).persons).toBe(0)
  })

  test('Windows-1251 is read too', async () => {
    const { schoolId: other } = await schoolWithYear('Школа с 1251')
    const cp1251 = (s: string) => Buffer.from([...s].map((ch) => {
      const c = ch.codePointAt(0)!
      if (c < 0x80) return c
      if (c >= 0x410 && c <= 0x44f) return c - 0x410 + 0xc0
      if (ch === 'Ё') return 0xa8
      if (ch === 'ё') return 0xb8
      throw new Error(`no cp1251 for ${ch}`)
    }))
    const r = await importRoster(sql, cp1251('Класс;Фамилия;Имя\r\n3Б;Семёнова;Алёна\r\n'), { schoolId: other, date: YEAR_START })
    expect(r.errors).toEqual([])
    const [p] = await sql<{ name: string }[]>`select last_name || ' ' || first_name as name from persons where school_id = ${other}`
    expect(p!.name).toBe('Семёнова Алёна')
  })

  test('XLSX made by exceljs: a title line above the header, dates, numbers, links and rich text in cells', async () => {
    const { schoolId: other } = await schoolWithYear('Школа XLSX')
    const wb = new ExcelJS.Workbook()
    const ws = wb.addWorksheet('7А')
    ws.addRow(['Список 7А класса'])
    ws.addRow(['Класс', 'Фамилия', 'Имя', 'Отчество', 'Дата рождения', 'Фамилия представителя', 'Имя представителя',
      'Телефон представителя', 'Email представителя', 'Степень родства', 'Согласие на обработку ПДн', 'Дата согласия', 'Школа'])
    ws.addRow(['7А', { richText: [{ text: 'Кузне' }, { text: 'цова', font: { bold: true } }] }, 'Дарья', 'Андреевна',
      new Date(Date.UTC(2013, 6, 4)), 'Кузнецов', 'Андрей', 89165554433,
      { text: 'kuznetsov@example.ru', hyperlink: 'mailto:kuznetsov@example.ru' }, 'Отец', true, new Date(Date.UTC(Y - 1, 4, 20))])
    ws.addRow(['7А', 'Кузнецов', 'Денис', 'Андреевич', null, 'Кузнецов', 'Андрей', '8-916-555-44-33', null, 'отец', false, null])
    const data = Buffer.from(await wb.xlsx.writeBuffer())

    const r = await importRoster(sql, data, { schoolId: other, date: YEAR_START })
    expect(r.errors).toEqual([])
    expect(r.warnings).toEqual(['столбцы не распознаны и пропущены: «Школа» / unknown columns skipped'])
    expect(r).toMatchObject({ rows: 2, imported: 2 })
    expect(r.counts).toMatchObject({ studentsCreated: 2, guardiansCreated: 1, links: 2, consents: 2, birthDates: 1, classesCreated: ['7А'] })
    const [g] = await sql<{ phone: string; email: string; gender: string }[]>`
      select phone, email, gender from persons where school_id = ${other} and kind = 'guardian'`
    expect(g).toEqual({ phone: '+79165554433', email: 'kuznetsov@example.ru', gender: 'male' })
    const [s] = await sql<{ name: string; birthDate: string }[]>`
      select p.last_name || ' ' || p.first_name as name, s.birth_date::text from person_sensitive s join persons p on p.id = s.person_id
      where p.school_id = ${other}`
    expect(s).toEqual({ name: 'Кузнецова Дарья', birthDate: '2013-07-04' })
  })

  describe('validation', () => {
    let other: string
    const bad = file([
      ROSTER_HEADER.join(';'),
      /* 2 */ '5А;Белова;Мария;;ж;;;;Белова;Ольга;;+79161110001;;мать;',
      /* 3 */ '5;Белов;Иван;;;;;;;;;;;;',
      /* 4 */ '12А;Белов;Иван;;;;;;;;;;;;',
      /* 5 */ '5А;Белов;;;;;;;;;;;;;',
      /* 6 */ '5А;Белов;Антон;;;;12345;;;;;;;;',
      /* 7 */ '5А;Белов;Борис;;;;;boris@;;;;;;;',
      /* 8 */ '5А;Белов;Виктор;;;;;;Белова;Ольга;;+79161110001;;соседка;',
      /* 9 */ '5А;Белов;Глеб;;;;;;Белова;Ольга;;+79161110001;;;',
      /* 10 */ '5А;Белов;Денис;;;;;;;;;;;мать;',
      /* 11 */ '5Q;Белов;Егор;;;;;;;;;;;;',
      /* 12 */ '5А;Белов;Жан;;;;;;;;;;;;да',
      /* 13 */ '5А;Белов;Захар;;;31.02.2015;;;;;;;;;',
      /* 14 */ '5а;Белова;Мария;;;;;;Белова;Ольга;;8 916 111-00-01;;мама;',
      /* 15 */ '5А;Белов;Игорь;;;;;;Белова;Нина;;+79161110001;;мать;',
      /* 16 */ '5А;Белов;Кирилл;;х;;;;;;;;;;',
      /* 17 */ '5А;Белов2;Лев;;;;;;;;;;;;',
      /* 18 */ '5А;Белова;Мария;;м;;;;Белов;Пётр;;+79161110002;;отец;',
      /* 19 */ '5А;Белов;Марк;;;;;;;;Петрович;;;;',
      /* 20 */ '5А;Белов;Назар;;constructor;;;;Белова;Ольга;;+79161110001;;toString;может быть',
      /* 21 */ `5А;Белов;Олег;;;01.01.${Y + 2};;;;;;;;;`,
      /* 22 */ '5А;Белов;Павел;;;;;;Соколова;Инна;;+79160000009;;мать;',
      /* 23 */ '5А;Белов;Роман;;;;;;;;;;;;',
    ])
    const EXPECTED = [
      { line: 3, message: 'класс «5»: ожидается параллель и буква, например «5А»' },
      { line: 4, message: 'класс «12А»: параллель должна быть от 1 до 11' },
      { line: 5, message: 'не заполнен столбец «Имя»' },
      { line: 6, message: 'телефон ученика «12345»: ожидается номер вида +7XXXXXXXXXX или 8XXXXXXXXXX' },
      { line: 7, message: 'email ученика «boris@» не похож на адрес электронной почты' },
      { line: 8, message: 'степень родства «соседка» неизвестна: мать, отец, бабушка, дедушка, отчим, мачеха, брат, сестра, тётя, дядя, опекун, попечитель, другое' },
      { line: 9, message: 'не указана степень родства представителя' },
      { line: 10, message: 'степень родства указана, а представитель — нет' },
      { line: 11, message: 'класс «5Q»: буква «Q» латинская, укажите русскую' },
      { line: 12, message: 'согласие на обработку ПДн «да», но без даты' },
      { line: 13, message: 'дата рождения «31.02.2015»: ожидается ДД.ММ.ГГГГ или ГГГГ-ММ-ДД' },
      { line: 14, message: 'повторяет строку 2' },
      { line: 15, message: 'телефон представителя +79161110001 уже указан в строке 2 для «Белова Ольга»' },
      { line: 16, message: 'пол «х»: ожидается «м» или «ж»' },
      { line: 17, message: 'фамилия «Белов2» содержит недопустимые символы' },
      { line: 18, message: 'сведения об ученике (пол) расходятся со строкой 2' },
      { line: 19, message: 'не заполнена фамилия представителя; не заполнено имя представителя; не указана степень родства представителя' },
      { line: 20, message: 'пол «constructor»: ожидается «м» или «ж»; степень родства «toString» неизвестна: мать, отец, бабушка, дедушка, отчим, мачеха, брат, сестра, тётя, дядя, опекун, попечитель, другое; согласие на обработку ПДн «может быть»: ожидается «да» с датой или «нет»' },
      { line: 21, message: `дата рождения ${Y + 2}-01-01 ещё не наступила` },
      { line: 22, message: 'телефон представителя +79160000009 уже записан в школе за «Соколова Марина»' },
    ]

    beforeAll(async () => {
      ;({ schoolId: other } = await schoolWithYear('Школа с ошибками'))
      await sql`insert into persons (school_id, kind, last_name, first_name, phone) values (${other}, 'guardian', 'Соколова', 'Марина', '+79160000009')`
    })

    test('every bad row is reported with its line and reason, and nothing is imported', async () => {
      const before = await footprint(other)
      const r = await importRoster(sql, bad, { schoolId: other, date: YEAR_START, orderNumber: '1' })
      expect(r.errors).toEqual(EXPECTED)
      expect(r).toMatchObject({ rows: 22, imported: 0, written: false })
      expect(await footprint(other)).toEqual(before)
    })

    test('--partial imports the good rows (2, 23) and reports the same bad ones', async () => {
      const r = await importRoster(sql, bad, { schoolId: other, date: YEAR_START, orderNumber: '1', partial: true })
      expect(r.errors).toEqual(EXPECTED)
      expect(r).toMatchObject({ rows: 22, imported: 2, written: true })
      expect(r.counts).toMatchObject({ studentsCreated: 2, guardiansCreated: 1, links: 1, admissions: 2, classesCreated: ['5А'] })
      const students = await sql<{ name: string }[]>`
        select last_name || ' ' || first_name as name from persons where school_id = ${other} and kind = 'student'`
      expect(students.map((s) => s.name).sort()).toEqual(['Белов Роман', 'Белова Мария'])
    })

    test('a file without a required column, or an unknown school or year, stops before any row', async () => {
      const r = await importRoster(sql, file(['Класс;Фамилия;Телефон', '5А;Белов;']), { schoolId: other, date: YEAR_START })
      expect(r.errors).toEqual([{ line: 1, message: 'нет обязательного столбца «Имя»' }])
      const unclosed = await importRoster(sql, file(['Класс;Фамилия;Имя', '5А;"Белов;Ян']), { schoolId: other, date: YEAR_START })
      expect(unclosed.errors).toEqual([{ line: 2, message: 'кавычка, открытая в этой строке, не закрыта до конца файла' }])
      await expect(importRoster(sql, bad, { schoolId: '00000000-0000-0000-0000-000000000000' }))
        .rejects.toThrow('школа 00000000-0000-0000-0000-000000000000 не найдена')
      await expect(importRoster(sql, bad, { schoolId: other, date: YEAR_START, orderNumber: 'x'.repeat(51) }))
        .rejects.toThrow('номер приказа: от 1 до 50 символов')
      await expect(importRoster(sql, bad, { schoolId: other, date: `${Y + 5}-01-10` }))
        .rejects.toThrow(`в школе нет учебного года, в который попадает ${Y + 5}-01-10`)
    })
  })

  test('--partial commits chunk by chunk: a chunk the database refuses is rolled back and its rows reported', async () => {
    const { schoolId: other, yearId } = await schoolWithYear('Школа с конкурентом')
    const rng = createRng(11)
    const rows = ['Класс;Фамилия;Имя;Отчество']
    const seen = new Set<string>()
    while (rows.length <= 250) {
      const p = randomPerson(rng, undefined, 'child')
      const line = `${rows.length <= 100 ? '8А' : '8Б'};${p.lastName};${p.firstName};${p.middleName}`
      if (!seen.has(line.slice(3))) rows.push(line), seen.add(line.slice(3))
    }
    // after the first chunk commits, another writer creates 8Б, which the second chunk was to create
    const r = await importRoster(sql, file(rows), {
      schoolId: other, date: YEAR_START, partial: true,
      onProgress: async (done) => {
        if (done === 100) await sql`insert into classes (school_id, academic_year_id, grade, letter) values (${other}, ${yearId}, 8, 'Б')`
      },
    })
    expect(r).toMatchObject({ rows: 250, imported: 100, written: true })
    expect(r.counts).toMatchObject({ studentsCreated: 100, classesCreated: ['8А'] })
    expect(r.errors.map((e) => e.line)).toEqual(Array.from({ length: 150 }, (_, i) => 102 + i))
    expect(r.errors[0]!.message).toMatch(/^не записана: база данных отклонила блок строк 102–201: duplicate key value violates unique constraint "classes_year_grade_letter"/)
    // the third chunk needed the class the second would have created
    expect(r.errors[149]!.message).toMatch(/^не записана: база данных отклонила блок строк 202–251: insert or update on table "enrolments" violates foreign key constraint/)
    const f = await footprint(other)
    expect(f).toMatchObject({ persons: 100, enrolments: 100, movements: 100, classes: 2, outbox: 100 })
  })

  test(`a 2,000-row roster: one transaction, progress reported, figures`, async () => {
    const { schoolId: big } = await schoolWithYear('Большая школа')
    const rng = createRng(42)
    const rows: string[] = [ROSTER_HEADER.join(';')]
    const seen = new Set<string>()
    let family: { last: string; first: string; middle: string; phone: string } | null = null
    let phone = 0
    while (rows.length <= 2000) {
      const grade = 1 + (rows.length % 11)
      const letter = 'АБ'[rows.length % 2]!
      const child = randomPerson(rng, rng() < 0.5 ? 'male' : 'female', 'child')
      const key = `${grade}${letter}${child.lastName}${child.firstName}${child.middleName}`
      if (seen.has(key)) continue
      seen.add(key)
      // every third child is a sibling of the one before: one guardian for both
      if (!family || rows.length % 3 !== 0) {
        const m = randomPerson(rng, 'female')
        family = { last: m.lastName, first: m.firstName, middle: m.middleName, phone: `+7916${String(++phone).padStart(7, '0')}` }
      }
      rows.push([`${grade}${letter}`, child.lastName, child.firstName, child.middleName, '', '', '', '', family.last, family.first,
        family.middle, family.phone, '', 'мать', rows.length % 2 ? `да ${CONSENT_RU}` : ''].join(';'))
    }
    const ticks: number[] = []
    const started = performance.now()
    const r = await importRoster(sql, file(rows), { schoolId: big, date: YEAR_START, orderNumber: '100', onProgress: (done) => { ticks.push(done) } })
    const ms = performance.now() - started
    expect(r.errors).toEqual([])
    expect(r).toMatchObject({ rows: 2000, imported: 2000 })
    expect(r.counts.studentsCreated).toBe(2000)
    expect(r.counts.guardiansCreated).toBe(phone)
    expect(r.counts.classesCreated).toHaveLength(22)
    expect(ticks).toEqual(Array.from({ length: 20 }, (_, i) => (i + 1) * 100))
    const f = await footprint(big)
    expect(f).toMatchObject({ persons: 2000 + phone, enrolments: 2000, movements: 2000, guardianships: 2000 })
    console.log(`roster import: 2000 rows in ${Math.round(ms)} ms = ${Math.round(2000 / (ms / 1000))} rows/s (${f.audit} audit rows, ${f.outbox} outbox events)`)
  }, 120_000)
})

describe('timetable', () => {
  let schoolId: string
  let class5a: string
  let ctx: RequestContext
  let adminAccountId: string
  const FIRST_MONDAY = (() => { let d = addDays(YEAR_START, 7); while (weekday(d) !== 1) d = addDays(d, 1); return d })()
  const timetable = file([
    'Класс;День недели;Урок;Предмет;Учитель;Подгруппа;Кабинет',
    '5А;пн;1;Математика;Иванова М. П.;;21',
    '5А;Понедельник;2-й Урок;Русский язык;Сидоров Алексей Николаевич;;',
    '5А;3;1;математика;Иванова МП;;21',
    '5А;вт;3;Английский язык;Кузнецова Е.В.;1 группа;31',
    '5А;вт.;3;Английский язык;Сидоров А. Н.;2 группа;32',
  ])

  beforeAll(async () => {
    ;({ schoolId } = await schoolWithYear('Школа расписания'))
    class5a = await createClass(sql, schoolId, 5, 'А')
    await createClass(sql, schoolId, 6, 'А')
    const staff = async (lastName: string, firstName: string, middleName: string) => {
      const [p] = await sql<{ id: string }[]>`
        insert into persons (school_id, kind, last_name, first_name, middle_name) values (${schoolId}, 'staff', ${lastName}, ${firstName}, ${middleName}) returning id`
      return p!.id
    }
    await staff('Иванова', 'Мария', 'Петровна')
    await staff('Сидоров', 'Алексей', 'Николаевич')
    await staff('Кузнецова', 'Елена', 'Викторовна')
    await staff('Петров', 'Павел', 'Ильич')
    await staff('Петров', 'Пётр', 'Иванович')
    const adminPerson = await staff('Админова', 'Анна', 'Андреевна')
    const admin = await createAccount(sql, { personId: adminPerson, roles: [{ role: 'admin', schoolId }] })
    adminAccountId = admin.accountId
    ctx = { actor: { accountId: admin.accountId, sessionId: 's', personIds: [adminPerson], roles: [{ role: 'admin', schoolId, classId: null }] } }
    for (let n = 1; n <= 6; n++)
      await sql`insert into bells (school_id, shift, number, starts_at, ends_at) values (${schoolId}, 1, ${n}, ${`${7 + n}:30`}, ${`${8 + n}:15`})`
  })

  test('creates subjects, subgroups, assignments and slots from the date; generateLessons makes the lessons', async () => {
    const r = await importTimetable(sql, timetable, { schoolId, date: YEAR_START })
    expect(r.errors).toEqual([])
    expect(r.warnings).toEqual([])
    expect(r.counts).toEqual({
      slotsCreated: 5, slotsExisting: 0, subjectsCreated: ['Математика', 'Русский язык', 'Английский язык'], subgroupsCreated: 2, assignmentsCreated: 4,
    })
    const slots = await sql<{ subject: string; teacher: string; subgroup: string | null; weekday: number; lessonNumber: number; room: string | null; validFrom: string }[]>`
      select sj.name as subject, t.last_name as teacher, g.name as subgroup, s.weekday, s.lesson_number, s.room, s.valid_from
      from timetable_slots s join teaching_assignments a on a.id = s.assignment_id join subjects sj on sj.id = a.subject_id
      join persons t on t.id = a.teacher_id left join subgroups g on g.id = a.subgroup_id
      where s.school_id = ${schoolId} order by s.weekday, s.lesson_number, g.name`
    expect(slots).toEqual([
      { subject: 'Математика', teacher: 'Иванова', subgroup: null, weekday: 1, lessonNumber: 1, room: '21', validFrom: YEAR_START },
      { subject: 'Русский язык', teacher: 'Сидоров', subgroup: null, weekday: 1, lessonNumber: 2, room: null, validFrom: YEAR_START },
      { subject: 'Английский язык', teacher: 'Кузнецова', subgroup: '1 группа', weekday: 2, lessonNumber: 3, room: '31', validFrom: YEAR_START },
      { subject: 'Английский язык', teacher: 'Сидоров', subgroup: '2 группа', weekday: 2, lessonNumber: 3, room: '32', validFrom: YEAR_START },
      { subject: 'Математика', teacher: 'Иванова', subgroup: null, weekday: 3, lessonNumber: 1, room: '21', validFrom: YEAR_START },
    ])
    const events = await sql<{ kind: string; n: number }[]>`
      select kind, count(*)::int as n from outbox where school_id = ${schoolId} and actor_account_id = ${adminAccountId} group by kind order by kind`
    expect(events).toEqual([
      { kind: 'assignment.created', n: 4 }, { kind: 'subgroup.created', n: 2 }, { kind: 'subject.created', n: 3 }, { kind: 'timetable.created', n: 5 },
    ])

    const g = await generateLessons(sql, ctx, schoolId, { from: FIRST_MONDAY, to: addDays(FIRST_MONDAY, 6) })
    expect(g).toEqual({ created: 5 })
    const lessons = await sql<{ date: string; lessonNumber: number; subject: string; room: string | null; subgroup: boolean }[]>`
      select l.date, l.lesson_number, sj.name as subject, l.room, l.subgroup_id is not null as subgroup
      from lessons l join subjects sj on sj.id = l.subject_id where l.class_id = ${class5a} order by l.date, l.lesson_number, l.room`
    expect(lessons).toEqual([
      { date: FIRST_MONDAY, lessonNumber: 1, subject: 'Математика', room: '21', subgroup: false },
      { date: FIRST_MONDAY, lessonNumber: 2, subject: 'Русский язык', room: null, subgroup: false },
      { date: addDays(FIRST_MONDAY, 1), lessonNumber: 3, subject: 'Английский язык', room: '31', subgroup: true },
      { date: addDays(FIRST_MONDAY, 1), lessonNumber: 3, subject: 'Английский язык', room: '32', subgroup: true },
      { date: addDays(FIRST_MONDAY, 2), lessonNumber: 1, subject: 'Математика', room: '21', subgroup: false },
    ])
  })

  test('the same file again changes nothing', async () => {
    const before = await footprint(schoolId)
    const r = await importTimetable(sql, timetable, { schoolId, date: YEAR_START })
    expect(r.errors).toEqual([])
    expect(r.counts).toEqual({ slotsCreated: 0, slotsExisting: 5, subjectsCreated: [], subgroupsCreated: 0, assignmentsCreated: 0 })
    expect(await footprint(schoolId)).toEqual(before)
  })

  test('every bad row with its line: unknown class, teacher, day, bell; ambiguous teacher; clashes; repeats — nothing written', async () => {
    const before = await footprint(schoolId)
    const r = await importTimetable(sql, file([
      'Класс;День недели;Урок;Предмет;Учитель;Подгруппа;Кабинет',
      /* 2 */ '9В;пн;1;Физика;Иванова М. П.;;',
      /* 3 */ '6А;пн;1;Физика;Смирнов И. И.;;',
      /* 4 */ '6А;valueOf;1;Физика;Иванова М. П.;;',
      /* 5 */ '6А;пт;9;Физика;Иванова М. П.;;',
      /* 6 */ '6А;пт;1;Физика;Петров П.;;',
      /* 7 */ '5А;пн;1;Физика;Кузнецова Е. В.;;',
      /* 8 */ '6А;чт;2;Химия;Кузнецова Е. В.;;',
      /* 9 */ '6А;чт;2;Химия;Кузнецова Е. В.;;',
      /* 10 */ '6А;чт;2;Биология;Сидоров А. Н.;;',
      /* 11 */ '6А;чт;;Биология;;;',
      /* 12 */ '6А;пн;1;Математика;Иванова М. П.;;',
    ]), { schoolId, date: YEAR_START })
    expect(r.errors).toEqual([
      { line: 2, message: `класса 9В нет в учебном году ${Y}/${Y + 1}: сначала импортируйте список класса` },
      { line: 3, message: 'учитель «Смирнов И. И.» не найден среди сотрудников школы' },
      { line: 4, message: 'день недели «valueOf»: ожидается пн, вт, …, вс, полное название или число 1–7' },
      { line: 5, message: 'нет звонка на 9-й урок 1-й смены: сначала задайте расписание звонков' },
      { line: 6, message: 'учитель «Петров П.»: подходят несколько сотрудников школы (Петров Павел Ильич, Петров Пётр Иванович), укажите полное ФИО' },
      { line: 7, message: 'у 5А пн 1-й урок с ' + YEAR_START + ' уже стоит «Математика» (Иванова М. П.)' },
      { line: 9, message: 'повторяет строку 8' },
      { line: 10, message: 'у 6А чт 2-й урок уже занят строкой 8' },
      { line: 11, message: 'не заполнен столбец «Урок»; не заполнен столбец «Учитель»' },
    ])
    // row 12 is good, but Иванова teaches 5А at that time: a warning (a joined lesson is possible)
    expect(r.warnings).toEqual(['строка 12: учитель в то же время ведёт «Математика» в 5А'])
    expect(r.written).toBe(false)
    expect(await footprint(schoolId)).toEqual(before)

    const partial = await importTimetable(sql, file([
      'Класс;День недели;Урок;Предмет;Учитель', '6А;чт;2;Химия;Кузнецова Е. В.', '6А;пт;1;Физика;Смирнов И. И.',
    ]), { schoolId, date: YEAR_START, partial: true })
    expect(partial.errors).toEqual([{ line: 3, message: 'учитель «Смирнов И. И.» не найден среди сотрудников школы' }])
    expect(partial.counts).toEqual({ slotsCreated: 1, slotsExisting: 0, subjectsCreated: ['Химия'], subgroupsCreated: 0, assignmentsCreated: 1 })
    expect((await footprint(schoolId)).slots).toBe(before.slots + 1)
  })
})

describe('the command', () => {
  const JWT_SECRET = 'import-test-secret-import-test-secret-0123'
  const dirs: string[] = []
  let env: Record<string, string | undefined>
  let out: string
  let err: string
  /** the database the command uses: the test database on a real server; in embedded mode, PGlite in DATA_DIR */
  let open: () => Promise<Database>

  beforeAll(async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'zvonok-import-'))
    dirs.push(dataDir)
    if (db.url) {
      env = { DATABASE_URL: db.url, JWT_SECRET, DATA_DIR: dataDir, LOG_LEVEL: 'silent' }
      open = async () => ({ sql, embedded: false, close: async () => {} })
    } else {
      env = { DATA_DIR: dataDir, LOG_LEVEL: 'silent' }
      open = async () => fromEmbedded(await startEmbeddedPostgres(path.join(dataDir, 'pg')))
    }
  })
  afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }) })
  afterEach(() => { vi.restoreAllMocks() })

  async function zvonok(...args: string[]): Promise<number> {
    out = ''
    err = ''
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => { out += String(s); return true })
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => { err += String(s); return true })
    try {
      return await main(args, env)
    } finally {
      vi.restoreAllMocks()
    }
  }
  const write = (name: string, data: Buffer) => {
    const p = path.join(dirs[0]!, name)
    writeFileSync(p, data)
    return p
  }

  test('roster: summary on stdout, exit 0; again: nothing new; a bad file: its lines on stderr, exit 1; usage errors exit 2', async () => {
    expect(await zvonok('migrate')).toBe(0)
    const d = await open()
    let schoolId: string
    try {
      schoolId = await createSchool(d.sql, 'Школа командной строки')
      await currentYear(d.sql, schoolId)
    } finally {
      await d.close()
    }
    const good = write('roster.csv', file([
      'Класс;Фамилия;Имя;Представитель: фамилия;Представитель: имя;Представитель: телефон;Степень родства',
      '2А;Лебедева;Ксения;Лебедева;Ольга;89167770011;мать',
      '2А;Лебедев;Максим;Лебедева;Ольга;89167770011;мать',
    ]))
    expect(await zvonok('import', 'roster', good, '--school', schoolId, '--order', '42-у', '--date', YEAR_START), err).toBe(0)
    expect(err).toBe('')
    expect(out).toBe([
      `Список классов / roster: «Школа командной строки», учебный год ${Y}/${Y + 1}, зачисление ${YEAR_START}`,
      '  строк в файле: 2, записано: 2, с ошибками: 0 / rows: 2, imported: 2, with errors: 0',
      '  ученики: создано 2, уже были в классе (пропущены) 0 / students: 2 created, 0 already enrolled (skipped)',
      '  представители: создано 1, уже были в школе 0; новых связей с учениками 2 / guardians: 1 created, 0 already known; 2 new links',
      '  классы созданы: 2А / classes created',
      '  книга движения: записей о зачислении 2, приказ № 42-у / movement book: 2 admissions, order 42-у',
      '  согласия на обработку ПДн: 0, даты рождения сохранены: 0 / consents recorded: 0, birth dates stored: 0',
      '',
    ].join('\n'))

    expect(await zvonok('import', 'roster', good, '--school', schoolId, '--order', '42-у', '--date', YEAR_START)).toBe(0)
    expect(out).toContain('ученики: создано 0, уже были в классе (пропущены) 2')

    const badFile = write('bad.csv', file([
      'Класс;Фамилия;Имя;Телефон', '2А;Новиков;Артём;', '2А;Новикова;;', '2Z;Новиков;Илья;8800',
    ]))
    expect(await zvonok('import', 'roster', badFile, '--school', schoolId, '--date', YEAR_START)).toBe(1)
    expect(err).toBe([
      'строка 3: не заполнен столбец «Имя»',
      'строка 4: класс «2Z»: буква «Z» латинская, укажите русскую; телефон ученика «8800»: ожидается номер вида +7XXXXXXXXXX или 8XXXXXXXXXX',
      '',
    ].join('\n'))
    expect(out).toContain('ничего не импортировано: исправьте строки выше или запустите с --partial / nothing imported')

    expect(await zvonok('import', 'roster', badFile, '--school', schoolId, '--date', YEAR_START, '--dry-run', '--partial')).toBe(0)
    expect(out).toContain('строк в файле: 3, годных к записи: 1, с ошибками: 2')
    expect(out).toContain('пробный запуск: ничего не записано / dry run: nothing written')

    expect(await zvonok('import', 'roster', badFile, '--school', schoolId, '--date', YEAR_START, '--partial')).toBe(0)
    expect(out).toContain('ученики: создано 1, уже были в классе (пропущены) 0')
    expect(err).toContain('строка 3: не заполнен столбец «Имя»')

    const d2 = await open()
    try {
      await d2.sql`insert into persons (school_id, kind, last_name, first_name, middle_name) values (${schoolId}, 'staff', 'Орлова', 'Нина', 'Юрьевна')`
      await d2.sql`insert into bells (school_id, shift, number, starts_at, ends_at) values (${schoolId}, 1, 1, '08:30', '09:15')`
    } finally {
      await d2.close()
    }
    const tt = write('timetable.csv', file(['Класс,День недели,Урок,Предмет,Учитель', '2А,пн,1,Чтение,Орлова Н. Ю.', '2А,вт,1,Чтение,Орлова Н. Ю.']))
    expect(await zvonok('import', 'timetable', tt, '--school', schoolId, '--date', YEAR_START), err).toBe(0)
    expect(out).toBe([
      `Расписание / timetable: «Школа командной строки», учебный год ${Y}/${Y + 1}, действует с ${YEAR_START}`,
      '  строк в файле: 2, записано: 2, с ошибками: 0 / rows: 2, imported: 2, with errors: 0',
      '  уроки в расписании: создано 2, уже были (пропущены) 0 / slots: 2 created, 0 already there (skipped)',
      '  нагрузка: новых назначений 1, подгрупп создано 0 / assignments: 1 created, subgroups: 0',
      '  предметы созданы: Чтение / subjects created',
      '',
    ].join('\n'))

    expect(await zvonok('import', 'roster', good)).toBe(2)
    expect(err).toContain('missing --school')
    expect(await zvonok('import', 'pupils', good, '--school', schoolId)).toBe(2)
    expect(err).toContain('usage: zvonok import roster|timetable FILE')
    expect(await zvonok('import', 'roster', path.join(dirs[0]!, 'nope.csv'), '--school', schoolId)).toBe(2)
    expect(err).toContain('cannot read')
    expect(await zvonok('import', 'timetable', good, '--school', schoolId, '--order', '1')).toBe(2)
    expect(await zvonok('import', 'roster', good, '--school', schoolId, '--date', '2026-13-01')).toBe(1)
    expect(err).toBe('zvonok import: дата «2026-13-01»: ожидается ГГГГ-ММ-ДД\n')
  }, 120_000)

  test('a long file shows its progress on stderr (a line per tenth when stderr is not a terminal)', async () => {
    const d = await open()
    let schoolId: string
    try {
      schoolId = await createSchool(d.sql, 'Школа с прогрессом')
      await currentYear(d.sql, schoolId)
    } finally {
      await d.close()
    }
    const rows = ['Класс;Фамилия;Имя;Отчество']
    const rng = createRng(5)
    const seen = new Set<string>()
    while (rows.length <= 300) {
      const p = randomPerson(rng, undefined, 'child')
      const line = `4В;${p.lastName};${p.firstName};${p.middleName}`
      if (!seen.has(line)) rows.push(line), seen.add(line)
    }
    // whatever the terminal the tests run in, stderr is not one here
    const tty = Object.getOwnPropertyDescriptor(process.stderr, 'isTTY')
    Object.defineProperty(process.stderr, 'isTTY', { value: false, configurable: true })
    try {
      expect(await zvonok('import', 'roster', write('long.csv', file(rows)), '--school', schoolId, '--date', YEAR_START)).toBe(0)
    } finally {
      if (tty) Object.defineProperty(process.stderr, 'isTTY', tty)
      else delete (process.stderr as { isTTY?: boolean }).isTTY
    }
    expect(err).toBe('импорт: 33% (100/300)\nимпорт: 66% (200/300)\nимпорт: 100% (300/300)\n')
    expect(out).toContain('ученики: создано 300')
  }, 120_000)
})
