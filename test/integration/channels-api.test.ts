/**
 * Class channels over HTTP: who may take bind codes, read and change a channel, its record and
 * its review queue (the class teacher of the class, the school's moderators — and nobody else);
 * binding with a code; settings validated and audited; the record of the filter's automatic
 * acts; a held message approved once and re-posted through an effect; the school's watched
 * words acting on posts; and unlinking a guardian, after which the channel no longer counts
 * them as belonging to the class (and the sweep removes them).
 */
import type { LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { Role } from '../../core/auth/policy.ts'
import { bindChannel, channelById, checkPost, decideJoinRequest, reconcileMembers } from '../../core/channels/index.ts'
import { bearer, createAccount, createClass, createPerson, createSchool, createTestApp, login, type TestApp, type Tokens } from '../helpers/app.ts'
import { buildJournal, linkChat, type JournalFixture } from '../helpers/journal-fixture.ts'

let t: TestApp, f: JournalFixture
const as: Record<string, Tokens> = {}
const accountOf: Record<string, string> = {}
let ip = 0
let otherClassId: string
let channelId: string

const CLASS_TEACHER_CHAT = 9001
const CHAT_ID = '-1001234567890'
/** a Telegram user linked to nobody in the school */
const STRANGER = '777001'

async function loginAs(name: string, personId: string, roles: Array<{ role: Role; schoolId: string; classId?: string }>) {
  const account = await createAccount(t.sql, { personId, roles })
  accountOf[name] = account.accountId
  as[name] = await login(t.app, account, `10.6.0.${++ip}`)
}

beforeAll(async () => {
  t = await createTestApp()
  f = await buildJournal(t.sql, { students: 3 })
  otherClassId = await createClass(t.sql, f.schoolId, 7, 'Б')
  await loginAs('classTeacher', f.classTeacherId, [
    { role: 'teacher', schoolId: f.schoolId }, { role: 'class_teacher', schoolId: f.schoolId, classId: f.classId },
  ])
  const other = await createPerson(t.sql, f.schoolId, 'staff', { lastName: 'Соседова', firstName: 'Вера' })
  await loginAs('otherClassTeacher', other, [
    { role: 'teacher', schoolId: f.schoolId }, { role: 'class_teacher', schoolId: f.schoolId, classId: otherClassId },
  ])
  await loginAs('guardian0', f.students[0]!.guardianId, [{ role: 'guardian', schoolId: f.schoolId }])
  const moderator = await createPerson(t.sql, f.schoolId, 'staff', { lastName: 'Модераторова', firstName: 'Юлия' })
  await loginAs('moderator', moderator, [{ role: 'moderator', schoolId: f.schoolId }])
  const secretary = await createPerson(t.sql, f.schoolId, 'staff', { lastName: 'Секретарёва', firstName: 'Инна' })
  await loginAs('secretary', secretary, [{ role: 'secretary', schoolId: f.schoolId }])
  await linkChat(t.sql, f.classTeacherId, CLASS_TEACHER_CHAT)
  for (const [i, s] of f.students.entries()) await linkChat(t.sql, s.guardianId, 8100 + i)
})

afterAll(async () => t?.close())

const req = (who: string, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
  t.app.inject({ method, url, headers: bearer(as[who]!), ...(payload ? { payload } : {}) })

function expectProblem(res: LightMyRequestResponse, status: number, code: string) {
  expect(res.statusCode, res.body).toBe(status)
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
  expect(res.json()).toMatchObject({ status, code })
}

let messageId = 1000
const post = async (userId: string, text: string, firstName = 'Мария') =>
  checkPost(t.sql, (await channelById(t.sql, channelId))!, {
    userId, firstName, messageId: ++messageId, threadId: null, text, at: new Date(), edited: false, exempt: false,
  })

const auditOf = (action: string, entityId: string) =>
  t.sql<{ actorAccountId: string | null; before: Record<string, unknown> | null; after: Record<string, unknown> | null }[]>`
    select actor_account_id, before, after from audit_log where action = ${action} and entity_id = ${entityId} order by id`

const DEFAULTS = {
  studentsAllowed: false, slowModeSeconds: 0, warnLimit: 3, warnMuteMinutes: 1440, floodMessages: 6, floodSeconds: 10, floodMuteMinutes: 10,
}

describe('binding a group', () => {
  test('only the class teacher of the class and moderators take codes', async () => {
    const url = `/v1/classes/${f.classId}/channel-codes`
    expectProblem(await req('otherClassTeacher', 'POST', url), 403, 'forbidden')
    expectProblem(await req('guardian0', 'POST', url), 403, 'forbidden')
    expectProblem(await req('moderator', 'POST', '/v1/classes/00000000-0000-4000-8000-000000000000/channel-codes'), 404, 'not_found')
    const byModerator = await req('moderator', 'POST', url)
    expect(byModerator.statusCode, byModerator.body).toBe(201)
    expect(byModerator.json()).toMatchObject({ classId: f.classId, className: '7А' })
  })

  test('the class teacher takes a code, binds the group with it, and the channel is listed', async () => {
    const before = Date.now()
    const res = await req('classTeacher', 'POST', `/v1/classes/${f.classId}/channel-codes`)
    expect(res.statusCode, res.body).toBe(201)
    const body = res.json()
    expect(body).toMatchObject({ classId: f.classId, className: '7А' })
    expect(body.code).toMatch(/^[A-Z0-9]{8}$/)
    expect(body.instructions).toContain(`/bind ${body.code}`)
    const ttl = new Date(body.expiresAt).getTime() - before
    expect(ttl).toBeGreaterThan(59 * 60_000)
    expect(ttl).toBeLessThanOrEqual(61 * 60_000)
    expect(await auditOf('channel.code_issued', f.classId)).toEqual(
      expect.arrayContaining([expect.objectContaining({ actorAccountId: accountOf.classTeacher })]))

    const ch = await bindChannel(t.sql, { code: body.code, chatId: CHAT_ID, title: 'Родители 7А', isForum: false, userId: String(CLASS_TEACHER_CHAT) })
    channelId = ch.id

    const list = await req('moderator', 'GET', `/v1/schools/${f.schoolId}/channels`)
    expect(list.statusCode, list.body).toBe(200)
    expect(list.json().items).toEqual([expect.objectContaining({
      id: channelId, classId: f.classId, className: '7А', chatId: CHAT_ID, title: 'Родители 7А', isForum: false,
      inviteLink: null, unboundAt: null, settings: DEFAULTS,
    })])
    // the list is the school's: class teachers and families see their channel elsewhere or not at all
    expectProblem(await req('classTeacher', 'GET', `/v1/schools/${f.schoolId}/channels`), 403, 'forbidden')
    expectProblem(await req('guardian0', 'GET', `/v1/schools/${f.schoolId}/channels`), 403, 'forbidden')
  })

  test('a channel is seen by its class teacher and moderators only', async () => {
    for (const who of ['classTeacher', 'moderator']) {
      const res = await req(who, 'GET', `/v1/channels/${channelId}`)
      expect(res.statusCode, res.body).toBe(200)
      expect(res.json()).toMatchObject({ id: channelId, chatId: CHAT_ID, className: '7А', settings: DEFAULTS })
    }
    expectProblem(await req('otherClassTeacher', 'GET', `/v1/channels/${channelId}`), 403, 'forbidden')
    expectProblem(await req('guardian0', 'GET', `/v1/channels/${channelId}`), 403, 'forbidden')
    expectProblem(await req('moderator', 'GET', '/v1/channels/00000000-0000-4000-8000-000000000000'), 404, 'not_found')
    // how a class teacher finds their channel's id
    for (const who of ['classTeacher', 'moderator']) {
      expect((await req(who, 'GET', '/v1/me/channels')).json().items.map((c: { id: string }) => c.id)).toEqual([channelId])
    }
    for (const who of ['otherClassTeacher', 'guardian0']) expect((await req(who, 'GET', '/v1/me/channels')).json()).toEqual({ items: [] })
  })
})

describe('settings', () => {
  test('the class teacher changes some settings; the rest stay; the change is audited with before and after', async () => {
    const res = await req('classTeacher', 'PATCH', `/v1/channels/${channelId}/settings`, { slowModeSeconds: 30, warnLimit: 2 })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json().settings).toEqual({ ...DEFAULTS, slowModeSeconds: 30, warnLimit: 2 })
    const audit = await auditOf('channel.settings_changed', channelId)
    expect(audit).toEqual([{
      actorAccountId: accountOf.classTeacher, before: DEFAULTS, after: { ...DEFAULTS, slowModeSeconds: 30, warnLimit: 2 },
    }])
  })

  test('bodies outside the bounds, empty or with unknown keys are refused and change nothing', async () => {
    const url = `/v1/channels/${channelId}/settings`
    // [body, the field the problem names ('' for the body as a whole)]
    const cases: Array<[Record<string, unknown>, string]> = [
      [{}, ''], [{ slowModeSeconds: -1 }, 'slowModeSeconds'], [{ slowModeSeconds: 86_401 }, 'slowModeSeconds'],
      [{ slowModeSeconds: 1.5 }, 'slowModeSeconds'], [{ slowModeSeconds: '30' }, 'slowModeSeconds'],
      [{ warnLimit: 0 }, 'warnLimit'], [{ warnLimit: 21 }, 'warnLimit'],
      [{ warnMuteMinutes: 0 }, 'warnMuteMinutes'], [{ warnMuteMinutes: 525_601 }, 'warnMuteMinutes'],
      [{ floodMessages: 1 }, 'floodMessages'], [{ floodMessages: 101 }, 'floodMessages'],
      [{ floodSeconds: 0 }, 'floodSeconds'], [{ floodSeconds: 3601 }, 'floodSeconds'],
      [{ floodMuteMinutes: 0 }, 'floodMuteMinutes'], [{ floodMuteMinutes: 10_081 }, 'floodMuteMinutes'],
      [{ studentsAllowed: 'yes' }, 'studentsAllowed'], [{ colour: 'red' }, ''], [{ warnLimit: 2, chatId: 1 }, ''],
    ]
    for (const [body, field] of cases) {
      const res = await req('classTeacher', 'PATCH', url, body)
      expectProblem(res, 400, 'validation_failed')
      // refused by the request's schema, which names the field — not by the database's check
      expect(res.json().issues, JSON.stringify(body)).toContainEqual(expect.objectContaining({ path: field ? `body.${field}` : 'body' }))
    }
    expect((await channelById(t.sql, channelId))!.settings).toEqual({ ...DEFAULTS, slowModeSeconds: 30, warnLimit: 2 })
    // the largest values the database allows are accepted
    const max = { slowModeSeconds: 86_400, warnLimit: 20, warnMuteMinutes: 525_600, floodMessages: 100, floodSeconds: 3600, floodMuteMinutes: 10_080 }
    const ok = await req('moderator', 'PATCH', url, max)
    expect(ok.statusCode, ok.body).toBe(200)
    expect(ok.json().settings).toEqual({ studentsAllowed: false, ...max })
    expect(await auditOf('channel.settings_changed', channelId)).toHaveLength(2)
  })

  test('another class teacher and a guardian may not; a moderator may', async () => {
    const url = `/v1/channels/${channelId}/settings`
    expectProblem(await req('otherClassTeacher', 'PATCH', url, { slowModeSeconds: 0 }), 403, 'forbidden')
    expectProblem(await req('guardian0', 'PATCH', url, { slowModeSeconds: 0 }), 403, 'forbidden')
    // back to what the rest of this file relies on: no slow mode, two warnings mute
    const res = await req('moderator', 'PATCH', url, { ...DEFAULTS, warnLimit: 2 })
    expect(res.statusCode, res.body).toBe(200)
    expect((await channelById(t.sql, channelId))!.settings).toEqual({ ...DEFAULTS, warnLimit: 2 })
    expect(await auditOf('channel.settings_changed', channelId)).toHaveLength(3)
  })
})

const OBSCENE = 'Да пошли вы все на хуй с этой контрольной'
const PHONE = 'Позвоните мне, пожалуйста: +7 916 123-45-67'

describe('the record', () => {
  let obsceneAt: string

  test('an obscene post is deleted and its author warned by the bot: logged with the text and no moderator', async () => {
    const outcome = await post('8100', OBSCENE)
    expect(outcome).toMatchObject({ result: 'deleted', rule: 'obscenity', warnings: 1 })

    const res = await req('classTeacher', 'GET', `/v1/channels/${channelId}/actions`)
    expect(res.statusCode, res.body).toBe(200)
    const items = res.json().items as Array<Record<string, unknown>>
    const auto = items.filter((i) => i.targetUserId === '8100')
    // newest first, in the order they were taken: the deletion, then the warning
    expect(auto.map((i) => i.action)).toEqual(['warn', 'delete'])
    for (const a of auto) {
      expect(a).toMatchObject({
        rule: 'obscenity', targetName: 'Мария', actorAccountId: null, actorName: null, messageText: OBSCENE, messageId: String(messageId),
      })
    }
    obsceneAt = auto.at(-1)!.createdAt as string
    // the binding is the oldest entry, under the class teacher's name
    expect(items.at(-1)).toMatchObject({
      action: 'bound', actorAccountId: accountOf.classTeacher, actorName: 'Классная Нина', targetUserId: null, messageText: null,
    })
  })

  test("one member's history, pages and limits", async () => {
    await post('8101', PHONE)
    const all = (await req('moderator', 'GET', `/v1/channels/${channelId}/actions`)).json().items as Array<{ targetUserId: string | null; action: string }>
    expect(all.some((i) => i.targetUserId === '8101')).toBe(true)

    const mine = await req('moderator', 'GET', `/v1/channels/${channelId}/actions?userId=8100`)
    expect(mine.statusCode, mine.body).toBe(200)
    const history = mine.json().items as Array<{ targetUserId: string; action: string }>
    expect(history.map((i) => i.action).sort()).toEqual(['delete', 'warn'])
    expect(history.every((i) => i.targetUserId === '8100')).toBe(true)

    const older = (await req('moderator', 'GET', `/v1/channels/${channelId}/actions?before=${encodeURIComponent(obsceneAt)}`)).json().items
    expect(older.map((i: { action: string }) => i.action)).toEqual(['bound'])
    expect((await req('moderator', 'GET', `/v1/channels/${channelId}/actions?limit=1`)).json().items).toHaveLength(1)
  })

  test('refusals', async () => {
    expectProblem(await req('otherClassTeacher', 'GET', `/v1/channels/${channelId}/actions`), 403, 'forbidden')
    expectProblem(await req('guardian0', 'GET', `/v1/channels/${channelId}/actions?userId=8100`), 403, 'forbidden')
    expectProblem(await req('moderator', 'GET', `/v1/channels/${channelId}/actions?userId=abc`), 400, 'validation_failed')
    expectProblem(await req('moderator', 'GET', `/v1/channels/${channelId}/actions?limit=0`), 400, 'validation_failed')
    expectProblem(await req('moderator', 'GET', `/v1/channels/${channelId}/actions?before=yesterday`), 400, 'validation_failed')
  })
})

describe('the review queue', () => {
  let itemId: string

  test('the held post (a phone number) waits for the class teacher and the moderators, not for others', async () => {
    const expected = {
      channelId, className: '7А', kind: 'held', authorUserId: '8101', authorName: 'Мария', messageText: PHONE,
      rule: expect.stringMatching(/^personal_data:/), restriction: null, threadId: null,
    }
    const res = await req('classTeacher', 'GET', `/v1/channels/${channelId}/queue`)
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toEqual({ total: 1, items: [expect.objectContaining(expected)] })
    itemId = res.json().items[0].id
    for (const who of ['classTeacher', 'moderator']) {
      const mine = await req(who, 'GET', '/v1/me/moderation/queue')
      expect(mine.statusCode, mine.body).toBe(200)
      expect(mine.json()).toEqual({ total: 1, items: [expect.objectContaining({ ...expected, id: itemId })] })
    }
    for (const who of ['otherClassTeacher', 'guardian0']) {
      expect((await req(who, 'GET', '/v1/me/moderation/queue')).json()).toEqual({ items: [], total: 0 })
    }
    expectProblem(await req('otherClassTeacher', 'GET', `/v1/channels/${channelId}/queue`), 403, 'forbidden')
  })

  test('a decision that does not fit, or from someone who does not moderate, is refused', async () => {
    const url = `/v1/moderation/queue/${itemId}/decision`
    expectProblem(await req('classTeacher', 'POST', url, { decision: 'lift' }), 400, 'bad_request')
    expectProblem(await req('classTeacher', 'POST', url, { decision: 'maybe' }), 400, 'validation_failed')
    expectProblem(await req('classTeacher', 'POST', url, {}), 400, 'validation_failed')
    expectProblem(await req('otherClassTeacher', 'POST', url, { decision: 'approve' }), 403, 'forbidden')
    expectProblem(await req('guardian0', 'POST', url, { decision: 'approve' }), 403, 'forbidden')
    expectProblem(await req('moderator', 'POST', '/v1/moderation/queue/00000000-0000-4000-8000-000000000000/decision', { decision: 'approve' }), 404, 'not_found')
    expect((await req('moderator', 'GET', '/v1/me/moderation/queue')).json().total).toBe(1)
  })

  test('approved: re-posted in the group through an effect, recorded under the moderator; a second decision conflicts', async () => {
    const res = await req('classTeacher', 'POST', `/v1/moderation/queue/${itemId}/decision`, { decision: 'approve' })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toMatchObject({ id: itemId, kind: 'held', authorUserId: '8101' })

    const effects = await t.sql<{ params: { template: string; threadId: number | null; view: Record<string, unknown> } }[]>`
      select params from channel_effects where channel_id = ${channelId} and kind = 'post' and params->>'template' = 'channel-approved'`
    expect(effects).toEqual([{ params: { template: 'channel-approved', threadId: null, view: { name: 'Мария', text: PHONE } } }])
    const [item] = await t.sql<{ resolution: string; resolvedBy: string }[]>`select resolution, resolved_by from moderation_queue where id = ${itemId}`
    expect(item).toEqual({ resolution: 'approved', resolvedBy: accountOf.classTeacher })
    const log = (await req('moderator', 'GET', `/v1/channels/${channelId}/actions?userId=8101`)).json().items
    expect(log[0]).toMatchObject({ action: 'approve', actorAccountId: accountOf.classTeacher, actorName: 'Классная Нина', messageText: PHONE })

    expectProblem(await req('moderator', 'POST', `/v1/moderation/queue/${itemId}/decision`, { decision: 'delete' }), 409, 'conflict')
    expect((await req('moderator', 'GET', `/v1/channels/${channelId}/queue`)).json()).toEqual({ items: [], total: 0 })
  })
})

describe('watched words', () => {
  const url = () => `/v1/schools/${f.schoolId}/watched-words`
  let wordId: string

  test('a moderator adds a word: stored normalised, a duplicate conflicts, nonsense is refused', async () => {
    // «Кoнтрольная» with a Latin o
    const res = await req('moderator', 'POST', url(), { word: 'Кoнтрольная', action: 'hold' })
    expect(res.statusCode, res.body).toBe(201)
    expect(res.json()).toMatchObject({ word: 'контрольная', action: 'hold' })
    wordId = res.json().id
    expect(await auditOf('watched_word.added', wordId)).toEqual([
      expect.objectContaining({ actorAccountId: accountOf.moderator, after: { word: 'контрольная', action: 'hold' } }),
    ])
    expectProblem(await req('moderator', 'POST', url(), { word: 'КОНТРОЛЬНАЯ', action: 'flag' }), 409, 'conflict')
    expectProblem(await req('moderator', 'POST', url(), { word: 'я', action: 'hold' }), 400, 'validation_failed')
    expectProblem(await req('moderator', 'POST', url(), { word: 'шпаргалка', action: 'ban' }), 400, 'validation_failed')
    const added = await req('moderator', 'POST', url(), { word: 'шпаргалка', action: 'delete_warn' })
    expect(added.statusCode, added.body).toBe(201)

    const list = await req('moderator', 'GET', url())
    expect(list.statusCode, list.body).toBe(200)
    expect(list.json().items.map((w: { word: string; action: string }) => [w.word, w.action])).toEqual([
      ['контрольная', 'hold'], ['шпаргалка', 'delete_warn'],
    ])
  })

  test('class teachers and families do not manage the school\'s words', async () => {
    expectProblem(await req('classTeacher', 'GET', url()), 403, 'forbidden')
    expectProblem(await req('classTeacher', 'POST', url(), { word: 'тест', action: 'flag' }), 403, 'forbidden')
    expectProblem(await req('guardian0', 'GET', url()), 403, 'forbidden')
    expectProblem(await req('guardian0', 'DELETE', `${url()}/${wordId}`), 403, 'forbidden')
  })

  test("a post with a watched word gets the word's action", async () => {
    expect(await post('8102', 'Когда будет контрольная по математике?')).toEqual({ result: 'held', rule: 'watched:контрольная' })
    expect(await post(STRANGER, 'Есть шпаргалка, недорого', 'Гость')).toMatchObject({ result: 'deleted', rule: 'watched:шпаргалка', warnings: 1 })
    const queue = (await req('moderator', 'GET', `/v1/channels/${channelId}/queue`)).json()
    expect(queue).toEqual({ total: 1, items: [expect.objectContaining({ authorUserId: '8102', kind: 'held', rule: 'watched:контрольная' })] })
  })

  test('a removed word is audited, no longer listed and no longer acted on', async () => {
    const res = await req('moderator', 'DELETE', `${url()}/${wordId}`)
    expect(res.statusCode, res.body).toBe(204)
    expect(await auditOf('watched_word.removed', wordId)).toEqual([
      expect.objectContaining({ actorAccountId: accountOf.moderator, before: { word: 'контрольная', action: 'hold' } }),
    ])
    expectProblem(await req('moderator', 'DELETE', `${url()}/${wordId}`), 404, 'not_found')
    expect((await req('moderator', 'GET', url())).json().items.map((w: { word: string }) => w.word)).toEqual(['шпаргалка'])
    expect(await post('8102', 'Контрольная перенесена на пятницу')).toEqual({ result: 'allowed' })
  })
})

describe('unlinking a guardian', () => {
  const url = (guardianId: string, studentId: string) => `/v1/schools/${f.schoolId}/guardianships/${guardianId}/${studentId}`
  const belongs = async (userId: number) => {
    const [row] = await t.sql<{ belongs: boolean }[]>`select channel_member_belongs(${channelId}, ${userId}) as belongs`
    return row!.belongs
  }

  test('the link goes, audited with the relation; the guardian no longer belongs to the class channel and the sweep removes them', async () => {
    const { guardianId, id: studentId } = f.students[0]!
    expect(await belongs(8100)).toBe(true)
    expect(await decideJoinRequest(t.sql, (await channelById(t.sql, channelId))!, { userId: '8100', firstName: 'Мария' })).toBe('approved')

    expectProblem(await req('guardian0', 'DELETE', url(guardianId, studentId)), 403, 'forbidden')
    expectProblem(await req('classTeacher', 'DELETE', url(guardianId, studentId)), 403, 'forbidden')
    // a guardian and a child who are not linked
    expectProblem(await req('secretary', 'DELETE', url(guardianId, f.students[1]!.id)), 404, 'not_found')

    const res = await req('secretary', 'DELETE', url(guardianId, studentId))
    expect(res.statusCode, res.body).toBe(204)
    expect(await t.sql`select 1 from guardianships where guardian_id = ${guardianId} and student_id = ${studentId}`).toHaveLength(0)
    expect(await auditOf('guardianship.removed', studentId)).toEqual([expect.objectContaining({
      actorAccountId: accountOf.secretary, before: expect.objectContaining({ guardianId, studentId, relation: 'mother' }),
    })])
    expectProblem(await req('secretary', 'DELETE', url(guardianId, studentId)), 404, 'not_found')

    expect(await belongs(8100)).toBe(false)
    // the other families are untouched
    expect(await belongs(8101)).toBe(true)

    expect(await reconcileMembers(t.sql)).toBe(1)
    const removals = await t.sql<{ params: { userId: unknown } }[]>`
      select params from channel_effects where channel_id = ${channelId} and kind = 'remove'`
    expect(removals.map((r) => String(r.params.userId))).toEqual(['8100'])
  })

  test("another school's administration cannot unlink this school's families", async () => {
    const { guardianId, id: studentId } = f.students[1]!
    const otherSchool = await createSchool(t.sql, 'Другая школа')
    await loginAs('otherAdmin', await createPerson(t.sql, otherSchool, 'staff'), [{ role: 'admin', schoolId: otherSchool }])
    expectProblem(await req('otherAdmin', 'DELETE', url(guardianId, studentId)), 403, 'forbidden')
    // nor through their own school's path
    expectProblem(await req('otherAdmin', 'DELETE', `/v1/schools/${otherSchool}/guardianships/${guardianId}/${studentId}`), 404, 'not_found')
    expect(await t.sql`select 1 from guardianships where guardian_id = ${guardianId} and student_id = ${studentId}`).toHaveLength(1)
  })
})
