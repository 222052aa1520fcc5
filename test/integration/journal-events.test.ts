/**
 * Each journal change emits exactly one outbox event and one audit row, written in the change's
 * own transaction; a change that rolls back leaves neither, and wakes nobody (NOTIFY is
 * delivered at commit only).
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { verifyAudit } from '../../core/audit/audit.ts'
import type { Actor } from '../../core/auth/policy.ts'
import type { Sql, Tx } from '../../core/db/connect.ts'
import { recordChange } from '../../core/journal/changes.ts'
import { addMark } from '../../core/journal/marks.ts'
import { addDays, localDate } from '../../core/journal/time.ts'
import {
  bearer, createAccount, createClass, createPerson, createSchool, createTestApp, login, type TestApp, type Tokens,
} from '../helpers/app.ts'
import { realServerUrl } from '../helpers/db.ts'

const ZONE = 'Europe/Moscow'

let t: TestApp
let schoolId: string, yearId: string, classId: string, otherClassId: string, subjectId: string, periodId: string
let defaultWorkTypeId: string
let teacherPerson: string, substitutePerson: string, teacherAccountId: string
let s1: string, s2: string, s3: string, outsider: string
let tok: Record<'admin' | 'teacher' | 'classTeacher', Tokens>
let today: string
interface Lesson { id: string; date: string; lessonNumber: number; subjectId: string; classId: string; topic: string | null }
/** the assignment's lessons by date: one a day, a week back and a week ahead */
const lessons = new Map<string, Lesson>()
const lessonOn = (offset: number) => lessons.get(addDays(today, offset))!

beforeAll(async () => {
  t = await createTestApp()
  today = localDate(new Date(), ZONE)
  schoolId = await createSchool(t.sql)
  const adminAccount = await createAccount(t.sql, { personId: await createPerson(t.sql, schoolId, 'staff'), roles: [{ role: 'admin', schoolId }] })
  tok = { admin: await login(t.app, adminAccount, '10.30.0.1') } as typeof tok

  // the school year through the API: it brings the default work types
  const now = new Date()
  const y = now.getUTCMonth() >= 7 ? now.getUTCFullYear() : now.getUTCFullYear() - 1
  const year = await send('POST', `/v1/schools/${schoolId}/years`, tok.admin, { name: `${y}/${y + 1}`, startsOn: `${y}-09-01`, endsOn: `${y + 1}-08-31` })
  expect(year.statusCode).toBe(201)
  yearId = year.json().id
  classId = await createClass(t.sql, schoolId, 5, 'А')
  otherClassId = await createClass(t.sql, schoolId, 6, 'Б')
  s1 = await createPerson(t.sql, schoolId, 'student', { classId, lastName: 'Антонова', firstName: 'Анна' })
  s2 = await createPerson(t.sql, schoolId, 'student', { classId, lastName: 'Борисов', firstName: 'Борис' })
  s3 = await createPerson(t.sql, schoolId, 'student', { classId, lastName: 'Васильева', firstName: 'Вера' })
  outsider = await createPerson(t.sql, schoolId, 'student', { classId: otherClassId, lastName: 'Чужой', firstName: 'Глеб' })

  teacherPerson = await createPerson(t.sql, schoolId, 'staff', { lastName: 'Учителева', firstName: 'Ольга' })
  substitutePerson = await createPerson(t.sql, schoolId, 'staff', { lastName: 'Заменова', firstName: 'Ирина' })
  const teacher = await createAccount(t.sql, { personId: teacherPerson, roles: [{ role: 'teacher', schoolId }] })
  teacherAccountId = teacher.accountId
  const classTeacher = await createAccount(t.sql, {
    personId: await createPerson(t.sql, schoolId, 'staff', { lastName: 'Классная', firstName: 'Нина' }),
    roles: [{ role: 'teacher', schoolId }, { role: 'class_teacher', schoolId, classId }],
  })
  tok.teacher = await login(t.app, teacher, '10.30.0.2')
  tok.classTeacher = await login(t.app, classTeacher, '10.30.0.3')

  const ok = async (r: Promise<{ statusCode: number; body: string; json: () => any }>, status = 201) => {
    const res = await r
    expect(res.statusCode, res.body).toBe(status)
    return res.json()
  }
  subjectId = (await ok(send('POST', `/v1/schools/${schoolId}/subjects`, tok.admin, { name: 'Математика' }))).id
  periodId = (await ok(send('POST', `/v1/schools/${schoolId}/years/${yearId}/periods`, tok.admin, {
    kind: 'year', number: 1, gradeFrom: 1, gradeTo: 11, startsOn: `${y}-09-01`, endsOn: `${y + 1}-08-31`,
  }))).id
  const types = await ok(get(`/v1/schools/${schoolId}/work-types`, tok.admin), 200)
  defaultWorkTypeId = types.items.find((w: { isDefault: boolean }) => w.isDefault).id
  const assignment = await ok(send('POST', `/v1/schools/${schoolId}/assignments`, tok.admin, { classId, subjectId, teacherId: teacherPerson }))
  await ok(send('PUT', `/v1/schools/${schoolId}/bells`, tok.admin, {
    shift: 1, bells: [{ number: 1, startsAt: '08:30', endsAt: '09:15' }, { number: 2, startsAt: '09:25', endsAt: '10:10' }],
  }), 200)
  for (let weekday = 1; weekday <= 7; weekday++)
    await ok(send('POST', `/v1/schools/${schoolId}/timetable`, tok.admin, { assignmentId: assignment.id, weekday, lessonNumber: 1, validFrom: `${y}-09-01` }))
  const from = addDays(today, -7), to = addDays(today, 7)
  expect((await ok(send('POST', `/v1/schools/${schoolId}/lessons/generate`, tok.admin, { from, to }), 200)).created).toBe(15)
  for (const l of (await ok(get(`/v1/classes/${classId}/lessons?from=${from}&to=${to}`, tok.admin), 200)).items as Lesson[]) lessons.set(l.date, l)
  expect(lessons.size).toBe(15)
})
afterAll(async () => { await t?.close() })

const get = (url: string, who: Tokens) => t.app.inject({ url, headers: bearer(who) })
const send = (method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, who: Tokens, payload?: object, requestId?: string) =>
  t.app.inject({ method, url, headers: { ...bearer(who), ...(requestId ? { 'x-request-id': requestId } : {}) }, ...(payload ? { payload } : {}) })

// ---------------------------------------------------------------- reading what a change left

interface OutboxRow {
  id: number; schoolId: string; kind: string; entityType: string; entityId: string; studentId: string | null; classId: string | null
  payload: Record<string, unknown>; actorAccountId: string | null; requestId: string | null; createdAt: Date
}
interface AuditRow {
  id: number; schoolId: string | null; at: Date; actorAccountId: string | null; action: string; entityType: string; entityId: string | null
  before: Record<string, unknown> | null; after: Record<string, unknown> | null; requestId: string | null
}

async function watermark() {
  const [w] = await t.sql<{ outbox: number; audit: number }[]>`
    select (select coalesce(max(id), 0) from outbox)::int as outbox, (select coalesce(max(id), 0) from audit_log)::int as audit`
  return w!
}

/** The outbox and audit rows written while `fn` ran. */
async function written<T>(fn: () => Promise<T>): Promise<{ result: T; outbox: OutboxRow[]; audit: AuditRow[] }> {
  const w = await watermark()
  const result = await fn()
  const outbox = await t.sql<OutboxRow[]>`select * from outbox where id > ${w.outbox} order by id`
  const audit = await t.sql<AuditRow[]>`
    select id, school_id, at, actor_account_id, action, entity_type, entity_id, before, after, request_id
    from audit_log where id > ${w.audit} order by id`
  return { result, outbox, audit }
}

interface Expected {
  kind: string; entityType: string; entityId: string; studentId: string | null; classId: string
  payload: Record<string, unknown>; actor: string; requestId: string
  before?: Record<string, unknown> | null; after?: Record<string, unknown>
}

/** Exactly one outbox event and one audit row, for this entity, with this payload. */
function expectOne(w: { outbox: OutboxRow[]; audit: AuditRow[] }, e: Expected) {
  expect(w.outbox).toHaveLength(1)
  expect(w.audit).toHaveLength(1)
  const [o] = w.outbox, [a] = w.audit
  expect(o).toMatchObject({
    schoolId, kind: e.kind, entityType: e.entityType, entityId: e.entityId, studentId: e.studentId, classId: e.classId,
    actorAccountId: e.actor, requestId: e.requestId,
  })
  expect(o!.payload).toEqual(e.payload)
  expect(a).toMatchObject({
    schoolId, action: `journal.${e.kind}`, entityType: e.entityType, entityId: e.entityId, actorAccountId: e.actor, requestId: e.requestId,
  })
  if (e.before === null) expect(a!.before).toBeNull()
  else if (e.before) expect(a!.before).toMatchObject(e.before)
  if (e.after) expect(a!.after).toMatchObject(e.after)
  return { outbox: o!, audit: a! }
}

function expectNone(w: { outbox: OutboxRow[]; audit: AuditRow[] }) {
  expect(w.outbox).toEqual([])
  expect(w.audit).toEqual([])
}

const base = (l: Lesson) => ({ lessonId: l.id, subjectId, date: l.date })
let seq = 0
const rid = (name: string) => `${name}-${process.pid}-${seq++}`

// ---------------------------------------------------------------- one event per change

describe('each change emits exactly one event in its transaction', () => {
  test('a mark: created, changed, changed to pass/fail, removed; a correction that changes nothing emits none', async () => {
    const l = lessonOn(0)
    let id = rid('mark-create')
    const created = await written(() => send('POST', `/v1/lessons/${l.id}/marks`, tok.teacher, { studentId: s1, value: 5 }, id))
    expect(created.result.statusCode).toBe(201)
    const markId: string = created.result.json().id
    expectOne(created, {
      kind: 'mark.created', entityType: 'mark', entityId: markId, studentId: s1, classId, actor: teacherAccountId, requestId: id,
      payload: { ...base(l), markId, value: 5, passed: null, workTypeId: defaultWorkTypeId, late: false },
      before: null, after: { id: markId, lessonId: l.id, studentId: s1, value: 5, passed: null, weight: 1, removedAt: null, late: false },
    })

    id = rid('mark-change')
    const changed = await written(() => send('PATCH', `/v1/marks/${markId}`, tok.teacher, { value: 4, comment: 'Исправлено' }, id))
    expect(changed.result.statusCode).toBe(200)
    expectOne(changed, {
      kind: 'mark.changed', entityType: 'mark', entityId: markId, studentId: s1, classId, actor: teacherAccountId, requestId: id,
      payload: { ...base(l), markId, value: 4, passed: null, workTypeId: defaultWorkTypeId, previous: { value: 5, passed: null } },
      before: { value: 5, comment: null }, after: { value: 4, comment: 'Исправлено' },
    })

    const same = await written(() => send('PATCH', `/v1/marks/${markId}`, tok.teacher, { value: 4, comment: 'Исправлено' }))
    expect(same.result.statusCode).toBe(200)
    expect(same.result.json()).toMatchObject({ id: markId, value: 4, comment: 'Исправлено' })
    expectNone(same)

    id = rid('mark-pass')
    const toPass = await written(() => send('PATCH', `/v1/marks/${markId}`, tok.teacher, { passed: true }, id))
    expect(toPass.result.statusCode).toBe(200)
    expectOne(toPass, {
      kind: 'mark.changed', entityType: 'mark', entityId: markId, studentId: s1, classId, actor: teacherAccountId, requestId: id,
      payload: { ...base(l), markId, value: null, passed: true, workTypeId: defaultWorkTypeId, previous: { value: 4, passed: null } },
      before: { value: 4, passed: null }, after: { value: null, passed: true },
    })

    id = rid('mark-remove')
    const removed = await written(() => send('DELETE', `/v1/marks/${markId}`, tok.teacher, undefined, id))
    expect(removed.result.statusCode).toBe(204)
    const { audit } = expectOne(removed, {
      kind: 'mark.removed', entityType: 'mark', entityId: markId, studentId: s1, classId, actor: teacherAccountId, requestId: id,
      payload: { ...base(l), markId, previous: { value: null, passed: true } },
      before: { removedAt: null, passed: true },
    })
    expect(typeof audit.after!.removedAt).toBe('string')
    const [row] = await t.sql<{ removedAt: Date | null }[]>`select removed_at from marks where id = ${markId}`
    expect(new Date(audit.after!.removedAt as string).getTime()).toBe(row!.removedAt!.getTime())

    const again = await written(() => send('DELETE', `/v1/marks/${markId}`, tok.teacher))
    expect(again.result.statusCode).toBe(404)
    expectNone(again)
  })

  test('attendance: set, changed, reason confirmed, removed; the same again emits none', async () => {
    const l = lessonOn(0)
    const url = `/v1/lessons/${l.id}/attendance/${s2}`
    let id = rid('att-set')
    const set = await written(() => send('PUT', url, tok.teacher, { kind: 'absent' }, id))
    expect(set.result.statusCode).toBe(204)
    const attendanceId = set.audit[0]!.entityId!
    const [row] = await t.sql<{ id: string }[]>`select id from attendance where lesson_id = ${l.id} and student_id = ${s2} and removed_at is null`
    expect(row!.id).toBe(attendanceId)
    expectOne(set, {
      kind: 'attendance.set', entityType: 'attendance', entityId: attendanceId, studentId: s2, classId, actor: teacherAccountId, requestId: id,
      payload: { ...base(l), studentId: s2, attendanceId, kind: 'absent', late: false },
      before: null, after: { id: attendanceId, kind: 'absent', reason: null, late: false },
    })

    const same = await written(() => send('PUT', url, tok.teacher, { kind: 'absent' }))
    expect(same.result.statusCode).toBe(204)
    expectNone(same)

    id = rid('att-change')
    const changed = await written(() => send('PUT', url, tok.teacher, { kind: 'late', reason: 'Автобус' }, id))
    expect(changed.result.statusCode).toBe(204)
    expectOne(changed, {
      kind: 'attendance.changed', entityType: 'attendance', entityId: attendanceId, studentId: s2, classId, actor: teacherAccountId, requestId: id,
      payload: { ...base(l), studentId: s2, attendanceId, kind: 'late', previous: 'absent' },
      before: { kind: 'absent', reason: null }, after: { kind: 'late', reason: 'Автобус' },
    })

    // the class teacher, not the lesson's teacher, confirms the reason
    const classTeacherAccount = (await t.sql<{ accountId: string }[]>`
      select account_id from account_roles where role = 'class_teacher' and class_id = ${classId}`)[0]!.accountId
    id = rid('att-confirm')
    const confirmed = await written(() =>
      send('POST', `/v1/attendance/${attendanceId}/confirm`, tok.classTeacher, { kind: 'ill', reason: 'Справка от врача' }, id))
    expect(confirmed.result.statusCode).toBe(200)
    const c = expectOne(confirmed, {
      kind: 'attendance.changed', entityType: 'attendance', entityId: attendanceId, studentId: s2, classId, actor: classTeacherAccount, requestId: id,
      payload: { ...base(l), studentId: s2, attendanceId, kind: 'ill', previous: 'late', confirmed: true },
      before: { kind: 'late', reasonConfirmedAt: null, reasonConfirmedBy: null },
      after: { kind: 'ill', reason: 'Справка от врача', reasonConfirmedBy: classTeacherAccount },
    })
    expect(typeof c.audit.after!.reasonConfirmedAt).toBe('string')

    id = rid('att-remove')
    const removed = await written(() => send('DELETE', url, tok.teacher, undefined, id))
    expect(removed.result.statusCode).toBe(204)
    expectOne(removed, {
      kind: 'attendance.removed', entityType: 'attendance', entityId: attendanceId, studentId: s2, classId, actor: teacherAccountId, requestId: id,
      payload: { ...base(l), studentId: s2, attendanceId, previous: 'ill' },
      before: { kind: 'ill', removedAt: null },
    })

    // present already: nothing to clear
    const again = await written(() => send('DELETE', url, tok.teacher))
    expect(again.result.statusCode).toBe(204)
    expectNone(again)
  })

  test('homework: set, changed, removed; the same homework again emits none', async () => {
    const l = lessonOn(0)
    const url = `/v1/lessons/${l.id}/homework`
    let id = rid('hw-set')
    const set = await written(() => send('PUT', url, tok.teacher, { text: 'Решить задачи', pages: 'с. 42' }, id))
    expect(set.result.statusCode).toBe(200)
    const hw = set.result.json()
    expect(hw).toMatchObject({ text: 'Решить задачи', pages: 'с. 42', dueOn: addDays(today, 1), dueLessonId: lessonOn(1).id })
    expectOne(set, {
      kind: 'homework.set', entityType: 'homework', entityId: hw.id, studentId: null, classId, actor: teacherAccountId, requestId: id,
      payload: { ...base(l), homeworkId: hw.id, dueOn: addDays(today, 1), subgroupId: null, late: hw.late },
      before: null, after: { id: hw.id, text: 'Решить задачи', pages: 'с. 42', exercises: null, attachments: [] },
    })

    const same = await written(() => send('PUT', url, tok.teacher, { text: 'Решить задачи', pages: 'с. 42' }))
    expect(same.result.statusCode).toBe(200)
    expect(same.result.json().id).toBe(hw.id)
    expectNone(same)

    id = rid('hw-change')
    const attachments = [{ name: 'Задачи.pdf', ref: 'files/tasks.pdf' }]
    const changed = await written(() => send('PUT', url, tok.teacher, { text: 'Решить задачи 1–5', pages: 'с. 42', attachments }, id))
    expect(changed.result.statusCode).toBe(200)
    expectOne(changed, {
      kind: 'homework.changed', entityType: 'homework', entityId: hw.id, studentId: null, classId, actor: teacherAccountId, requestId: id,
      payload: { ...base(l), homeworkId: hw.id, dueOn: addDays(today, 1), subgroupId: null },
      before: { text: 'Решить задачи', attachments: [] }, after: { text: 'Решить задачи 1–5', attachments },
    })

    id = rid('hw-remove')
    const removed = await written(() => send('DELETE', url, tok.teacher, undefined, id))
    expect(removed.result.statusCode).toBe(204)
    expectOne(removed, {
      kind: 'homework.removed', entityType: 'homework', entityId: hw.id, studentId: null, classId, actor: teacherAccountId, requestId: id,
      payload: { ...base(l), homeworkId: hw.id, subgroupId: null },
      before: { text: 'Решить задачи 1–5', removedAt: null },
    })

    const again = await written(() => send('DELETE', url, tok.teacher))
    expect(again.result.statusCode).toBe(404)
    expectNone(again)
  })

  test('a final mark: set, changed, removed; the same mark again emits none', async () => {
    let id = rid('final-set')
    const body = { periodId, subjectId, studentId: s1, value: 5 }
    const set = await written(() => send('POST', '/v1/final-marks', tok.teacher, body, id))
    expect(set.result.statusCode).toBe(200)
    const finalMarkId: string = set.result.json().id
    expectOne(set, {
      kind: 'final_mark.set', entityType: 'final_mark', entityId: finalMarkId, studentId: s1, classId, actor: teacherAccountId, requestId: id,
      payload: { finalMarkId, periodId, subjectId, value: 5, passed: null, status: null, late: false },
      before: null, after: { id: finalMarkId, value: 5, classId, studentId: s1 },
    })

    const same = await written(() => send('POST', '/v1/final-marks', tok.teacher, body))
    expect(same.result.statusCode).toBe(200)
    expect(same.result.json()).toMatchObject({ id: finalMarkId, value: 5 })
    expectNone(same)

    id = rid('final-change')
    const changed = await written(() => send('POST', '/v1/final-marks', tok.teacher, { ...body, value: 4 }, id))
    expect(changed.result.statusCode).toBe(200)
    expectOne(changed, {
      kind: 'final_mark.changed', entityType: 'final_mark', entityId: finalMarkId, studentId: s1, classId, actor: teacherAccountId, requestId: id,
      payload: { finalMarkId, periodId, subjectId, value: 4, passed: null, status: null, previous: { value: 5, passed: null, status: null } },
      before: { value: 5 }, after: { value: 4 },
    })

    id = rid('final-remove')
    const removed = await written(() => send('DELETE', `/v1/final-marks/${finalMarkId}`, tok.teacher, undefined, id))
    expect(removed.result.statusCode).toBe(204)
    expectOne(removed, {
      kind: 'final_mark.removed', entityType: 'final_mark', entityId: finalMarkId, studentId: s1, classId, actor: teacherAccountId, requestId: id,
      payload: { finalMarkId, periodId, subjectId, previous: { value: 4, passed: null, status: null } },
      before: { value: 4, removedAt: null },
    })
  })

  test('a lesson: changed, cancelled, substituted, moved; an edit that changes nothing emits none', async () => {
    const adminAccountId = (await t.sql<{ accountId: string }[]>`
      select account_id from account_roles where role = 'admin' and school_id = ${schoolId}`)[0]!.accountId

    const edited = lessonOn(-1)
    let id = rid('lesson-patch')
    const patched = await written(() => send('PATCH', `/v1/lessons/${edited.id}`, tok.teacher, { topic: 'Дроби', room: '204' }, id))
    expect(patched.result.statusCode).toBe(200)
    expectOne(patched, {
      kind: 'lesson.changed', entityType: 'lesson', entityId: edited.id, studentId: null, classId, actor: teacherAccountId, requestId: id,
      payload: { ...base(edited), fields: ['topic', 'room'] },
      before: { topic: null, room: null }, after: { topic: 'Дроби', room: '204' },
    })
    const samePatch = await written(() => send('PATCH', `/v1/lessons/${edited.id}`, tok.teacher, { topic: 'Дроби', room: '204' }))
    expect(samePatch.result.statusCode).toBe(200)
    expectNone(samePatch)

    const cancelled = lessonOn(-2)
    id = rid('lesson-cancel')
    const cancel = await written(() => send('POST', `/v1/lessons/${cancelled.id}/cancel`, tok.admin, { reason: 'Карантин' }, id))
    expect(cancel.result.statusCode).toBe(200)
    expect(cancel.result.json().status).toBe('cancelled')
    expectOne(cancel, {
      kind: 'lesson.cancelled', entityType: 'lesson', entityId: cancelled.id, studentId: null, classId, actor: adminAccountId, requestId: id,
      payload: { ...base(cancelled), reason: 'Карантин' },
      before: { status: 'planned' }, after: { status: 'cancelled' },
    })
    const cancelAgain = await written(() => send('POST', `/v1/lessons/${cancelled.id}/cancel`, tok.admin, { reason: 'Карантин' }))
    expect(cancelAgain.result.statusCode).toBe(200)
    expectNone(cancelAgain)

    const substituted = lessonOn(-3)
    id = rid('lesson-substitute')
    const sub = await written(() => send('PUT', `/v1/lessons/${substituted.id}/substitute`, tok.admin, { substituteTeacherId: substitutePerson }, id))
    expect(sub.result.statusCode).toBe(200)
    expectOne(sub, {
      kind: 'lesson.substituted', entityType: 'lesson', entityId: substituted.id, studentId: null, classId, actor: adminAccountId, requestId: id,
      payload: { ...base(substituted), substituteTeacherId: substitutePerson, previous: null },
      before: { substituteTeacherId: null, substituteRecordedAt: null }, after: { substituteTeacherId: substitutePerson },
    })
    const subAgain = await written(() => send('PUT', `/v1/lessons/${substituted.id}/substitute`, tok.admin, { substituteTeacherId: substitutePerson }))
    expect(subAgain.result.statusCode).toBe(200)
    expectNone(subAgain)

    const moved = lessonOn(5)
    const to = { date: addDays(today, 6), lessonNumber: 2 }
    id = rid('lesson-move')
    const move = await written(() => send('POST', `/v1/lessons/${moved.id}/move`, tok.admin, to, id))
    expect(move.result.statusCode).toBe(200)
    expect(move.result.json()).toMatchObject(to)
    expectOne(move, {
      kind: 'lesson.changed', entityType: 'lesson', entityId: moved.id, studentId: null, classId, actor: adminAccountId, requestId: id,
      payload: { ...base(moved), fields: ['date', 'lessonNumber'], previous: { date: moved.date, lessonNumber: 1 }, reason: null },
      before: { date: moved.date, lessonNumber: 1 }, after: to,
    })
    const moveAgain = await written(() => send('POST', `/v1/lessons/${moved.id}/move`, tok.admin, to))
    expect(moveAgain.result.statusCode).toBe(200)
    expectNone(moveAgain)
  })

  test('the grid: N changes are N events in one transaction, a retry and an unchanged grid none', async () => {
    const l = lessonOn(0)
    // two marks of s3 entered before: one to correct in the grid, one to remove
    const kept = (await send('POST', `/v1/lessons/${l.id}/marks`, tok.teacher, { studentId: s3, value: 3 })).json().id as string
    const dropped = (await send('POST', `/v1/lessons/${l.id}/marks`, tok.teacher, { studentId: s3, value: 2 })).json().id as string
    const body = {
      requestId: `grid-${randomUUID()}`,
      topic: 'Уравнения',
      attendance: [{ studentId: s1, kind: 'absent' }, { studentId: s2, kind: 'late', reason: 'Опоздал' }, { studentId: s3, kind: null }],
      marks: [{ studentId: s1, value: 5 }, { studentId: s2, passed: true }, { markId: kept, studentId: s3, value: 4 }],
      removeMarkIds: [dropped],
    }
    const id = rid('grid')
    const first = await written(() => send('POST', `/v1/lessons/${l.id}/grid`, tok.teacher, body, id))
    expect(first.result.statusCode, first.result.body).toBe(200)
    expect(first.result.headers['idempotent-replayed']).toBeUndefined()
    expect(first.result.json().changes).toBe(7)
    expect(first.outbox.map((o) => [o.kind, o.studentId])).toEqual([
      ['lesson.changed', null],
      ['attendance.set', s1], ['attendance.set', s2],
      ['mark.removed', s3],
      ['mark.created', s1], ['mark.created', s2], ['mark.changed', s3],
    ])
    // one audit row per event, for the same entity, written by the same transaction
    expect(first.audit.map((a) => [a.action, a.entityId])).toEqual(first.outbox.map((o) => [`journal.${o.kind}`, o.entityId]))
    expect(new Set(first.outbox.map((o) => o.createdAt.getTime())).size).toBe(1)
    expect(new Set(first.audit.map((a) => a.at.getTime())).size).toBe(1)
    expect(first.audit[0]!.at.getTime()).toBe(first.outbox[0]!.createdAt.getTime())
    for (const o of first.outbox) expect(o).toMatchObject({ classId, actorAccountId: teacherAccountId, requestId: id })
    for (const a of first.audit) expect(a).toMatchObject({ actorAccountId: teacherAccountId, requestId: id })

    const students = first.result.json().journal.students as { id: string; marks: { id: string; value: number | null; passed: boolean | null }[] }[]
    const newMark = (s: string) => students.find((x) => x.id === s)!.marks.find((m) => m.id !== kept)!
    expect(first.outbox[0]!.payload).toEqual({ ...base(l), fields: ['topic'] })
    expect(first.outbox[1]!.payload).toEqual({ ...base(l), studentId: s1, attendanceId: first.outbox[1]!.entityId, kind: 'absent', late: false })
    expect(first.outbox[2]!.payload).toEqual({ ...base(l), studentId: s2, attendanceId: first.outbox[2]!.entityId, kind: 'late', late: false })
    expect(first.outbox[3]!.payload).toEqual({ ...base(l), markId: dropped, previous: { value: 2, passed: null } })
    expect(first.outbox[4]!).toMatchObject({ entityId: newMark(s1).id })
    expect(first.outbox[4]!.payload).toEqual({ ...base(l), markId: newMark(s1).id, value: 5, passed: null, workTypeId: defaultWorkTypeId, late: false })
    expect(first.outbox[5]!.payload).toEqual({ ...base(l), markId: newMark(s2).id, value: null, passed: true, workTypeId: defaultWorkTypeId, late: false })
    expect(first.outbox[6]!.payload).toEqual({
      ...base(l), markId: kept, value: 4, passed: null, workTypeId: defaultWorkTypeId, previous: { value: 3, passed: null },
    })
    expect(first.audit[0]!.before).toEqual({ id: l.id, topic: null })
    expect(first.audit[0]!.after).toEqual({ id: l.id, topic: 'Уравнения' })

    const retry = await written(() => send('POST', `/v1/lessons/${l.id}/grid`, tok.teacher, body))
    expect(retry.result.statusCode).toBe(200)
    expect(retry.result.headers['idempotent-replayed']).toBe('true')
    expect(retry.result.json()).toEqual(first.result.json())
    expectNone(retry)

    // a new request that asks for what is already there changes nothing
    const unchanged = await written(() => send('POST', `/v1/lessons/${l.id}/grid`, tok.teacher, {
      requestId: `grid-${randomUUID()}`, topic: 'Уравнения',
      attendance: [{ studentId: s1, kind: 'absent' }, { studentId: s2, kind: 'late' }, { studentId: s3, kind: null }],
      marks: [{ markId: kept, studentId: s3, value: 4 }],
    }))
    expect(unchanged.result.statusCode).toBe(200)
    expect(unchanged.result.json().changes).toBe(0)
    expectNone(unchanged)
  })
})

// ---------------------------------------------------------------- rollback

/** Runs a service's own transaction as a savepoint of `tx`, so the caller's rollback takes it back. */
const within = (tx: Tx): Sql => new Proxy(tx, {
  get: (target, p) => (p === 'begin' ? (fn: (sp: Tx) => unknown) => target.savepoint(fn) : Reflect.get(target, p)),
}) as unknown as Sql

function teacherActor(): Actor {
  return { accountId: teacherAccountId, sessionId: randomUUID(), personIds: [teacherPerson], roles: [{ role: 'teacher', schoolId, classId: null }] }
}

async function journalOf(lessonId: string) {
  const [r] = await t.sql<{ marks: number; attendance: number; topic: string | null }[]>`
    select (select count(*) from marks where lesson_id = ${lessonId})::int as marks,
      (select count(*) from attendance where lesson_id = ${lessonId})::int as attendance,
      (select topic from lessons where id = ${lessonId}) as topic`
  return r!
}

describe('a rolled-back change emits none', () => {
  test('a grid whose last mark is for a student not in the lesson: 422, and none of its earlier items stays', async () => {
    const l = lessonOn(-1)
    expect(await journalOf(l.id)).toEqual({ marks: 0, attendance: 0, topic: 'Дроби' })
    const body = {
      requestId: `grid-${randomUUID()}`,
      topic: 'Проценты',
      attendance: [{ studentId: s1, kind: 'ill' }],
      marks: [{ studentId: s1, value: 4 }, { studentId: s2, value: 3 }, { studentId: outsider, value: 5 }],
    }
    const failed = await written(() => send('POST', `/v1/lessons/${l.id}/grid`, tok.teacher, body))
    expect(failed.result.statusCode).toBe(422)
    expect(failed.result.json().code).toBe('invalid_reference')
    expectNone(failed)
    expect(await journalOf(l.id)).toEqual({ marks: 0, attendance: 0, topic: 'Дроби' })
    // the request id was not kept either: the corrected request under the same id goes through
    const fixed = await written(() => send('POST', `/v1/lessons/${l.id}/grid`, tok.teacher, { ...body, marks: body.marks.slice(0, 2) }))
    expect(fixed.result.statusCode).toBe(200)
    expect(fixed.result.headers['idempotent-replayed']).toBeUndefined()
    expect(fixed.result.json().changes).toBe(4)
    expect(fixed.outbox.map((o) => o.kind)).toEqual(['lesson.changed', 'attendance.set', 'mark.created', 'mark.created'])
    expect(fixed.audit).toHaveLength(4)
    expect(await journalOf(l.id)).toEqual({ marks: 2, attendance: 1, topic: 'Проценты' })
  })

  test('a service call inside a transaction that throws afterwards leaves no mark, event or audit row', async () => {
    const l = lessonOn(-4)
    const ctx = { actor: teacherActor(), requestId: rid('rolled-back') }
    const inside: { marks: number; outbox: number; audit: number }[] = []
    const rolledBack = await written(() => t.sql.begin(async (tx) => {
      const mark = await addMark(within(tx), ctx, l.id, { studentId: s1, value: 2 })
      await recordChange(tx, ctx, {
        schoolId, kind: 'lesson.changed', entityType: 'lesson', entityId: l.id, before: { id: l.id, topic: null },
        after: { id: l.id, topic: 'Не сохранится' }, classId, payload: { ...base(l), fields: ['topic'] },
      })
      const [seen] = await tx<{ marks: number; outbox: number; audit: number }[]>`
        select (select count(*) from marks where id = ${mark.id})::int as marks,
          (select count(*) from outbox where request_id = ${ctx.requestId})::int as outbox,
          (select count(*) from audit_log where request_id = ${ctx.requestId})::int as audit`
      inside.push(seen!)
      throw new Error('rolled back on purpose')
    }).then(() => 'committed', (e: Error) => e.message))
    expect(rolledBack.result).toBe('rolled back on purpose')
    // inside the transaction the change and its records were there…
    expect(inside).toEqual([{ marks: 1, outbox: 2, audit: 2 }])
    // …and all of it went with the rollback
    expectNone(rolledBack)
    expect(await journalOf(l.id)).toEqual({ marks: 0, attendance: 0, topic: null })
  })
})

// ---------------------------------------------------------------- NOTIFY

// PGlite serves one connection, so LISTEN needs the real server (CI always has one)
describe.runIf(realServerUrl() !== undefined)('LISTEN zvonok_outbox', () => {
  test('a committed change wakes the listener once; a rolled-back one does not', async () => {
    const heard: string[] = []
    const listener = await t.sql.listen('zvonok_outbox', (payload) => { heard.push(payload) })
    const until = async (n: number) => {
      for (let i = 0; i < 100 && heard.length < n; i++) await new Promise((r) => setTimeout(r, 20))
      return heard.length
    }
    try {
      const l = lessonOn(-5)
      const mark = await send('POST', `/v1/lessons/${l.id}/marks`, tok.teacher, { studentId: s2, value: 4 })
      expect(mark.statusCode).toBe(201)
      expect(await until(1)).toBe(1)
      expect(heard).toEqual([''])

      // a grid of several changes commits once: one notification
      const grid = await send('POST', `/v1/lessons/${l.id}/grid`, tok.teacher, {
        requestId: `grid-${randomUUID()}`, attendance: [{ studentId: s1, kind: 'absent' }], marks: [{ studentId: s1, value: 3 }, { studentId: s3, value: 5 }],
      })
      expect(grid.json().changes).toBe(3)
      expect(await until(2)).toBe(2)

      // rolled back: a refused grid and a transaction that throws after writing events
      const refused = await send('POST', `/v1/lessons/${l.id}/grid`, tok.teacher, {
        requestId: `grid-${randomUUID()}`, marks: [{ studentId: s2, value: 5 }, { studentId: outsider, value: 5 }],
      })
      expect(refused.statusCode).toBe(422)
      const ctx = { actor: teacherActor(), requestId: rid('notify-rollback') }
      await expect(t.sql.begin(async (tx) => {
        await addMark(within(tx), ctx, l.id, { studentId: s3, value: 1 })
        throw new Error('rolled back on purpose')
      })).rejects.toThrow('rolled back on purpose')

      // notifications arrive in commit order: once the next commit is heard, nothing else came before it
      const correction = await send('PATCH', `/v1/marks/${mark.json().id}`, tok.teacher, { value: 5 })
      expect(correction.statusCode).toBe(200)
      expect(await until(3)).toBe(3)
      await new Promise((r) => setTimeout(r, 200))
      expect(heard).toHaveLength(3)
    } finally {
      await listener.unlisten()
    }
  })
})

test('the audit chain is intact after all of it, with one audit row for every event', async () => {
  const [counts] = await t.sql<{ events: number; audited: number }[]>`
    select (select count(*) from outbox)::int as events, (select count(*) from audit_log where action like 'journal.%')::int as audited`
  expect(counts!.audited).toBe(counts!.events)
  expect(await verifyAudit(t.sql)).toMatchObject({ ok: true, broken: [] })
})
