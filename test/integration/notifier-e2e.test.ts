/**
 * End to end through the real parts: the teacher writes through core's services, the real
 * notifier (bull on the real Redis) dispatches and sends through grammY, nodemailer and an SMPP
 * client to local servers that speak the real protocols. Every count is taken at those servers.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { Sql } from '../../core/db/connect.ts'
import { addDays, zonedInstant } from '../../core/journal/time.ts'
import { addMark, changeMark, removeMark, setAttendance, setHomework } from '../../core/journal/index.ts'
import { startFakeSmpp, type FakeSmpp } from '../fakes/smpp.ts'
import { startFakeSmtp, type FakeSmtp } from '../fakes/smtp.ts'
import { startFakeTelegram, telegramErrors, type FakeTelegram } from '../fakes/telegram-api.ts'
import { createTestDb, type TestDb } from '../helpers/db.ts'
import { buildJournal, linkChat, ZONE, type JournalFixture } from '../helpers/journal-fixture.ts'
import { dm, startTestNotifier, TOKEN, waitFor, sleep, type TestNotifier } from '../helpers/notifier.ts'

let db: TestDb, sql: Sql, f: JournalFixture
let tg: FakeTelegram, smtp: FakeSmtp, smpp: FakeSmpp, n: TestNotifier

const chatOf = (i: number) => 1000 + i
const sentTo = (chat: number) => tg.sent.filter((m) => m.chatId === String(chat))
/** the messages to a chat, once there is one */
const messagesTo = (chat: number) => waitFor(() => sentTo(chat).length > 0 && sentTo(chat), 10_000, `a message to ${chat}`)

beforeAll(async () => {
  db = await createTestDb()
  sql = db.sql
  f = await buildJournal(sql, { students: 8 })
  tg = await startFakeTelegram({ token: TOKEN })
  smtp = await startFakeSmtp()
  smpp = await startFakeSmpp({ systemId: 'zvonok', password: 'secret12', receiptDelayMs: 100 })
  for (const [i, s] of f.students.entries()) if (i < 6) await linkChat(sql, s.guardianId, chatOf(i))
  n = await startTestNotifier(sql, {
    today: f.today, telegramApiRoot: tg.apiRoot, smtpUrl: smtp.url, smsUrl: smpp.url, redis: true,
    options: { coalesceMs: 1_000 },
  })
})

afterAll(async () => {
  await n?.stop()
  await Promise.all([tg?.close(), smtp?.close(), smpp?.close()])
  await db?.close()
})

const mark = async (i: number, value: number, lesson = 0) =>
  addMark(sql, f.teacher, await f.lesson(lesson), { studentId: f.students[i]!.id, value })

describe('marks reach the guardian in Telegram', () => {
  test("a teacher's mark → one message to the guardian's chat, with the child's first name only", async () => {
    await mark(0, 5)
    const [msg] = await messagesTo(chatOf(0))
    expect(msg!.parseMode).toBe('HTML')
    expect(msg!.text).toBe(`<b>Анна</b>\n• Новая отметка <b>5</b> — Математика, ${dm(f.today)} (ответ на уроке).`)
    expect(msg!.text).not.toContain('Ученикова')
    // the fake answers before the worker records the send: wait for the record
    const d = await waitFor(async () => (await sql`
      select status, channel, provider_id, address from deliveries where person_id = ${f.students[0]!.guardianId} and status = 'sent'`)[0])
    expect(d).toMatchObject({ status: 'sent', channel: 'telegram', address: '…1000' })
    expect(d!.providerId).toMatch(/^\d+$/)
  })

  test('an edit afterwards → exactly one correction message', async () => {
    const [m] = await sql<{ id: string }[]>`select id from marks where student_id = ${f.students[0]!.id} and removed_at is null`
    await changeMark(sql, f.teacher, m!.id, { value: 4 })
    await waitFor(() => sentTo(chatOf(0)).length === 2, 10_000, 'the correction')
    await sleep(1_500)
    expect(sentTo(chatOf(0)).map((x) => x.text)).toEqual([
      `<b>Анна</b>\n• Новая отметка <b>5</b> — Математика, ${dm(f.today)} (ответ на уроке).`,
      `<b>Анна</b>\n• Исправлена отметка — Математика, ${dm(f.today)}: 5 → <b>4</b>.`,
    ])
  })

  test('created then corrected inside the window: told once, with the final value; created then removed: not told', async () => {
    const m = await mark(1, 3)
    await changeMark(sql, f.teacher, m.id, { value: 4 })
    const gone = await mark(1, 2, -1)
    await removeMark(sql, f.teacher, gone.id)
    await waitFor(() => sentTo(chatOf(1)).length, 10_000, 'the message')
    await sleep(1_500)
    expect(sentTo(chatOf(1)).map((x) => x.text)).toEqual([`<b>Борис</b>\n• Новая отметка <b>4</b> — Математика, ${dm(f.today)} (ответ на уроке).`])
  })

  test('several marks within seconds become one message', async () => {
    await mark(2, 5)
    await mark(2, 4, -1)
    await addMark(sql, f.teacher, await f.lesson(0, 2), { studentId: f.students[2]!.id, value: 3 })
    await waitFor(() => sentTo(chatOf(2)).length, 10_000, 'the message')
    await sleep(1_500)
    expect(sentTo(chatOf(2))).toHaveLength(1)
    const text = sentTo(chatOf(2))[0]!.text
    expect(text.split('\n')).toHaveLength(4)
    expect(text).toContain(`Новая отметка <b>4</b> — Математика, ${dm(addDays(f.today, -1))}`)
    expect(text).toContain(`Новая отметка <b>3</b> — Русский язык, ${dm(f.today)}`)
  })
})

describe('when and where', () => {
  test('quiet hours: a mark at 22:00 is deferred to 08:00 school time and delivered then, not lost', async () => {
    n.setClock(zonedInstant(f.today, '22:00', ZONE))
    await mark(3, 5)
    const d = await waitFor(async () => (await sql`select status, not_before from deliveries where person_id = ${f.students[3]!.guardianId}`)[0])
    expect(d.status).toBe('deferred')
    expect(d.notBefore.toISOString()).toBe(zonedInstant(addDays(f.today, 1), '08:00', ZONE).toISOString())
    await sleep(1_500)
    expect(sentTo(chatOf(3))).toHaveLength(0)
    n.setClock(zonedInstant(addDays(f.today, 1), '08:00', ZONE))
    await waitFor(() => sentTo(chatOf(3)).length, 10_000, 'the morning message')
    n.setClock(zonedInstant(f.today, '12:00', ZONE))
    expect(sentTo(chatOf(3))).toHaveLength(1)
  })

  test('digest mode: the day’s marks and homework in one message at the chosen time', async () => {
    const g = f.students[4]!.guardianId
    await sql`insert into notification_preferences (person_id, topic, channel, mode) values (${g}, 'marks', 'telegram', 'digest')`
    await mark(4, 5)
    await mark(4, 3, -1)
    await setHomework(sql, f.teacher, await f.lesson(0), { text: '§12 № 3–5', attachments: [] })
    await sleep(1_500)
    expect(sentTo(chatOf(4))).toHaveLength(0)
    const digests = await sql`select id, not_before from deliveries where person_id = ${g} and mode = 'digest'`
    expect(digests).toHaveLength(1)
    expect(digests[0]!.notBefore.toISOString()).toBe(zonedInstant(f.today, '19:00', ZONE).toISOString())
    n.setClock(zonedInstant(f.today, '19:00', ZONE))
    const [msg] = await messagesTo(chatOf(4))
    // every family got the homework in its digest: let them all go before the clock goes back
    await waitFor(async () => (await sql`select count(*)::int as c from deliveries where mode = 'digest' and status in ('pending', 'deferred', 'sending')`)[0]!.c === 0, 10_000, 'all digests')
    n.setClock(zonedInstant(f.today, '12:00', ZONE))
    expect(msg!.text.startsWith(`<b>Дневник за ${dm(f.today)}</b>`)).toBe(true)
    expect(msg!.text).toContain('Новая отметка <b>5</b>')
    expect(msg!.text).toContain('Новая отметка <b>3</b>')
    expect(msg!.text).toContain('Домашнее задание — Математика')
    expect(msg!.text).toContain('§12 № 3–5')
    await sleep(1_000)
    expect(sentTo(chatOf(4))).toHaveLength(1)
  })

  test('a blocked bot: the chat link is marked dead and the email goes out instead', async () => {
    const g = f.students[5]!.guardianId
    await sql`update persons set email = 'mother5@example.ru' where id = ${g}`
    tg.failNext(String(chatOf(5)), telegramErrors.blocked)
    await mark(5, 5)
    const mail = await waitFor(() => smtp.messages.find((m) => m.to.includes('mother5@example.ru') && m.subject?.includes('отметка')), 15_000, 'the email')
    expect(mail.subject).toBe('Егор — 1 новая отметка')
    expect(mail.text).toContain(`Новая отметка 5 — Математика, ${dm(f.today)} (ответ на уроке).`)
    expect(mail.html).toContain('Новая отметка <b>5</b>')
    expect(mail.headers['list-unsubscribe']).toMatch(/^<http:\/\/127\.0\.0\.1:3000\/v1\/notifications\/unsubscribe\?t=[\w.-]+>$/)
    expect(mail.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click')
    await waitFor(async () => (await sql`select 1 from deliveries where person_id = ${g} and channel = 'email' and status = 'sent'`).length, 5_000, 'the email recorded')
    const rows = await sql`select channel, status, last_error, fallback_of from deliveries where person_id = ${g} and mode = 'instant' order by created_at`
    expect(rows.map((r) => [r.channel, r.status])).toEqual([['telegram', 'failed'], ['email', 'sent']])
    expect(rows[0]!.lastError).toContain('blocked')
    const [link] = await sql`select dead_at, dead_reason from chat_links where person_id = ${g}`
    expect(link!.deadAt).not.toBeNull()
    expect(sentTo(chatOf(5)).map((m) => m.text.split('\n')[0])).toEqual([`<b>Дневник за ${dm(f.today)}</b>`]) // before the block
  })
})

describe('absences', () => {
  test('the guardian is alerted the first time that day (by SMS when that is all they have); the class teacher gets the digest', async () => {
    const s = f.students[6]!
    await sql`update persons set phone = '+79161234567' where id = ${s.guardianId}`
    await linkChat(sql, f.classTeacherId, 3001)
    await setAttendance(sql, f.teacher, await f.lesson(0, 1), s.id, { kind: 'absent' })
    await setAttendance(sql, f.teacher, await f.lesson(0, 2), s.id, { kind: 'absent' })
    const sms = await waitFor(() => smpp.submits.find((x) => x.destination === '79161234567'), 10_000, 'the SMS')
    expect(sms.text).toBe(`Жанна отсутствует на 1-м уроке ${dm(f.today)}. Звонок`)
    expect(sms.parts).toBe(1)
    await waitFor(async () => (await sql`select status from deliveries where person_id = ${s.guardianId}`)[0]?.status === 'delivered', 10_000, 'the receipt')
    await sleep(1_500)
    expect(smpp.submits.filter((x) => x.destination === '79161234567')).toHaveLength(1)

    await n.notifier.tick() // the class teacher's digest is due: the class's last lesson ended at 10:10
    const [digest] = await messagesTo(3001)
    expect(digest!.text).toContain('Ученикова6 Жанна')
    expect(digest!.text).toContain('7А')
    await n.notifier.tick()
    await sleep(1_000)
    expect(sentTo(3001)).toHaveLength(1)
  })
})
