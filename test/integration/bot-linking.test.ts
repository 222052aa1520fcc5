import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sha256 } from '../../core/auth/tokens.ts'
import { createTestDb, type TestDb } from '../helpers/db.ts'
import { buildJournal, type JournalFixture } from '../helpers/journal-fixture.ts'
import { converse, type Conversation } from '../helpers/conversation.ts'

let db: TestDb
let j: JournalFixture
let bot: Conversation

async function code(personId: string, value: string, expiresInDays = 30) {
  await db.sql`insert into link_codes (code_hash, person_id, purpose, expires_at)
    values (${sha256(value)}, ${personId}, 'telegram', now() + make_interval(days => ${expiresInDays}))`
}

beforeAll(async () => {
  db = await createTestDb()
  j = await buildJournal(db.sql, { students: 3 })
  bot = converse(db.sql)
})
afterAll(async () => db?.close())

describe('linking a chat', () => {
  it('an unlinked chat is told how to link and sees no data', async () => {
    for (const text of ['/today', 'привет', '/marks', '/help']) {
      const r = await bot.say(9001, text)
      expect(r).toHaveLength(1)
      expect(r[0]!.html).toContain('привяжите чат')
      expect(r[0]!.askContact).toBe(true)
      expect(r[0]!.html).not.toContain(j.students[0]!.firstName)
    }
  })

  it('links with a one-time code, in any case and with spaces', async () => {
    await code(j.students[0]!.guardianId, 'ABCDEF234567')
    const r = await bot.say(9002, '/start abcd ef23 4567')
    expect(bot.text(r)).toContain('Готово, чат привязан')
    const links = await db.sql`select person_id from chat_links where chat_id = 9002 and unlinked_at is null`
    expect(links.map((l) => l.personId)).toEqual([j.students[0]!.guardianId])
    // one-time: another chat cannot use it
    expect(bot.text(await bot.say(9003, '/start ABCDEF234567'))).toContain('Код не подошёл')
  })

  it('refuses an expired code and throttles guessing', async () => {
    await code(j.students[1]!.guardianId, 'EXPIRED23456', -1)
    expect(bot.text(await bot.say(9004, '/start EXPIRED23456'))).toContain('Код не подошёл')
    for (let i = 0; i < 4; i++) await bot.say(9004, `/start WRONG${i}2345678`)
    await code(j.students[1]!.guardianId, 'GOODCODE2345')
    expect(bot.text(await bot.say(9004, '/start GOODCODE2345'))).toContain('Слишком много неверных кодов')
    expect(await db.sql`select 1 from chat_links where chat_id = 9004`).toHaveLength(0)
  })

  it('links by the sender’s own phone contact matching exactly one guardian', async () => {
    await db.sql`update persons set phone = '+79990001122' where id = ${j.students[2]!.guardianId}`
    expect(bot.text(await bot.contact(9005, '+79990001122', false))).toContain('Нужен ваш собственный номер')
    expect(bot.text(await bot.contact(9005, '89990009999'))).toContain('не указан ни в одной карточке')
    expect(bot.text(await bot.contact(9005, '79990001122'))).toContain('Готово, чат привязан')
  })

  it('refuses a phone shared by two guardian cards', async () => {
    await db.sql`update persons set phone = '+79990003344' where id in ${db.sql([j.students[0]!.guardianId, j.students[1]!.guardianId])}`
    expect(bot.text(await bot.contact(9006, '+79990003344'))).toContain('указан у нескольких человек')
  })

  it('links several persons to one chat and unlinks them by choice', async () => {
    await code(j.students[0]!.guardianId, 'MULTI2345672')
    await code(j.students[1]!.guardianId, 'MULTI2345673')
    await bot.say(9007, '/start MULTI2345672')
    const second = await bot.say(9007, '/start MULTI2345673')
    expect(bot.text(second)).toContain('другие карточки')
    const choose = await bot.say(9007, '/unlink')
    expect(choose[0]!.buttons!.flat().map((b) => b.data)).toContain('unlink:all')
    const done = await bot.press(9007, `unlink:${j.students[0]!.guardianId}`)
    expect(bot.text(done)).toContain('Чат отвязан')
    const live = await db.sql`select person_id from chat_links where chat_id = 9007 and unlinked_at is null`
    expect(live.map((l) => l.personId)).toEqual([j.students[1]!.guardianId])
    await bot.say(9007, '/unlink')
    expect(bot.text(await bot.say(9007, '/today'))).toContain('привяжите чат')
    const audit = await db.sql`select action from audit_log where action like 'chat.%' and entity_id = ${j.students[1]!.guardianId}`
    expect(audit.map((a) => a.action).sort()).toEqual(['chat.linked', 'chat.unlinked'])
  })
})

describe('a chat that blocked the bot and came back', () => {
  it('gets its links back when it writes again', async () => {
    await code(j.students[2]!.guardianId, 'REVIVE234567')
    await bot.say(9010, '/start REVIVE234567')
    await db.sql`update chat_links set dead_at = now(), dead_reason = 'Telegram 403: blocked' where chat_id = 9010`
    const r = await bot.say(9010, '/help')
    expect(bot.text(r)).toContain('Что умеет бот')
    expect(await db.sql`select 1 from chat_links where chat_id = 9010 and dead_at is null and unlinked_at is null`).toHaveLength(1)
  })
})
