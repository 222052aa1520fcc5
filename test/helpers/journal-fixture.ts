/**
 * A small school with a working journal, built through core's own services: a year with the
 * default work types, one class of students each with a guardian, a class teacher, two
 * subjects taught at lessons 1–2 every day, lessons a week back and ahead. Tests of the
 * notifier (and the bot) write marks, attendance and homework into it as the teacher.
 */
import { randomUUID } from 'node:crypto'
import type { Actor, Role } from '../../core/auth/policy.ts'
import type { Sql } from '../../core/db/connect.ts'
import {
  addDays, createAssignment, createPeriod, createSlot, createSubject, createYear, generateLessons, localDate, listWorkTypes,
  setBells, setClassTeacher,
} from '../../core/journal/index.ts'
import { createAccount, createClass, createPerson, createSchool } from './app.ts'

export const ZONE = 'Europe/Moscow'

export interface Ctx { actor: Actor; requestId: string }
export interface FixtureStudent { id: string; firstName: string; guardianId: string }

export interface JournalFixture {
  schoolId: string
  classId: string
  periodId: string
  subjects: { maths: string; russian: string }
  workTypes: Map<string, string>
  teacherId: string
  classTeacherId: string
  admin: Ctx
  teacher: Ctx
  students: FixtureStudent[]
  today: string
  /** the lesson of `subject` (1: maths, 2: russian) on today + offset days */
  lesson(offset: number, number?: 1 | 2): Promise<string>
}

export function ctxOf(accountId: string, personId: string, roles: Array<{ role: Role; schoolId: string; classId?: string }>): Ctx {
  return {
    actor: { accountId, sessionId: randomUUID(), personIds: [personId], roles: roles.map((r) => ({ ...r, classId: r.classId ?? null })) },
    requestId: randomUUID(),
  }
}

const FIRST_NAMES = ['Анна', 'Борис', 'Вера', 'Глеб', 'Дарья', 'Егор', 'Жанна', 'Захар', 'Ирина', 'Кирилл']

export async function buildJournal(sql: Sql, opts: { students?: number; grade?: number } = {}): Promise<JournalFixture> {
  const schoolId = await createSchool(sql, `Школа ${randomUUID().slice(0, 6)}`)
  const adminPerson = await createPerson(sql, schoolId, 'staff', { lastName: 'Директорова', firstName: 'Алла' })
  const adminAccount = await createAccount(sql, { personId: adminPerson, roles: [{ role: 'admin', schoolId }] })
  const admin = ctxOf(adminAccount.accountId, adminPerson, [{ role: 'admin', schoolId }])

  const now = new Date()
  const y = now.getUTCMonth() >= 7 ? now.getUTCFullYear() : now.getUTCFullYear() - 1
  const year = await createYear(sql, admin, schoolId, { name: `${y}/${y + 1}`, startsOn: `${y}-09-01`, endsOn: `${y + 1}-08-31` })
  const classId = await createClass(sql, schoolId, opts.grade ?? 7, 'А')
  const period = await createPeriod(sql, admin, schoolId, year.id, {
    kind: 'year', number: 1, gradeFrom: 1, gradeTo: 11, startsOn: `${y}-09-01`, endsOn: `${y + 1}-08-31`,
  })
  const maths = (await createSubject(sql, admin, schoolId, { name: 'Математика' })).id
  const russian = (await createSubject(sql, admin, schoolId, { name: 'Русский язык' })).id
  const workTypes = new Map((await listWorkTypes(sql, admin, schoolId)).map((w: { name: string; id: string }) => [w.name, w.id]))

  const teacherId = await createPerson(sql, schoolId, 'staff', { lastName: 'Учителева', firstName: 'Ольга' })
  const teacherAccount = await createAccount(sql, { personId: teacherId, roles: [{ role: 'teacher', schoolId }] })
  const teacher = ctxOf(teacherAccount.accountId, teacherId, [{ role: 'teacher', schoolId }])
  const classTeacherId = await createPerson(sql, schoolId, 'staff', { lastName: 'Классная', firstName: 'Нина' })
  await setClassTeacher(sql, admin, classId, classTeacherId)

  await setBells(sql, admin, schoolId, {
    shift: 1, bells: [{ number: 1, startsAt: '08:30', endsAt: '09:15' }, { number: 2, startsAt: '09:25', endsAt: '10:10' }],
  })
  for (const [number, subjectId] of [[1, maths], [2, russian]] as const) {
    const a = await createAssignment(sql, admin, schoolId, { classId, subjectId, teacherId })
    for (let weekday = 1; weekday <= 7; weekday++)
      await createSlot(sql, admin, schoolId, { assignmentId: a.id, weekday, lessonNumber: number, shift: 1, validFrom: `${y}-09-01` })
  }
  const today = localDate(now, ZONE)
  await generateLessons(sql, admin, schoolId, { from: addDays(today, -7), to: addDays(today, 7), classId })

  const students: FixtureStudent[] = []
  for (let i = 0; i < (opts.students ?? 3); i++) {
    const firstName = FIRST_NAMES[i % FIRST_NAMES.length]!
    const id = await createPerson(sql, schoolId, 'student', { classId, lastName: `Ученикова${i}`, firstName })
    const guardianId = await createPerson(sql, schoolId, 'guardian', { guardianOf: [id], lastName: `Родителева${i}`, firstName: 'Мария' })
    students.push({ id, firstName, guardianId })
  }
  return {
    schoolId, classId, periodId: period.id, subjects: { maths, russian }, workTypes, teacherId, classTeacherId, admin, teacher,
    students, today,
    async lesson(offset, number = 1) {
      const [l] = await sql<{ id: string }[]>`
        select id from lessons where class_id = ${classId} and date = ${addDays(today, offset)} and lesson_number = ${number}`
      if (!l) throw new Error(`no lesson ${number} on day ${offset}`)
      return l.id
    },
  }
}

/** Links a Telegram chat to a person (the bot issue adds the linking flows). */
export async function linkChat(sql: Sql, personId: string, chatId: number): Promise<void> {
  await sql`insert into chat_links (person_id, chat_id) values (${personId}, ${chatId})`
}
