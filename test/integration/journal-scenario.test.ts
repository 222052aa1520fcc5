/**
 * One school week of 5А through the HTTP API, the way a school lives it: the deputy sets up the
 * year, the curriculum and the timetable and generates the week, then cancels and moves lessons;
 * the mathematics teacher saves Monday's grid (idempotent under its request id), gives homework,
 * records an absence and a make-up mark; a substitute takes Wednesday's mathematics; the Russian
 * teacher gives homework due at a lesson the deputy then brings forward, and marks an essay; the
 * quarter's final marks are set; and the guardian's diary shows exactly that.
 *
 * The week is the one before the current one (school-local, Europe/Moscow): every lesson has
 * taken place, so marks and attendance are accepted, and everything is entered 3 to 13 days
 * after the lesson. That decides the `late` flags (core/journal/time.ts): attendance, homework
 * and marks of a work type with no extra days are due on the lesson's day, so they are late; a
 * test (контрольная, 3 days) written on Monday was due by Thursday, also late; an essay
 * (сочинение, 10 days) written on Thursday is due by the end of the current week's Sunday, the
 * latest possible today, so it is on time; the quarter ends four weeks after the scenario week,
 * so its final marks are on time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addDays, localDate, weekday } from '../../core/journal/time.ts'
import {
  bearer, createAccount, createPerson, createSchool, createTestApp, login, type TestApp, type Tokens,
} from '../helpers/app.ts'

const TZ = 'Europe/Moscow'
const today = localDate(new Date(), TZ)
/** Monday of the week before the current one */
const monday = addDays(today, 1 - weekday(today) - 7)
/** 0 Monday … 4 Friday of the scenario week */
const day = (i: number) => addDays(monday, i)
/** Moscow keeps UTC+3 the whole year */
const at = (date: string, time: string) => new Date(`${date}T${time}:00+03:00`).toISOString()

// The year is cut around the week so that the week and today always lie inside it, whatever the
// date of the run; the quarter contains the week and ends four weeks after it.
const yearStarts = addDays(monday, -63)
const yearEnds = addDays(monday, 294)
const quarterStarts = addDays(monday, -14)
const quarterEnds = addDays(monday, 27)

const BELLS: Record<number, { startsAt: string; endsAt: string }> = {
  1: { startsAt: '08:30', endsAt: '09:15' },
  2: { startsAt: '09:25', endsAt: '10:10' },
  3: { startsAt: '10:30', endsAt: '11:15' },
  4: { startsAt: '11:35', endsAt: '12:20' },
}

type SubjectKey = 'math' | 'rus' | 'lit'
const SUBJECTS: Record<SubjectKey, { name: string; room: string }> = {
  math: { name: 'Математика', room: '214' },
  rus: { name: 'Русский язык', room: '305' },
  lit: { name: 'Литература', room: '305' },
}
/** the weekly timetable of 5А: [weekday, lesson number, subject] */
const TIMETABLE: [number, number, SubjectKey][] = [
  [1, 1, 'math'], [1, 2, 'rus'],
  [2, 1, 'lit'], [2, 2, 'math'],
  [3, 1, 'math'], [3, 2, 'rus'],
  [4, 1, 'lit'], [4, 2, 'math'],
  [5, 1, 'math'], [5, 2, 'rus'],
]
/** the calendar-thematic plans (КТП): lesson n of the assignment gets topic n */
const PLANS: Record<SubjectKey, string[]> = {
  math: [
    'Натуральные числа и шкалы', 'Сложение натуральных чисел', 'Вычитание натуральных чисел',
    'Числовые и буквенные выражения', 'Уравнения', 'Контрольная работа № 1',
  ],
  rus: ['Звуки и буквы', 'Орфограмма', 'Правописание проверяемых безударных гласных'],
  lit: ['Мифы Древней Греции', 'Подвиги Геракла'],
}

const HOMEWORK_MONDAY = {
  text: 'Выучить определения, решить задачи', pages: 'с. 12–14', exercises: '№ 15, 17',
  attachments: [{ name: 'Карточка.pdf', ref: 'https://files.example/5a/math/card-15.pdf' }],
}
const HOMEWORK_WEDNESDAY = { text: 'Решить задачи на вычитание', exercises: '№ 41, 43' }
const HOMEWORK_RUSSIAN = { text: 'Списать текст, вставить пропущенные буквы', exercises: 'упр. 58' }
const TEST_COMMENT = 'Контрольная работа по теме «Натуральные числа»'
const MAKE_UP_COMMENT = 'Отработка пропущенного урока'
const ESSAY_COMMENT = 'Сочинение «Как я провёл лето»'

let t: TestApp
let schoolId: string
/** persons */
let teacherA: string, teacherB: string, teacherC: string, orlov: string, zhukov: string, novikov: string
let tok: Record<'deputy' | 'teacherA' | 'teacherB' | 'teacherC' | 'guardian' | 'otherGuardian', Tokens>

/** ids made during the scenario */
let yearId: string, quarterId: string, classId: string
const subjectId = {} as Record<SubjectKey, string>
const workType = {} as Record<string, string>
/** the week's lessons by place: L['2/1'] is Wednesday's first lesson as generated */
const L: Record<string, string> = {}
/** Орлов's marks by meaning */
const mark = {} as Record<'monAnswer' | 'monTest' | 'tueMakeUp' | 'wedSubstitute' | 'wedRus' | 'friHomework' | 'friEssay', string>

beforeAll(async () => {
  t = await createTestApp()
  schoolId = await createSchool(t.sql)
  const staff = (lastName: string, firstName: string) => createPerson(t.sql, schoolId, 'staff', { lastName, firstName })
  const deputy = await staff('Белов', 'Игорь')
  teacherA = await staff('Иванов', 'Сергей') // mathematics
  teacherB = await staff('Соколов', 'Андрей') // Russian and literature; the class teacher of 5А
  teacherC = await staff('Кузнецов', 'Олег') // teaches elsewhere; substitutes on Wednesday
  // students are enrolled through the movement book below, not by the helper
  orlov = await createPerson(t.sql, schoolId, 'student', { lastName: 'Орлов', firstName: 'Илья' })
  zhukov = await createPerson(t.sql, schoolId, 'student', { lastName: 'Жуков', firstName: 'Глеб' })
  novikov = await createPerson(t.sql, schoolId, 'student', { lastName: 'Новиков', firstName: 'Марк' })
  const mother = await createPerson(t.sql, schoolId, 'guardian', { guardianOf: [orlov], lastName: 'Орлова', firstName: 'Анна' })
  const otherMother = await createPerson(t.sql, schoolId, 'guardian', { guardianOf: [zhukov], lastName: 'Жукова', firstName: 'Ольга' })
  const teacherRole = [{ role: 'teacher' as const, schoolId }]
  const accounts = {
    deputy: await createAccount(t.sql, { personId: deputy, roles: [{ role: 'deputy', schoolId }] }),
    teacherA: await createAccount(t.sql, { personId: teacherA, roles: teacherRole }),
    teacherB: await createAccount(t.sql, { personId: teacherB, roles: teacherRole }),
    teacherC: await createAccount(t.sql, { personId: teacherC, roles: teacherRole }),
    guardian: await createAccount(t.sql, { personId: mother, roles: [{ role: 'guardian', schoolId }] }),
    otherGuardian: await createAccount(t.sql, { personId: otherMother, roles: [{ role: 'guardian', schoolId }] }),
  }
  tok = Object.fromEntries(await Promise.all(
    Object.entries(accounts).map(async ([k, a], i) => [k, await login(t.app, a, `10.40.0.${i + 1}`)]),
  )) as typeof tok
})
afterAll(async () => { await t?.close() })

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
const call = (who: Tokens, method: Method, url: string, payload?: object) =>
  t.app.inject({ method, url: `/v1${url}`, headers: bearer(who), ...(payload ? { payload } : {}) })
type Res = Awaited<ReturnType<typeof call>>

/** Asserts the status (showing the body when it differs) and returns the parsed body. */
function body(res: Res, status: number) {
  expect(res.statusCode, res.body).toBe(status)
  return res.body ? res.json() : null
}

const outboxCount = async () => (await t.sql<{ n: number }[]>`select count(*)::int as n from outbox`)[0]!.n

interface MarkOut { id: string; value: number | null; passed: boolean | null; workType: string; weight: number; comment: string | null }
/** Marks saved in one request share their entry time, so their order is not defined: compare them by weight. */
const byWeight = <M extends { weight: number }>(marks: M[]) => [...marks].sort((a, b) => a.weight - b.weight)

describe('one school week of 5А', () => {
  it('the deputy sets up the year, the curriculum and the timetable, and generates the week', async () => {
    const year = body(await call(tok.deputy, 'POST', `/schools/${schoolId}/years`, {
      name: `${yearStarts.slice(0, 4)}/${yearEnds.slice(0, 4)}`, startsOn: yearStarts, endsOn: yearEnds,
    }), 201)
    yearId = year.id
    const quarter = body(await call(tok.deputy, 'POST', `/schools/${schoolId}/years/${yearId}/periods`, {
      kind: 'quarter', number: 2, gradeFrom: 1, gradeTo: 9, startsOn: quarterStarts, endsOn: quarterEnds,
    }), 201)
    quarterId = quarter.id
    // the annual period carries the year's final marks; the diary summarises quarters only
    body(await call(tok.deputy, 'POST', `/schools/${schoolId}/years/${yearId}/periods`, {
      kind: 'year', number: 1, gradeFrom: 1, gradeTo: 11, startsOn: yearStarts, endsOn: yearEnds,
    }), 201)

    // the first year brings the default work types: their weights make the averages below
    const types = body(await call(tok.deputy, 'GET', `/schools/${schoolId}/work-types`), 200).items
    expect(types.map((w: { name: string; weight: number; deadlineDays: number; isDefault: boolean }) =>
      [w.name, w.weight, w.deadlineDays, w.isDefault])).toEqual([
      ['Домашняя работа', 1, 0, false],
      ['Ответ на уроке', 1, 0, true],
      ['Письменная работа', 1.5, 10, false],
      ['Проверочная работа', 1.5, 3, false],
      ['Самостоятельная работа', 1.5, 0, false],
      ['Контрольная работа', 2, 3, false],
      ['Сочинение', 2, 10, false],
    ])
    for (const w of types) workType[w.name] = w.id

    body(await call(tok.deputy, 'PUT', `/schools/${schoolId}/bells`, {
      shift: 1, bells: Object.entries(BELLS).map(([n, b]) => ({ number: Number(n), ...b })),
    }), 200)
    for (const key of Object.keys(SUBJECTS) as SubjectKey[])
      subjectId[key] = body(await call(tok.deputy, 'POST', `/schools/${schoolId}/subjects`, { name: SUBJECTS[key].name }), 201).id

    const cls = body(await call(tok.deputy, 'POST', `/schools/${schoolId}/classes`, {
      academicYearId: yearId, grade: 5, letter: 'А', classTeacherId: teacherB,
    }), 201)
    classId = cls.id
    expect(cls).toMatchObject({ grade: 5, letter: 'А', classTeacherId: teacherB })
    for (const studentId of [orlov, zhukov, novikov]) {
      body(await call(tok.deputy, 'POST', `/schools/${schoolId}/movements`, {
        kind: 'admission', studentId, toClassId: classId, occurredOn: yearStarts, orderNumber: '№ 41-у',
      }), 201)
    }

    const teacherOf: Record<SubjectKey, string> = { math: teacherA, rus: teacherB, lit: teacherB }
    const assignment = {} as Record<SubjectKey, string>
    for (const key of Object.keys(SUBJECTS) as SubjectKey[]) {
      assignment[key] = body(await call(tok.deputy, 'POST', `/schools/${schoolId}/assignments`, {
        classId, subjectId: subjectId[key], teacherId: teacherOf[key],
      }), 201).id
    }
    // the plan is the teacher's own document; the administration may load it too
    expect(body(await call(tok.teacherA, 'PUT', `/assignments/${assignment.math}/plan`, { topics: PLANS.math }), 200)).toEqual({ topics: 6 })
    body(await call(tok.deputy, 'PUT', `/assignments/${assignment.rus}/plan`, { topics: PLANS.rus }), 200)
    body(await call(tok.deputy, 'PUT', `/assignments/${assignment.lit}/plan`, { topics: PLANS.lit }), 200)
    // a teacher may not load another teacher's plan
    expect(body(await call(tok.teacherA, 'PUT', `/assignments/${assignment.rus}/plan`, { topics: ['Чужая тема'] }), 403).code).toBe('forbidden')

    for (const [wd, lessonNumber, key] of TIMETABLE) {
      body(await call(tok.deputy, 'POST', `/schools/${schoolId}/timetable`, {
        assignmentId: assignment[key], weekday: wd, lessonNumber, room: SUBJECTS[key].room, validFrom: yearStarts,
      }), 201)
    }
    const generate = { from: day(0), to: day(4), classId }
    expect(body(await call(tok.deputy, 'POST', `/schools/${schoolId}/lessons/generate`, generate), 200)).toEqual({ created: 10 })

    const lessons = body(await call(tok.deputy, 'GET', `/classes/${classId}/lessons?from=${day(0)}&to=${day(6)}`), 200).items
    for (const l of lessons) L[`${[0, 1, 2, 3, 4].find((i) => day(i) === l.date)}/${l.lessonNumber}`] = l.id
    // each lesson takes the next topic of its subject's plan, its room and its teacher
    expect(lessons.map((l: { date: string; lessonNumber: number; subject: string; topic: string; room: string; teacher: { lastName: string }; startsAt: string }) =>
      [l.date, l.lessonNumber, l.subject, l.topic, l.room, l.teacher.lastName, l.startsAt])).toEqual([
      [day(0), 1, 'Математика', 'Натуральные числа и шкалы', '214', 'Иванов', at(day(0), '08:30')],
      [day(0), 2, 'Русский язык', 'Звуки и буквы', '305', 'Соколов', at(day(0), '09:25')],
      [day(1), 1, 'Литература', 'Мифы Древней Греции', '305', 'Соколов', at(day(1), '08:30')],
      [day(1), 2, 'Математика', 'Сложение натуральных чисел', '214', 'Иванов', at(day(1), '09:25')],
      [day(2), 1, 'Математика', 'Вычитание натуральных чисел', '214', 'Иванов', at(day(2), '08:30')],
      [day(2), 2, 'Русский язык', 'Орфограмма', '305', 'Соколов', at(day(2), '09:25')],
      [day(3), 1, 'Литература', 'Подвиги Геракла', '305', 'Соколов', at(day(3), '08:30')],
      [day(3), 2, 'Математика', 'Числовые и буквенные выражения', '214', 'Иванов', at(day(3), '09:25')],
      [day(4), 1, 'Математика', 'Уравнения', '214', 'Иванов', at(day(4), '08:30')],
      [day(4), 2, 'Русский язык', 'Правописание проверяемых безударных гласных', '305', 'Соколов', at(day(4), '09:25')],
    ])
  })

  it("the deputy cancels Thursday's literature and moves Tuesday's to Wednesday; generating again adds nothing", async () => {
    const cancelled = body(await call(tok.deputy, 'POST', `/lessons/${L['3/1']}/cancel`, { reason: 'Учитель на курсах повышения квалификации' }), 200)
    expect(cancelled).toMatchObject({ id: L['3/1'], status: 'cancelled', topic: 'Подвиги Геракла' })
    const moved = body(await call(tok.deputy, 'POST', `/lessons/${L['1/1']}/move`, { date: day(2), lessonNumber: 3, reason: 'Экскурсия во вторник' }), 200)
    expect(moved).toMatchObject({
      id: L['1/1'], date: day(2), lessonNumber: 3, startsAt: at(day(2), '10:30'), endsAt: at(day(2), '11:15'), status: 'planned',
    })
    // the moved lesson keeps its timetable place, so the timetable does not put it back on Tuesday
    expect(body(await call(tok.deputy, 'POST', `/schools/${schoolId}/lessons/generate`, { from: day(0), to: day(4), classId }), 200)).toEqual({ created: 0 })
    // a cancelled lesson takes no marks, even from its own teacher
    const refused = body(await call(tok.teacherB, 'POST', `/lessons/${L['3/1']}/marks`, { studentId: orlov, value: 5 }), 422)
    expect(refused.code).toBe('rule_violation')
  })

  it("the teacher saves Monday's grid once: a retry replays it, the same id with another request is refused", async () => {
    const lessonId = L['0/1']!
    const grid = {
      requestId: 'grid-5a-math-monday-1',
      attendance: [
        { studentId: zhukov, kind: 'late', reason: 'Опоздал на 10 минут' },
        { studentId: novikov, kind: 'absent' },
        { studentId: orlov, kind: null }, // present: nothing to record
      ],
      marks: [
        { studentId: orlov, value: 5 }, // the default work type: an answer in class
        { studentId: orlov, value: 4, workTypeId: workType['Контрольная работа'], comment: TEST_COMMENT },
        { studentId: zhukov, value: 3 },
      ],
    }
    const outboxBefore = await outboxCount()
    const first = await call(tok.teacherA, 'POST', `/lessons/${lessonId}/grid`, grid)
    const saved = body(first, 200)
    expect(first.headers['idempotent-replayed']).toBeUndefined()
    expect(saved.changes).toBe(5)
    expect(saved.journal.lesson).toMatchObject({ id: lessonId, subject: 'Математика', topic: 'Натуральные числа и шкалы' })
    expect(saved.journal.students.map((s: { lastName: string; attendance: { kind: string; reason: string | null; late: boolean } | null; marks: (MarkOut & { late: boolean })[] }) => ({
      lastName: s.lastName,
      attendance: s.attendance && { kind: s.attendance.kind, reason: s.attendance.reason, late: s.attendance.late },
      marks: byWeight(s.marks).map((m) => ({ value: m.value, workType: m.workType, weight: m.weight, comment: m.comment, late: m.late })),
    }))).toEqual([
      // entered days after the lesson: attendance and answers were due that day, the test within 3 days
      { lastName: 'Жуков', attendance: { kind: 'late', reason: 'Опоздал на 10 минут', late: true },
        marks: [{ value: 3, workType: 'Ответ на уроке', weight: 1, comment: null, late: true }] },
      { lastName: 'Новиков', attendance: { kind: 'absent', reason: null, late: true }, marks: [] },
      { lastName: 'Орлов', attendance: null, marks: [
        { value: 5, workType: 'Ответ на уроке', weight: 1, comment: null, late: true },
        { value: 4, workType: 'Контрольная работа', weight: 2, comment: TEST_COMMENT, late: true },
      ] },
    ])
    const orlovMarks = byWeight(saved.journal.students.find((s: { id: string }) => s.id === orlov).marks as MarkOut[])
    mark.monAnswer = orlovMarks[0]!.id
    mark.monTest = orlovMarks[1]!.id
    // one outbox event per change, in the same transaction
    expect(await outboxCount()).toBe(outboxBefore + 5)
    expect(await t.sql`select kind, count(*)::int as n from outbox where payload->>'lessonId' = ${lessonId} group by kind order by kind`).toEqual([
      { kind: 'attendance.set', n: 2 }, { kind: 'lesson.created', n: 1 }, { kind: 'mark.created', n: 3 },
    ])

    // the client did not hear the answer and sends the same request again
    const retry = await call(tok.teacherA, 'POST', `/lessons/${lessonId}/grid`, grid)
    expect(retry.statusCode).toBe(200)
    expect(retry.headers['idempotent-replayed']).toBe('true')
    expect(retry.json()).toEqual(saved)
    expect(retry.body).toBe(first.body)
    expect(await outboxCount()).toBe(outboxBefore + 5)

    // the same id for a different request
    const reused = body(await call(tok.teacherA, 'POST', `/lessons/${lessonId}/grid`, {
      ...grid, marks: [{ studentId: novikov, value: 2 }],
    }), 409)
    expect(reused.code).toBe('idempotency_key_reused')
    expect(await outboxCount()).toBe(outboxBefore + 5)
    expect(await t.sql`select count(*)::int as n from marks where lesson_id = ${lessonId}`).toEqual([{ n: 3 }])
  })

  it("homework given on Monday is due at the next mathematics lesson, Tuesday's", async () => {
    const hw = body(await call(tok.teacherA, 'PUT', `/lessons/${L['0/1']}/homework`, HOMEWORK_MONDAY), 200)
    expect(hw).toMatchObject({
      lessonId: L['0/1'], ...HOMEWORK_MONDAY, dueLessonId: L['1/2'], dueOn: day(1),
      late: true, // due 1.5 h after the class's last lesson that Monday
    })
  })

  it('an absence on Tuesday, then a make-up mark on the same lesson: the absence stays and the mark is there', async () => {
    const lessonId = L['1/2']!
    expect(body(await call(tok.teacherA, 'PUT', `/lessons/${lessonId}/attendance/${orlov}`, { kind: 'absent' }), 204)).toBeNull()
    const makeUp = body(await call(tok.teacherA, 'POST', `/lessons/${lessonId}/marks`, {
      studentId: orlov, value: 5, workTypeId: workType['Самостоятельная работа'], comment: MAKE_UP_COMMENT,
    }), 201)
    expect(makeUp).toMatchObject({ lessonId, studentId: orlov, value: 5, passed: null, workType: 'Самостоятельная работа', weight: 1.5, late: true })
    mark.tueMakeUp = makeUp.id
    const page = body(await call(tok.teacherA, 'GET', `/lessons/${lessonId}`), 200)
    const row = page.students.find((s: { id: string }) => s.id === orlov)
    expect(row.attendance).toMatchObject({ kind: 'absent', reason: null, reasonConfirmedAt: null, late: true })
    expect(row.marks.map((m: MarkOut) => [m.id, m.value, m.comment])).toEqual([[mark.tueMakeUp, 5, MAKE_UP_COMMENT]])
  })

  it("the deputy records a substitute for Wednesday's mathematics: the substitute writes in it, the class teacher of another subject cannot", async () => {
    const lessonId = L['2/1']!
    const sub = body(await call(tok.deputy, 'PUT', `/lessons/${lessonId}/substitute`, { substituteTeacherId: teacherC }), 200)
    expect(sub.teacher.id).toBe(teacherA)
    expect(sub.substitute).toEqual({ id: teacherC, lastName: 'Кузнецов', firstName: 'Олег', middleName: 'Петрович' })
    // the substitute finds the lesson among their day's lessons, though not assigned to mathematics in 5А
    const day2 = body(await call(tok.teacherC, 'GET', `/me/lessons?date=${day(2)}`), 200)
    expect(day2.items.map((l: { id: string }) => l.id)).toEqual([lessonId])

    const m = body(await call(tok.teacherC, 'POST', `/lessons/${lessonId}/marks`, { studentId: orlov, value: 4 }), 201)
    expect(m).toMatchObject({ value: 4, workType: 'Ответ на уроке', weight: 1, late: true })
    mark.wedSubstitute = m.id
    const hw = body(await call(tok.teacherC, 'PUT', `/lessons/${lessonId}/homework`, HOMEWORK_WEDNESDAY), 200)
    expect(hw).toMatchObject({ dueLessonId: L['3/2'], dueOn: day(3), pages: null, attachments: [], late: true })

    // the class teacher reads the lesson but edits nothing in another teacher's subject
    expect(body(await call(tok.teacherB, 'GET', `/lessons/${lessonId}`), 200).lesson.id).toBe(lessonId)
    expect(body(await call(tok.teacherB, 'POST', `/lessons/${lessonId}/marks`, { studentId: orlov, value: 2 }), 403).code).toBe('forbidden')
    // the substitution covers that one lesson: Monday's mathematics is none of the substitute's business
    expect(body(await call(tok.teacherC, 'POST', `/lessons/${L['0/1']}/marks`, { studentId: orlov, value: 2 }), 404).code).toBe('not_found')
    expect(await t.sql`select count(*)::int as n from marks where lesson_id in ${t.sql([lessonId, L['0/1']!])} and value = 2`).toEqual([{ n: 0 }])
  })

  it("Russian: homework due at Friday's lesson follows it when the deputy brings that lesson forward to Thursday", async () => {
    const wed = body(await call(tok.teacherB, 'POST', `/lessons/${L['2/2']}/marks`, { studentId: orlov, value: 4 }), 201)
    expect(wed).toMatchObject({ value: 4, workType: 'Ответ на уроке', weight: 1, late: true })
    mark.wedRus = wed.id
    const hw = body(await call(tok.teacherB, 'PUT', `/lessons/${L['2/2']}/homework`, HOMEWORK_RUSSIAN), 200)
    expect(hw).toMatchObject({ dueLessonId: L['4/2'], dueOn: day(4) })
    const moved = body(await call(tok.deputy, 'POST', `/lessons/${L['4/2']}/move`, { date: day(3), lessonNumber: 3, reason: 'Изменение расписания' }), 200)
    expect(moved).toMatchObject({ date: day(3), lessonNumber: 3, startsAt: at(day(3), '10:30') })
    const page = body(await call(tok.teacherB, 'GET', `/lessons/${L['2/2']}`), 200)
    expect(page.homework).toMatchObject({ dueLessonId: L['4/2'], dueOn: day(3) })
  })

  it('an essay within its 10 days is on time; a pass/fail mark is shown but not averaged', async () => {
    // the essay's lesson is now on Thursday: due 10 days after it, never before the end of this week
    const essay = body(await call(tok.teacherB, 'POST', `/lessons/${L['4/2']}/marks`, {
      studentId: orlov, value: 5, workTypeId: workType['Сочинение'], comment: ESSAY_COMMENT,
    }), 201)
    expect(essay).toMatchObject({ value: 5, workType: 'Сочинение', weight: 2, comment: ESSAY_COMMENT, late: false })
    mark.friEssay = essay.id
    const pass = body(await call(tok.teacherA, 'POST', `/lessons/${L['4/1']}/marks`, {
      studentId: orlov, passed: true, workTypeId: workType['Домашняя работа'],
    }), 201)
    expect(pass).toMatchObject({ value: null, passed: true, workType: 'Домашняя работа', weight: 1, late: true })
    mark.friHomework = pass.id
  })

  it("the quarter's final marks: a value for mathematics, exempt from literature; only the subject's teacher sets them", async () => {
    const math = { periodId: quarterId, subjectId: subjectId.math, studentId: orlov, value: 4 }
    // neither the substitute of one lesson nor the teacher of another subject
    expect(body(await call(tok.teacherC, 'POST', '/final-marks', math), 403).code).toBe('forbidden')
    expect(body(await call(tok.teacherB, 'POST', '/final-marks', math), 403).code).toBe('forbidden')
    const set = body(await call(tok.teacherA, 'POST', '/final-marks', math), 200)
    expect(set).toMatchObject({ ...math, classId, passed: null, status: null, late: false })
    const lit = body(await call(tok.teacherB, 'POST', '/final-marks', {
      periodId: quarterId, subjectId: subjectId.lit, studentId: orlov, status: 'exempt',
    }), 200)
    expect(lit).toMatchObject({ value: null, passed: null, status: 'exempt', late: false })
    // the class teacher sees the class's final marks
    const sheet = body(await call(tok.teacherB, 'GET', `/classes/${classId}/final-marks?periodId=${quarterId}`), 200)
    expect(sheet.items.map((f: { subjectId: string; studentId: string; value: number | null; status: string | null }) =>
      [f.subjectId, f.studentId, f.value, f.status]).sort()).toEqual([
      [subjectId.math, orlov, 4, null], [subjectId.lit, orlov, null, 'exempt'],
    ].sort())
  })

  it("the guardian's diary shows exactly the week", async () => {
    const url = `/students/${orlov}/diary?from=${day(0)}&to=${day(6)}`
    // another family's guardian does not even learn that the student exists
    expect(body(await call(tok.otherGuardian, 'GET', url), 404).code).toBe('not_found')
    const diary = body(await call(tok.guardian, 'GET', url), 200)

    const A = 'Иванов Сергей Петрович', B = 'Соколов Андрей Петрович', C = 'Кузнецов Олег Петрович'
    const lesson = (id: string, i: number, n: number, key: SubjectKey, teacher: string, topic: string) => ({
      lessonId: id, date: day(i), lessonNumber: n, startsAt: at(day(i), BELLS[n]!.startsAt), endsAt: at(day(i), BELLS[n]!.endsAt),
      subjectId: subjectId[key], subject: SUBJECTS[key].name, topic, status: 'planned', teacher, substitute: null,
      room: SUBJECTS[key].room, homework: null, homeworkDue: [], marks: [], attendance: null,
    })
    const m = (id: string, value: number | null, passed: boolean | null, workTypeName: string, weight: number, comment: string | null = null) =>
      ({ id, value, passed, workType: workTypeName, weight, comment })

    expect({
      ...diary,
      days: diary.days.map((d: { date: string; lessons: { marks: MarkOut[] }[] }) => ({
        ...d, lessons: d.lessons.map((l) => ({ ...l, marks: byWeight(l.marks) })),
      })),
    }).toEqual({
      studentId: orlov, from: day(0), to: day(6),
      days: [
        { date: day(0), lessons: [
          { ...lesson(L['0/1']!, 0, 1, 'math', A, 'Натуральные числа и шкалы'),
            homework: { ...HOMEWORK_MONDAY, dueOn: day(1) },
            marks: [m(mark.monAnswer, 5, null, 'Ответ на уроке', 1), m(mark.monTest, 4, null, 'Контрольная работа', 2, TEST_COMMENT)] },
          lesson(L['0/2']!, 0, 2, 'rus', B, 'Звуки и буквы'),
        ] },
        { date: day(1), lessons: [
          // Tuesday's literature has moved to Wednesday
          { ...lesson(L['1/2']!, 1, 2, 'math', A, 'Сложение натуральных чисел'),
            homeworkDue: [{ text: HOMEWORK_MONDAY.text, pages: HOMEWORK_MONDAY.pages, exercises: HOMEWORK_MONDAY.exercises, givenOn: day(0) }],
            marks: [m(mark.tueMakeUp, 5, null, 'Самостоятельная работа', 1.5, MAKE_UP_COMMENT)],
            attendance: { kind: 'absent', reason: null, confirmed: false } },
        ] },
        { date: day(2), lessons: [
          { ...lesson(L['2/1']!, 2, 1, 'math', A, 'Вычитание натуральных чисел'), substitute: C,
            homework: { ...HOMEWORK_WEDNESDAY, pages: null, attachments: [], dueOn: day(3) },
            marks: [m(mark.wedSubstitute, 4, null, 'Ответ на уроке', 1)] },
          { ...lesson(L['2/2']!, 2, 2, 'rus', B, 'Орфограмма'),
            homework: { ...HOMEWORK_RUSSIAN, pages: null, attachments: [], dueOn: day(3) },
            marks: [m(mark.wedRus, 4, null, 'Ответ на уроке', 1)] },
          lesson(L['1/1']!, 2, 3, 'lit', B, 'Мифы Древней Греции'),
        ] },
        { date: day(3), lessons: [
          { ...lesson(L['3/1']!, 3, 1, 'lit', B, 'Подвиги Геракла'), status: 'cancelled' },
          { ...lesson(L['3/2']!, 3, 2, 'math', A, 'Числовые и буквенные выражения'),
            homeworkDue: [{ text: HOMEWORK_WEDNESDAY.text, pages: null, exercises: HOMEWORK_WEDNESDAY.exercises, givenOn: day(2) }] },
          // brought forward from Friday, with its topic, the homework due at it and the essay written at it
          { ...lesson(L['4/2']!, 3, 3, 'rus', B, 'Правописание проверяемых безударных гласных'),
            homeworkDue: [{ text: HOMEWORK_RUSSIAN.text, pages: null, exercises: HOMEWORK_RUSSIAN.exercises, givenOn: day(2) }],
            marks: [m(mark.friEssay, 5, null, 'Сочинение', 2, ESSAY_COMMENT)] },
        ] },
        { date: day(4), lessons: [
          { ...lesson(L['4/1']!, 4, 1, 'math', A, 'Уравнения'), marks: [m(mark.friHomework, null, true, 'Домашняя работа', 1)] },
        ] },
      ],
      // the annual period is not summarised here; subjects in name order
      periods: [{
        periodId: quarterId, kind: 'quarter', number: 2, startsOn: quarterStarts, endsOn: quarterEnds,
        subjects: [
          { subjectId: subjectId.lit, subject: 'Литература', markCount: 0, average: null, forecast: null,
            finalMark: { value: null, passed: null, status: 'exempt' } },
          // (5·1 + 4·2 + 5·1.5 + 4·1) / (1 + 2 + 1.5 + 1) = 24.5 / 5.5 = 4.4545… → 4.45; the pass is not averaged.
          // Forecast: 3.50 ≤ 4.45 < 4.50 → 4 (the plain mean of 5, 4, 5, 4 would have said 5).
          { subjectId: subjectId.math, subject: 'Математика', markCount: 4, average: 4.45, forecast: 4,
            finalMark: { value: 4, passed: null, status: null } },
          // (4·1 + 5·2) / (1 + 2) = 14 / 3 = 4.666… → 4.67; two marks are too few for a forecast
          { subjectId: subjectId.rus, subject: 'Русский язык', markCount: 2, average: 4.67, forecast: null, finalMark: null },
        ],
      }],
    })
  })
})
