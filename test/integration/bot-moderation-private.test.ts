/**
 * Class-channel moderation in the private chat, through the conversation layer on the real
 * database: the class teacher takes a bind code with /channel (and the group binds with it), a
 * moderator works the review queue with buttons (a held message published, a report deleted, a
 * stale button told so), a member muted in the group appeals from a chat that was never linked
 * and the moderator lifts the mute, /modlog shows the record and pages back through all of it.
 * Guardians are refused throughout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  bindChannel, checkPost, issueBindCode, moderate, noteMember, reportPost, saveInviteLink, type Channel,
} from '../../core/channels/index.ts'
import type { Sql } from '../../core/db/connect.ts'
import type { Outgoing } from '../../bots/conversation/types.ts'
import { createAccount, createClass, createPerson } from '../helpers/app.ts'
import { converse, type Conversation } from '../helpers/conversation.ts'
import { createTestDb, type TestDb } from '../helpers/db.ts'
import { buildJournal, ctxOf, linkChat, type JournalFixture } from '../helpers/journal-fixture.ts'

const CLASS_TEACHER = 9101
const MODERATOR = 9102
const GUARDIAN = 9103
/** members of the group who never linked the bot */
const MEMBER = 9201
const OTHER_MEMBER = 9202
const STRANGER = 9299

let db: TestDb, sql: Sql, j: JournalFixture, bot: Conversation
let moderatorAccount: string
let channel: Channel

const buttons = (r: Outgoing[]) => r.flatMap((o) => (o.buttons ?? []).flat())
const codeIn = (r: Outgoing[]) => /<code>([A-Z0-9]+)<\/code>/.exec(r[0]!.html)?.[1]
let messageId = 500
const post = (userId: number, firstName: string, text: string) => ({
  userId: String(userId), firstName, messageId: ++messageId, threadId: null, text, at: new Date(), edited: false, exempt: false,
})
const effects = async () =>
  sql<{ kind: string; params: Record<string, any> }[]>`select kind, params from channel_effects where channel_id = ${channel.id} order by id`
const openItems = async () =>
  sql<{ id: string; kind: string }[]>`select id, kind from moderation_queue where resolved_at is null order by created_at, id`

beforeAll(async () => {
  db = await createTestDb()
  sql = db.sql
  j = await buildJournal(sql, { students: 2 })
  await createAccount(sql, { personId: j.classTeacherId, roles: [{ role: 'class_teacher', schoolId: j.schoolId, classId: j.classId }] })
  const moderatorPerson = await createPerson(sql, j.schoolId, 'staff', { lastName: 'Модерова', firstName: 'Вера' })
  moderatorAccount = (await createAccount(sql, { personId: moderatorPerson, roles: [{ role: 'moderator', schoolId: j.schoolId }] })).accountId
  await createAccount(sql, { personId: j.students[0]!.guardianId, roles: [{ role: 'guardian', schoolId: j.schoolId }] })
  await linkChat(sql, j.classTeacherId, CLASS_TEACHER)
  await linkChat(sql, moderatorPerson, MODERATOR)
  await linkChat(sql, j.students[0]!.guardianId, GUARDIAN)
  bot = converse(sql)
})
afterAll(async () => db?.close())

describe('/channel', () => {
  it('gives the class teacher a code for their one class at once, and the group binds with it', async () => {
    const r = await bot.say(CLASS_TEACHER, '/channel')
    const t = bot.text(r)
    expect(t).toContain('<b>Группа класса 7А</b>')
    expect(t).toContain('Действует 60 минут')
    expect(t).toContain('«Заявки на вступление»')
    expect(t).toContain('удалять сообщения, блокировать пользователей и приглашать по ссылке')
    expect(t).not.toContain('уже привязан')
    const code = codeIn(r)!
    expect(t).toContain(`<code>/bind ${code}</code>`)
    channel = await bindChannel(sql, { code, chatId: '-1001234567890', title: 'Родители 7А', isForum: false, userId: String(CLASS_TEACHER) })
    expect(channel.classId).toBe(j.classId)
    // used once
    await expect(bindChannel(sql, { code, chatId: '-1009999', title: 'x', isForum: false, userId: String(CLASS_TEACHER) }))
      .rejects.toMatchObject({ code: 'not_found' })
  })

  it('for a bound class says which group it is and its invite link', async () => {
    await saveInviteLink(sql, channel.id, 'https://t.me/+AbCdEf')
    const t = bot.text(await bot.say(CLASS_TEACHER, '/channel'))
    expect(t).toContain('Класс уже привязан к группе «Родители 7А». Ссылка для вступления: https://t.me/+AbCdEf')
    expect(t).toContain('Код привязки:')
  })

  it('lets a school moderator type the class, Latin letters and any case', async () => {
    const r = await bot.say(MODERATOR, '/channel 7a')
    expect(bot.text(r)).toContain('<b>Группа класса 7А</b>')
    expect(codeIn(r)).toMatch(/^[A-Z0-9]{8}$/)
    expect(bot.text(await bot.say(MODERATOR, '/channel 9Я'))).toContain('Класса 9Я нет среди классов')
    expect(bot.text(await bot.say(MODERATOR, '/channel девятый'))).toContain('Не понял, какой это класс: «девятый»')
  })

  it('offers a moderator a button per class when there are several, and the button gives the code', async () => {
    const other = await createClass(sql, j.schoolId, 8, 'Б')
    const r = await bot.say(MODERATOR, '/channel')
    expect(bot.text(r)).toContain('Для какого класса привязать группу? Выберите класс или укажите его в команде')
    expect(buttons(r).map((b) => [b.label, b.data])).toEqual([['7А', `modc:${j.classId}`], ['8Б', `modc:${other}`]])
    const code = await bot.press(MODERATOR, `modc:${other}`)
    expect(code[0]!.edit).toBe(true)
    expect(bot.text(code)).toContain('<b>Группа класса 8Б</b>')
    expect(bot.text(code)).not.toContain('уже привязан')
    // the class teacher still has their one class only
    expect(bot.text(await bot.say(CLASS_TEACHER, '/channel 8Б'))).toContain('Класса 8Б нет среди классов')
    expect(bot.text(await bot.press(CLASS_TEACHER, `modc:${other}`))).toContain('Эта кнопка устарела')
  })

  it('refuses a guardian', async () => {
    const t = bot.text(await bot.say(GUARDIAN, '/channel'))
    expect(t).toContain('Это доступно классному руководителю (для своего класса), модераторам и администрации школы.')
    expect(t).not.toContain('Код привязки')
    expect(bot.text(await bot.press(GUARDIAN, `modc:${j.classId}`))).toContain('Это доступно классному руководителю')
  })
})

describe('/queue', () => {
  let heldText: string
  let reportedId: number

  it('shows the oldest item — a message held for a phone number — with its buttons', async () => {
    expect(bot.text(await bot.say(MODERATOR, '/queue'))).toBe('Очередь пуста.')
    heldText = 'Звоните мне по номеру +7 916 123-45-67 <после> 18:00'
    expect(await checkPost(sql, channel, post(GUARDIAN, 'Мария', heldText))).toMatchObject({ result: 'held' })
    const reported = post(OTHER_MEMBER, 'Пётр', 'Кто-нибудь решил задачу 5? Скиньте ответ')
    reportedId = reported.messageId
    expect(await reportPost(sql, channel, { userId: String(GUARDIAN), firstName: 'Мария' }, reported, 'списывание')).toBe('queued')

    const [held] = await openItems()
    const r = await bot.say(MODERATOR, '/queue')
    const t = bot.text(r)
    expect(t).toContain('<b>7А: сообщение задержано фильтром</b>')
    expect(t).toContain('Автор: Мария')
    expect(t).toContain('Причина: личные данные')
    // the text escaped, as everything a member wrote
    expect(t).toContain('<i>Звоните мне по номеру +7 916 123-45-67 &lt;после&gt; 18:00</i>')
    expect(t).toMatch(/Когда: \d\d\.\d\d \d\d:\d\d/)
    expect(t).toContain('Ещё 1 в очереди.')
    expect(r[0]!.buttons!.map((row) => row.map((b) => b.label))).toEqual([['Опубликовать', 'Удалить'], ['Предупредить']])
    expect(buttons(r).map((b) => b.data)).toEqual([`mq:approve:${held!.id}`, `mq:delete:${held!.id}`, `mq:warn:${held!.id}`])
    for (const b of buttons(r)) expect(Buffer.byteLength(b.data)).toBeLessThanOrEqual(64)
  })

  it('«Опубликовать» resolves it, queues the post in the group and shows the next item in the same message', async () => {
    const [held, report] = await openItems()
    const r = await bot.press(MODERATOR, `mq:approve:${held!.id}`)
    expect(r[0]!.edit).toBe(true)
    const t = bot.text(r)
    expect(t).toContain('Сообщение опубликовано в группе 7А.')
    expect(t).toContain('<b>7А: жалоба участника на сообщение</b>')
    expect(t).toContain('Автор: Пётр')
    expect(t).not.toContain('Ещё')
    expect(buttons(r).map((b) => b.label)).toEqual(['Оставить', 'Удалить', 'Удалить и предупредить'])
    expect(buttons(r)[0]!.data).toBe(`mq:approve:${report!.id}`)
    const posted = (await effects()).filter((e) => e.kind === 'post' && e.params.template === 'channel-approved')
    expect(posted).toEqual([{ kind: 'post', params: expect.objectContaining({ view: { name: 'Мария', text: heldText } }) }])
    const [row] = await sql`select resolution, resolved_by from moderation_queue where id = ${held!.id}`
    expect(row).toEqual({ resolution: 'approved', resolvedBy: moderatorAccount })
  })

  it('a stale button says it was dealt with already and shows what is next', async () => {
    const before = (await effects()).length
    const [held] = await sql<{ id: string }[]>`select id from moderation_queue where kind = 'held'`
    const r = await bot.press(MODERATOR, `mq:delete:${held!.id}`)
    const t = bot.text(r)
    expect(t).toContain('Это уже рассмотрено')
    expect(t).toContain('жалоба участника на сообщение')
    expect((await effects()).length).toBe(before)
  })

  it('«Удалить» on a report deletes the message in the group; then the queue is empty', async () => {
    const [report] = await openItems()
    const r = await bot.press(MODERATOR, `mq:delete:${report!.id}`)
    const t = bot.text(r)
    expect(t).toContain('Сообщение удалено из группы 7А.')
    expect(t).toContain('Очередь пуста.')
    expect(buttons(r)).toEqual([])
    const deletes = (await effects()).filter((e) => e.kind === 'delete').map((e) => Number(e.params.messageId))
    expect(deletes).toContain(reportedId)
  })

  it('a forged decision is refused and changes nothing', async () => {
    const [report] = await sql<{ id: string }[]>`select id from moderation_queue where kind = 'report'`
    expect(bot.text(await bot.press(MODERATOR, `mq:lift:${report!.id}`))).toContain('Эта кнопка устарела')
    expect(bot.text(await bot.press(MODERATOR, 'mq:approve:not-an-id'))).toContain('Эта кнопка устарела')
  })

  it('refuses a guardian', async () => {
    const t = bot.text(await bot.say(GUARDIAN, '/queue'))
    expect(t).toContain('Это доступно классному руководителю')
    expect(t).not.toContain('Очередь')
  })
})

describe('/appeal from a chat that was never linked', () => {
  it('a member warned and muted in the group appeals; the text is asked for first', async () => {
    await noteMember(sql, channel, { userId: String(MEMBER), firstName: 'Игорь' })
    expect(await checkPost(sql, channel, post(MEMBER, 'Игорь', 'Ты дебил')))
      .toMatchObject({ result: 'deleted', warnings: 1 })
    await moderate(sql, channel, { accountId: moderatorAccount, userId: String(MODERATOR) }, {
      command: 'mute', target: { userId: String(MEMBER), firstName: 'Игорь', messageId: messageId }, minutes: 120,
      reason: 'грубость', threadId: null, now: new Date(),
    }, false)

    expect(bot.text(await bot.say(MEMBER, '/appeal'))).toContain('Напишите одним сообщением, почему ограничение')
    const r = await bot.say(MEMBER, 'Простите, я погорячился, больше такого не будет.')
    expect(bot.text(r)).toBe('Обращение передано модераторам группы 7А. Когда его рассмотрят, бот сообщит решение.')
    const [item] = await sql`select kind, author_user_id::text, author_name, message_text from moderation_queue where resolved_at is null`
    expect(item).toEqual({ kind: 'appeal', authorUserId: String(MEMBER), authorName: 'Игорь', messageText: 'Простите, я погорячился, больше такого не будет.' })
    // the class teacher and the moderator are told something waits
    const told = (await effects()).filter((e) => e.kind === 'notify' && e.params.template === 'channel-queue-notice' && e.params.view.kind.appeal)
    expect(told.map((e) => String(e.params.chatId)).sort()).toEqual([String(CLASS_TEACHER), String(MODERATOR)])
  })

  it('a second appeal waits for the first; someone restricted nowhere is told so', async () => {
    expect(bot.text(await bot.say(MEMBER, '/appeal Ну пожалуйста')))
      .toBe('Ваше обращение по группе 7А уже ждёт решения модераторов. Бот сообщит, когда его рассмотрят.')
    expect(bot.text(await bot.say(STRANGER, '/appeal Снимите бан')))
      .toBe('Вы не ограничены ни в одной группе класса: обжаловать нечего.')
    expect(await sql`select 1 from moderation_queue where kind = 'appeal'`).toHaveLength(1)
  })

  it('an unlinked chat still gets only the way to link for anything else, and a command closes the appeal step', async () => {
    await bot.say(STRANGER, '/appeal')
    expect(bot.text(await bot.say(STRANGER, '/help'))).toContain('привяжите чат')
    expect(bot.text(await bot.say(STRANGER, 'Снимите ограничение'))).toContain('привяжите чат')
    expect(bot.text(await bot.say(STRANGER, '/queue'))).toContain('привяжите чат')
  })

  it('the moderator sees the appeal and lifts the mute: unmuted in the group, the member told', async () => {
    const [appealItem] = await openItems()
    const r = await bot.say(MODERATOR, '/queue')
    const t = bot.text(r)
    expect(t).toContain('<b>7А: обращение об ограничении</b>')
    expect(t).toContain('Автор: Игорь')
    expect(t).toContain('Сейчас: не может писать в группе')
    expect(t).toContain('Текст обращения:\n<i>Простите, я погорячился, больше такого не будет.</i>')
    expect(buttons(r).map((b) => [b.label, b.data])).toEqual([
      ['Снять ограничение', `mq:lift:${appealItem!.id}`], ['Отклонить', `mq:reject:${appealItem!.id}`],
    ])
    const done = bot.text(await bot.press(MODERATOR, `mq:lift:${appealItem!.id}`))
    expect(done).toContain('Ограничение снято: Игорь снова может писать в группе 7А.')
    expect(done).toContain('Очередь пуста.')
    // (user and chat ids come back from bigint columns as numbers: compared as text)
    const all = (await effects()).map((e) => ({
      kind: e.kind, params: { ...e.params, ...(e.params.userId ? { userId: String(e.params.userId) } : {}), ...(e.params.chatId ? { chatId: String(e.params.chatId) } : {}) },
    }))
    expect(all).toContainEqual({ kind: 'unmute', params: { userId: String(MEMBER) } })
    expect(all).toContainEqual({
      kind: 'notify', params: { chatId: String(MEMBER), template: 'channel-appeal-answer', view: { lifted: true, className: '7А' } },
    })
    const [m] = await sql`select muted_until from channel_members where channel_id = ${channel.id} and user_id = ${MEMBER}`
    expect(m!.mutedUntil).toBeNull()
  })
})

describe('/modlog', () => {
  const lineCount = (t: string) => (t.match(/^<i>\d\d\.\d\d \d\d:\d\d<\/i> /gm) ?? []).length

  it('lists the newest actions with the bot’s own as «автоматически» and the moderator by name', async () => {
    const r = await bot.say(MODERATOR, '/modlog')
    const t = bot.text(r)
    expect(t).toContain('<b>Журнал модерации: 7А («Родители 7А»)</b>')
    expect(t).toMatch(/^<i>[\d. :]+<\/i> удалено сообщение — Игорь; оскорбление; автоматически\n {4}«Ты дебил»$/m)
    expect(t).toMatch(/^<i>[\d. :]+<\/i> запрет писать до \d\d\.\d\d \d\d:\d\d — Игорь; «грубость»; Модерова Вера$/m)
    expect(t).toMatch(/^<i>[\d. :]+<\/i> запрет писать снят — Игорь; «обращение»; Модерова Вера$/m)
    expect(t).toMatch(/^<i>[\d. :]+<\/i> сообщение одобрено — Мария; личные данные; Модерова Вера$/m)
    expect(t).toMatch(/^<i>[\d. :]+<\/i> жалоба на сообщение — Пётр; «списывание»; участник группы$/m)
    expect(t).toMatch(/^<i>[\d. :]+<\/i> группа привязана к классу; Классная Нина$/m)
    // newest first: the unmute came last
    expect(t.indexOf('запрет писать снят')).toBeLessThan(t.indexOf('запрет писать до'))
  })

  it('pages back with «Ещё» through the whole record, nothing skipped or repeated', async () => {
    // enough actions for several pages, several of them recorded together (one transaction, one time)
    for (let i = 0; i < 12; i++) await checkPost(sql, channel, post(OTHER_MEMBER, 'Пётр', `Ты идиот ${i}`))
    const n = (await sql<{ n: number }[]>`select count(*)::int as n from moderation_actions where channel_id = ${channel.id}`)[0]!.n
    expect(n).toBeGreaterThan(30)
    let r = await bot.say(MODERATOR, '/modlog')
    let seen = lineCount(bot.text(r))
    let pages = 1
    while (buttons(r).length) {
      const more = buttons(r)[0]!
      expect(more.label).toBe('Ещё')
      expect(more.data).toMatch(new RegExp(`^modl:${channel.id}:\\d{13}$`))
      expect(Buffer.byteLength(more.data)).toBeLessThanOrEqual(64)
      r = await bot.press(MODERATOR, more.data)
      expect(r[0]!.edit).toBeFalsy()
      seen += lineCount(bot.text(r))
      pages++
      expect(pages).toBeLessThan(20)
    }
    expect(seen).toBe(n)
    expect(pages).toBeGreaterThan(2)
  })

  it('with several channels asks which one, by buttons', async () => {
    const [eight] = await sql<{ id: string }[]>`select id from classes where school_id = ${j.schoolId} and grade = 8`
    const [person] = await sql<{ personId: string }[]>`select person_id from account_persons where account_id = ${moderatorAccount}`
    const ctx = ctxOf(moderatorAccount, person!.personId, [{ role: 'moderator', schoolId: j.schoolId }])
    const { code } = await issueBindCode(sql, ctx, eight!.id)
    const second = await bindChannel(sql, { code, chatId: '-1002000000001', title: 'Родители 8Б', isForum: false, userId: String(MODERATOR) })
    const r = await bot.say(MODERATOR, '/modlog')
    expect(bot.text(r)).toBe('Журнал какой группы показать?')
    expect(buttons(r).map((b) => [b.label, b.data])).toEqual([
      ['7А — Родители 7А', `modl:${channel.id}`], ['8Б — Родители 8Б', `modl:${second.id}`],
    ])
    const log = await bot.press(MODERATOR, `modl:${second.id}`)
    expect(log[0]!.edit).toBe(true)
    expect(bot.text(log)).toMatch(/<b>Журнал модерации: 8Б \(«Родители 8Б»\)<\/b>\n\n<i>[\d. :]+<\/i> группа привязана к классу; Модерова Вера$/)
    expect(buttons(log)).toEqual([])
  })

  it('refuses a guardian, and a moderator of no channel is told there is none', async () => {
    expect(bot.text(await bot.say(GUARDIAN, '/modlog'))).toContain('Это доступно классному руководителю')
    expect(bot.text(await bot.press(GUARDIAN, `modl:${channel.id}`))).toContain('Это доступно классному руководителю')
    const other = await buildJournal(sql, { students: 1 })
    const p = await createPerson(sql, other.schoolId, 'staff', { lastName: 'Другая', firstName: 'Ирина' })
    await createAccount(sql, { personId: p, roles: [{ role: 'moderator', schoolId: other.schoolId }] })
    await linkChat(sql, p, 9301)
    expect(bot.text(await bot.say(9301, '/modlog'))).toContain('Пока нет групп классов, которые вы модерируете.')
    // and cannot read this school's channel by a forged button
    expect(bot.text(await bot.press(9301, `modl:${channel.id}`))).toContain('Это действие вам недоступно')
  })
})

describe('/help', () => {
  it('shows the moderation commands to those who moderate and /appeal to everyone', async () => {
    const staff = bot.text(await bot.say(MODERATOR, '/help'))
    expect(staff).toContain('/queue — ')
    expect(staff).toContain('/modlog — ')
    expect(staff).toContain('/channel — код для привязки группы класса (например, /channel 5А)')
    expect(bot.text(await bot.say(CLASS_TEACHER, '/help'))).toContain('/channel — код для привязки группы класса\n')
    const family = bot.text(await bot.say(GUARDIAN, '/help'))
    expect(family).not.toContain('/queue')
    expect(family).toContain('/appeal — обжаловать ограничение в группе класса')
  })
})
