/**
 * The Telegram runtimes end to end: a real grammY bot (runner, long polling) and a real telegraf
 * bot with zvonokMiddleware, each polling the fake Bot API over HTTP, on the real database.
 * The features' behaviour is tested through the conversation layer; here: what reaches
 * Telegram, in which order, once.
 */
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sha256 } from '../../core/auth/tokens.ts'
import { testConfig } from '../../core/config/config.ts'
import { buildApp } from '../../core/http/app.ts'
import { createGrammyBot } from '../../bots/telegram/grammy.ts'
import type { HandledUpdate } from '../../bots/telegram/process.ts'
import { webhookRoutes } from '../../bots/telegram/webhook.ts'
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram-api.ts'
import { createTestDb, type TestDb } from '../helpers/db.ts'
import { buildJournal, linkChat, type JournalFixture } from '../helpers/journal-fixture.ts'
import { startBotUnderTest, type BotUnderTest, type RuntimeKind } from '../helpers/telegram-bot.ts'

let db: TestDb
let j: JournalFixture

beforeAll(async () => {
  db = await createTestDb()
  j = await buildJournal(db.sql, { students: 4 })
})
afterAll(async () => db?.close())

async function linkCode(personId: string, value: string) {
  await db.sql`insert into link_codes (code_hash, person_id, purpose, expires_at)
    values (${sha256(value)}, ${personId}, 'telegram', now() + interval '30 days')`
}

async function until(cond: () => boolean, what: string, ms = 10_000) {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

// each runtime is its own bot (its own id, so update ids do not collide in bot_updates) and its own chats
describe.each([
  { kind: 'grammy' as RuntimeKind, botId: 5550001, base: 710_000 },
  { kind: 'telegraf' as RuntimeKind, botId: 5550002, base: 720_000 },
])('the $kind runtime', ({ kind, botId, base }) => {
  let fake: FakeTelegram
  let bot: BotUnderTest

  beforeAll(async () => {
    fake = await startFakeTelegram({ token: `${botId}:runtime-test-token-${kind}` })
    bot = await startBotUnderTest(kind, { sql: db.sql, fake })
  })
  afterAll(async () => {
    await bot?.stop()
    await fake?.close()
  })

  it('links a chat with /start CODE and removes the contact keyboard', async () => {
    const chat = bot.chat(base + 1)
    const student = j.students[0]!
    const code = `RUN${kind.toUpperCase().slice(0, 4)}23456`.slice(0, 12)
    await linkCode(student.guardianId, code)
    const t = await chat.send(`/start ${code}`)
    expect(t.text).toContain('Готово, чат привязан')
    const send = t.calls.find((c) => c.method === 'sendMessage')!
    expect(send.params).toMatchObject({ chat_id: base + 1, parse_mode: 'HTML', link_preview_options: { is_disabled: true } })
    expect(chat.last()!.replyKeyboard).toBe('removed')
    const links = await db.sql`select person_id from chat_links where chat_id = ${String(base + 1)} and unlinked_at is null`
    expect(links.map((l) => l.personId)).toEqual([student.guardianId])

    // now the chat is someone's: /help shows the family commands
    expect((await chat.send('/help')).text).toContain('/today')
  })

  it('tells an unlinked chat how to link, with the contact button, and shows no data', async () => {
    const chat = bot.chat(base + 2)
    for (const text of ['/today', 'привет', '/marks@zvonok_test_bot']) {
      const t = await chat.send(text)
      expect(t.calls.map((c) => c.method)).toEqual(['sendMessage'])
      expect(t.text).toContain('привяжите чат')
      for (const s of j.students) expect(t.text).not.toContain(s.firstName)
      expect(t.calls[0]!.params.reply_markup).toEqual({
        keyboard: [[{ text: 'Поделиться номером', request_contact: true }]], one_time_keyboard: true, resize_keyboard: true,
      })
    }
    // the contact button's answer: a number nobody has
    const t = await chat.shareContact('+79990000001')
    expect(t.text).toContain('не указан ни в одной карточке')
    // a photo is not a way in either
    expect((await chat.sendPhoto('AgACphoto1', 'дз')).text).toContain('привяжите чат')
  })

  it('answers a button press and edits the message it sits under', async () => {
    const chatId = base + 3
    const chat = bot.chat(chatId)
    await linkChat(db.sql, j.students[1]!.guardianId, chatId)
    await linkChat(db.sql, j.students[2]!.guardianId, chatId)
    const choose = await chat.send('/unlink')
    expect(choose.buttons.map((b) => b.callback_data)).toContain('unlink:all')
    const asked = chat.last()!

    const t = await chat.press('unlink:all')
    expect(t.calls.map((c) => c.method)).toEqual(['answerCallbackQuery', 'editMessageText'])
    expect(t.calls[1]!.params).toMatchObject({ chat_id: chatId, message_id: asked.messageId })
    expect(t.calls.every((c) => c.ok)).toBe(true)
    // the same message now says it is done, without the buttons; nothing new was sent
    expect(chat.last()).toMatchObject({ messageId: asked.messageId, edits: 1, keyboard: [] })
    expect(chat.last()!.text).toContain('Чат отвязан')

    // a button under a message Telegram no longer has: the reply comes as a new message
    const gone = await chat.press('unlink:all', 999_999)
    expect(gone.calls.map((c) => [c.method, c.ok])).toEqual([
      ['answerCallbackQuery', true], ['editMessageText', false], ['sendMessage', true],
    ])
  })

  it('handles an update id once even when Telegram delivers it twice', async () => {
    const chatId = base + 4
    await linkChat(db.sql, j.students[3]!.guardianId, chatId)
    const u = fake.updates.command(chatId, 'help')
    const sentBefore = fake.sent.filter((m) => m.chatId === String(chatId)).length
    const turns = await bot.push(u, u)
    expect(turns.map((t) => t.duplicate).sort()).toEqual([false, true])
    expect(fake.sent.filter((m) => m.chatId === String(chatId)).length - sentBefore).toBe(1)
  })

  it('answers one chat in order while other chats go ahead', async () => {
    const slowChat = base + 5
    const otherChat = base + 6
    const first = fake.updates.command(slowChat, 'start', 'WRONGCODE234')
    const second = fake.updates.message(slowChat, 'второе сообщение')
    const other = fake.updates.message(otherChat, 'другой чат')
    // Telegram is slow to accept the first reply in slowChat
    const release = fake.hold('sendMessage', slowChat)
    const all = bot.push(first, second, other)

    await until(() => fake.sent.some((m) => m.chatId === String(otherChat)), 'the other chat answered')
    await sleep(200)
    // the second message of slowChat waits for the first: only one reply attempt so far
    const toSlow = () => fake.calls.filter((c) => c.method === 'sendMessage' && String(c.params.chat_id) === String(slowChat))
    expect(toSlow()).toHaveLength(1)
    release()
    const [t1, t2] = await all
    expect(t1!.text).toContain('Код не подошёл')
    expect(t2!.text).not.toContain('Код не подошёл')
    expect(toSlow()).toHaveLength(2)
    // in the chat, the answers are in the order of the messages
    expect(fake.messages(slowChat).map((m) => m.text)).toEqual([t1!.text, t2!.text])
  })

  if (kind === 'telegraf') {
    it('passes what is not ours to the school’s own handlers', async () => {
      const group = fake.updates.message(base + 7, 'всем привет', { chatType: 'group' })
      // a sticker in a private chat: nothing the bot reads
      const sticker = fake.updates.message(base + 8, '')
      const m = sticker.message as Record<string, unknown>
      delete m.text
      m.sticker = { file_id: 'CAACsticker', file_unique_id: 'us', width: 512, height: 512, is_animated: false }
      fake.pushUpdate(group, sticker)
      await until(() => bot.passedOn.length >= 2, 'both passed on')
      // an unbound group is checked against the channels first, so the two may pass in either order
      expect(bot.passedOn.map((u) => u.update_id).sort()).toEqual([group.update_id, sticker.update_id].sort())
      expect(fake.calls.filter((c) => c.method === 'sendMessage' && [-(base + 7), base + 8].includes(Number(c.params.chat_id)))).toEqual([])
      // and ours is still ours
      expect((await bot.chat(base + 9).send('привет')).text).toContain('привяжите чат')
      expect(bot.passedOn).toHaveLength(2)
    })
  }
})

describe('the webhook route', () => {
  const secretToken = 'webhook-secret_0123456789'
  let fake: FakeTelegram
  let app: Awaited<ReturnType<typeof buildApp>>
  const handled: HandledUpdate[] = []

  beforeAll(async () => {
    fake = await startFakeTelegram({ token: '5550003:webhook-test-token-abcdef' })
    const bot = createGrammyBot({
      sql: db.sql, token: fake.token!, apiRoot: fake.apiRoot, log: pino({ level: 'silent' }),
      onHandled: (h) => handled.push(h),
    })
    app = await buildApp({ config: testConfig(), sql: db.sql, telegramWebhook: webhookRoutes({ bot, secretToken }) })
  })
  afterAll(async () => {
    await app?.close()
    await fake?.close()
  })

  const post = (update: object, token?: string) => app.inject({
    method: 'POST', url: '/v1/telegram/webhook', payload: update,
    headers: token === undefined ? {} : { 'x-telegram-bot-api-secret-token': token },
  })

  it('refuses a request without the secret token, or with another', async () => {
    const update = fake.updates.message(730_001, 'привет')
    for (const token of [undefined, 'wrong-secret-0123456789', `${secretToken}x`, '']) {
      const r = await post(update, token)
      expect(r.statusCode, String(token)).toBe(401)
      expect(r.headers['content-type']).toContain('application/problem+json')
      expect(r.json()).toMatchObject({ code: 'unauthorized', status: 401 })
    }
    expect(handled).toEqual([])
    expect(fake.sent).toEqual([])
  })

  it('takes an update with the right token, once', async () => {
    const update = fake.updates.command(730_002, 'start')
    const r = await post(update, secretToken)
    expect(r.statusCode).toBe(200)
    expect(fake.sent.map((m) => m.chatId)).toEqual(['730002'])
    expect(fake.sent[0]!.text).toContain('привяжите чат')
    // Telegram retries when it did not hear the 200 in time: the retry does nothing
    expect((await post(update, secretToken)).statusCode).toBe(200)
    expect(fake.sent).toHaveLength(1)
    expect(handled.map((h) => h.duplicate)).toEqual([false, true])
  })
})
