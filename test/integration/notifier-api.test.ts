/**
 * The notification API over HTTP: a person's own settings (defaults, partial changes, refusals),
 * what was sent to them, the school's failed deliveries for its administration, and the
 * one-click unsubscribe link of emails. Deliveries are made by the notifier's own dispatcher
 * from marks the teacher writes; nothing is sent (no transport runs).
 */
import type { LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { Role } from '../../core/auth/policy.ts'
import { addMark } from '../../core/journal/index.ts'
import { unsubscribeToken } from '../../core/notifications/unsubscribe.ts'
import { dispatchBatch } from '../../notifier/dispatch.ts'
import { DEFAULT_OPTIONS } from '../../notifier/options.ts'
import {
  bearer, createAccount, createPerson, createSchool, createTestApp, login, type TestApp, type Tokens,
} from '../helpers/app.ts'
import { buildJournal, linkChat, type JournalFixture } from '../helpers/journal-fixture.ts'
import { noonToday } from '../helpers/notifier.ts'

let t: TestApp, f: JournalFixture
let otherSchoolId: string
/** tokens by who */
const as: Record<string, Tokens> = {}
let ip = 0

async function loginAs(name: string, personId: string, roles: Array<{ role: Role; schoolId: string }> = []) {
  const account = await createAccount(t.sql, { personId, roles })
  as[name] = await login(t.app, account, `10.1.0.${++ip}`)
}

beforeAll(async () => {
  t = await createTestApp()
  f = await buildJournal(t.sql, { students: 2 })
  await loginAs('guardian0', f.students[0]!.guardianId)
  await loginAs('guardian1', f.students[1]!.guardianId)
  await loginAs('student0', f.students[0]!.id)
  for (const role of ['admin', 'director', 'coordinator', 'teacher'] as const) {
    const person = await createPerson(t.sql, f.schoolId, 'staff', { lastName: `Сотрудникова-${role}`, firstName: 'Ирина' })
    await loginAs(role, person, [{ role, schoolId: f.schoolId }])
  }
  otherSchoolId = await createSchool(t.sql, 'Другая школа')
  const otherAdmin = await createPerson(t.sql, otherSchoolId, 'staff')
  await loginAs('otherSchoolAdmin', otherAdmin, [{ role: 'admin', schoolId: otherSchoolId }])
  await linkChat(t.sql, f.students[0]!.guardianId, 7000)
  await linkChat(t.sql, f.students[1]!.guardianId, 7001)
})

afterAll(async () => {
  await t?.close()
})

const get = (who: string, url: string) => t.app.inject({ method: 'GET', url, headers: bearer(as[who]!) })
const put = (who: string, payload: object) =>
  t.app.inject({ method: 'PUT', url: '/v1/me/notifications/preferences', headers: bearer(as[who]!), payload })
const prefs = async (who: string) => {
  const res = await get(who, '/v1/me/notifications/preferences')
  expect(res.statusCode).toBe(200)
  return res.json()
}
type Pref = { topic: string; channel: string; mode: string }
const modeOf = (view: { preferences: Pref[] }, topic: string, channel: string) =>
  view.preferences.find((p) => p.topic === topic && p.channel === channel)?.mode

function expectProblem(res: LightMyRequestResponse, status: number, code: string) {
  expect(res.statusCode).toBe(status)
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
  expect(res.json()).toMatchObject({ status, code })
}

describe('GET /v1/me/notifications/preferences', () => {
  test("a guardian's defaults: Telegram instant for marks, homework in the digest, SMS only for absence", async () => {
    const view = await prefs('guardian0')
    expect(view).toMatchObject({
      personId: f.students[0]!.guardianId, enabled: true, quietHours: { from: '21:00', to: '08:00' }, digestAt: '19:00',
      channelOrder: ['telegram', 'email', 'sms'], channels: { telegram: true, email: false, sms: false },
    })
    expect(view.preferences).toHaveLength(8 * 3)
    expect(modeOf(view, 'marks', 'telegram')).toBe('instant')
    expect(modeOf(view, 'marks', 'email')).toBe('instant')
    expect(modeOf(view, 'homework', 'telegram')).toBe('digest')
    expect(modeOf(view, 'homework', 'email')).toBe('digest')
    expect(modeOf(view, 'absence', 'sms')).toBe('instant')
    for (const p of view.preferences as Pref[]) if (p.channel === 'sms' && p.topic !== 'absence') expect(p.mode).toBe('off')
  })

  test("a student's notifications are off until they turn them on", async () => {
    const view = await prefs('student0')
    expect(view).toMatchObject({ personId: f.students[0]!.id, enabled: false, channels: { telegram: false, email: false, sms: false } })
  })

  test("another person's settings are not found; without a token, 401", async () => {
    expectProblem(await get('guardian0', `/v1/me/notifications/preferences?personId=${f.students[1]!.guardianId}`), 404, 'not_found')
    expectProblem(await get('guardian0', `/v1/me/notifications/preferences?personId=${f.students[0]!.id}`), 404, 'not_found')
    expectProblem(await t.app.inject({ method: 'GET', url: '/v1/me/notifications/preferences' }), 401, 'unauthorized')
  })
})

describe('PUT /v1/me/notifications/preferences', () => {
  test('changes only the fields given', async () => {
    const before = await prefs('guardian1')
    const res = await put('guardian1', { digestAt: '20:30' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ ...before, digestAt: '20:30' })

    const one = await put('guardian1', { preferences: [{ topic: 'marks', channel: 'telegram', mode: 'digest' }] })
    expect(one.statusCode).toBe(200)
    const changed = (before.preferences as Pref[]).map((p) => (p.topic === 'marks' && p.channel === 'telegram' ? { ...p, mode: 'digest' } : p))
    expect(one.json()).toEqual({ ...before, digestAt: '20:30', preferences: changed })

    expect((await put('guardian1', { quietHours: null })).json()).toEqual({ ...before, digestAt: '20:30', quietHours: null, preferences: changed })
    expect((await put('guardian1', { channelOrder: ['email', 'telegram'] })).json())
      .toEqual({ ...before, digestAt: '20:30', quietHours: null, preferences: changed, channelOrder: ['email', 'telegram'] })
    // and it is what a later read (and the notifier) sees
    expect(await prefs('guardian1')).toEqual({ ...before, digestAt: '20:30', quietHours: null, preferences: changed, channelOrder: ['email', 'telegram'] })
  })

  test('a student turns notifications on and sets quiet hours; the rest stays default', async () => {
    const res = await put('student0', { enabled: true, quietHours: { from: '22:00', to: '07:30' } })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ enabled: true, quietHours: { from: '22:00', to: '07:30' }, digestAt: '19:00', channelOrder: ['telegram', 'email', 'sms'] })
  })

  test('a channel twice in channelOrder → 400 problem+json, nothing changed', async () => {
    const before = await prefs('guardian0')
    const res = await put('guardian0', { channelOrder: ['telegram', 'email', 'telegram'], digestAt: '18:00' })
    expectProblem(res, 400, 'validation_failed')
    expect(res.json().issues).toEqual([expect.objectContaining({ path: 'channelOrder' })])
    expect(await prefs('guardian0')).toEqual(before)
  })

  test('malformed bodies → 400', async () => {
    expectProblem(await put('guardian0', { digestAt: '25:00' }), 400, 'validation_failed')
    expectProblem(await put('guardian0', { channelOrder: [] }), 400, 'validation_failed')
    expectProblem(await put('guardian0', { channelOrder: ['pigeon'] }), 400, 'validation_failed')
    expectProblem(await put('guardian0', { preferences: [{ topic: 'marks', channel: 'telegram', mode: 'loud' }] }), 400, 'validation_failed')
    expectProblem(await put('guardian0', { quietHours: { from: '21:00' } }), 400, 'validation_failed')
    expectProblem(await put('guardian0', { colour: 'red' }), 400, 'validation_failed')
  })

  test("a personId that is not the caller's → 404, and that person's settings are untouched", async () => {
    const victim = f.students[0]!.guardianId
    const before = await prefs('guardian0')
    expectProblem(await put('guardian1', { personId: victim, enabled: false }), 404, 'not_found')
    expectProblem(await put('teacher', { personId: victim, preferences: [{ topic: 'marks', channel: 'telegram', mode: 'off' }] }), 404, 'not_found')
    expect(await prefs('guardian0')).toEqual(before)
    const rows = await t.sql`select 1 from notification_preferences where person_id = ${victim}`
    expect(rows).toHaveLength(0)
  })
})

describe('deliveries', () => {
  beforeAll(async () => {
    // guardian1 reads email first now (the PUT above): give them an address
    await t.sql`update persons set email = 'mother1@example.ru' where id = ${f.students[1]!.guardianId}`
    // a mark for each child → the dispatcher makes one delivery per guardian (at noon: no quiet hours)
    for (const s of f.students) await addMark(t.sql, f.teacher, await f.lesson(-1), { studentId: s.id, value: 5 })
    await dispatchBatch(t.sql, { ...DEFAULT_OPTIONS, clock: () => noonToday(f.today) })
    // the email was refused by the recipient's server
    await t.sql`
      update deliveries set status = 'failed', attempts = 1, last_error = 'SMTP 550 on RCPT TO: 5.1.1 Mailbox unavailable'
      where person_id = ${f.students[1]!.guardianId}`
  })

  test('GET /v1/me/notifications/deliveries: only my own', async () => {
    const mine = await get('guardian0', '/v1/me/notifications/deliveries')
    expect(mine.statusCode).toBe(200)
    const items = mine.json().items
    expect(items).toHaveLength(1)
    expect(items[0]).toMatchObject({
      personId: f.students[0]!.guardianId, channel: 'telegram', mode: 'instant', status: 'pending', kinds: ['mark'], events: 1,
      attempts: 0, lastError: null, fallbackOf: null,
    })
    const theirs = (await get('guardian1', '/v1/me/notifications/deliveries')).json().items
    expect(theirs).toHaveLength(1)
    expect(theirs[0]).toMatchObject({ personId: f.students[1]!.guardianId, channel: 'email', status: 'failed', kinds: ['mark'] })
    expect(theirs[0].id).not.toBe(items[0].id)
    // the student turned notifications on but has no address: nothing; staff get nothing
    expect((await get('student0', '/v1/me/notifications/deliveries')).json()).toEqual({ items: [] })
    expect((await get('admin', '/v1/me/notifications/deliveries')).json()).toEqual({ items: [] })
    expectProblem(await get('guardian0', '/v1/me/notifications/deliveries?limit=0'), 400, 'validation_failed')
  })

  test.each(['admin', 'director', 'coordinator'])("GET /v1/schools/:id/notifications/deliveries: the %s sees the failed ones by default", async (who) => {
    const res = await get(who, `/v1/schools/${f.schoolId}/notifications/deliveries`)
    expect(res.statusCode).toBe(200)
    const items = res.json().items
    expect(items).toHaveLength(1)
    expect(items[0]).toMatchObject({
      personId: f.students[1]!.guardianId, lastName: 'Родителева1', firstName: 'Мария', status: 'failed', channel: 'email',
      lastError: 'SMTP 550 on RCPT TO: 5.1.1 Mailbox unavailable', kinds: ['mark'], events: 1,
    })
    const pending = (await get(who, `/v1/schools/${f.schoolId}/notifications/deliveries?status=pending`)).json().items
    expect(pending.map((d: { personId: string }) => d.personId)).toEqual([f.students[0]!.guardianId])
  })

  test.each(['teacher', 'guardian0', 'student0', 'otherSchoolAdmin'])('GET /v1/schools/:id/notifications/deliveries: the %s is refused', async (who) => {
    expectProblem(await get(who, `/v1/schools/${f.schoolId}/notifications/deliveries`), 403, 'forbidden')
  })

  test("another school's admin sees their own school: no deliveries there", async () => {
    const res = await get('otherSchoolAdmin', `/v1/schools/${otherSchoolId}/notifications/deliveries`)
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ items: [] })
    expectProblem(await get('admin', `/v1/schools/${f.schoolId}/notifications/deliveries?status=lost`), 400, 'validation_failed')
  })
})

describe('the unsubscribe link', () => {
  const url = (token: string) => `/v1/notifications/unsubscribe?t=${token}`
  const link = (topic: 'marks' | 'homework' | 'absence') =>
    unsubscribeToken(t.config.jwtSecret, { personId: f.students[0]!.guardianId, topic, channel: 'email' })
  const oneClick = (token: string, body = 'List-Unsubscribe=One-Click', type = 'application/x-www-form-urlencoded') =>
    t.app.inject({ method: 'POST', url: url(token), headers: { 'content-type': type }, payload: body })

  test('GET shows a confirmation page in Russian and changes nothing', async () => {
    const res = await t.app.inject({ method: 'GET', url: url(link('marks')) })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(res.body).toContain('<html lang="ru">')
    expect(res.body).toContain('Отказаться от писем')
    expect(res.body).toContain('Вы больше не будете получать письма об отметках.')
    expect(res.body).toContain(`action="?t=${link('marks')}"`)
    // a link scanner that fetches the URL does not unsubscribe anyone
    expect(modeOf(await prefs('guardian0'), 'marks', 'email')).toBe('instant')
  })

  test('POST List-Unsubscribe=One-Click turns that topic off for email; the preference API shows it', async () => {
    const res = await oneClick(link('marks'))
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(res.body).toContain('Готово')
    expect(res.body).toContain('Письма об отметках на этот адрес больше приходить не будут.')
    const view = await prefs('guardian0')
    expect(modeOf(view, 'marks', 'email')).toBe('off')
    expect(modeOf(view, 'marks', 'telegram')).toBe('instant')
    expect(modeOf(view, 'homework', 'email')).toBe('digest')
    expect(modeOf(view, 'absence', 'email')).toBe('instant')
    // a second click is harmless
    expect((await oneClick(link('marks'))).statusCode).toBe(200)
    expect(modeOf(await prefs('guardian0'), 'marks', 'email')).toBe('off')
  })

  test('the one-click POST as RFC 8058 shows it (multipart/form-data) works too', async () => {
    const boundary = 'AaB03x'
    const body = `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--${boundary}--\r\n`
    const res = await oneClick(link('absence'), body, `multipart/form-data; boundary=${boundary}`)
    expect(res.statusCode).toBe(200)
    expect(modeOf(await prefs('guardian0'), 'absence', 'email')).toBe('off')
  })

  test('a tampered token, or one signed with another secret, → 404 problem+json and nothing changes', async () => {
    const good = link('homework')
    const [body, sig] = good.split('.') as [string, string]
    const tampered = `${body}.${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`
    const forged = unsubscribeToken('not-the-secret-not-the-secret-0123456789', { personId: f.students[0]!.guardianId, topic: 'homework', channel: 'email' })
    for (const token of [tampered, forged]) {
      expectProblem(await t.app.inject({ method: 'GET', url: url(token) }), 404, 'not_found')
      expectProblem(await oneClick(token), 404, 'not_found')
    }
    expectProblem(await t.app.inject({ method: 'GET', url: '/v1/notifications/unsubscribe?t=short' }), 400, 'validation_failed')
    expect(modeOf(await prefs('guardian0'), 'homework', 'email')).toBe('digest')
  })
})
