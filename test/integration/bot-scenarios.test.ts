/**
 * The issue's scenarios, end to end, once through the grammY runtime and once through the
 * telegraf adapter: a real bot polling the fake Bot API over HTTP, the real notifier sending to
 * the same fake, the real database. Each runtime gets its own school and chats.
 *
 * The bot's clock runs a day behind the machine's, so "today" for the bot is a day whose
 * lessons have all taken place whatever the hour the suite runs at (marks and attendance may
 * only be entered for a lesson that has begun).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { sha256 } from '../../core/auth/tokens.ts'
import type { Sql } from '../../core/db/connect.ts'
import { addMark, diary } from '../../core/journal/index.ts'
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram-api.ts'
import { createAccount } from '../helpers/app.ts'
import { createTestDb, type TestDb } from '../helpers/db.ts'
import { buildJournal, linkChat, type JournalFixture } from '../helpers/journal-fixture.ts'
import { startTestNotifier, TOKEN, waitFor, type TestNotifier } from '../helpers/notifier.ts'
import { startBotUnderTest, type BotUnderTest, type RuntimeKind } from '../helpers/telegram-bot.ts'

let db: TestDb
let sql: Sql
const DAY = 24 * 3600_000
const botNow = () => new Date(Date.now() - DAY)

beforeAll(async () => {
  db = await createTestDb()
  sql = db.sql
})
afterAll(async () => db?.close())

describe.each([
  { kind: 'grammy' as RuntimeKind, base: 810_000 },
  { kind: 'telegraf' as RuntimeKind, base: 820_000 },
])('through the $kind runtime', ({ kind, base }) => {
  let j: JournalFixture
  let tg: FakeTelegram
  let bot: BotUnderTest
  let notifier: TestNotifier
  const PARENT = base + 1
  const TEACHER = base + 2
  const TWO_CHILDREN = base + 3
  const STRANGER = base + 4
  /** the lesson of the bot's today (yesterday by the machine's clock) */
  const yesterday = (n: 1 | 2) => j.lesson(-1, n)
  const inChat = (chat: number, text: string) => () => tg.messages(chat).find((m) => m.text.includes(text))

  beforeAll(async () => {
    j = await buildJournal(sql, { students: 3 })
    // guardians who write to teachers need accounts, as credential slips give them
    for (const s of j.students) await createAccount(sql, { personId: s.guardianId, roles: [{ role: 'guardian', schoolId: j.schoolId }] })
    tg = await startFakeTelegram({ token: TOKEN })
    bot = await startBotUnderTest(kind, { sql, fake: tg, now: botNow })
    notifier = await startTestNotifier(sql, { today: j.today, telegramApiRoot: tg.apiRoot })
    await linkChat(sql, j.teacherId, TEACHER)
  })
  afterAll(async () => {
    await notifier?.stop()
    await bot?.stop()
    await tg?.close()
  })

  test('an unlinked chat is told how to link and gets no data', async () => {
    await addMark(sql, j.teacher, await yesterday(1), { studentId: j.students[2]!.id, value: 3, workTypeId: [...j.workTypes.values()][0]! })
    for (const text of ['/today', 'Здравствуйте', '/marks', 'дз на завтра', '/start WRONGCODE23']) {
      const t = await bot.chat(STRANGER).send(text)
      expect(t.text).toContain('привяжите чат')
      expect(t.text).not.toMatch(/Математика|Русский|Ученикова|отметк[аи] \d/)
    }
    expect(await sql`select 1 from chat_links where chat_id = ${STRANGER}`).toHaveLength(0)
  })

  test('a parent links with the code from the slip and asks /today after the teacher set a mark', async () => {
    const student = j.students[0]!
    await sql`insert into link_codes (code_hash, person_id, purpose, expires_at)
      values (${sha256(`SLIP${kind.toUpperCase().slice(0, 4)}2345`)}, ${student.guardianId}, 'telegram', now() + interval '30 days')`
    const linked = await bot.chat(PARENT).send(`/start SLIP${kind.toUpperCase().slice(0, 4)}2345`)
    expect(linked.text).toContain('Готово, чат привязан')

    await addMark(sql, j.teacher, await yesterday(1), { studentId: student.id, value: 4, workTypeId: j.workTypes.get('Контрольная работа')! })
    const today = await bot.chat(PARENT).send('/today')
    expect(today.text).toContain('Математика — <b>4</b> (Контрольная работа)')
    expect(today.text).not.toContain(j.students[2]!.firstName) // another family's child
    expect(today.buttons.map((b) => b.text)).toContain('Неделя')
    // the notifier told the parent too, in the same chat
    await waitFor(inChat(PARENT, 'Новая отметка <b>4</b>'), 15_000, 'the mark notification')
  })

  test('a parent with two children switches between them', async () => {
    const [first, second] = [j.students[1]!, j.students[2]!]
    await sql`insert into guardianships (guardian_id, student_id, relation) values (${first.guardianId}, ${second.id}, 'mother')`
    await linkChat(sql, first.guardianId, TWO_CHILDREN)
    const both = await bot.chat(TWO_CHILDREN).send('/today')
    expect(both.text).toContain(`<b>${first.firstName}</b>`)
    expect(both.text).toContain(`<b>${second.firstName}</b>`)

    const marks = await bot.chat(TWO_CHILDREN).send('/marks')
    expect(marks.text).toContain(first.firstName)
    const other = marks.buttons.find((b) => b.text.includes(second.firstName))!
    const switched = await bot.chat(TWO_CHILDREN).press(other.callback_data!)
    expect(switched.calls.map((c) => c.method)).toContain('answerCallbackQuery')
    expect(switched.text).toContain(second.firstName)
    expect(switched.text).toContain('Математика: 3') // the mark set for the second child in the first test
    // the choice sticks: the next one-child view is about the second child
    expect((await bot.chat(TWO_CHILDREN).send('/week')).text).toContain(second.firstName)
    const [row] = await sql`select student_id from bot_chats where chat_id = ${TWO_CHILDREN}`
    expect(row!.studentId).toBe(second.id)
  })

  test('a teacher posts homework by free text, confirms, and the diary shows it', async () => {
    const proposed = await bot.chat(TEACHER).send('7А алгебра §12 №3–5, стр. 45')
    expect(proposed.text).toContain('Домашнее задание для <b>7А, Математика</b>')
    const save = proposed.buttons.find((b) => b.text === 'Сохранить')!
    // nothing is saved before the teacher confirms
    expect(await sql`select 1 from homework where school_id = ${j.schoolId}`).toHaveLength(0)
    const saved = await bot.chat(TEACHER).press(save.callback_data!)
    expect(saved.text).toContain('Сохранено')

    const lessonId = await yesterday(1)
    const [lesson] = await sql<{ date: string }[]>`select date from lessons where id = ${lessonId}`
    const d = await diary(sql, j.students[0]!.id, lesson!.date, lesson!.date)
    const shown = d.days[0]!.lessons.find((l) => l.lessonId === lessonId)!
    expect(shown.homework).toMatchObject({ text: '§12 №3–5, стр. 45', pages: '45', exercises: '3–5' })
  })

  test('a teacher takes attendance from the class list and the guardian is alerted', async () => {
    const student = j.students[0]!
    const lessons = await bot.chat(TEACHER).send('/lessons')
    const russian = await yesterday(2)
    const open = lessons.buttons.find((b) => b.callback_data === `tch:at:${russian}`)!
    const sheet = await bot.chat(TEACHER).press(open.callback_data!)
    const row = sheet.buttons.find((b) => b.text.startsWith('1. '))!
    expect(row.text).toContain('Ученикова0')
    const ticked = await bot.chat(TEACHER).press(row.callback_data!)
    expect(ticked.calls.some((c) => c.method === 'editMessageText')).toBe(true)
    const done = await bot.chat(TEACHER).press(ticked.buttons.find((b) => b.text === 'Готово')!.callback_data!)
    expect(done.text).toContain('Отмечено отсутствующих: 1')

    const [a] = await sql`select kind from attendance where lesson_id = ${russian} and student_id = ${student.id} and removed_at is null`
    expect(a!.kind).toBe('absent')
    const alert = await waitFor(inChat(PARENT, 'отсутствует: 2-й урок'), 15_000, 'the absence alert')
    expect(alert.text).toContain(student.firstName)
  })

  test('a guardian writes to the teacher and gets the answer', async () => {
    const list = await bot.chat(PARENT).send('/write')
    const teacher = list.buttons.find((b) => b.callback_data === `msg:s:${j.teacherId}`)!
    await bot.chat(PARENT).press(teacher.callback_data!)
    const sent = await bot.chat(PARENT).send('Добрый день! Можно переписать контрольную?')
    expect(sent.text).toContain('Сообщение передано')

    const incoming = await waitFor(inChat(TEACHER, 'Можно переписать контрольную?'), 15_000, 'the message at the teacher')
    // no phone number or Telegram username changes hands
    expect(incoming.text).not.toMatch(/\+7\d{10}|@\w+|tg:\/\//)
    const answered = await bot.chat(TEACHER).reply('Да, в четверг после уроков.', incoming.messageId)
    expect(answered.text).toContain('Сообщение передано')

    const answer = await waitFor(inChat(PARENT, 'Да, в четверг после уроков.'), 15_000, 'the answer at the parent')
    expect(answer.text).toContain('Сообщение от учителя')
    const stored = await sql`select body from thread_messages m join message_threads t on t.id = m.thread_id
      where t.guardian_id = ${j.students[0]!.guardianId} order by m.created_at`
    expect(stored.map((m) => m.body)).toEqual(['Добрый день! Можно переписать контрольную?', 'Да, в четверг после уроков.'])
  })
})
