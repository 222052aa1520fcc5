/**
 * Compromise voiding (school26 3.3–3.4): a teacher's account writes in the journal before and
 * after the moment T its credentials were compromised; the admin reports the compromise with
 * learnedAt = T. What the account did from T on is taken back, newest first, each reversal
 * audited and emitted as an event; what it did before T stays; an entry someone else changed
 * afterwards is left alone and listed as skipped; the account is locked.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { verifyAudit } from '../../core/audit/audit.ts'
import { addDays, localDate } from '../../core/journal/time.ts'
import {
  bearer, createAccount, createClass, createPerson, createSchool, createTestApp, login, type TestApp, type Tokens,
} from '../helpers/app.ts'

const ZONE = 'Europe/Moscow'

let t: TestApp
let schoolId: string, classId: string, subjectId: string, periodId: string
let attackerAccountId: string, substituteAccountId: string, adminAccountId: string
let s1: string, s2: string, s3: string
let tok: Record<'admin' | 'attacker' | 'substitute', Tokens>
let today: string
interface Lesson { id: string; date: string }
const lessons = new Map<string, Lesson>()
const lessonOn = (offset: number) => lessons.get(addDays(today, offset))!

const get = (url: string, who: Tokens) => t.app.inject({ url, headers: bearer(who) })
const send = (method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, who: Tokens, payload?: object) =>
  t.app.inject({ method, url, headers: bearer(who), ...(payload ? { payload } : {}) })
/** The single row of a query. */
async function one<T>(rows: Promise<T[]>): Promise<T> {
  const r = await rows
  expect(r).toHaveLength(1)
  return r[0]!
}
async function ok(r: Promise<{ statusCode: number; body: string }>, status: number) {
  const res = await r
  expect(res.statusCode, res.body).toBe(status)
  return res.body ? JSON.parse(res.body) : null
}

beforeAll(async () => {
  t = await createTestApp()
  today = localDate(new Date(), ZONE)
  schoolId = await createSchool(t.sql)
  const admin = await createAccount(t.sql, { personId: await createPerson(t.sql, schoolId, 'staff'), roles: [{ role: 'admin', schoolId }] })
  adminAccountId = admin.accountId
  tok = { admin: await login(t.app, admin, '10.40.0.1') } as typeof tok
  const now = new Date()
  const y = now.getUTCMonth() >= 7 ? now.getUTCFullYear() : now.getUTCFullYear() - 1
  const year = await ok(send('POST', `/v1/schools/${schoolId}/years`, tok.admin, { name: `${y}/${y + 1}`, startsOn: `${y}-09-01`, endsOn: `${y + 1}-08-31` }), 201)
  classId = await createClass(t.sql, schoolId, 7, 'В')
  s1 = await createPerson(t.sql, schoolId, 'student', { classId, lastName: 'Громова', firstName: 'Дарья' })
  s2 = await createPerson(t.sql, schoolId, 'student', { classId, lastName: 'Демидов', firstName: 'Егор' })
  s3 = await createPerson(t.sql, schoolId, 'student', { classId, lastName: 'Ершова', firstName: 'Жанна' })
  const attackerPerson = await createPerson(t.sql, schoolId, 'staff', { lastName: 'Взломанная', firstName: 'Алла' })
  const substitutePerson = await createPerson(t.sql, schoolId, 'staff', { lastName: 'Заменова', firstName: 'Ирина' })
  const attacker = await createAccount(t.sql, { personId: attackerPerson, roles: [{ role: 'teacher', schoolId }] })
  const substitute = await createAccount(t.sql, { personId: substitutePerson, roles: [{ role: 'teacher', schoolId }] })
  attackerAccountId = attacker.accountId
  substituteAccountId = substitute.accountId
  tok.attacker = await login(t.app, attacker, '10.40.0.2')
  tok.substitute = await login(t.app, substitute, '10.40.0.3')

  subjectId = (await ok(send('POST', `/v1/schools/${schoolId}/subjects`, tok.admin, { name: 'Русский язык' }), 201)).id
  periodId = (await ok(send('POST', `/v1/schools/${schoolId}/years/${year.id}/periods`, tok.admin, {
    kind: 'year', number: 1, gradeFrom: 1, gradeTo: 11, startsOn: `${y}-09-01`, endsOn: `${y + 1}-08-31`,
  }), 201)).id
  const assignment = await ok(send('POST', `/v1/schools/${schoolId}/assignments`, tok.admin, { classId, subjectId, teacherId: attackerPerson }), 201)
  await ok(send('PUT', `/v1/schools/${schoolId}/bells`, tok.admin, { shift: 1, bells: [{ number: 1, startsAt: '08:30', endsAt: '09:15' }] }), 200)
  for (let weekday = 1; weekday <= 7; weekday++)
    await ok(send('POST', `/v1/schools/${schoolId}/timetable`, tok.admin, { assignmentId: assignment.id, weekday, lessonNumber: 1, validFrom: `${y}-09-01` }), 201)
  const from = addDays(today, -7), to = addDays(today, 7)
  expect((await ok(send('POST', `/v1/schools/${schoolId}/lessons/generate`, tok.admin, { from, to }), 200)).created).toBe(15)
  for (const l of (await ok(get(`/v1/classes/${classId}/lessons?from=${from}&to=${to}`, tok.admin), 200)).items as Lesson[]) lessons.set(l.date, l)
  // the substitute takes yesterday's lesson (the administration's change, not the attacker's)
  await ok(send('PUT', `/v1/lessons/${lessonOn(-1).id}/substitute`, tok.admin, { substituteTeacherId: substitutePerson }), 200)
})
afterAll(async () => { await t?.close() })

// ---------------------------------------------------------------- reading the journal

const mark = async (id: string) =>
  (await t.sql<{ value: number | null; removed: boolean }[]>`select value, removed_at is not null as removed from marks where id = ${id}`)[0]!
const attendance = async (id: string) =>
  (await t.sql<{ kind: string; removed: boolean }[]>`select kind, removed_at is not null as removed from attendance where id = ${id}`)[0]!
const homework = async (id: string) =>
  (await t.sql<{ text: string; removed: boolean }[]>`select text, removed_at is not null as removed from homework where id = ${id}`)[0]!
const finalMark = async (id: string) =>
  (await t.sql<{ value: number | null; removed: boolean }[]>`select value, removed_at is not null as removed from final_marks where id = ${id}`)[0]!
const topic = async (lessonId: string) => (await t.sql<{ topic: string | null }[]>`select topic from lessons where id = ${lessonId}`)[0]!.topic
const attendanceId = async (lessonId: string, studentId: string) => (await t.sql<{ id: string }[]>`
  select id from attendance where lesson_id = ${lessonId} and student_id = ${studentId} and removed_at is null`)[0]!.id

const addMark = async (who: Tokens, lesson: Lesson, studentId: string, value: number) =>
  (await ok(send('POST', `/v1/lessons/${lesson.id}/marks`, who, { studentId, value }), 201)).id as string
const putAttendance = (who: Tokens, lesson: Lesson, studentId: string, kind: string) =>
  ok(send('PUT', `/v1/lessons/${lesson.id}/attendance/${studentId}`, who, { kind }), 204)
const putHomework = async (who: Tokens, lesson: Lesson, text: string) =>
  (await ok(send('PUT', `/v1/lessons/${lesson.id}/homework`, who, { text }), 200)).id as string

describe('a compromised teacher account', () => {
  test('what it did from T on is taken back, what it did before T stays', async () => {
    const [l0, l1, l2] = [lessonOn(0), lessonOn(-1), lessonOn(-2)]

    // ---- before T
    const mChanged = await addMark(tok.attacker, l0, s1, 3)
    const mRemoved = await addMark(tok.attacker, l0, s2, 4)
    const mKept = await addMark(tok.attacker, l0, s3, 5)
    await putAttendance(tok.attacker, l0, s1, 'late')
    await putAttendance(tok.attacker, l0, s2, 'absent')
    const aChanged = await attendanceId(l0.id, s1), aKept = await attendanceId(l0.id, s2)
    const hChanged = await putHomework(tok.attacker, l0, 'Параграф 5, упр. 1')
    const hRemoved = await putHomework(tok.attacker, l2, 'Выучить правило')
    const fChanged = (await ok(send('POST', '/v1/final-marks', tok.attacker, { periodId, subjectId, studentId: s1, value: 4 }), 200)).id as string
    await ok(send('PATCH', `/v1/lessons/${l2.id}`, tok.attacker, { topic: 'Причастный оборот' }), 200)
    const mLater = await addMark(tok.attacker, l1, s1, 3)

    // ---- T: the compromise begins (the database clock stamps the audit rows)
    await new Promise((r) => setTimeout(r, 1100))
    const { at: T } = await one(t.sql<{ at: Date }[]>`select clock_timestamp() as at`)

    // ---- after T, by the same account
    const mCreated = await addMark(tok.attacker, l0, s1, 2)
    await ok(send('PATCH', `/v1/marks/${mChanged}`, tok.attacker, { value: 2 }), 200)
    await ok(send('DELETE', `/v1/marks/${mRemoved}`, tok.attacker), 204)
    await putAttendance(tok.attacker, l0, s3, 'absent')
    const aCreated = await attendanceId(l0.id, s3)
    await putAttendance(tok.attacker, l0, s1, 'absent')
    expect(await putHomework(tok.attacker, l0, 'Ничего не задано')).toBe(hChanged)
    await ok(send('DELETE', `/v1/lessons/${l2.id}/homework`, tok.attacker), 204)
    const hCreated = await putHomework(tok.attacker, l1, 'Сочинение на 10 страниц')
    await ok(send('POST', '/v1/final-marks', tok.attacker, { periodId, subjectId, studentId: s1, value: 2 }), 200)
    await ok(send('PATCH', `/v1/lessons/${l2.id}`, tok.attacker, { topic: 'Взломано' }), 200)
    // created and corrected, both after T
    const mCreatedChanged = await addMark(tok.attacker, l1, s2, 5)
    await ok(send('PATCH', `/v1/marks/${mCreatedChanged}`, tok.attacker, { value: 1 }), 200)
    // the grid: two entries in one request
    const grid = await ok(send('POST', `/v1/lessons/${l1.id}/grid`, tok.attacker, {
      requestId: `grid-${randomUUID()}`, attendance: [{ studentId: s3, kind: 'absent' }], marks: [{ studentId: s3, value: 1 }],
    }), 200)
    expect(grid.changes).toBe(2)
    const aGrid = await attendanceId(l1.id, s3)
    const mGrid = (await t.sql<{ id: string }[]>`select id from marks where lesson_id = ${l1.id} and student_id = ${s3}`)[0]!.id
    // the attacker lowers a mark, then the substitute of that lesson sets it right
    await ok(send('PATCH', `/v1/marks/${mLater}`, tok.attacker, { value: 2 }), 200)
    await ok(send('PATCH', `/v1/marks/${mLater}`, tok.substitute, { value: 4 }), 200)

    const attackerOps = await t.sql<{ id: number; action: string; entityId: string }[]>`
      select id, action, entity_id from audit_log where actor_account_id = ${attackerAccountId} and at >= ${T} order by id`
    expect(attackerOps).toHaveLength(15)
    const { before: lastBefore } = await one(t.sql<{ before: number }[]>`
      select max(id)::int as before from audit_log where actor_account_id = ${attackerAccountId} and at < ${T}`)

    // ---- the admin reports the compromise
    const w = await t.sql<{ outbox: number; audit: number }[]>`
      select (select coalesce(max(id), 0) from outbox)::int as outbox, (select coalesce(max(id), 0) from audit_log)::int as audit`
    const report = await ok(send('POST', `/v1/accounts/${attackerAccountId}/compromise`, tok.admin, { learnedAt: T.toISOString() }), 200)
    expect(report).toEqual({ reportId: report.reportId, revokedSessions: 1, voided: { reverted: 14, skipped: 1 } })

    // ---- after T: created → removed, changed → the previous value, removed → restored
    expect(await mark(mCreated)).toEqual({ value: 2, removed: true })
    expect(await mark(mChanged)).toEqual({ value: 3, removed: false })
    expect(await mark(mRemoved)).toEqual({ value: 4, removed: false })
    expect(await mark(mCreatedChanged)).toEqual({ value: 5, removed: true })
    expect(await mark(mGrid)).toEqual({ value: 1, removed: true })
    expect(await attendance(aCreated)).toEqual({ kind: 'absent', removed: true })
    expect(await attendance(aChanged)).toEqual({ kind: 'late', removed: false })
    expect(await attendance(aGrid)).toEqual({ kind: 'absent', removed: true })
    expect(await homework(hChanged)).toEqual({ text: 'Параграф 5, упр. 1', removed: false })
    expect(await homework(hRemoved)).toEqual({ text: 'Выучить правило', removed: false })
    expect(await homework(hCreated)).toEqual({ text: 'Сочинение на 10 страниц', removed: true })
    expect(await finalMark(fChanged)).toEqual({ value: 4, removed: false })
    expect(await topic(l2.id)).toBe('Причастный оборот')
    // changed later by the substitute: left alone, with the substitute's value
    expect(await mark(mLater)).toEqual({ value: 4, removed: false })
    // ---- before T: untouched
    expect(await mark(mKept)).toEqual({ value: 5, removed: false })
    expect(await attendance(aKept)).toEqual({ kind: 'absent', removed: false })

    // the journal pages show it too
    const page0 = await ok(get(`/v1/lessons/${l0.id}`, tok.admin), 200)
    const marksOf = (page: { students: { id: string; marks: { value: number }[] }[] }, s: string) =>
      page.students.find((x) => x.id === s)!.marks.map((m) => m.value)
    expect([s1, s2, s3].map((s) => marksOf(page0, s))).toEqual([[3], [4], [5]])
    expect(page0.homework.text).toBe('Параграф 5, упр. 1')
    const page1 = await ok(get(`/v1/lessons/${l1.id}`, tok.admin), 200)
    expect([s1, s2, s3].map((s) => marksOf(page1, s))).toEqual([[4], [], []])
    expect(page1.homework).toBeNull()

    // ---- each reversal: one audit row and one outbox event by the admin, payload.voided
    const reversals = await t.sql<{ kind: string; entityType: string; entityId: string; studentId: string | null; classId: string | null; payload: Record<string, unknown>; actorAccountId: string }[]>`
      select kind, entity_type, entity_id, student_id, class_id, payload, actor_account_id from outbox where id > ${w[0]!.outbox} order by id`
    const audit = await t.sql<{ action: string; entityType: string; entityId: string; actorAccountId: string; before: Record<string, unknown>; after: Record<string, unknown> }[]>`
      select action, entity_type, entity_id, actor_account_id, before, after from audit_log where id > ${w[0]!.audit} order by id`
    expect(audit[0]).toMatchObject({ action: 'auth.compromise_reported', entityType: 'account', entityId: attackerAccountId, actorAccountId: adminAccountId })
    expect(audit.slice(1).map((a) => [a.action, a.entityId])).toEqual(reversals.map((r) => [`journal.${r.kind}`, r.entityId]))
    const lessonOf: Record<string, Lesson | null> = {
      [mCreated]: l0, [mChanged]: l0, [mRemoved]: l0, [mCreatedChanged]: l1, [mGrid]: l1, [aCreated]: l0, [aChanged]: l0, [aGrid]: l1,
      [hChanged]: l0, [hRemoved]: l2, [hCreated]: l1, [fChanged]: null, [l2.id]: null,
    }
    const studentOf: Record<string, string | null> = {
      [mCreated]: s1, [mChanged]: s1, [mRemoved]: s2, [mCreatedChanged]: s2, [mGrid]: s3, [aCreated]: s3, [aChanged]: s1, [aGrid]: s3,
      [hChanged]: null, [hRemoved]: null, [hCreated]: null, [fChanged]: s1, [l2.id]: null,
    }
    // newest first: the reverse order of the attacker's operations, without the skipped one
    expect(reversals.map((r) => [r.kind, r.entityId])).toEqual([
      ['mark.removed', mGrid], ['attendance.removed', aGrid],
      ['mark.changed', mCreatedChanged], ['mark.removed', mCreatedChanged],
      ['lesson.changed', l2.id], ['final_mark.changed', fChanged],
      ['homework.removed', hCreated], ['homework.set', hRemoved], ['homework.changed', hChanged],
      ['attendance.changed', aChanged], ['attendance.removed', aCreated],
      ['mark.created', mRemoved], ['mark.changed', mChanged], ['mark.removed', mCreated],
    ])
    for (const r of reversals) {
      const lesson = lessonOf[r.entityId]!
      expect(r).toMatchObject({ actorAccountId: adminAccountId, studentId: studentOf[r.entityId], classId })
      const { entry, ...rest } = r.payload as { entry: Record<string, unknown> }
      expect(rest).toEqual({
        voided: true, compromiseId: report.reportId, entityId: r.entityId,
        ...(lesson ? { lessonId: lesson.id, subjectId, date: lesson.date } : {}),
      })
      // the entry as it is again, for the notifier's wording: removed or not, its value
      expect((entry.removedAt ?? null) === null).toBe(!r.kind.endsWith('.removed'))
    }
    const markBackEvent = reversals.find((r) => r.kind === 'mark.changed' && r.entityId === mChanged)!
    expect((markBackEvent.payload as { entry: unknown }).entry).toEqual({ value: 3, passed: null, workTypeId: expect.any(String), removedAt: null })
    expect(audit.slice(1).every((a) => a.actorAccountId === adminAccountId)).toBe(true)
    // a reversal's audit row holds the entry as it was and as it is again
    const markBack = audit.find((a) => a.action === 'journal.mark.changed' && a.entityId === mChanged)!
    expect(markBack.before).toMatchObject({ value: 2, removedAt: null })
    expect(markBack.after).toMatchObject({ value: 3, removedAt: null })

    // ---- the list of voided operations
    const voided = (await ok(get(`/v1/compromise-reports/${report.reportId}/voided`, tok.admin), 200)).items as {
      auditId: number; entityType: string; entityId: string; action: string; outcome: string; operatedAt: string; before: unknown; after: unknown
    }[]
    expect(voided.map((v) => v.auditId)).toEqual(attackerOps.map((o) => o.id).reverse())
    expect(voided.map((v) => [v.action, v.entityId, v.outcome])).toEqual(
      attackerOps.map((o) => [o.action, o.entityId, o.entityId === mLater ? 'skipped_changed_later' : 'reverted']).reverse())
    expect(voided.every((v) => new Date(v.operatedAt).getTime() >= T.getTime() && v.auditId > lastBefore)).toBe(true)
    const skipped = voided.find((v) => v.outcome === 'skipped_changed_later')!
    expect(skipped).toMatchObject({ entityType: 'mark', entityId: mLater, action: 'journal.mark.changed', before: { value: 3 }, after: { value: 2 } })
    // nothing for the substitute's own change, nor for anything before T
    const { n } = await one(t.sql<{ n: number }[]>`
      select count(*)::int as n from voided_operations v join audit_log a on a.id = v.audit_id
      where a.actor_account_id <> ${attackerAccountId} or a.at < ${T}`)
    expect(n).toBe(0)

    // ---- the account is locked, its sessions are gone
    const [acc] = await t.sql<{ locked: boolean; lockReason: string }[]>`
      select locked_at is not null as locked, lock_reason from accounts where id = ${attackerAccountId}`
    expect(acc).toEqual({ locked: true, lockReason: 'compromise_reported' })
    expect((await get(`/v1/lessons/${l0.id}`, tok.attacker)).statusCode).toBe(401)
    const { live } = await one(t.sql<{ live: number }[]>`
      select count(*)::int as live from auth_sessions where account_id = ${attackerAccountId} and revoked_at is null`)
    expect(live).toBe(0)
  })

  test('the voided list is for the administration only', async () => {
    const { id } = await one(t.sql<{ id: string }[]>`select id from compromise_reports where account_id = ${attackerAccountId}`)
    const r = await get(`/v1/compromise-reports/${id}/voided`, tok.substitute)
    expect(r.statusCode).toBe(404)
    expect(r.json().code).toBe('not_found')
  })

  test('the audit chain stays intact', async () => {
    expect(await verifyAudit(t.sql)).toMatchObject({ ok: true, broken: [] })
  })
})
