/**
 * Teacher–parent messaging over HTTP: contacts (names and subjects, no phones), threads from
 * both sides, who may read, write and mute, announcements and who may publish them. Each
 * write is checked in the outbox (what the notifier pushes) and the audit log, and the
 * notifier's own dispatcher shows whom it reaches.
 */
import type { LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { hashPassword } from '../../core/auth/passwords.ts'
import type { Role } from '../../core/auth/policy.ts'
import { loadProfiles } from '../../core/notifications/preferences.ts'
import type { DeliveryEvent } from '../../notifier/compose.ts'
import { eventsView, renderEvents } from '../../notifier/content.ts'
import { dispatchBatch } from '../../notifier/dispatch.ts'
import { DEFAULT_OPTIONS } from '../../notifier/options.ts'
import { bearer, createAccount, createClass, createPerson, createSchool, createTestApp, login, type TestApp, type Tokens } from '../helpers/app.ts'
import { buildJournal, linkChat, type JournalFixture } from '../helpers/journal-fixture.ts'
import { noonToday } from '../helpers/notifier.ts'

let t: TestApp, f: JournalFixture
const as: Record<string, Tokens> = {}
let ip = 0
let otherTeacherId: string, otherSchoolClass: string, otherSchoolId: string

async function loginAs(name: string, personId: string, roles: Array<{ role: Role; schoolId: string; classId?: string }> = []) {
  const account = await createAccount(t.sql, { personId, roles })
  as[name] = await login(t.app, account, `10.2.0.${++ip}`)
}

beforeAll(async () => {
  t = await createTestApp()
  f = await buildJournal(t.sql, { students: 3 })
  // the fixture's teacher already has an account: give it a known password to log in over HTTP
  const [acc] = await t.sql<{ id: string; login: string }[]>`
    select a.id, a.login from accounts a join account_persons ap on ap.account_id = a.id where ap.person_id = ${f.teacherId}`
  await t.sql`update accounts set password_hash = ${await hashPassword('Teacher-pass-1')} where id = ${acc!.id}`
  as.teacher = await login(t.app, { login: acc!.login, password: 'Teacher-pass-1' }, '10.2.1.1')
  await loginAs('guardian0', f.students[0]!.guardianId, [{ role: 'guardian', schoolId: f.schoolId }])
  await loginAs('guardian1', f.students[1]!.guardianId, [{ role: 'guardian', schoolId: f.schoolId }])
  await loginAs('student0', f.students[0]!.id, [{ role: 'student', schoolId: f.schoolId }])
  await loginAs('classTeacher', f.classTeacherId, [{ role: 'teacher', schoolId: f.schoolId }, { role: 'class_teacher', schoolId: f.schoolId, classId: f.classId }])
  otherTeacherId = await createPerson(t.sql, f.schoolId, 'staff', { lastName: 'Другова', firstName: 'Вера' })
  await loginAs('otherTeacher', otherTeacherId, [{ role: 'teacher', schoolId: f.schoolId }])
  for (const role of ['director', 'deputy'] as const) {
    const p = await createPerson(t.sql, f.schoolId, 'staff', { lastName: `Руководова-${role}`, firstName: 'Ирина' })
    await loginAs(role, p, [{ role, schoolId: f.schoolId }])
  }
  otherSchoolId = await createSchool(t.sql, 'Другая школа')
  otherSchoolClass = await createClass(t.sql, otherSchoolId, 5, 'Б')
  await loginAs('otherAdmin', await createPerson(t.sql, otherSchoolId, 'staff'), [{ role: 'admin', schoolId: otherSchoolId }])
  // contacts that must never show through messaging
  await t.sql`update persons set phone = '+79161112233', email = 'teacher@example.ru' where id = ${f.teacherId}`
  for (const [i, s] of f.students.entries()) await linkChat(t.sql, s.guardianId, 8100 + i)
  await linkChat(t.sql, f.teacherId, 8200)
})

afterAll(async () => t?.close())

const req = (who: string, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) =>
  t.app.inject({ method, url, headers: bearer(as[who]!), ...(payload ? { payload } : {}) })

function expectProblem(res: LightMyRequestResponse, status: number, code: string) {
  expect(res.statusCode, res.body).toBe(status)
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
  expect(res.json()).toMatchObject({ status, code })
}

const outboxOf = (entityId: string) =>
  t.sql<{ kind: string; studentId: string | null; classId: string | null; payload: Record<string, unknown> }[]>`
    select kind, student_id, class_id, payload from outbox where entity_id = ${entityId}`

/** Runs the notifier's dispatcher over everything pending; returns the persons it addressed per event. */
async function dispatched(entityId: string): Promise<string[]> {
  await dispatchBatch(t.sql, { ...DEFAULT_OPTIONS, clock: () => noonToday(f.today) })
  const rows = await t.sql<{ personId: string }[]>`
    select de.person_id from delivery_events de join outbox o on o.id = de.outbox_id where o.entity_id = ${entityId} order by de.person_id`
  return rows.map((r) => r.personId)
}

let threadId: string

describe('contacts', () => {
  test("a guardian sees the child's class teacher and teachers with subjects — and no phone or e-mail", async () => {
    const res = await req('guardian0', 'GET', `/v1/students/${f.students[0]!.id}/contacts`)
    expect(res.statusCode).toBe(200)
    expect(res.json().items).toEqual([
      { id: f.classTeacherId, lastName: 'Классная', firstName: 'Нина', middleName: 'Петрович', classTeacher: true, subjects: [] },
      { id: f.teacherId, lastName: 'Учителева', firstName: 'Ольга', middleName: 'Петрович', classTeacher: false, subjects: ['Математика', 'Русский язык'] },
    ])
    expect(res.body).not.toContain('79161112233')
    expect(res.body).not.toContain('example.ru')
    // the student themself too
    expect((await req('student0', 'GET', `/v1/students/${f.students[0]!.id}/contacts`)).json().items).toHaveLength(2)
  })

  test("another family's child is not found", async () => {
    expectProblem(await req('guardian1', 'GET', `/v1/students/${f.students[0]!.id}/contacts`), 404, 'not_found')
    expectProblem(await req('otherAdmin', 'GET', `/v1/students/${f.students[0]!.id}/contacts`), 404, 'not_found')
  })
})

describe('threads', () => {
  test('a guardian writes to the maths teacher: one thread, the message, an outbox event for the teacher and an audit row', async () => {
    const res = await req('guardian0', 'POST', '/v1/threads', { studentId: f.students[0]!.id, staffId: f.teacherId, body: '  Добрый день! Анна болела, можно сдать контрольную позже?  ' })
    expect(res.statusCode, res.body).toBe(201)
    const sent = res.json()
    threadId = sent.thread.id
    expect(sent).toMatchObject({
      pushed: true,
      thread: { side: 'guardian', muted: false, student: { id: f.students[0]!.id, firstName: 'Анна', className: '7А' }, staff: { id: f.teacherId } },
      message: { from: 'guardian', authorId: f.students[0]!.guardianId, body: 'Добрый день! Анна болела, можно сдать контрольную позже?', via: 'api' },
    })
    const [event] = await outboxOf(sent.message.id)
    expect(event).toMatchObject({
      kind: 'message.sent', studentId: f.students[0]!.id,
      payload: { threadId, messageId: sent.message.id, recipientIds: [f.teacherId], from: 'guardian', muted: false },
    })
    const audit = await t.sql`select action, entity_type from audit_log where entity_id = ${sent.message.id}`
    expect(audit).toEqual([{ action: 'message.sent', entityType: 'thread_message' }])
    // the notifier tells exactly the teacher, not the family
    expect(await dispatched(sent.message.id)).toEqual([f.teacherId])

    const again = await req('guardian0', 'POST', '/v1/threads', { studentId: f.students[0]!.id, staffId: f.teacherId, body: 'И ещё вопрос.' })
    expect(again.json().thread.id).toBe(threadId)
  })

  test('refusals when starting a thread', async () => {
    // not one of the child's teachers
    expectProblem(await req('guardian0', 'POST', '/v1/threads', { studentId: f.students[0]!.id, staffId: otherTeacherId, body: 'x' }), 403, 'forbidden')
    // not their child
    expectProblem(await req('guardian0', 'POST', '/v1/threads', { studentId: f.students[1]!.id, staffId: f.teacherId, body: 'x' }), 404, 'not_found')
    // staff do not start threads about a child
    expectProblem(await req('director', 'POST', '/v1/threads', { studentId: f.students[0]!.id, staffId: f.teacherId, body: 'x' }), 403, 'forbidden')
    expectProblem(await req('guardian0', 'POST', '/v1/threads', { studentId: f.students[0]!.id, staffId: f.teacherId, body: '   ' }), 400, 'validation_failed')
    expectProblem(await req('guardian0', 'POST', '/v1/threads', { studentId: f.students[0]!.id, staffId: f.teacherId, body: 'я'.repeat(4001) }), 400, 'validation_failed')
  })

  test('the teacher sees the thread and answers; the answer is for the guardian only', async () => {
    const list = await req('teacher', 'GET', '/v1/me/threads')
    expect(list.json().items).toEqual([expect.objectContaining({ id: threadId, side: 'staff', lastMessage: 'И ещё вопрос.' })])
    const res = await req('teacher', 'POST', `/v1/threads/${threadId}/messages`, { body: 'Здравствуйте! Да, в четверг после уроков.' })
    expect(res.statusCode, res.body).toBe(201)
    const m = res.json().message
    expect(m).toMatchObject({ from: 'staff', authorId: f.teacherId })
    expect((await outboxOf(m.id))[0]!.payload).toMatchObject({ recipientIds: [f.students[0]!.guardianId], from: 'staff' })
    expect(await dispatched(m.id)).toEqual([f.students[0]!.guardianId])

    const read = await req('guardian0', 'GET', `/v1/threads/${threadId}/messages`)
    expect(read.statusCode).toBe(200)
    expect(read.json().items.map((x: { from: string; body: string }) => [x.from, x.body])).toEqual([
      ['guardian', 'Добрый день! Анна болела, можно сдать контрольную позже?'],
      ['guardian', 'И ещё вопрос.'],
      ['staff', 'Здравствуйте! Да, в четверг после уроков.'],
    ])
    // reading marks the other side's messages read, not one's own
    const readAt = await t.sql<{ authorId: string; read: boolean }[]>`
      select author_id, read_at is not null as read from thread_messages where thread_id = ${threadId}`
    for (const r of readAt) expect(r.read).toBe(r.authorId === f.teacherId)
  })

  test('the notifier words the messages for e-mail and SMS as well: who wrote, about whom, the text, how to answer', async () => {
    const events = await t.sql<DeliveryEvent[]>`
      select id as outbox_id, kind, student_id, payload from outbox where kind = 'message.sent' order by id`
    const profiles = await loadProfiles(t.sql, [f.teacherId, f.students[0]!.guardianId])
    const render = async (e: DeliveryEvent, personId: string, channel: 'email' | 'sms') =>
      renderEvents(await eventsView(t.sql, [e]), { channel, mode: 'instant', profile: profiles.get(personId)!, unsubscribeUrl: 'http://127.0.0.1/u', date: f.today })

    const toTeacher = await render(events[0]!, f.teacherId, 'email')
    if (toTeacher.channel !== 'email') throw new Error('not an email')
    expect(toTeacher.subject).toBe('Сообщение от Родителева0 Мария (мама)')
    expect(toTeacher.text).toContain('Сообщение от родителя: Родителева0 Мария (мама) — Анна Ученикова0, 7А\n\nДобрый день! Анна болела, можно сдать контрольную позже?')
    expect(toTeacher.text).toContain('Ответить можно в Telegram-боте школы')
    expect(toTeacher.html).toContain('Анна болела')

    const toFamily = await render(events[2]!, f.students[0]!.guardianId, 'email')
    if (toFamily.channel !== 'email') throw new Error('not an email')
    expect(toFamily.subject).toBe('Сообщение от Учителева О. П.')
    expect(toFamily.text).toContain('Сообщение от учителя (Анна): Учителева Ольга Петрович, математика, русский язык')
    expect(toFamily.text).not.toContain('Ученикова')
    expect(await render(events[2]!, f.students[0]!.guardianId, 'sms')).toEqual({ channel: 'sms', text: 'Звонок: Сообщение от Учителева О. П.' })
  })

  test("a parent cannot read or write in another family's thread; the director reads it as the school's record", async () => {
    expectProblem(await req('guardian1', 'GET', `/v1/threads/${threadId}/messages`), 404, 'not_found')
    expectProblem(await req('guardian1', 'POST', `/v1/threads/${threadId}/messages`, { body: 'чужое' }), 404, 'not_found')
    expectProblem(await req('otherTeacher', 'GET', `/v1/threads/${threadId}/messages`), 404, 'not_found')
    expectProblem(await req('otherAdmin', 'GET', `/v1/threads/${threadId}/messages`), 404, 'not_found')
    expect((await req('guardian1', 'GET', '/v1/me/threads')).json().items).toEqual([])

    const record = await req('director', 'GET', `/v1/threads/${threadId}/messages`)
    expect(record.statusCode).toBe(200)
    expect(record.json()).toMatchObject({ thread: { side: null }, items: expect.any(Array) })
    expect((await req('director', 'GET', `/v1/schools/${f.schoolId}/threads`)).json().items.map((x: { id: string }) => x.id)).toEqual([threadId])
    expectProblem(await req('director', 'POST', `/v1/threads/${threadId}/messages`, { body: 'x' }), 403, 'forbidden')
    expectProblem(await req('deputy', 'GET', `/v1/schools/${f.schoolId}/threads`), 403, 'forbidden')
  })

  test("mute: only the thread's member of staff; a muted thread keeps the family's messages without pushing them", async () => {
    expectProblem(await req('guardian0', 'PUT', `/v1/threads/${threadId}/mute`, { muted: true }), 403, 'forbidden')
    expectProblem(await req('otherTeacher', 'PUT', `/v1/threads/${threadId}/mute`, { muted: true }), 404, 'not_found')
    const muted = await req('teacher', 'PUT', `/v1/threads/${threadId}/mute`, { muted: true })
    expect(muted.statusCode).toBe(200)
    expect(muted.json()).toMatchObject({ id: threadId, muted: true })

    const res = await req('guardian0', 'POST', `/v1/threads/${threadId}/messages`, { body: 'Вы меня слышите?' })
    expect(res.statusCode).toBe(201)
    expect(res.json()).toMatchObject({ pushed: false, thread: { muted: true } })
    expect((await outboxOf(res.json().message.id))[0]!.payload).toMatchObject({ recipientIds: [], muted: true })
    expect(await dispatched(res.json().message.id)).toEqual([])

    // the teacher's own messages in a muted thread still reach the family
    const answer = await req('teacher', 'POST', `/v1/threads/${threadId}/messages`, { body: 'Слышу, отвечу завтра.' })
    expect(answer.json().pushed).toBe(true)
    expect(await dispatched(answer.json().message.id)).toEqual([f.students[0]!.guardianId])

    expect((await req('teacher', 'PUT', `/v1/threads/${threadId}/mute`, { muted: false })).json().muted).toBe(false)
    const audit = await t.sql`select action from audit_log where entity_id = ${threadId} order by id`
    expect(audit.map((a) => a.action)).toEqual(['thread.muted', 'thread.unmuted'])
  })
})

describe('announcements', () => {
  const post = (who: string, payload: object, schoolId = f.schoolId) => req(who, 'POST', `/v1/schools/${schoolId}/announcements`, payload)

  test("the class teacher announces to their class: every family of the class once, and the students who turned notifications on", async () => {
    // a student who turned notifications on hears it too; the others' are off by default
    await t.sql`insert into notification_settings (person_id, enabled) values (${f.students[0]!.id}, true)`
    await linkChat(t.sql, f.students[0]!.id, 8300)
    const res = await post('classTeacher', { classId: f.classId, body: 'Родительское собрание в пятницу в 18:00.' })
    expect(res.statusCode, res.body).toBe(201)
    const a = res.json()
    expect(a).toMatchObject({ classId: f.classId, authorId: f.classTeacherId, students: 3 })
    expect(await outboxOf(a.id)).toEqual([{ kind: 'announcement.published', studentId: null, classId: f.classId, payload: { announcementId: a.id, classId: f.classId, authorId: f.classTeacherId } }])
    expect(await dispatched(a.id)).toEqual([...f.students.map((s) => s.guardianId), f.students[0]!.id].sort())
  })

  test('who may announce', async () => {
    // the class teacher: not to the whole school; a subject teacher: not at all; families: never
    expectProblem(await post('classTeacher', { body: 'Всем!' }), 403, 'forbidden')
    expectProblem(await post('teacher', { classId: f.classId, body: 'Всем!' }), 403, 'forbidden')
    expectProblem(await post('guardian0', { classId: f.classId, body: 'Всем!' }), 403, 'forbidden')
    expectProblem(await post('otherAdmin', { body: 'Всем!' }), 403, 'forbidden')
    // a class of another school is not found under this school
    expectProblem(await post('director', { classId: otherSchoolClass, body: 'x' }), 404, 'not_found')
    expectProblem(await post('director', { body: '' }), 400, 'validation_failed')

    const school = await post('deputy', { body: 'Завтра сокращённые уроки.', classId: null })
    expect(school.statusCode, school.body).toBe(201)
    expect(school.json()).toMatchObject({ classId: null, students: 3 })
    expect((await post('director', { classId: f.classId, body: 'Экскурсия отменяется.' })).statusCode).toBe(201)
    const audit = await t.sql`select count(*)::int as n from audit_log where action = 'announcement.published' and school_id = ${f.schoolId}`
    expect(audit[0]!.n).toBe(3)
  })
})
