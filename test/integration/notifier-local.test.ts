/**
 * The notifier without Redis: the in-process transport that `npm start` runs by default (on
 * embedded PGlite too). The teacher writes through core's services; the real notifier sends
 * through grammY and nodemailer to the local fakes, and every count is taken at the fakes.
 * The fake Telegram enforces one message per chat per second throughout: a 429 it answers on
 * its own would show in `tooMany`.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { Sql } from '../../core/db/connect.ts'
import { addMark } from '../../core/journal/index.ts'
import { startFakeSmtp, type FakeSmtp } from '../fakes/smtp.ts'
import { startFakeTelegram, telegramErrors, type FakeTelegram } from '../fakes/telegram-api.ts'
import { createTestDb, type TestDb } from '../helpers/db.ts'
import { buildJournal, linkChat, type JournalFixture } from '../helpers/journal-fixture.ts'
import { dm, sleep, startTestNotifier, TOKEN, waitFor, type TestNotifier } from '../helpers/notifier.ts'

let db: TestDb, sql: Sql, f: JournalFixture
let tg: FakeTelegram, smtp: FakeSmtp, n: TestNotifier

const chatOf = (i: number) => 2000 + i
/** guardians 4 and 5 share one chat (a family's tablet, say) */
const SHARED_CHAT = 2100
const EMAIL3 = 'mother3@example.ru'
const sentTo = (chat: number) => tg.sent.filter((m) => m.chatId === String(chat))
const mailsTo = (address: string) => smtp.messages.filter((m) => m.to.includes(address))

interface Row { status: string; attempts: number; lastError: string | null; notBefore: Date; channel: string }
const deliveriesOf = (personId: string) =>
  sql<Row[]>`select status::text as status, attempts, last_error, not_before, channel from deliveries where person_id = ${personId} order by created_at`

beforeAll(async () => {
  db = await createTestDb()
  sql = db.sql
  f = await buildJournal(sql, { students: 6 })
  tg = await startFakeTelegram({ token: TOKEN })
  tg.setRateLimit({ perChat: 1 })
  smtp = await startFakeSmtp()
  for (const i of [0, 1, 2]) await linkChat(sql, f.students[i]!.guardianId, chatOf(i))
  await sql`update persons set email = ${EMAIL3} where id = ${f.students[3]!.guardianId}`
  for (const i of [4, 5]) await linkChat(sql, f.students[i]!.guardianId, SHARED_CHAT)
  n = await startTestNotifier(sql, { today: f.today, telegramApiRoot: tg.apiRoot, smtpUrl: smtp.url, redis: false })
})

afterAll(async () => {
  await n?.stop()
  await Promise.all([tg?.close(), smtp?.close()])
  await db?.close()
})

const mark = async (i: number, value: number) => addMark(sql, f.teacher, await f.lesson(0), { studentId: f.students[i]!.id, value })

describe('Telegram through the in-process transport', () => {
  test('a mark reaches the guardian once', async () => {
    await mark(0, 5)
    await waitFor(() => sentTo(chatOf(0)).length, 10_000, 'the message')
    await sleep(1_500)
    expect(sentTo(chatOf(0)).map((m) => m.text)).toEqual([`<b>Анна</b>\n• Новая отметка <b>5</b> — Математика, ${dm(f.today)} (ответ на уроке).`])
    expect(await deliveriesOf(f.students[0]!.guardianId)).toEqual([expect.objectContaining({ status: 'sent', attempts: 1, lastError: null, channel: 'telegram' })])
  })

  test('a 429 is retried after the retry_after Telegram gives (1 s), and the message arrives once', async () => {
    const g = f.students[1]!.guardianId
    const before = n.now().getTime()
    tg.failNext(String(chatOf(1)), telegramErrors.tooMany(1))
    await mark(1, 4)
    const deferred = await waitFor(async () => (await deliveriesOf(g)).find((d) => d.status === 'deferred' && d.lastError), 10_000, 'the deferral')
    const observed = n.now().getTime()
    expect(deferred.lastError).toBe('Telegram 429: Too Many Requests: retry after 1')
    expect(deferred.attempts).toBe(0) // a rate limit is not a failed attempt
    // not_before is the moment of the refused send plus retry_after
    expect(deferred.notBefore.getTime()).toBeGreaterThanOrEqual(before + 1_000)
    expect(deferred.notBefore.getTime()).toBeLessThanOrEqual(observed + 1_000)
    expect(sentTo(chatOf(1))).toHaveLength(0)

    await waitFor(() => sentTo(chatOf(1)).length, 10_000, 'the retried message')
    await sleep(1_500)
    expect(sentTo(chatOf(1))).toHaveLength(1)
    expect(sentTo(chatOf(1))[0]!.text).toContain('Новая отметка <b>4</b>')
    expect(await deliveriesOf(g)).toEqual([expect.objectContaining({ status: 'sent', attempts: 1, lastError: null })])
  })

  test('a 500 is retried with backoff, and the message arrives once', async () => {
    const g = f.students[2]!.guardianId
    const failedBefore = tg.counts().failed
    tg.failNext(String(chatOf(2)), telegramErrors.internal)
    await mark(2, 3)
    const deferred = await waitFor(async () => (await deliveriesOf(g)).find((d) => d.status === 'deferred' && d.lastError), 10_000, 'the deferral')
    expect(deferred).toMatchObject({ lastError: 'Telegram 500: Internal Server Error', attempts: 1 })
    expect(tg.counts().failed).toBe(failedBefore + 1)

    await waitFor(() => sentTo(chatOf(2)).length, 10_000, 'the retried message')
    await sleep(1_500)
    expect(sentTo(chatOf(2))).toHaveLength(1)
    expect(await deliveriesOf(g)).toEqual([expect.objectContaining({ status: 'sent', attempts: 2, lastError: null })])
  })

  test('two persons linked to the same chat: both messages arrive, a second apart, with no 429 (the chat gate)', async () => {
    const tooMany = tg.counts().tooMany
    await Promise.all([mark(4, 5), mark(5, 2)])
    await waitFor(() => sentTo(SHARED_CHAT).length === 2, 10_000, 'both messages')
    await sleep(1_500)
    const texts = sentTo(SHARED_CHAT).map((m) => m.text.split('\n')[0]).sort()
    expect(texts).toEqual(['<b>Дарья</b>', '<b>Егор</b>'])
    expect(tg.counts().tooMany).toBe(tooMany)
    for (const i of [4, 5]) {
      expect(await deliveriesOf(f.students[i]!.guardianId)).toEqual([expect.objectContaining({ status: 'sent', attempts: 1, lastError: null })])
    }
  })
})

describe('email through the in-process transport', () => {
  test('an SMTP outage keeps the delivery deferred with the error; after the server is back it arrives exactly once', async () => {
    const g = f.students[3]!.guardianId
    await smtp.stop()
    await mark(3, 5)
    // two refused attempts: it stays deferred, it does not fail over or give up
    const deferred = await waitFor(async () => (await deliveriesOf(g)).find((d) => d.status === 'deferred' && d.attempts >= 2), 15_000, 'two attempts')
    expect(deferred.channel).toBe('email')
    expect(deferred.lastError).toMatch(/^SMTP /)
    expect(await deliveriesOf(g)).toHaveLength(1)
    expect(mailsTo(EMAIL3)).toHaveLength(0)

    await smtp.start()
    const mail = await waitFor(() => mailsTo(EMAIL3)[0], 20_000, 'the email')
    await sleep(1_500)
    expect(mailsTo(EMAIL3)).toHaveLength(1)
    expect(mail.subject).toBe('Глеб — 1 новая отметка')
    expect(mail.text).toContain(`Новая отметка 5 — Математика, ${dm(f.today)} (ответ на уроке).`)
    const rows = await deliveriesOf(g)
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ status: 'sent', lastError: null })
    expect(rows[0]!.attempts).toBeGreaterThanOrEqual(3)
  })
})
