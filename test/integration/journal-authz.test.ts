/**
 * The journal's authorization matrix: every role × every journal operation, over HTTP, allowed
 * or refused as the regulations say (DESIGN.md, «Regulation rules»):
 * - only the teacher of the lesson, or its substitute once the deputy has recorded them, writes
 *   in it (school26 2.4, 2.10); the final mark is the subject teacher's;
 * - the class teacher reads the whole class journal and edits nothing in other teachers'
 *   subjects (school14 4.6.1, school26 2.4), but confirms the reasons of absences;
 * - the deputy, the director and the coordinator (and the network admin) read the school;
 *   the administration (admin, director, deputy) sets up the year and changes the timetable,
 *   and the secretary keeps the movement book with them (school14 4.3);
 * - guardians and students read only their own diary; the authority has no journal access.
 *
 * A refusal says 404 not_found when the actor may not see the thing (its existence is not
 * told) and 403 forbidden when they see it but may not change it. What "the thing" is:
 * - a lesson and its entries (marks, attendance, homework, topic, timetable changes): the
 *   lesson's journal page (its teacher and substitute, the journal readers, the class teacher);
 *   a guardian sees their child's marks in the diary, not the page, so they get 404 there;
 * - a final mark being set: the student (whoever reads the student's card is refused with 403);
 *   a final mark being removed: the class's final marks (the journal readers);
 * - the class's subgroups, lessons and final marks: the class (its roster or journal readers);
 * - the year, the curriculum and the movement book: the school (anyone with a role in it).
 * An allowed write really happens (its row and its outbox event are checked); a refused one
 * changes nothing (the rows it would touch, the audit log and the outbox are as before).
 *
 * Every case gets a fresh target: lessons are copies of the generated 5А mathematics lesson,
 * dated yesterday, on which the deputy records the substitute first.
 */
import { randomUUID } from 'node:crypto'
import type { LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { addDays, localDate, weekday } from '../../core/journal/time.ts'
import {
  bearer, createAccount, createPerson, createSchool, createTestApp, login, type TestAccount, type TestApp, type Tokens,
} from '../helpers/app.ts'

// ---------------------------------------------------------------------------------------------
// who
// ---------------------------------------------------------------------------------------------

const ACTORS = [
  'admin', 'director', 'deputy', 'coordinator', 'secretary', 'moderator', 'parentLiaison', 'authority',
  /** teaches mathematics in 5А: the lesson under test is theirs */
  'lessonTeacher',
  /** teaches Russian in 5А */
  'otherSubjectTeacher',
  /** recorded by the deputy as the substitute of the lesson under test */
  'substitute',
  /** class teacher of 5А, teaches history there */
  'classTeacher5A',
  /** class teacher of 5Б, teaches mathematics there (the same subject, another class) */
  'classTeacher5B',
  /** mother of the 5А student */
  'guardian5A',
  /** father of a 5Б student */
  'guardian5B',
  'student5A',
  /** a classmate of the 5А student */
  'otherStudent',
  /** the admin of another school */
  'otherSchoolAdmin',
] as const
type Actor = (typeof ACTORS)[number]

type Outcome = 'ok' | 403 | 404
type Cells<T extends readonly unknown[]> = { readonly [K in keyof T]: Outcome }
/** one cell per actor, in the order of ACTORS (a row of another length does not typecheck) */
type Row = Cells<typeof ACTORS>

const ok = 'ok'
const F = 403
const N = 404

// ---------------------------------------------------------------------------------------------
// the matrix
// ---------------------------------------------------------------------------------------------

/**
 * ok: allowed; 403: sees it, may not change it; 404: may not see it. The requests (OPERATIONS
 * below): the lesson's journal page GET /lessons/:id; POST …/grid; POST …/marks; PATCH and
 * DELETE /marks/:id; PUT …/attendance/:studentId; POST /attendance/:id/confirm; DELETE
 * …/attendance/:studentId; PUT and DELETE …/homework; PATCH /lessons/:id (topic); POST and
 * DELETE /final-marks; POST …/cancel, …/move; PUT …/substitute; POST /schools/:id/subjects,
 * …/assignments, …/years/:id/periods; PUT /assignments/:id/plan; POST /schools/:id/movements;
 * POST /classes/:id/subgroups, /subgroups/:id/members; GET /classes/:id/lessons,
 * /students/:id/diary, /classes/:id/final-marks, /compromise-reports/:id/voided.
 */
const MATRIX = {
  //                      admin dir  dep  coord secr mod  liais auth  teach othT subst ct5A ct5B gu5A gu5B st5A stOth othAdm
  readLesson:           [ ok,   ok,  ok,  ok,   N,   N,   N,    N,    ok,   N,   ok,   ok,  N,   N,   N,   N,   N,    N ],
  grid:                 [ F,    F,   F,   F,    N,   N,   N,    N,    ok,   N,   ok,   F,   N,   N,   N,   N,   N,    N ],
  addMark:              [ F,    F,   F,   F,    N,   N,   N,    N,    ok,   N,   ok,   F,   N,   N,   N,   N,   N,    N ],
  changeMark:           [ F,    F,   F,   F,    N,   N,   N,    N,    ok,   N,   ok,   F,   N,   N,   N,   N,   N,    N ],
  removeMark:           [ F,    F,   F,   F,    N,   N,   N,    N,    ok,   N,   ok,   F,   N,   N,   N,   N,   N,    N ],
  setAttendance:        [ F,    F,   F,   F,    N,   N,   N,    N,    ok,   N,   ok,   F,   N,   N,   N,   N,   N,    N ],
  confirmReason:        [ F,    F,   F,   F,    N,   N,   N,    N,    ok,   N,   ok,   ok,  N,   N,   N,   N,   N,    N ],
  clearAttendance:      [ F,    F,   F,   F,    N,   N,   N,    N,    ok,   N,   ok,   F,   N,   N,   N,   N,   N,    N ],
  setHomework:          [ F,    F,   F,   F,    N,   N,   N,    N,    ok,   N,   ok,   F,   N,   N,   N,   N,   N,    N ],
  removeHomework:       [ F,    F,   F,   F,    N,   N,   N,    N,    ok,   N,   ok,   F,   N,   N,   N,   N,   N,    N ],
  setTopic:             [ F,    F,   F,   F,    N,   N,   N,    N,    ok,   N,   ok,   F,   N,   N,   N,   N,   N,    N ],
  setFinalMark:         [ F,    F,   F,   F,    F,   F,   N,    N,    ok,   F,   F,    F,   F,   F,   N,   F,   N,    N ],
  removeFinalMark:      [ F,    F,   F,   F,    N,   N,   N,    N,    ok,   N,   N,    F,   N,   N,   N,   N,   N,    N ],
  cancelLesson:         [ ok,   ok,  ok,  F,    N,   N,   N,    N,    F,    N,   F,    F,   N,   N,   N,   N,   N,    N ],
  moveLesson:           [ ok,   ok,  ok,  F,    N,   N,   N,    N,    F,    N,   F,    F,   N,   N,   N,   N,   N,    N ],
  setSubstitute:        [ ok,   ok,  ok,  F,    N,   N,   N,    N,    F,    N,   F,    F,   N,   N,   N,   N,   N,    N ],
  createSubject:        [ ok,   ok,  ok,  F,    F,   F,   F,    F,    F,    F,   F,    F,   F,   F,   F,   F,   F,    N ],
  createAssignment:     [ ok,   ok,  ok,  F,    F,   F,   F,    F,    F,    F,   F,    F,   F,   F,   F,   F,   F,    N ],
  createPeriod:         [ ok,   ok,  ok,  F,    F,   F,   F,    F,    F,    F,   F,    F,   F,   F,   F,   F,   F,    N ],
  setPlan:              [ ok,   ok,  ok,  F,    F,   F,   F,    F,    ok,   F,   F,    F,   F,   F,   F,   F,   F,    N ],
  recordMovement:       [ ok,   ok,  ok,  F,    ok,  F,   F,    F,    F,    F,   F,    F,   F,   F,   F,   F,   F,    N ],
  createSubgroup:       [ ok,   ok,  ok,  F,    F,   F,   N,    N,    F,    F,   F,    ok,  F,   N,   N,   N,   N,    N ],
  moveToSubgroup:       [ ok,   ok,  ok,  F,    F,   F,   N,    N,    F,    F,   F,    ok,  F,   N,   N,   N,   N,    N ],
  readClassLessons:     [ ok,   ok,  ok,  ok,   ok,  ok,  N,    N,    ok,   ok,  ok,   ok,  ok,  N,   N,   N,   N,    N ],
  readDiary:            [ ok,   ok,  ok,  ok,   N,   N,   N,    N,    N,    N,   N,    ok,  N,   ok,  N,   ok,  N,    N ],
  readClassFinalMarks:  [ ok,   ok,  ok,  ok,   F,   F,   N,    N,    ok,   ok,  F,    ok,  F,   N,   N,   N,   N,    N ],
  listVoided:           [ ok,   ok,  N,   N,    N,   N,   N,    N,    N,    N,   N,    N,   N,   N,   N,   N,   N,    N ],
} satisfies Record<string, Row>
type Operation = keyof typeof MATRIX

/**
 * What an allowed read shows of class 5А's lessons today: every lesson for those who read the
 * class journal, a teacher's own (or substituted) lessons otherwise, nothing for the other staff.
 */
const CLASS_LESSONS_SEEN: Partial<Record<Actor, readonly Subject[]>> = {
  admin: ['math', 'history', 'russian'], director: ['math', 'history', 'russian'], deputy: ['math', 'history', 'russian'],
  coordinator: ['math', 'history', 'russian'], classTeacher5A: ['math', 'history', 'russian'],
  lessonTeacher: ['math'], substitute: ['math'], otherSubjectTeacher: ['russian'],
  secretary: [], moderator: [], classTeacher5B: [],
}
/**
 * The classmate's final marks an allowed reader of the class's final marks sees: all for the
 * journal readers, their own subject's for a teacher.
 */
const CLASSMATE_FINALS = { math: 4, russian: 5 } as const
const FINAL_MARKS_SEEN: Partial<Record<Actor, readonly (keyof typeof CLASSMATE_FINALS)[]>> = {
  admin: ['math', 'russian'], director: ['math', 'russian'], deputy: ['math', 'russian'], coordinator: ['math', 'russian'],
  classTeacher5A: ['math', 'russian'], lessonTeacher: ['math'], otherSubjectTeacher: ['russian'],
}

// ---------------------------------------------------------------------------------------------
// the school
// ---------------------------------------------------------------------------------------------

type Subject = 'math' | 'history' | 'russian'

let t: TestApp
let schoolId: string
let yearStart: string
let today: string
let yesterday: string
let class5A: string, class5B: string
let yearId: string
let periodId: string
let subjects: Record<Subject, string>
/** today's generated lessons of 5А, by subject */
let lessons: Record<Subject, string>
let student5A: string, otherStudent: string
let mathTeacherP: string, substituteP: string, otherSubjectTeacherP: string
let reportId: string, voidedLessonId: string
const accounts = {} as Record<Actor, TestAccount>
const tok = {} as Record<Actor, Tokens>

let ip = 0
const signIn = (a: TestAccount) => login(t.app, a, `10.30.0.${++ip}`)

async function call(who: Tokens, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: object) {
  return t.app.inject({ method, url: `/v1${url}`, headers: bearer(who), ...(payload ? { payload } : {}) })
}

/** A setup call that must succeed; answers its body. */
async function must<T = { id: string }>(who: Tokens, method: 'POST' | 'PUT', url: string, payload: object): Promise<T> {
  const res = await call(who, method, url, payload)
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`)
  return res.json()
}

beforeAll(async () => {
  t = await createTestApp()
  schoolId = await createSchool(t.sql, 'Школа № 7')
  const otherSchoolId = await createSchool(t.sql, 'Школа № 8')
  today = localDate(new Date(), 'Europe/Moscow')
  yesterday = addDays(today, -1)
  const y = Number(today.slice(0, 4)) - (Number(today.slice(5, 7)) >= 9 ? 0 : 1)
  yearStart = `${y}-09-01`

  const staff = (lastName: string, firstName: string) => createPerson(t.sql, schoolId, 'staff', { lastName, firstName })
  const schoolRole = (role: 'admin' | 'director' | 'deputy' | 'coordinator' | 'secretary' | 'moderator' | 'teacher') => ({ role, schoolId })
  mathTeacherP = await staff('Соколова', 'Ирина')
  otherSubjectTeacherP = await staff('Лебедева', 'Ольга')
  substituteP = await staff('Никитин', 'Сергей')
  const classTeacher5AP = await staff('Морозова', 'Елена')
  const classTeacher5BP = await staff('Волков', 'Андрей')
  Object.assign(accounts, {
    admin: await createAccount(t.sql, { personId: await staff('Админов', 'Павел'), roles: [schoolRole('admin')] }),
    director: await createAccount(t.sql, { personId: await staff('Директорова', 'Нина'), roles: [schoolRole('director')] }),
    deputy: await createAccount(t.sql, { personId: await staff('Завучева', 'Марина'), roles: [schoolRole('deputy')] }),
    coordinator: await createAccount(t.sql, { personId: await staff('Координатов', 'Илья'), roles: [schoolRole('coordinator')] }),
    secretary: await createAccount(t.sql, { personId: await staff('Секретарёва', 'Зоя'), roles: [schoolRole('secretary')] }),
    moderator: await createAccount(t.sql, { personId: await staff('Модераторов', 'Лев'), roles: [schoolRole('moderator')] }),
    lessonTeacher: await createAccount(t.sql, { personId: mathTeacherP, roles: [schoolRole('teacher')] }),
    otherSubjectTeacher: await createAccount(t.sql, { personId: otherSubjectTeacherP, roles: [schoolRole('teacher')] }),
    substitute: await createAccount(t.sql, { personId: substituteP, roles: [schoolRole('teacher')] }),
    // the class_teacher roles come with the classes below
    classTeacher5A: await createAccount(t.sql, { personId: classTeacher5AP, roles: [schoolRole('teacher')] }),
    classTeacher5B: await createAccount(t.sql, { personId: classTeacher5BP, roles: [schoolRole('teacher')] }),
    authority: await createAccount(t.sql, { roles: [{ role: 'authority', schoolId: null }] }),
    otherSchoolAdmin: await createAccount(t.sql, {
      personId: await createPerson(t.sql, otherSchoolId, 'staff'), roles: [{ role: 'admin', schoolId: otherSchoolId }],
    }),
  })
  const admin = await signIn(accounts.admin)

  // the administration sets up the year (with the default work types), the classes, the curriculum and today's lessons
  const year = await must(admin, 'POST', `/schools/${schoolId}/years`, { name: `${y}/${y + 1}`, startsOn: yearStart, endsOn: `${y + 1}-08-31` })
  yearId = year.id
  class5A = (await must(admin, 'POST', `/schools/${schoolId}/classes`, { academicYearId: year.id, grade: 5, letter: 'А', classTeacherId: classTeacher5AP })).id
  class5B = (await must(admin, 'POST', `/schools/${schoolId}/classes`, { academicYearId: year.id, grade: 5, letter: 'Б', classTeacherId: classTeacher5BP })).id
  periodId = (await must(admin, 'POST', `/schools/${schoolId}/years/${year.id}/periods`, {
    kind: 'year', number: 1, gradeFrom: 1, gradeTo: 11, startsOn: yearStart, endsOn: `${y + 1}-08-31`,
  })).id
  subjects = {
    math: (await must(admin, 'POST', `/schools/${schoolId}/subjects`, { name: 'Математика' })).id,
    history: (await must(admin, 'POST', `/schools/${schoolId}/subjects`, { name: 'История' })).id,
    russian: (await must(admin, 'POST', `/schools/${schoolId}/subjects`, { name: 'Русский язык' })).id,
  }
  await must(admin, 'PUT', `/schools/${schoolId}/bells`, {
    shift: 1,
    bells: [
      { number: 1, startsAt: '08:30', endsAt: '09:15' }, { number: 2, startsAt: '09:25', endsAt: '10:10' },
      { number: 3, startsAt: '10:30', endsAt: '11:15' }, { number: 4, startsAt: '11:35', endsAt: '12:20' },
    ],
  })
  const teaching: [string, Subject, string, number][] = [
    [class5A, 'math', mathTeacherP, 1], [class5A, 'history', classTeacher5AP, 2], [class5A, 'russian', otherSubjectTeacherP, 3],
    [class5B, 'math', classTeacher5BP, 1],
  ]
  for (const [classId, subject, teacherId, lessonNumber] of teaching) {
    const a = await must(admin, 'POST', `/schools/${schoolId}/assignments`, { classId, subjectId: subjects[subject], teacherId })
    await must(admin, 'POST', `/schools/${schoolId}/timetable`, { assignmentId: a.id, weekday: weekday(today), lessonNumber, validFrom: yearStart })
  }
  const generated = await must<{ created: number }>(admin, 'POST', `/schools/${schoolId}/lessons/generate`, { from: today, to: today })
  expect(generated.created).toBe(4)
  const todays = await t.sql<{ id: string; subjectId: string }[]>`select id, subject_id from lessons where class_id = ${class5A} and date = ${today}`
  const lessonOf = (s: Subject) => todays.find((l) => l.subjectId === subjects[s])!.id
  lessons = { math: lessonOf('math'), history: lessonOf('history'), russian: lessonOf('russian') }

  // the families: the 5А student and a classmate, a 5Б student; a member of the parents' committee of 5А
  student5A = await createPerson(t.sql, schoolId, 'student', { classId: class5A, lastName: 'Орлова', firstName: 'Вера' })
  otherStudent = await createPerson(t.sql, schoolId, 'student', { classId: class5A, lastName: 'Белов', firstName: 'Антон' })
  const student5B = await createPerson(t.sql, schoolId, 'student', { classId: class5B, lastName: 'Жуков', firstName: 'Глеб' })
  const guardianRole = [{ role: 'guardian' as const, schoolId }]
  Object.assign(accounts, {
    guardian5A: await createAccount(t.sql, {
      personId: await createPerson(t.sql, schoolId, 'guardian', { guardianOf: [student5A], lastName: 'Орлова', firstName: 'Анна' }), roles: guardianRole,
    }),
    guardian5B: await createAccount(t.sql, {
      personId: await createPerson(t.sql, schoolId, 'guardian', { guardianOf: [student5B], lastName: 'Жуков', firstName: 'Олег' }), roles: guardianRole,
    }),
    student5A: await createAccount(t.sql, { personId: student5A, roles: [{ role: 'student', schoolId }] }),
    otherStudent: await createAccount(t.sql, { personId: otherStudent, roles: [{ role: 'student', schoolId }] }),
    parentLiaison: await createAccount(t.sql, {
      personId: await createPerson(t.sql, schoolId, 'guardian', { lastName: 'Комитетова', firstName: 'Дарья' }),
      roles: [{ role: 'parent_liaison', schoolId, classId: class5A }],
    }),
  })
  for (const a of ACTORS) tok[a] = a === 'admin' ? admin : await signIn(accounts[a])

  // the deputy records the substitute on today's mathematics lesson
  await must(tok.deputy, 'PUT', `/lessons/${lessons.math}/substitute`, { substituteTeacherId: substituteP })
  // the subject teachers set the classmate's final marks
  await must(tok.lessonTeacher, 'POST', '/final-marks', { periodId, subjectId: subjects.math, studentId: otherStudent, value: 4 })
  await must(tok.otherSubjectTeacher, 'POST', '/final-marks', { periodId, subjectId: subjects.russian, studentId: otherStudent, value: 5 })

  // a second deputy cancels a lesson, then the admin reports that deputy's credentials compromised
  const victim = await createAccount(t.sql, { personId: await staff('Скомпрометированная', 'Вера'), roles: [schoolRole('deputy')] })
  const learnedAt = new Date(Date.now() - 60_000).toISOString()
  voidedLessonId = await copyLesson()
  await must(await signIn(victim), 'POST', `/lessons/${voidedLessonId}/cancel`, { reason: 'Карантин' })
  const report = await must<{ reportId: string; voided: { reverted: number } }>(admin, 'POST', `/accounts/${victim.accountId}/compromise`, { learnedAt })
  expect(report.voided.reverted).toBe(1)
  reportId = report.reportId
})
afterAll(async () => { await t?.close() })

// ---------------------------------------------------------------------------------------------
// fixtures per case
// ---------------------------------------------------------------------------------------------

/**
 * A fresh 5А mathematics lesson of yesterday: a copy of today's generated one (the timetable
 * makes one lesson per slot and day, and every case wants its own).
 */
async function copyLesson(): Promise<string> {
  const [l] = await t.sql<{ id: string }[]>`
    insert into lessons (school_id, assignment_id, class_id, subject_id, teacher_id, date, lesson_number, starts_at, ends_at)
    select school_id, assignment_id, class_id, subject_id, teacher_id, ${yesterday}, lesson_number,
      starts_at - interval '1 day', ends_at - interval '1 day'
    from lessons where id = ${lessons.math}
    returning id`
  return l!.id
}

/** The lesson under test: a fresh copy on which the deputy has recorded the substitute. */
async function lessonUnderTest(): Promise<string> {
  const id = await copyLesson()
  await must(tok.deputy, 'PUT', `/lessons/${id}/substitute`, { substituteTeacherId: substituteP })
  return id
}

/** Everything a journal write may touch on a lesson. */
async function lessonState(lessonId: string) {
  const [lesson] = await t.sql`
    select topic, room, status, date, lesson_number, substitute_teacher_id, updated_at from lessons where id = ${lessonId}`
  return {
    lesson,
    marks: await t.sql`select id, student_id, value, passed, comment, work_type_id, removed_at from marks where lesson_id = ${lessonId} order by id`,
    attendance: await t.sql`
      select id, student_id, kind, reason, reason_confirmed_at, removed_at from attendance where lesson_id = ${lessonId} order by id`,
    homework: await t.sql`select id, text, removed_at from homework where lesson_id = ${lessonId} order by id`,
  }
}

/** The 5А student's live final mark in mathematics. */
const finalMarkState = () => t.sql`
  select id, value, removed_at from final_marks
  where period_id = ${periodId} and subject_id = ${subjects.math} and student_id = ${student5A} and removed_at is null`

/** The 5А student has no final mark in mathematics (a fixture reset: the cases set and remove it). */
const clearFinalMark = () => t.sql`
  update final_marks set removed_at = now()
  where period_id = ${periodId} and subject_id = ${subjects.math} and student_id = ${student5A} and removed_at is null`

const journalCounts = async () => (await t.sql<{ outbox: number; audit: number }[]>`
  select (select count(*) from outbox)::int as outbox, (select count(*) from audit_log)::int as audit`)[0]!

/** The last outbox event before the request under test. */
let outboxBefore = 0
const lastOutboxId = async () => (await t.sql<{ id: number }[]>`select coalesce(max(id), 0)::int as id from outbox`)[0]!.id

/** The outbox events the request under test caused on an entity, by kind, checked to be the actor's. */
async function eventsBy(actor: Actor, entityId: string): Promise<string[]> {
  const rows = await t.sql<{ kind: string }[]>`
    select kind from outbox where entity_id = ${entityId} and id > ${outboxBefore} and actor_account_id = ${accounts[actor].accountId}
    order by id`
  return rows.map((r) => r.kind)
}

// ---------------------------------------------------------------------------------------------
// the operations
// ---------------------------------------------------------------------------------------------

interface Case {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  readonly url: string
  readonly payload?: object
  /** the status of an allowed request */
  readonly status: 200 | 201 | 204
  /** the rows the request may change: compared before and after a refusal */
  readonly state: () => Promise<unknown>
  /** what an allowed request must have done, or shown */
  readonly allowed: (actor: Actor, res: LightMyRequestResponse) => Promise<void>
}

const none = async () => null
let serial = 0

const OPERATIONS: Record<Operation, () => Promise<Case>> = {
  async readLesson() {
    const lessonId = await lessonUnderTest()
    return {
      method: 'GET', url: `/lessons/${lessonId}`, status: 200, state: none,
      async allowed(_actor, res) {
        const page = res.json()
        expect(page.lesson).toMatchObject({ id: lessonId, subjectId: subjects.math, substitute: { id: substituteP } })
        expect(page.students.map((s: { id: string }) => s.id)).toEqual([otherStudent, student5A]) // Белов, Орлова
      },
    }
  },

  async grid() {
    const lessonId = await lessonUnderTest()
    return {
      method: 'POST', url: `/lessons/${lessonId}/grid`, status: 200, state: () => lessonState(lessonId),
      payload: {
        requestId: randomUUID(), topic: 'Сравнение дробей',
        attendance: [{ studentId: otherStudent, kind: 'absent' }], marks: [{ studentId: student5A, value: 5 }], removeMarkIds: [],
      },
      async allowed(actor, res) {
        expect(res.json().changes).toBe(3)
        const s = await lessonState(lessonId)
        expect(s.lesson!.topic).toBe('Сравнение дробей')
        expect(s.marks.map((m) => [m.studentId, m.value, m.removedAt])).toEqual([[student5A, 5, null]])
        expect(s.attendance.map((a) => [a.studentId, a.kind])).toEqual([[otherStudent, 'absent']])
        expect(await eventsBy(actor, lessonId)).toEqual(['lesson.changed'])
        expect(await eventsBy(actor, s.marks[0]!.id)).toEqual(['mark.created'])
        expect(await eventsBy(actor, s.attendance[0]!.id)).toEqual(['attendance.set'])
      },
    }
  },

  async addMark() {
    const lessonId = await lessonUnderTest()
    return {
      method: 'POST', url: `/lessons/${lessonId}/marks`, payload: { studentId: student5A, value: 4 }, status: 201,
      state: () => lessonState(lessonId),
      async allowed(actor, res) {
        const [m] = await t.sql`select lesson_id, student_id, value, entered_by from marks where id = ${res.json().id} and removed_at is null`
        expect(m).toEqual({ lessonId, studentId: student5A, value: 4, enteredBy: accounts[actor].accountId })
        expect(await eventsBy(actor, res.json().id)).toEqual(['mark.created'])
      },
    }
  },

  async changeMark() {
    const lessonId = await lessonUnderTest()
    const { id: markId } = await must(tok.lessonTeacher, 'POST', `/lessons/${lessonId}/marks`, { studentId: student5A, value: 3 })
    return {
      method: 'PATCH', url: `/marks/${markId}`, payload: { value: 5 }, status: 200, state: () => lessonState(lessonId),
      async allowed(actor) {
        const [m] = await t.sql`select value, removed_at from marks where id = ${markId}`
        expect(m).toEqual({ value: 5, removedAt: null })
        expect(await eventsBy(actor, markId)).toEqual(['mark.changed'])
      },
    }
  },

  async removeMark() {
    const lessonId = await lessonUnderTest()
    const { id: markId } = await must(tok.lessonTeacher, 'POST', `/lessons/${lessonId}/marks`, { studentId: student5A, value: 2 })
    return {
      method: 'DELETE', url: `/marks/${markId}`, status: 204, state: () => lessonState(lessonId),
      async allowed(actor) {
        const [m] = await t.sql<{ removed: boolean }[]>`select removed_at is not null as removed from marks where id = ${markId}`
        expect(m!.removed).toBe(true)
        expect(await eventsBy(actor, markId)).toEqual(['mark.removed'])
      },
    }
  },

  async setAttendance() {
    const lessonId = await lessonUnderTest()
    return {
      method: 'PUT', url: `/lessons/${lessonId}/attendance/${student5A}`, payload: { kind: 'late' }, status: 204,
      state: () => lessonState(lessonId),
      async allowed(actor) {
        const rows = await t.sql`select id, kind, entered_by from attendance where lesson_id = ${lessonId} and student_id = ${student5A} and removed_at is null`
        expect(rows.map((a) => [a.kind, a.enteredBy])).toEqual([['late', accounts[actor].accountId]])
        expect(await eventsBy(actor, rows[0]!.id)).toEqual(['attendance.set'])
      },
    }
  },

  async confirmReason() {
    const lessonId = await lessonUnderTest()
    const put = await call(tok.lessonTeacher, 'PUT', `/lessons/${lessonId}/attendance/${student5A}`, { kind: 'absent' })
    expect(put.statusCode).toBe(204)
    const [a] = await t.sql<{ id: string }[]>`select id from attendance where lesson_id = ${lessonId} and student_id = ${student5A} and removed_at is null`
    return {
      method: 'POST', url: `/attendance/${a!.id}/confirm`, payload: { kind: 'ill', reason: 'Справка из поликлиники' }, status: 200,
      state: () => lessonState(lessonId),
      async allowed(actor) {
        const [row] = await t.sql`select kind, reason, reason_confirmed_by from attendance where id = ${a!.id}`
        expect(row).toEqual({ kind: 'ill', reason: 'Справка из поликлиники', reasonConfirmedBy: accounts[actor].accountId })
        expect(await eventsBy(actor, a!.id)).toEqual(['attendance.changed'])
      },
    }
  },

  async clearAttendance() {
    const lessonId = await lessonUnderTest()
    expect((await call(tok.lessonTeacher, 'PUT', `/lessons/${lessonId}/attendance/${student5A}`, { kind: 'absent' })).statusCode).toBe(204)
    return {
      method: 'DELETE', url: `/lessons/${lessonId}/attendance/${student5A}`, status: 204, state: () => lessonState(lessonId),
      async allowed(actor) {
        const rows = await t.sql<{ id: string; removed: boolean }[]>`
          select id, removed_at is not null as removed from attendance where lesson_id = ${lessonId}`
        expect(rows.map((a) => a.removed)).toEqual([true])
        expect(await eventsBy(actor, rows[0]!.id)).toEqual(['attendance.removed'])
      },
    }
  },

  async setHomework() {
    const lessonId = await lessonUnderTest()
    return {
      method: 'PUT', url: `/lessons/${lessonId}/homework`, payload: { text: 'Учебник § 12, № 3–5' }, status: 200,
      state: () => lessonState(lessonId),
      async allowed(actor, res) {
        const [h] = await t.sql`select lesson_id, text, entered_by from homework where id = ${res.json().id} and removed_at is null`
        expect(h).toEqual({ lessonId, text: 'Учебник § 12, № 3–5', enteredBy: accounts[actor].accountId })
        expect(await eventsBy(actor, res.json().id)).toEqual(['homework.set'])
      },
    }
  },

  async removeHomework() {
    const lessonId = await lessonUnderTest()
    const { id: homeworkId } = await must(tok.lessonTeacher, 'PUT', `/lessons/${lessonId}/homework`, { text: 'Выучить правило' })
    return {
      method: 'DELETE', url: `/lessons/${lessonId}/homework`, status: 204, state: () => lessonState(lessonId),
      async allowed(actor) {
        const [h] = await t.sql<{ removed: boolean }[]>`select removed_at is not null as removed from homework where id = ${homeworkId}`
        expect(h!.removed).toBe(true)
        expect(await eventsBy(actor, homeworkId)).toEqual(['homework.removed'])
      },
    }
  },

  async setTopic() {
    const lessonId = await lessonUnderTest()
    return {
      method: 'PATCH', url: `/lessons/${lessonId}`, payload: { topic: 'Сложение дробей с разными знаменателями' }, status: 200,
      state: () => lessonState(lessonId),
      async allowed(actor) {
        expect((await lessonState(lessonId)).lesson!.topic).toBe('Сложение дробей с разными знаменателями')
        expect(await eventsBy(actor, lessonId)).toEqual(['lesson.changed'])
      },
    }
  },

  async setFinalMark() {
    await clearFinalMark()
    const state = finalMarkState
    return {
      method: 'POST', url: '/final-marks', payload: { periodId, subjectId: subjects.math, studentId: student5A, value: 5 }, status: 200, state,
      async allowed(actor, res) {
        const [f] = await t.sql`select class_id, value, entered_by from final_marks where id = ${res.json().id} and removed_at is null`
        expect(f).toEqual({ classId: class5A, value: 5, enteredBy: accounts[actor].accountId })
        expect(await eventsBy(actor, res.json().id)).toEqual(['final_mark.set'])
      },
    }
  },

  async removeFinalMark() {
    await clearFinalMark()
    const { id: finalMarkId } = await must(tok.lessonTeacher, 'POST', '/final-marks', { periodId, subjectId: subjects.math, studentId: student5A, value: 3 })
    return {
      method: 'DELETE', url: `/final-marks/${finalMarkId}`, status: 204, state: finalMarkState,
      async allowed(actor) {
        expect(await finalMarkState()).toEqual([])
        expect(await eventsBy(actor, finalMarkId)).toEqual(['final_mark.removed'])
      },
    }
  },

  async cancelLesson() {
    const lessonId = await lessonUnderTest()
    return {
      method: 'POST', url: `/lessons/${lessonId}/cancel`, payload: { reason: 'Учитель на курсах' }, status: 200,
      state: () => lessonState(lessonId),
      async allowed(actor) {
        expect((await lessonState(lessonId)).lesson!.status).toBe('cancelled')
        expect(await eventsBy(actor, lessonId)).toEqual(['lesson.cancelled'])
      },
    }
  },

  async moveLesson() {
    const lessonId = await lessonUnderTest()
    const to = addDays(yesterday, -1)
    return {
      method: 'POST', url: `/lessons/${lessonId}/move`, payload: { date: to, lessonNumber: 4 }, status: 200,
      state: () => lessonState(lessonId),
      async allowed(actor) {
        expect((await lessonState(lessonId)).lesson).toMatchObject({ date: to, lessonNumber: 4 })
        expect(await eventsBy(actor, lessonId)).toEqual(['lesson.changed'])
      },
    }
  },

  async setSubstitute() {
    const lessonId = await lessonUnderTest()
    // the Russian teacher takes over the substitution
    return {
      method: 'PUT', url: `/lessons/${lessonId}/substitute`, payload: { substituteTeacherId: otherSubjectTeacherP }, status: 200,
      state: () => lessonState(lessonId),
      async allowed(actor) {
        expect((await lessonState(lessonId)).lesson!.substituteTeacherId).toBe(otherSubjectTeacherP)
        expect(await eventsBy(actor, lessonId)).toEqual(['lesson.substituted'])
      },
    }
  },

  async createSubject() {
    const name = `Астрономия ${++serial}`
    const state = () => t.sql`select id from subjects where school_id = ${schoolId} and name = ${name}`
    return {
      method: 'POST', url: `/schools/${schoolId}/subjects`, payload: { name }, status: 201, state,
      async allowed(actor, res) {
        expect((await state()).map((s) => s.id)).toEqual([res.json().id])
        expect(await eventsBy(actor, res.json().id)).toEqual(['subject.created'])
      },
    }
  },

  async createAssignment() {
    const [subject] = await t.sql<{ id: string }[]>`insert into subjects (school_id, name) values (${schoolId}, ${`Черчение ${++serial}`}) returning id`
    const state = () => t.sql`select id, class_id, teacher_id from teaching_assignments where subject_id = ${subject!.id}`
    return {
      method: 'POST', url: `/schools/${schoolId}/assignments`, payload: { classId: class5B, subjectId: subject!.id, teacherId: substituteP },
      status: 201, state,
      async allowed(actor, res) {
        expect(await state()).toEqual([{ id: res.json().id, classId: class5B, teacherId: substituteP }])
        expect(await eventsBy(actor, res.json().id)).toEqual(['assignment.created'])
      },
    }
  },

  async createPeriod() {
    // every case its own grade and dates, so that no two periods overlap
    const n = serial++
    const grade = (n % 11) + 1
    const startsOn = addDays(yearStart, (n % 30) * 10)
    const state = () => t.sql`select id from periods where school_id = ${schoolId} and kind = 'trimester' and starts_on = ${startsOn}`
    return {
      method: 'POST', url: `/schools/${schoolId}/years/${yearId}/periods`,
      payload: { kind: 'trimester', number: 1, gradeFrom: grade, gradeTo: grade, startsOn, endsOn: addDays(startsOn, 5) },
      status: 201, state,
      async allowed(actor, res) {
        expect((await state()).map((p) => p.id)).toEqual([res.json().id])
        expect(await eventsBy(actor, res.json().id)).toEqual(['period.created'])
      },
    }
  },

  async setPlan() {
    // an assignment of the mathematics teacher of its own, so that the plan's topics reach no other lesson
    const [a] = await t.sql<{ id: string }[]>`
      with s as (insert into subjects (school_id, name) values (${schoolId}, ${`Геометрия ${++serial}`}) returning id)
      insert into teaching_assignments (school_id, class_id, subject_id, teacher_id)
      select ${schoolId}, ${class5A}, s.id, ${mathTeacherP} from s returning id`
    const state = () => t.sql`select number, topic from plan_topics where assignment_id = ${a!.id} order by number`
    return {
      method: 'PUT', url: `/assignments/${a!.id}/plan`, payload: { topics: ['Точка, прямая, отрезок', 'Луч. Угол'] }, status: 200, state,
      async allowed(actor) {
        expect(await state()).toEqual([{ number: 1, topic: 'Точка, прямая, отрезок' }, { number: 2, topic: 'Луч. Угол' }])
        expect(await eventsBy(actor, a!.id)).toEqual(['plan.replaced'])
      },
    }
  },

  async recordMovement() {
    const studentId = await createPerson(t.sql, schoolId, 'student', { lastName: 'Новикова', firstName: 'Мария' })
    const state = async () => ({
      enrolments: await t.sql`select class_id, started_on, ended_on from enrolments where student_id = ${studentId}`,
      movements: await t.sql`select id from movements where student_id = ${studentId}`,
    })
    return {
      method: 'POST', url: `/schools/${schoolId}/movements`, status: 201, state,
      payload: { kind: 'admission', studentId, toClassId: class5B, occurredOn: today, orderNumber: 'Приказ № 41-у' },
      async allowed(actor, res) {
        expect(await state()).toEqual({
          enrolments: [{ classId: class5B, startedOn: today, endedOn: null }], movements: [{ id: res.json().id }],
        })
        expect(await eventsBy(actor, res.json().id)).toEqual(['movement.recorded'])
      },
    }
  },

  async createSubgroup() {
    const name = `${++serial}-я группа`
    const state = () => t.sql`select id from subgroups where class_id = ${class5A} and name = ${name}`
    return {
      method: 'POST', url: `/classes/${class5A}/subgroups`, payload: { subjectId: subjects.math, name }, status: 201, state,
      async allowed(actor, res) {
        expect((await state()).map((g) => g.id)).toEqual([res.json().id])
        expect(await eventsBy(actor, res.json().id)).toEqual(['subgroup.created'])
      },
    }
  },

  async moveToSubgroup() {
    const [g] = await t.sql<{ id: string }[]>`
      insert into subgroups (class_id, subject_id, name) values (${class5A}, ${subjects.russian}, ${`${++serial}-я группа`}) returning id`
    const state = () => t.sql`select student_id, started_on, ended_on, reason from subgroup_members where subgroup_id = ${g!.id}`
    return {
      method: 'POST', url: `/subgroups/${g!.id}/members`, status: 201, state,
      payload: { studentId: otherStudent, startedOn: today, reason: 'Заявление матери от 20.11' },
      async allowed(actor, res) {
        expect(await state()).toEqual([{ studentId: otherStudent, startedOn: today, endedOn: null, reason: 'Заявление матери от 20.11' }])
        expect(await eventsBy(actor, res.json().id)).toEqual(['subgroup.moved'])
      },
    }
  },

  async readClassLessons() {
    return {
      method: 'GET', url: `/classes/${class5A}/lessons?from=${today}&to=${today}`, status: 200, state: none,
      async allowed(actor, res) {
        expect(res.json().items.map((l: { id: string }) => l.id)).toEqual(CLASS_LESSONS_SEEN[actor]!.map((l) => lessons[l]))
      },
    }
  },

  async readDiary() {
    return {
      method: 'GET', url: `/students/${student5A}/diary?from=${today}&to=${today}`, status: 200, state: none,
      async allowed(_actor, res) {
        const diary = res.json()
        expect(diary.studentId).toBe(student5A)
        expect(diary.days.map((d: { date: string; lessons: { lessonId: string }[] }) => [d.date, d.lessons.map((l) => l.lessonId)]))
          .toEqual([[today, [lessons.math, lessons.history, lessons.russian]]])
      },
    }
  },

  async readClassFinalMarks() {
    return {
      method: 'GET', url: `/classes/${class5A}/final-marks?periodId=${periodId}`, status: 200, state: none,
      async allowed(actor, res) {
        const items: { studentId: string; subjectId: string; value: number }[] = res.json().items
        const seen = FINAL_MARKS_SEEN[actor]!
        const classmate = items.filter((f) => f.studentId === otherStudent).map((f) => [f.subjectId, f.value])
        expect(classmate.sort()).toEqual(seen.map((s) => [subjects[s], CLASSMATE_FINALS[s]]).sort())
        // nothing outside the subjects they may read, whichever student (the 5А student's mark set by the cases included)
        expect([...new Set(items.map((f) => f.subjectId))].sort()).toEqual(seen.map((s) => subjects[s]).sort())
      },
    }
  },

  async listVoided() {
    return {
      method: 'GET', url: `/compromise-reports/${reportId}/voided`, status: 200, state: none,
      async allowed(_actor, res) {
        expect(res.json().items.map((v: { entityType: string; entityId: string; outcome: string }) => [v.entityType, v.entityId, v.outcome]))
          .toEqual([['lesson', voidedLessonId, 'reverted']])
      },
    }
  },
}

// ---------------------------------------------------------------------------------------------
// the run
// ---------------------------------------------------------------------------------------------

for (const [operation, row] of Object.entries(MATRIX) as [Operation, Row][]) {
  describe(operation, () => {
    ACTORS.forEach((actor, i) => {
      const expected = row[i]!
      test(`${actor} → ${expected === 'ok' ? 'allowed' : expected}`, async () => {
        const c = await OPERATIONS[operation]()
        const before = { state: await c.state(), counts: await journalCounts() }
        outboxBefore = await lastOutboxId()
        const res = await call(tok[actor], c.method, c.url, c.payload)
        if (expected === 'ok') {
          expect(res.statusCode, res.body).toBe(c.status)
          await c.allowed(actor, res)
          if (c.method === 'GET') expect(await journalCounts()).toEqual(before.counts)
        } else {
          expect(res.statusCode, res.body).toBe(expected)
          expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
          expect(res.json().code).toBe(expected === 403 ? 'forbidden' : 'not_found')
          expect(await c.state()).toEqual(before.state)
          expect(await journalCounts()).toEqual(before.counts)
        }
      })
    })
  })
}

describe('the substitute writes only while recorded', () => {
  test('once the deputy clears the substitution, the substitute no longer sees nor writes the lesson', async () => {
    const lessonId = await lessonUnderTest()
    expect((await call(tok.substitute, 'POST', `/lessons/${lessonId}/marks`, { studentId: student5A, value: 5 })).statusCode).toBe(201)
    await must(tok.deputy, 'PUT', `/lessons/${lessonId}/substitute`, { substituteTeacherId: null })
    const before = await lessonState(lessonId)
    const refused = await call(tok.substitute, 'POST', `/lessons/${lessonId}/marks`, { studentId: student5A, value: 4 })
    expect([refused.statusCode, refused.json().code]).toEqual([404, 'not_found'])
    expect((await call(tok.substitute, 'GET', `/lessons/${lessonId}`)).statusCode).toBe(404)
    expect(await lessonState(lessonId)).toEqual(before)
    // the lesson's own teacher still writes it
    expect((await call(tok.lessonTeacher, 'POST', `/lessons/${lessonId}/marks`, { studentId: student5A, value: 4 })).statusCode).toBe(201)
  })
})
