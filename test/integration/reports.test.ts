/**
 * Attendance, timeliness and activity reports over the journal fixture (7А, mathematics at
 * lesson 1 and Russian at lesson 2 every day from a week back to a week ahead, taught by
 * Учителева; three students Ученикова0 Анна, Ученикова1 Борис, Ученикова2 Вера, each with a
 * guardian), entries written through the journal's own services; then read over HTTP as JSON,
 * PDF and XLSX by the roles that may, and refused to those that may not.
 */
import ExcelJS from 'exceljs'
import { hashPassword } from '../../core/auth/passwords.ts'
import type { Role } from '../../core/auth/policy.ts'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  addDays, addMark, cancelLesson, createPeriod, patchLesson, setFinalMark, setHomework, setPlan, setSubstitute,
} from '../../core/journal/index.ts'
import { setAttendance } from '../../core/journal/attendance.ts'
import { bearer, createAccount, createPerson, createTestApp, login, type TestApp } from '../helpers/app.ts'
import { buildJournal, ctxOf, linkChat, type JournalFixture } from '../helpers/journal-fixture.ts'
import { pdfText } from '../helpers/pdf.ts'

let t: TestApp
let f: JournalFixture
let substituteId: string
let quarterId: string
let trimesterId: string
const tokens = new Map<string, { accessToken: string }>()
const day = (offset: number) => addDays(f.today, offset)

beforeAll(async () => {
  t = await createTestApp()
  const sql = t.sql
  f = await buildJournal(sql)
  const [anna, boris, vera] = f.students as [typeof f.students[0], typeof f.students[0], typeof f.students[0]]
  const { teacher, admin } = f
  const kind = (k: 'absent' | 'ill' | 'excused' | 'late') => ({ kind: k })

  // ---- attendance, days −4 … −1: the mathematics lesson of day −4 is cancelled
  await cancelLesson(sql, admin, await f.lesson(-4, 1), 'Учитель на курсах')
  await setAttendance(sql, teacher, await f.lesson(-3, 1), anna.id, kind('ill'))
  await setAttendance(sql, teacher, await f.lesson(-3, 2), anna.id, kind('ill'))
  await setAttendance(sql, teacher, await f.lesson(-2, 1), anna.id, kind('excused'))
  await setAttendance(sql, teacher, await f.lesson(-2, 2), anna.id, kind('ill'))
  await setAttendance(sql, teacher, await f.lesson(-1, 1), anna.id, kind('absent'))
  await setAttendance(sql, teacher, await f.lesson(-1, 1), boris.id, kind('late'))
  await setAttendance(sql, teacher, await f.lesson(-1, 2), boris.id, kind('late'))
  await setAttendance(sql, teacher, await f.lesson(-2, 1), vera.id, kind('absent'))
  await setAttendance(sql, teacher, await f.lesson(-2, 2), vera.id, kind('excused'))

  // ---- timeliness: the КТП of mathematics (30 topics) goes to the lessons not cancelled, so
  // by today 8 lessons were timetabled and 7 held; Russian has no plan, one lesson gets a topic by hand
  const [maths] = await sql<{ id: string }[]>`select id from teaching_assignments where class_id = ${f.classId} and subject_id = ${f.subjects.maths}`
  await setPlan(sql, admin, maths!.id, { topics: Array.from({ length: 30 }, (_, i) => `Тема ${i + 1}`) })
  await patchLesson(sql, teacher, await f.lesson(-1, 2), { topic: 'Причастный оборот' })
  const wt = (name: string) => f.workTypes.get(name)!
  await addMark(sql, teacher, await f.lesson(0, 1), { studentId: anna.id, value: 5 }) // today: in time
  await addMark(sql, teacher, await f.lesson(0, 1), { studentId: boris.id, value: 4 }) // today: in time
  await addMark(sql, teacher, await f.lesson(-1, 1), { studentId: vera.id, value: 3 }) // yesterday's answer: late
  await addMark(sql, teacher, await f.lesson(-5, 1), { studentId: anna.id, value: 4, workTypeId: wt('Контрольная работа') }) // 5 days > 3: late
  await addMark(sql, teacher, await f.lesson(-7, 1), { studentId: boris.id, value: 5, workTypeId: wt('Письменная работа') }) // 7 days ≤ 10: in time
  await setHomework(sql, teacher, await f.lesson(-1, 1), { text: '№ 12–15', attachments: [] }) // hours after the day's lessons: late
  await setHomework(sql, teacher, await f.lesson(1, 1), { text: '№ 16', attachments: [] }) // ahead of the lesson: in time

  // a substitute took the Russian lesson of day −2 and marked Вера there
  substituteId = await createPerson(sql, f.schoolId, 'staff', { lastName: 'Заменова', firstName: 'Зоя' })
  const subAccount = await createAccount(sql, { personId: substituteId, roles: [{ role: 'teacher', schoolId: f.schoolId }] })
  await setSubstitute(sql, admin, await f.lesson(-2, 2), substituteId)
  const subCtx = ctxOf(subAccount.accountId, substituteId, [{ role: 'teacher', schoolId: f.schoolId }])
  await addMark(sql, subCtx, await f.lesson(-2, 2), { studentId: vera.id, value: 4 })

  // final marks: the second quarter ended yesterday (entered now: late); the first trimester
  // ends in a week (entered now, before its last week: early)
  const [year] = await sql<{ id: string }[]>`select academic_year_id as id from classes where id = ${f.classId}`
  quarterId = (await createPeriod(sql, admin, f.schoolId, year!.id, { kind: 'quarter', number: 2, gradeFrom: 1, gradeTo: 11, startsOn: day(-17), endsOn: day(-1) })).id
  trimesterId = (await createPeriod(sql, admin, f.schoolId, year!.id, { kind: 'trimester', number: 1, gradeFrom: 1, gradeTo: 11, startsOn: '2026-09-01', endsOn: day(7) })).id
  await setFinalMark(sql, teacher, { periodId: quarterId, subjectId: f.subjects.maths, studentId: anna.id, value: 5 })
  await setFinalMark(sql, teacher, { periodId: trimesterId, subjectId: f.subjects.maths, studentId: boris.id, value: 4 })

  // ---- activity: links and when the chats last spoke to the bot
  const seen = async (chatId: number, daysAgo: number) =>
    sql`insert into bot_chats (chat_id, last_seen_at) values (${chatId}, now() - make_interval(days => ${daysAgo}))`
  await linkChat(sql, anna.id, 1001); await seen(1001, 1) // linked, active
  await linkChat(sql, vera.id, 1003) // linked, never spoke: not active
  await linkChat(sql, anna.guardianId, 2001); await seen(2001, 10) // linked, quiet for 10 days
  await linkChat(sql, boris.guardianId, 2002)
  await sql`update chat_links set unlinked_at = now() where chat_id = 2002` // unlinked: not linked
  await linkChat(sql, vera.guardianId, 2003)
  await sql`update chat_links set dead_at = now(), dead_reason = 'blocked' where chat_id = 2003` // dead: not linked
  await linkChat(sql, vera.guardianId, 2004); await seen(2004, 2) // … but another live, active chat
  const shared = await createPerson(sql, f.schoolId, 'guardian', { guardianOf: [anna.id, boris.id], lastName: 'Бабушкина', firstName: 'Галина' })
  await linkChat(sql, shared, 2005); await seen(2005, 0)

  // ---- accounts
  const account = async (name: string, personId: string, roles: { role: Role; schoolId: string; classId?: string }[]) =>
    tokens.set(name, await login(t.app, await createAccount(sql, { personId, roles })))
  const s = f.schoolId
  await account('deputy', await createPerson(sql, s, 'staff', { lastName: 'Завучева', firstName: 'Елена' }), [{ role: 'deputy', schoolId: s }])
  await account('classTeacher', f.classTeacherId, [{ role: 'teacher', schoolId: s }, { role: 'class_teacher', schoolId: s, classId: f.classId }])
  // the fixture's teacher account: give it a known password to log in with
  const [teacherAccount] = await sql<{ accountId: string; login: string }[]>`
    select a.id as account_id, a.login from accounts a join account_persons ap on ap.account_id = a.id where ap.person_id = ${f.teacherId}`
  await sql`update accounts set password_hash = ${await hashPassword('Teacher-pw-1')} where id = ${teacherAccount!.accountId}`
  tokens.set('teacher', await login(t.app, { login: teacherAccount!.login, password: 'Teacher-pw-1' }))
  tokens.set('substitute', await login(t.app, subAccount))
  await account('guardian', anna.guardianId, [{ role: 'guardian', schoolId: s }])
})

afterAll(async () => {
  await t?.close()
})

const get = (who: string, url: string) => t.app.inject({ method: 'GET', url, headers: bearer(tokens.get(who)!) })

describe('attendance', () => {
  test('per student: lessons missed, of them б, уп, н; late apart; whole days missed by their reason', async () => {
    // days −4 … −1: 7 lessons (the mathematics of day −4 was cancelled) on 4 school days
    const res = await get('classTeacher', `/v1/classes/${f.classId}/reports/attendance?from=${day(-4)}&to=${day(-1)}`)
    expect(res.statusCode).toBe(200)
    const r = res.json()
    expect(r).toMatchObject({ from: day(-4), to: day(-1), heldUntil: day(-1), lessonsHeld: 7, schoolDays: 4, period: null })
    const zero = { ill: 0, excused: 0, unexcused: 0, late: 0, daysMissed: 0, daysIll: 0, daysExcused: 0, daysUnexcused: 0 }
    expect(r.students.map((x: Record<string, unknown>) => ({ ...x, id: undefined }))).toEqual([
      // Анна: day −3 б б (a whole day ill), day −2 уп б (a whole day, excused), day −1 н on one lesson of two
      { ...zero, number: 1, id: undefined, name: 'Ученикова0 Анна', arrivedOn: null, leftOn: null, lessons: 7, missed: 5, ill: 3, excused: 1, unexcused: 1, daysMissed: 2, daysIll: 1, daysExcused: 1 },
      // Борис: late twice, missed nothing
      { ...zero, number: 2, id: undefined, name: 'Ученикова1 Борис', arrivedOn: null, leftOn: null, lessons: 7, missed: 0, late: 2 },
      // Вера: day −2 н уп — a whole day, not excused
      { ...zero, number: 3, id: undefined, name: 'Ученикова2 Вера', arrivedOn: null, leftOn: null, lessons: 7, missed: 2, excused: 1, unexcused: 1, daysMissed: 1, daysUnexcused: 1 },
    ])
    // 21 student-lessons, 7 missed: (21 − 7) / 21 = 66.67 %
    expect(r.totals).toEqual({
      lessons: 21, missed: 7, ill: 3, excused: 2, unexcused: 2, late: 2, daysMissed: 3, daysIll: 1, daysExcused: 1, daysUnexcused: 1,
      attendancePercent: 66.7,
    })
  })

  test('lessons are counted up to today; a period gives the range', async () => {
    const ahead = (await get('deputy', `/v1/classes/${f.classId}/reports/attendance?from=${day(-4)}&to=${day(3)}`)).json()
    expect(ahead).toMatchObject({ heldUntil: day(0), lessonsHeld: 9, schoolDays: 5 }) // + today's two
    const quarter = (await get('deputy', `/v1/classes/${f.classId}/reports/attendance?periodId=${quarterId}`)).json()
    // the quarter ended yesterday; lessons exist from day −7: 7 days × 2 − 1 cancelled
    expect(quarter).toMatchObject({ from: day(-17), to: day(-1), lessonsHeld: 13, period: { id: quarterId, kind: 'quarter', number: 2 } })
    expect(quarter.totals.missed).toBe(7)
  })

  test('PDF and XLSX', async () => {
    const pdf = await get('classTeacher', `/v1/classes/${f.classId}/reports/attendance?from=${day(-4)}&to=${day(-1)}&format=pdf`)
    expect(pdf.statusCode).toBe(200)
    const text = (await pdfText(pdf.rawPayload)).join(' ')
    expect(text).toContain('Сводка посещаемости')
    expect(text).toContain('Ученикова0 Анна 7 5 3 1 1 0 2 1 1 0')
    expect(text).toContain('Итого по классу 21 7 3 2 2 2 3 1 1 1')
    expect(text).toContain('Посещаемость: 66,7 %')
    const xlsx = await get('classTeacher', `/v1/classes/${f.classId}/reports/attendance?from=${day(-4)}&to=${day(-1)}&format=xlsx`)
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer)
    const ws = wb.worksheets[0]!
    let total: unknown[] = []
    ws.eachRow((row) => { if (row.getCell(2).value === 'Итого по классу') total = (row.values as unknown[]).slice(3) })
    expect(total).toEqual([21, 7, 3, 2, 2, 2, 3, 1, 1, 1])
  })

  test('bad parameters are problems with a code', async () => {
    const base = `/v1/classes/${f.classId}/reports/attendance`
    for (const q of [`from=${day(-1)}&to=${day(-4)}`, `periodId=${quarterId}&from=${day(-1)}`, `from=${day(-1)}`, '', 'from=2026-13-01&to=2026-12-01', `periodId=${quarterId}&format=doc`]) {
      const res = await get('deputy', `${base}?${q}`)
      expect(res.statusCode, q).toBe(400)
      expect(res.json().code, q).toBe('validation_failed')
    }
  })
})

describe('journal filling and timeliness', () => {
  const range = () => `from=${day(-7)}&to=${day(7)}`

  test('per teacher × class × subject, the substitute\'s lesson theirs', async () => {
    const res = await get('deputy', `/v1/schools/${f.schoolId}/reports/timeliness?${range()}`)
    expect(res.statusCode).toBe(200)
    const r = res.json()
    expect(r).toMatchObject({ heldUntil: day(0), teacher: null, period: null })
    expect(r.rows.map((x: { teacher: string; class: string; subject: string }) => `${x.teacher} ${x.class} ${x.subject}`)).toEqual([
      'Заменова З. П. 7А Русский язык', 'Учителева О. П. 7А Математика', 'Учителева О. П. 7А Русский язык',
    ])
    const [sub, maths, russian] = r.rows
    expect(sub).toMatchObject({ lessonsHeld: 1, lessonsWithTopic: 0, marks: 1, marksLate: 1, marksLateSameDay: 1, planTopics: null, students: 3 })
    expect(maths).toMatchObject({
      // days −7 … 0 less the cancelled day −4
      lessonsHeld: 7, lessonsCancelled: 1, lessonsWithTopic: 7,
      // 8 lessons timetabled by today (the cancelled one too), 7 plan topics taught: behind by 1
      planTopics: 30, planDue: 8, planCovered: 7, planBehind: 1,
      // 5 marks for 3 students = 1.67; late: yesterday's answer (same-day rule), the test of day −5 (3 days);
      // the written work of day −7 is within its 10 days
      students: 3, marks: 5, marksPerStudent: 1.7, marksLate: 2, marksLateSameDay: 1, marksLateTest: 1, marksLateWritten: 0,
      homework: 2, homeworkLate: 1,
      // the quarter's final after its end; the trimester's before its last week
      finals: 2, finalsEarly: 1, finalsLate: 1,
    })
    // the substitute took day −2: 8 − 1 held; one topic entered by hand
    expect(russian).toMatchObject({ lessonsHeld: 7, lessonsWithTopic: 1, marks: 0, marksPerStudent: 0, planTopics: null, homework: 0, finals: 0 })
    expect(r.totals).toMatchObject({
      lessonsHeld: 15, lessonsCancelled: 1, lessonsWithTopic: 8, planTopics: 30, planBehind: 1, marks: 6, marksLate: 3,
      homework: 2, homeworkLate: 1, finals: 2, finalsEarly: 1, finalsLate: 1,
    })
  })

  test('one teacher: by teacherId for the deputy, their own for the teacher', async () => {
    const byDeputy = (await get('deputy', `/v1/schools/${f.schoolId}/reports/timeliness?${range()}&teacherId=${f.teacherId}`)).json()
    const own = await get('teacher', `/v1/staff/${f.teacherId}/reports/timeliness?${range()}`)
    expect(own.statusCode).toBe(200)
    expect(own.json().teacher).toEqual({ id: f.teacherId, name: 'Учителева О. П.' })
    expect(own.json().rows.map((x: { subject: string }) => x.subject)).toEqual(['Математика', 'Русский язык'])
    expect(own.json().rows).toEqual(byDeputy.rows)
    const period = (await get('teacher', `/v1/staff/${f.teacherId}/reports/timeliness?periodId=${quarterId}`)).json()
    expect(period.period.id).toBe(quarterId)
    expect(period.rows[0]).toMatchObject({ subject: 'Математика', finals: 1, finalsLate: 1 })
  })

  test('its PDF', async () => {
    const res = await get('deputy', `/v1/schools/${f.schoolId}/reports/timeliness?${range()}&format=pdf`)
    expect(res.statusCode).toBe(200)
    expect(res.headers['x-printout-code']).toMatch(/^[0-9A-HJKMNP-TV-Z]{10}$/)
    const text = (await pdfText(res.rawPayload)).join(' ')
    expect(text).toContain('Наполняемость и своевременность заполнения журнала')
    expect(text).toContain('Учителева О. П. 7А Математика 7 1 7 7 из 8 1 3 5 1,7 1 1 0 2 1 2 1 1')
  })

  test('who may read it', async () => {
    const school = `/v1/schools/${f.schoolId}/reports/timeliness?${range()}`
    expect((await get('teacher', school)).statusCode).toBe(403)
    expect((await get('guardian', school)).statusCode).toBe(403)
    expect((await get('deputy', `/v1/staff/${substituteId}/reports/timeliness?${range()}`)).statusCode).toBe(200)
    expect((await get('substitute', `/v1/staff/${substituteId}/reports/timeliness?${range()}`)).statusCode).toBe(200)
    const other = await get('teacher', `/v1/staff/${substituteId}/reports/timeliness?${range()}`)
    expect(other.statusCode).toBe(403)
    expect(other.json().code).toBe('forbidden')
    expect((await get('guardian', `/v1/staff/${f.teacherId}/reports/timeliness?${range()}`)).statusCode).toBe(404)
    // a student is no staff member
    expect((await get('deputy', `/v1/staff/${f.students[0]!.id}/reports/timeliness?${range()}`)).statusCode).toBe(404)
    const bad = await get('deputy', `${school}&teacherId=${f.students[0]!.id}`)
    expect(bad.statusCode).toBe(400)
    expect(bad.json().code).toBe('validation_failed')
  })
})

describe('activity', () => {
  test('linked and active per student and guardian; names only', async () => {
    const res = await get('classTeacher', `/v1/classes/${f.classId}/reports/activity`)
    expect(res.statusCode).toBe(200)
    const r = res.json()
    expect(r.activeDays).toBe(7)
    expect(r.students).toEqual([
      {
        number: 1, name: 'Ученикова0 Анна', linked: true, active: true,
        guardians: [{ name: 'Бабушкина Галина', linked: true, active: true }, { name: 'Родителева0 Мария', linked: true, active: false }],
      },
      {
        number: 2, name: 'Ученикова1 Борис', linked: false, active: false,
        guardians: [{ name: 'Бабушкина Галина', linked: true, active: true }, { name: 'Родителева1 Мария', linked: false, active: false }],
      },
      {
        number: 3, name: 'Ученикова2 Вера', linked: true, active: false,
        guardians: [{ name: 'Родителева2 Мария', linked: true, active: true }],
      },
    ])
    // students 2/3 linked, 1/3 active; 4 distinct guardians (Бабушкина counted once): 3 linked, 2 active;
    // every family has a linked guardian
    expect(r.totals).toEqual({
      students: 3, studentsLinked: 2, studentsActive: 1, studentsLinkedPercent: 66.7, studentsActivePercent: 33.3,
      guardians: 4, guardiansLinked: 3, guardiansActive: 2, guardiansLinkedPercent: 75, guardiansActivePercent: 50,
      familiesReached: 3, familiesReachedPercent: 100,
    })
    expect(res.body).not.toMatch(/100[1-5]|200[1-5]|phone|chat/i)
    const pdf = await get('classTeacher', `/v1/classes/${f.classId}/reports/activity?format=pdf`)
    const text = (await pdfText(pdf.rawPayload)).join(' ')
    expect(text).toContain('Подключение к боту и активность семей')
    expect(text).toContain('Семей, где бот подключён хотя бы у одного из родителей 3 100,0 %')
  })

  test('the class teacher and the deputy read the class reports; its subject teacher is refused, a guardian not told', async () => {
    for (const report of ['activity', `attendance?from=${day(-4)}&to=${day(-1)}`]) {
      const url = `/v1/classes/${f.classId}/reports/${report}`
      expect((await get('deputy', url)).statusCode).toBe(200)
      expect((await get('classTeacher', url)).statusCode).toBe(200)
      expect((await get('teacher', url)).statusCode).toBe(403)
      expect((await get('guardian', url)).statusCode).toBe(404)
    }
  })
})

test('the OpenAPI document describes the report routes', async () => {
  const res = await t.app.inject({ method: 'GET', url: '/docs/json' })
  expect(res.statusCode).toBe(200)
  const paths = Object.keys(res.json().paths)
  for (const p of [
    '/v1/classes/{classId}/reports/summary-sheet', '/v1/classes/{classId}/reports/attendance', '/v1/classes/{classId}/reports/class-teacher',
    '/v1/classes/{classId}/reports/activity', '/v1/schools/{schoolId}/reports/timeliness', '/v1/staff/{personId}/reports/timeliness',
  ]) expect(paths).toContain(p)
})
