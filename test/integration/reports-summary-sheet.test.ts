/**
 * The summary sheet of a fixture class whose tallies are computed here BY HAND, then read back
 * as JSON, as a PDF (pdf.js text) and as an XLSX (exceljs cell values); the class teacher's
 * period report over the same class; who may read them.
 *
 * The fixture: 5Б, the first quarter 2026-09-01 … 2026-10-31, five subjects (sorted:
 * Английский язык, ИЗО, Математика, Русский язык, Физическая культура), final marks set by the
 * subject teacher through the journal:
 *
 *   №  student            Англ  ИЗО    Мат  Рус  Физк   category
 *   1  Алексеева Анна     5     зач    5    5    осв    отличник
 *   2  Борисов Борис      5     зач    5    4    5      хорошист
 *   3  Васильева Вера     4     зач    4    3    5      успевает, одна «3» (Русский язык)
 *   4  Григорьев Глеб     4     зач    3    3    4      успевает
 *   5  Дмитриева Дарья    н/а   незач  2    3    4      не успевает (Англ н/а, ИЗО незач, Мат 2)
 *   6  Егоров Егор        —     —      —    —    —      нет отметок
 *   7  Жуков Захар        5     зач    5    5    5      left on 2026-10-20 (last day 10-19): listed, not counted
 *   8  Зайцева Зоя        4     зач    5    4    4      arrived 2026-10-05: хорошист, counted
 */
import ExcelJS from 'exceljs'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { Role } from '../../core/auth/policy.ts'
import {
  createAssignment, createClass, createPeriod, createSlot, createSubject, createYear, generateLessons, recordMovement, setBells,
  setClassTeacher, setFinalMark,
} from '../../core/journal/index.ts'
import { setAttendance } from '../../core/journal/attendance.ts'
import { summarySheet } from '../../core/reports/index.ts'
import { bearer, createAccount, createPerson, createSchool, createTestApp, login, type TestApp } from '../helpers/app.ts'
import { ctxOf, type Ctx } from '../helpers/journal-fixture.ts'
import { pdfText } from '../helpers/pdf.ts'

let t: TestApp
let schoolId: string
let classId: string
let otherClassId: string
let periodId: string
let foreignPeriodId: string
const ids = new Map<string, string>()
const tokens = new Map<string, { accessToken: string }>()

async function staff(lastName: string, firstName: string, roles: { role: Role; classId?: string }[]) {
  const personId = await createPerson(t.sql, schoolId, 'staff', { lastName, firstName })
  const grants = roles.map((r) => ({ ...r, schoolId }))
  const account = await createAccount(t.sql, { personId, roles: grants })
  return { personId, account, ctx: ctxOf(account.accountId, personId, grants) }
}

beforeAll(async () => {
  t = await createTestApp()
  const sql = t.sql
  schoolId = await createSchool(sql, 'МБОУ «Средняя школа № 7»')
  const admin = await staff('Директорова', 'Алла', [{ role: 'admin' }])
  const year = await createYear(sql, admin.ctx, schoolId, { name: '2026/2027', startsOn: '2026-09-01', endsOn: '2027-08-31' })
  periodId = (await createPeriod(sql, admin.ctx, schoolId, year.id, {
    kind: 'quarter', number: 1, gradeFrom: 1, gradeTo: 11, startsOn: '2026-09-01', endsOn: '2026-10-31',
  })).id
  // a period of another school's year: not a period of the class
  const otherSchool = await createSchool(sql, 'Другая школа')
  const otherAdmin = await createPerson(sql, otherSchool, 'staff')
  const oa = await createAccount(sql, { personId: otherAdmin, roles: [{ role: 'admin', schoolId: otherSchool }] })
  const oaCtx = ctxOf(oa.accountId, otherAdmin, [{ role: 'admin', schoolId: otherSchool }])
  const otherYear = await createYear(sql, oaCtx, otherSchool, { name: '2026/2027', startsOn: '2026-09-01', endsOn: '2027-08-31' })
  foreignPeriodId = (await createPeriod(sql, oaCtx, otherSchool, otherYear.id, {
    kind: 'quarter', number: 1, gradeFrom: 1, gradeTo: 11, startsOn: '2026-09-01', endsOn: '2026-10-31',
  })).id
  tokens.set('otherSchoolAdmin', await login(t.app, oa))

  classId = (await createClass(sql, admin.ctx, schoolId, { academicYearId: year.id, grade: 5, letter: 'Б' })).id
  otherClassId = (await createClass(sql, admin.ctx, schoolId, { academicYearId: year.id, grade: 5, letter: 'А' })).id

  const teacher = await staff('Предметникова', 'Ольга', [{ role: 'teacher' }])
  const classTeacher = await staff('Классная', 'Нина', [{ role: 'teacher' }])
  await setClassTeacher(sql, admin.ctx, classId, classTeacher.personId)
  const otherClassTeacher = await staff('Соседова', 'Инна', [{ role: 'teacher' }])
  await setClassTeacher(sql, admin.ctx, otherClassId, otherClassTeacher.personId)
  const deputy = await staff('Завучева', 'Елена', [{ role: 'deputy' }])

  const subjects = ['Английский язык', 'ИЗО', 'Математика', 'Русский язык', 'Физическая культура']
  for (const name of subjects) {
    const id = (await createSubject(sql, admin.ctx, schoolId, { name })).id
    ids.set(name, id)
    const a = await createAssignment(sql, admin.ctx, schoolId, { classId, subjectId: id, teacherId: teacher.personId })
    ids.set(`assignment:${name}`, a.id)
  }

  const students: [string, string, string][] = [
    ['Алексеева', 'Анна', '2026-09-01'], ['Борисов', 'Борис', '2026-09-01'], ['Васильева', 'Вера', '2026-09-01'],
    ['Григорьев', 'Глеб', '2026-09-01'], ['Дмитриева', 'Дарья', '2026-09-01'], ['Егоров', 'Егор', '2026-09-01'],
    ['Жуков', 'Захар', '2026-09-01'], ['Зайцева', 'Зоя', '2026-10-05'],
  ]
  for (const [lastName, firstName, from] of students) {
    const id = await createPerson(sql, schoolId, 'student', { lastName, firstName })
    ids.set(lastName, id)
    await recordMovement(sql, admin.ctx, schoolId, { kind: 'admission', studentId: id, toClassId: classId, occurredOn: from, orderNumber: `${lastName.slice(0, 2)}-1` })
  }
  // a guardian of a 5А student
  const otherStudent = await createPerson(sql, schoolId, 'student', { lastName: 'Соседов', firstName: 'Сергей' })
  await recordMovement(sql, admin.ctx, schoolId, { kind: 'admission', studentId: otherStudent, toClassId: otherClassId, occurredOn: '2026-09-01', orderNumber: 'С-1' })
  const guardian = await createPerson(sql, schoolId, 'guardian', { guardianOf: [otherStudent], lastName: 'Соседова', firstName: 'Мария' })
  const guardianAccount = await createAccount(sql, { personId: guardian, roles: [{ role: 'guardian', schoolId }] })

  const F: Record<string, (number | 'pass' | 'fail' | 'exempt' | 'not_attested' | null)[]> = {
    //           Англ            ИЗО     Мат  Рус  Физк
    Алексеева: [5, 'pass', 5, 5, 'exempt'],
    Борисов: [5, 'pass', 5, 4, 5],
    Васильева: [4, 'pass', 4, 3, 5],
    Григорьев: [4, 'pass', 3, 3, 4],
    Дмитриева: ['not_attested', 'fail', 2, 3, 4],
    Жуков: [5, 'pass', 5, 5, 5],
    Зайцева: [4, 'pass', 5, 4, 4],
  }
  for (const [student, finals] of Object.entries(F)) {
    for (const [k, f] of finals.entries()) {
      if (f === null) continue
      const base = { periodId, subjectId: ids.get(subjects[k]!)!, studentId: ids.get(student)! }
      await setFinalMark(sql, teacher.ctx, typeof f === 'number' ? { ...base, value: f }
        : f === 'pass' || f === 'fail' ? { ...base, passed: f === 'pass' } : { ...base, status: f })
    }
  }
  await recordMovement(sql, admin.ctx, schoolId, { kind: 'departure', studentId: ids.get('Жуков')!, occurredOn: '2026-10-20', orderNumber: 'В-17' })

  // mathematics every weekday at lesson 1; Дмитриева misses 11 lessons without an excuse, Григорьев 3 ill
  await setBells(sql, admin.ctx, schoolId, { shift: 1, bells: [{ number: 1, startsAt: '08:30', endsAt: '09:15' }] })
  for (let weekday = 1; weekday <= 5; weekday++)
    await createSlot(sql, admin.ctx, schoolId, { assignmentId: ids.get('assignment:Математика')!, weekday, lessonNumber: 1, shift: 1, validFrom: '2026-09-01' })
  await generateLessons(sql, admin.ctx, schoolId, { from: '2026-10-01', to: '2026-10-16', classId })
  const lessons = await sql<{ id: string }[]>`select id from lessons where class_id = ${classId} order by date`
  expect(lessons).toHaveLength(12) // 1–2, 5–9, 12–16 October
  for (const [i, l] of lessons.entries()) {
    if (i < 11) await setAttendance(sql, teacher.ctx, l.id, ids.get('Дмитриева')!, { kind: 'absent' })
    if (i < 3) await setAttendance(sql, teacher.ctx, l.id, ids.get('Григорьев')!, { kind: 'ill' })
  }

  for (const [name, account] of [
    ['deputy', deputy.account], ['classTeacher', classTeacher.account], ['otherClassTeacher', otherClassTeacher.account],
    ['teacher', teacher.account], ['guardian', guardianAccount],
  ] as const) tokens.set(name, await login(t.app, account))
})

afterAll(async () => {
  await t?.close()
})

const get = (who: string, url: string) => t.app.inject({ method: 'GET', url, headers: bearer(tokens.get(who)!) })
const sheetUrl = (format?: string) => `/v1/classes/${classId}/reports/summary-sheet?periodId=${periodId}${format ? `&format=${format}` : ''}`

describe('the summary sheet', () => {
  test('the tallies match the ones computed by hand', async () => {
    const sheet = await summarySheet(t.sql, classId, periodId)
    expect(sheet.subjects.map((s) => s.name)).toEqual(['Английский язык', 'ИЗО', 'Математика', 'Русский язык', 'Физическая культура'])
    expect(sheet.students.map((s) => [s.number, s.name, s.onRoll, s.category])).toEqual([
      [1, 'Алексеева Анна', true, 'excellent'],
      [2, 'Борисов Борис', true, 'good'],
      [3, 'Васильева Вера', true, 'satisfactory'],
      [4, 'Григорьев Глеб', true, 'satisfactory'],
      [5, 'Дмитриева Дарья', true, 'failing'],
      [6, 'Егоров Егор', true, 'none'],
      [7, 'Жуков Захар', false, 'excellent'],
      [8, 'Зайцева Зоя', true, 'good'],
    ])
    const row = (n: number) => sheet.students[n - 1]!
    expect(row(1).finals).toEqual(['5', 'pass', '5', '5', 'exempt'])
    expect(row(5).finals).toEqual(['not_attested', 'fail', '2', '3', '4'])
    expect(row(6).finals).toEqual([null, null, null, null, null])
    // Васильева: 4, 4, 3, 5 → one 5, two 4, one 3; Дмитриева: 2, 3, 4 (н/а and незач are not marks)
    expect(row(3).counts).toEqual({ five: 1, four: 2, three: 1, two: 0 })
    expect(row(3).oneThreeSubject).toBe('Русский язык')
    expect(row(5).counts).toEqual({ five: 0, four: 1, three: 1, two: 1 })
    expect(row(7).leftOn).toBe('2026-10-19')
    expect(row(8).arrivedOn).toBe('2026-10-05')

    // Students on the roll on 31 October: 8 listed − Жуков = 7.
    expect(sheet.totals).toMatchObject({
      students: 7, left: 1,
      excellent: 1, // Алексеева
      good: 2, // Борисов, Зайцева
      oneThree: 1, // Васильева
      satisfactory: 2, // Васильева, Григорьев
      failing: 1, // Дмитриева
      notAttested: 1, // Дмитриева
      noMarks: 1, // Егоров
      progressPercent: 71.4, // (1 + 2 + 2) / 7 = 71.43
      qualityPercent: 42.9, // (1 + 2) / 7 = 42.86
      // numeric and н/а finals of the 7: n5 = 3+3+1+1 = 8, n4 = 1+2+2+1+3 = 9, n3 = 1+2+1 = 4, n2 = 1, н/а = 1 → 23;
      // (100·8 + 64·9 + 36·4 + 16·1 + 7·1) / 23 = 1543 / 23 = 67.09
      sou: 67.1,
    })
    expect(sheet.totals.lists).toEqual({
      excellent: ['Алексеева Анна'],
      good: ['Борисов Борис', 'Зайцева Зоя'],
      oneThree: [{ name: 'Васильева Вера', subject: 'Русский язык' }],
      failing: [{
        name: 'Дмитриева Дарья',
        subjects: [
          { subject: 'Английский язык', final: 'not_attested' }, { subject: 'ИЗО', final: 'fail' }, { subject: 'Математика', final: '2' },
        ],
      }],
      notAttested: ['Дмитриева Дарья'],
      noMarks: ['Егоров Егор'],
    })

    const [en, art, maths, russian, pe] = sheet.subjectTotals
    // Английский: 5 5 4 4 н/а 4 → assessed 6; успевают 5/6; качество (5,5,4,4,4)/(5 numeric + 1 н/а) = 5/6;
    // average 22/5 = 4.4; СОУ (200 + 192 + 7) / 6 = 66.5
    expect(en).toMatchObject({ five: 2, four: 3, three: 0, two: 0, notAttested: 1, assessed: 6, progressPercent: 83.3, qualityPercent: 83.3, average: 4.4, sou: 66.5 })
    // ИЗО: 5 зачёт, 1 незачёт → успеваемость 5/6; no numeric finals: no качество, average, СОУ
    expect(art).toMatchObject({ pass: 5, fail: 1, assessed: 6, progressPercent: 83.3, qualityPercent: null, average: null, sou: null })
    // Математика: 5 5 4 3 2 5 → успевают 5/6 = 83.3; качество 4/6 = 66.7; average 24/6 = 4; СОУ (300 + 64 + 36 + 16) / 6 = 69.33
    expect(maths).toMatchObject({ five: 3, four: 1, three: 1, two: 1, progressPercent: 83.3, qualityPercent: 66.7, average: 4, sou: 69.3 })
    // Русский: 5 4 3 3 3 4 → 6/6 = 100; качество 3/6 = 50; average 22/6 = 3.67; СОУ (100 + 128 + 108) / 6 = 56
    expect(russian).toMatchObject({ five: 1, four: 2, three: 3, two: 0, progressPercent: 100, qualityPercent: 50, average: 3.67, sou: 56 })
    // Физкультура: осв 5 5 4 4 4 → освобождён outside: 5/5 = 100; качество 100; average 22/5 = 4.4; СОУ (200 + 192) / 5 = 78.4
    expect(pe).toMatchObject({ exempt: 1, assessed: 5, progressPercent: 100, qualityPercent: 100, average: 4.4, sou: 78.4 })
  })

  test('the deputy reads it as JSON; a period of another school is a bad parameter', async () => {
    const res = await get('deputy', sheetUrl())
    expect(res.statusCode).toBe(200)
    expect(res.json().totals.qualityPercent).toBe(42.9)
    expect(res.headers['x-printout-code']).toBeUndefined()
    const bad = await get('deputy', `/v1/classes/${classId}/reports/summary-sheet?periodId=${foreignPeriodId}`)
    expect(bad.statusCode).toBe(400)
    expect(bad.json()).toMatchObject({ code: 'validation_failed' })
    const missing = await get('deputy', `/v1/classes/${classId}/reports/summary-sheet`)
    expect(missing.statusCode).toBe(400)
    expect(missing.headers['content-type']).toMatch(/problem\+json/)
  })

  test('the PDF says the headings, a student\'s row and the totals, and carries its code', async () => {
    const res = await get('classTeacher', sheetUrl('pdf'))
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('application/pdf')
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="summary_sheet\.pdf"; filename\*=UTF-8''/)
    expect(decodeURIComponent(String(res.headers['content-disposition']).split("''")[1]!)).toBe('Сводная ведомость, 5Б класс, 1 четверть 2026 2027.pdf')
    const code = String(res.headers['x-printout-code'])
    expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{10}$/)
    const [row] = await t.sql<{ kind: string; title: string; madeByLabel: string; classId: string }[]>`
      select kind, title, made_by_label, class_id from printouts where code = ${code}`
    expect(row).toMatchObject({ kind: 'summary_sheet', classId, title: 'Сводная ведомость, 5Б класс, 1 четверть 2026/2027' })
    expect(row!.madeByLabel).toContain('Классная')

    // the extractor puts a space between a bold run and the text after it
    const pages = (await pdfText(res.rawPayload)).map((p) => p.replace(/ ([,.])/g, '$1'))
    const all = pages.join(' ')
    expect(pages[0]).toContain('Сводная ведомость итоговых отметок')
    expect(pages[0]).toContain('5Б класс, 1 четверть 2026/2027 учебного года')
    expect(pages[0]).toMatch(/3 Васильева Вера 4 зач 4 3 5 1 2 1 успевает, одна «3» \(Русский язык\)/)
    expect(pages[0]).toMatch(/5 Дмитриева Дарья н\/а незач 2 3 4 1 1 1 не успевает/)
    expect(pages[0]).toContain('Жуков Захар (выбыл(а) 19.10.2026) 5 зач 5 5 5 4 в итоги не входит')
    expect(pages[0]).toContain('Классный руководитель: Классная Н. П.')
    expect(all).toContain('Итоги по предметам')
    expect(all).toMatch(/Математика 3 1 1 1 83,3 66,7 4,00 69,3/)
    expect(all).toMatch(/Успеваемость, % 71,4/)
    expect(all).toMatch(/Качество знаний, % 42,9/)
    expect(all).toContain('Неуспевающие: Дмитриева Дарья (Английский язык — н/а, ИЗО — незач, Математика — 2)')
    expect(all).toContain(`${code.slice(0, 5)}-${code.slice(5)}`)
  })

  test('the XLSX keeps numbers as numbers, a worksheet per section', async () => {
    const res = await get('deputy', sheetUrl('xlsx'))
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
    expect(res.headers['x-printout-code']).toMatch(/^[0-9A-HJKMNP-TV-Z]{10}$/)
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer)
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Ведомость', 'По предметам', 'Итоги'])
    const findRow = (ws: ExcelJS.Worksheet, text: string) => {
      let found: ExcelJS.Row | undefined
      ws.eachRow((r) => { if (!found && r.values && (r.values as unknown[]).some((v) => typeof v === 'string' && v.startsWith(text))) found = r })
      if (!found) throw new Error(`no row ${text} in ${ws.name}`)
      return found
    }
    const vasilieva = findRow(wb.getWorksheet('Ведомость')!, 'Васильева Вера')
    // № | name | Англ | ИЗО | Мат | Рус | Физк | 5 | 4 | 3 | 2 | category
    expect([1, 3, 4, 5, 6, 7, 8, 9, 10, 11].map((c) => vasilieva.getCell(c).value)).toEqual([3, 4, 'зач', 4, 3, 5, 1, 2, 1, 0])
    const maths = findRow(wb.getWorksheet('По предметам')!, 'Математика')
    expect([2, 3, 4, 5, 9, 10, 11, 12].map((c) => maths.getCell(c).value)).toEqual([3, 1, 1, 1, 83.3, 66.7, 4, 69.3])
    const totals = wb.getWorksheet('Итоги')!
    expect(findRow(totals, 'Обучающихся на конец периода').getCell(2).value).toBe(7)
    expect(findRow(totals, 'Успеваемость, %').getCell(2).value).toBe(71.4)
    expect(findRow(totals, 'Качество знаний, %').getCell(2).value).toBe(42.9)
  })
})

describe("the class teacher's period report", () => {
  test('composition, tallies, attendance, unexcused absences, missing finals', async () => {
    const res = await get('classTeacher', `/v1/classes/${classId}/reports/class-teacher?periodId=${periodId}`)
    expect(res.statusCode).toBe(200)
    const r = res.json()
    // on 1 September: the 7 admitted then; Зайцева arrived, Жуков left (last day 19 October) → 7
    expect(r.composition).toEqual({
      atStart: 7, atEnd: 7,
      arrived: [{ name: 'Зайцева Зоя', date: '2026-10-05', orderNumber: 'За-1' }],
      left: [{ name: 'Жуков Захар', date: '2026-10-19', orderNumber: 'В-17' }],
    })
    expect(r.tallies).toMatchObject({ students: 7, excellent: 1, good: 2, failing: 1, progressPercent: 71.4, qualityPercent: 42.9 })
    // 12 mathematics lessons; Зайцева from 5 Oct misses none; Жуков's are all before he left
    // Дмитриева н ×11, Григорьев б ×3 → 14 missed of them 3 ill, 11 unexcused
    expect(r.attendance).toMatchObject({ lessonsHeld: 12, schoolDays: 12, missed: 14, ill: 3, excused: 0, unexcused: 11, late: 0, daysMissed: 14 })
    expect(r.unexcusedThreshold).toBe(10)
    expect(r.unexcused).toEqual([{ name: 'Дмитриева Дарья', lessons: 11, days: 11 }])
    // Егоров has no final in any subject: each of the five lacks one of 7
    expect(r.missingFinals).toHaveLength(5)
    expect(r.missingFinals[0]).toEqual({ subject: 'Английский язык', teachers: ['Предметникова О. П.'], missing: 1, students: 7 })
  })

  test('its PDF words the sections', async () => {
    const res = await get('deputy', `/v1/classes/${classId}/reports/class-teacher?periodId=${periodId}&format=pdf`)
    expect(res.statusCode).toBe(200)
    const all = (await pdfText(res.rawPayload)).join(' ').replace(/ ([,.:])/g, '$1')
    expect(all).toContain('Отчёт классного руководителя')
    expect(all).toMatch(/На начало периода 7 Прибыли 1 Выбыли 1 На конец периода 7/)
    expect(all).toContain('Прибыли: Зайцева Зоя — 05.10.2026, приказ № За-1.')
    expect(all).toContain('Пропустили 10 и более уроков без уважительной причины: Дмитриева Дарья — 11 уроков (11 дней).')
    expect(all).toContain('Английский язык Предметникова О. П. 1 из 7')
  })
})

describe('who may read a class report', () => {
  test('the class teacher and the deputy read; a teacher and another class teacher are refused (403); a guardian and another school are not told (404)', async () => {
    expect((await get('classTeacher', sheetUrl())).statusCode).toBe(200)
    expect((await get('deputy', sheetUrl())).statusCode).toBe(200)
    for (const who of ['teacher', 'otherClassTeacher']) {
      const res = await get(who, sheetUrl())
      expect(res.statusCode, who).toBe(403)
      expect(res.json().code).toBe('forbidden')
    }
    for (const who of ['guardian', 'otherSchoolAdmin']) {
      const res = await get(who, sheetUrl('pdf'))
      expect(res.statusCode, who).toBe(404)
      expect(res.json().code).toBe('not_found')
    }
    // the other class's teacher reads their own class
    const own = await get('otherClassTeacher', `/v1/classes/${otherClassId}/reports/class-teacher?periodId=${periodId}`)
    expect(own.statusCode).toBe(200)
    expect(own.json().composition.atEnd).toBe(1)
    // refusals printed nothing
    const [n] = await t.sql<{ n: number }[]>`select count(*)::int as n from printouts where made_by in (
      select account_id from account_persons ap join persons p on p.id = ap.person_id where p.last_name in ('Соседова', 'Предметникова'))`
    expect(n!.n).toBe(0)
  })
})
