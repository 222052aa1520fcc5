/**
 * Teacher–parent messaging through the conversation layer and the real notifier, with the fake
 * Telegram Bot API on the other side: a guardian writes with /write, the teacher receives it in
 * Telegram and answers by replying to that very message, the guardian gets the answer; a muted
 * thread keeps the family's messages without pushing them; a class teacher's announcement
 * reaches each family of the class once.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { Sql } from '../../core/db/connect.ts'
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram-api.ts'
import { createAccount } from '../helpers/app.ts'
import { converse, type Conversation } from '../helpers/conversation.ts'
import { createTestDb, type TestDb } from '../helpers/db.ts'
import { buildJournal, linkChat, type JournalFixture } from '../helpers/journal-fixture.ts'
import { sleep, startTestNotifier, TOKEN, waitFor, type TestNotifier } from '../helpers/notifier.ts'

let db: TestDb, sql: Sql, f: JournalFixture
let tg: FakeTelegram, n: TestNotifier, bot: Conversation

const GUARDIAN = [7100, 7101, 7102]
const TEACHER = 7200
const CLASS_TEACHER = 7300

/** the bot's messages in a chat that contain `text` */
const received = (chat: number, text: string) => tg.messages(chat).filter((m) => m.text.includes(text))
/**
 * A message in the chat, once the notifier has also recorded it as sent: a reply to it finds its
 * thread by that record, and a person cannot reply faster than the notifier writes it down.
 */
const arrives = async (chat: number, text: string) => {
  const m = await waitFor(() => received(chat, text).at(-1), 10_000, `«${text}» in chat ${chat}`)
  await waitFor(async () => (await sql`
    select 1 from deliveries d join chat_links l on l.person_id = d.person_id and l.chat_id = ${chat}
    where d.channel = 'telegram' and d.provider_id = ${String(m.messageId)} and d.status in ('sent', 'delivered')`).length > 0,
  10_000, `the delivery of «${text}» recorded`)
  return m
}
const stored = async () => (await sql`select count(*)::int as n from thread_messages`)[0]!.n as number

beforeAll(async () => {
  db = await createTestDb()
  sql = db.sql
  f = await buildJournal(sql, { students: 3 })
  for (const s of f.students.slice(0, 2)) await createAccount(sql, { personId: s.guardianId, roles: [{ role: 'guardian', schoolId: f.schoolId }] })
  await createAccount(sql, {
    personId: f.classTeacherId,
    roles: [{ role: 'teacher', schoolId: f.schoolId }, { role: 'class_teacher', schoolId: f.schoolId, classId: f.classId }],
  })
  for (const [i, s] of f.students.entries()) await linkChat(sql, s.guardianId, GUARDIAN[i]!)
  await linkChat(sql, f.teacherId, TEACHER)
  await linkChat(sql, f.classTeacherId, CLASS_TEACHER)
  tg = await startFakeTelegram({ token: TOKEN })
  n = await startTestNotifier(sql, { today: f.today, telegramApiRoot: tg.apiRoot })
  bot = converse(sql)
})

afterAll(async () => {
  await n?.stop()
  await tg?.close()
  await db?.close()
})

describe('a guardian writes to the maths teacher and gets the answer', () => {
  test('/write → the contact → the text: passed on, and the teacher receives it in Telegram', async () => {
    const list = await bot.say(GUARDIAN[0]!, '/write')
    expect(bot.text(list)).toContain('Кому написать (Анна)?')
    const buttons = list[0]!.buttons!.flat()
    expect(buttons.map((b) => b.label)).toEqual(['Классная Н. П. — кл. рук.', 'Учителева О. П. — математика, русский язык'])
    expect(buttons[1]!.data).toBe(`msg:s:${f.teacherId}`)

    expect(bot.text(await bot.press(GUARDIAN[0]!, `msg:s:${f.teacherId}`))).toContain('Кому: <b>Учителева О. П.</b>')
    const done = await bot.say(GUARDIAN[0]!, 'Здравствуйте! Анна пропустила контрольную, когда можно её написать?')
    expect(bot.text(done)).toContain('Сообщение передано: Учителева О. П.')

    const m = await arrives(TEACHER, 'Анна пропустила контрольную')
    expect(m.text).toContain('<b>Сообщение от родителя</b>')
    expect(m.text).toContain('Родителева0 Мария (мама) — Анна Ученикова0, 7А')
    expect(m.text).toContain('ответьте на это сообщение')
    // the family's chat got nothing back from the notifier
    expect(received(GUARDIAN[0]!, 'контрольную')).toHaveLength(0)
  })

  test('the teacher replies to that Telegram message; the guardian receives the answer, and can reply in turn', async () => {
    const incoming = received(TEACHER, 'Анна пропустила контрольную')[0]!
    const r = await bot.say(TEACHER, 'Добрый день! В четверг после шестого урока.', { replyTo: incoming.messageId })
    expect(bot.text(r)).toContain('Сообщение передано: Родителева0 Мария')

    const answer = await arrives(GUARDIAN[0]!, 'В четверг после шестого урока.')
    expect(answer.text).toContain('<b>Сообщение от учителя</b> (Анна)')
    expect(answer.text).toContain('Учителева Ольга Петрович, математика, русский язык')
    // the guardian answers the answer the same way: the same thread
    expect(bot.text(await bot.say(GUARDIAN[0]!, 'Спасибо, придём.', { replyTo: answer.messageId }))).toContain('Сообщение передано')
    await arrives(TEACHER, 'Спасибо, придём.')
    const threads = await sql`select id from message_threads`
    expect(threads).toHaveLength(1)
    expect(await stored()).toBe(3)
  })

  test("a reply to a bot message that told no thread is explained; another family's reply cannot enter the thread", async () => {
    expect(bot.text(await bot.say(GUARDIAN[0]!, 'это вам', { replyTo: 999_999 }))).toContain('Не нашёл переписку')
    // the teacher's message id in the first family's chat means nothing from another chat
    const answer = received(GUARDIAN[0]!, 'В четверг после шестого урока.')[0]!
    expect(bot.text(await bot.say(GUARDIAN[1]!, 'чужой ответ', { replyTo: answer.messageId }))).toContain('Не нашёл переписку')
    expect(await stored()).toBe(3)
  })
})

describe('nothing is sent when the step is abandoned or expired', () => {
  test('/cancel, then text: nothing sent', async () => {
    await bot.say(GUARDIAN[1]!, '/write')
    await bot.press(GUARDIAN[1]!, `msg:s:${f.teacherId}`)
    expect(bot.text(await bot.say(GUARDIAN[1]!, '/cancel'))).toContain('отменено')
    await bot.say(GUARDIAN[1]!, 'Это сообщение не должно уйти')
    expect(await stored()).toBe(3)
  })

  test('an expired step: the text is not sent and the person is told', async () => {
    await bot.say(GUARDIAN[1]!, '/write')
    await bot.press(GUARDIAN[1]!, `msg:s:${f.teacherId}`)
    const later = converse(sql, { now: () => new Date(Date.now() + 31 * 60_000) })
    expect(later.text(await later.say(GUARDIAN[1]!, 'Опоздавшее сообщение'))).toContain('устарело')
    expect(await stored()).toBe(3)
  })
})

describe('the teacher mutes a thread', () => {
  test("a muted thread stores the family's message without pushing it; the teacher still reads it", async () => {
    const list = await bot.say(TEACHER, '/threads')
    expect(bot.text(list)).toContain('Родителева0 Мария')
    const mute = list[0]!.buttons!.flat().find((b) => b.label === 'Заглушить')!
    expect(bot.text(await bot.press(TEACHER, mute.data))).toContain('Переписка заглушена')
    // the family sees no mute button in their list
    expect((await bot.say(GUARDIAN[0]!, '/threads'))[0]!.buttons!.flat().map((b) => b.label)).not.toContain('Заглушить')

    const before = tg.messages(TEACHER).length
    const answer = received(GUARDIAN[0]!, 'В четверг после шестого урока.')[0]!
    const r = await bot.say(GUARDIAN[0]!, 'А можно в среду?', { replyTo: answer.messageId })
    expect(bot.text(r)).toContain('Сообщение сохранено в переписке')
    expect(await stored()).toBe(4)
    await sleep(1_500)
    expect(tg.messages(TEACHER)).toHaveLength(before)

    const threadId = mute.data.split(':')[2]!
    expect(bot.text(await bot.press(TEACHER, `msg:r:${threadId}`))).toContain('А можно в среду?')
    // unmuted: the next one arrives
    expect(bot.text(await bot.press(TEACHER, `msg:u:${threadId}`))).toContain('включены')
    await bot.say(GUARDIAN[0]!, 'Жду ответа.', { replyTo: answer.messageId })
    await arrives(TEACHER, 'Жду ответа.')
  })
})

describe('announcements', () => {
  test("the class teacher's announcement reaches each family of the class once, after confirmation", async () => {
    expect(bot.text(await bot.say(CLASS_TEACHER, '/announce'))).toContain('для родителей 7А')
    const preview = await bot.say(CLASS_TEACHER, 'В пятницу родительское собрание в 18:00, кабинет 21.')
    expect(bot.text(preview)).toContain('<b>Объявление для 7А</b>')
    expect(preview[0]!.buttons!.flat().map((b) => b.data)).toEqual(['msg:send', 'msg:drop'])
    expect(await sql`select 1 from announcements`).toHaveLength(0)

    expect(bot.text(await bot.press(CLASS_TEACHER, 'msg:send'))).toContain('Объявление отправлено родителям 7А: учеников — 3')
    // pressing again sends nothing more
    expect(bot.text(await bot.press(CLASS_TEACHER, 'msg:send'))).toContain('уже не ждёт отправки')
    for (const chat of GUARDIAN) {
      const m = await arrives(chat, 'родительское собрание в 18:00')
      expect(m.text).toContain('<b>Объявление для 7А</b>')
      expect(m.text).toContain('Классная Нина Петрович, классный руководитель 7А')
    }
    await sleep(1_500)
    for (const chat of GUARDIAN) expect(received(chat, 'родительское собрание')).toHaveLength(1)
    expect(received(TEACHER, 'родительское собрание')).toHaveLength(0)
    expect(await sql`select 1 from announcements`).toHaveLength(1)
  })

  test('a subject teacher may not announce; a dropped preview is not sent', async () => {
    expect(bot.text(await bot.say(TEACHER, '/announce'))).toContain('Объявления отправляют классный руководитель')
    await bot.say(CLASS_TEACHER, '/announce')
    await bot.say(CLASS_TEACHER, 'Черновик')
    expect(bot.text(await bot.press(CLASS_TEACHER, 'msg:drop'))).toContain('не отправлено')
    expect(await sql`select 1 from announcements`).toHaveLength(1)
  })
})

describe('choosing the child', () => {
  test('a guardian of two children picks the child first; a student is pointed to the family', async () => {
    const [second] = await sql<{ id: string }[]>`
      insert into persons (school_id, kind, last_name, first_name) values (${f.schoolId}, 'student', 'Ученикова0', 'Ярослава') returning id`
    await sql`insert into enrolments (student_id, class_id, started_on) values (${second!.id}, ${f.classId}, '2026-09-01')`
    await sql`insert into guardianships (guardian_id, student_id, relation) values (${f.students[0]!.guardianId}, ${second!.id}, 'mother')`
    const ask = await bot.say(GUARDIAN[0]!, '/write')
    expect(bot.text(ask)).toContain('О ком вы хотите написать')
    expect(ask[0]!.buttons!.flat().map((b) => [b.label, b.data])).toEqual([
      ['Анна, 7А', `msg:c:${f.students[0]!.id}`], ['Ярослава, 7А', `msg:c:${second!.id}`],
    ])
    expect(bot.text(await bot.press(GUARDIAN[0]!, `msg:c:${second!.id}`))).toContain('Кому написать (Ярослава)?')
    // another family's child cannot be slipped in through a button
    expect(bot.text(await bot.press(GUARDIAN[0]!, `msg:c:${f.students[1]!.id}`))).toContain('устарел')

    await createAccount(sql, { personId: f.students[2]!.id, roles: [{ role: 'student', schoolId: f.schoolId }] })
    await linkChat(sql, f.students[2]!.id, 7400)
    expect(bot.text(await bot.say(7400, '/write'))).toContain('могут родители')
  })
})
