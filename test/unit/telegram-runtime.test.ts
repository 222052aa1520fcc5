/** Telegram updates → Incoming, and replies → Bot API calls: the translation both runtimes share. */
import { describe, expect, it } from 'vitest'
import { executePlan, planReplies, splitHtml, type ApiCall } from '../../bots/telegram/send.ts'
import { toIncoming, type TgUpdate } from '../../bots/telegram/update.ts'

const person = { id: 42, is_bot: false }
const bot = { id: 7, is_bot: true }
const chat = { id: 42, type: 'private' }
const msg = (extra: object): TgUpdate => ({ update_id: 1, message: { message_id: 10, chat, from: person, ...extra } })

describe('toIncoming', () => {
  it('reads a command from the bot_command entity at offset 0, with or without @bot', () => {
    const cmd = (text: string, length: number) => toIncoming(msg({ text, entities: [{ type: 'bot_command', offset: 0, length }] }))
    expect(cmd('/today@zvonok_bot  12.03 ', 17)).toEqual({ platform: 'telegram', chatId: '42', messageId: 10, command: { name: 'today', args: '12.03' } })
    expect(cmd('/Start ABC', 6)!.command).toEqual({ name: 'start', args: 'ABC' })
    // a command later in the text is just text
    expect(toIncoming(msg({ text: 'см. /today', entities: [{ type: 'bot_command', offset: 4, length: 6 }] }))).toMatchObject({ text: 'см. /today' })
    expect(toIncoming(msg({ text: '  /today  ' }))!.command).toBeUndefined()
  })

  it('reads files with their caption as text, the largest photo size', () => {
    const photo = toIncoming(msg({
      caption: ' 7А алгебра ',
      photo: [{ file_id: 's', width: 90, height: 60 }, { file_id: 'l', width: 1280, height: 853 }, { file_id: 'm', width: 320, height: 213 }],
    }))
    expect(photo).toMatchObject({ text: '7А алгебра', files: [{ kind: 'photo', fileId: 'l', name: 'photo.jpg' }] })
    expect(toIncoming(msg({ document: { file_id: 'd', file_name: 'стр45.pdf' } }))).toMatchObject({
      files: [{ kind: 'document', fileId: 'd', name: 'стр45.pdf' }],
    })
    expect(toIncoming(msg({ document: { file_id: 'd' } }))!.text).toBeUndefined()
  })

  it('tells the sender’s own contact from someone else’s', () => {
    expect(toIncoming(msg({ contact: { phone_number: '79990001122', user_id: 42 } }))!.contact).toEqual({ phone: '79990001122', own: true })
    expect(toIncoming(msg({ contact: { phone_number: '79990001122', user_id: 43 } }))!.contact).toEqual({ phone: '79990001122', own: false })
    expect(toIncoming(msg({ contact: { phone_number: '79990001122' } }))!.contact!.own).toBe(false)
  })

  it('keeps replyTo only for a reply to the bot’s message', () => {
    expect(toIncoming(msg({ text: 'ok', reply_to_message: { message_id: 5, from: bot } }))!.replyTo).toBe(5)
    expect(toIncoming(msg({ text: 'ok', reply_to_message: { message_id: 6, from: person } }))!.replyTo).toBeUndefined()
  })

  it('reads a button press with the message it sits under', () => {
    expect(toIncoming({ update_id: 2, callback_query: { id: 'q', from: person, data: 'week:1', message: { message_id: 33, chat } } }))
      .toEqual({ platform: 'telegram', chatId: '42', messageId: 33, button: 'week:1' })
    expect(toIncoming({ update_id: 2, callback_query: { id: 'q', from: person, message: { message_id: 33, chat } } })).toBeNull()
    expect(toIncoming({ update_id: 2, callback_query: { id: 'q', from: person, data: 'x' } })).toBeNull()
  })

  it('leaves groups, channels, bots and unread kinds of message alone', () => {
    expect(toIncoming({ update_id: 3, message: { message_id: 1, chat: { id: -5, type: 'group' }, from: person, text: 'hi' } })).toBeNull()
    expect(toIncoming({ update_id: 3, message: { message_id: 1, chat: { id: -5, type: 'channel' }, text: 'hi' } })).toBeNull()
    expect(toIncoming(msg({ sticker: { file_id: 'x' } }))).toBeNull()
    expect(toIncoming({ update_id: 4, message: { message_id: 1, chat, from: bot, text: 'hi' } })).toBeNull()
    expect(toIncoming({ update_id: 5 })).toBeNull()
  })
})

describe('planReplies', () => {
  it('sends HTML without link previews, inline buttons under the text, files after it', () => {
    const plan = planReplies('42', [{
      html: '<b>Понедельник</b>', buttons: [[{ label: '◀', data: 'week:-1' }, { label: '▶', data: 'week:1' }]],
      files: [{ kind: 'photo', fileId: 'p', name: 'photo.jpg' }, { kind: 'document', fileId: 'd', name: 'a.pdf' }],
    }])
    expect(plan).toEqual([
      {
        method: 'sendMessage',
        params: {
          chat_id: 42, text: '<b>Понедельник</b>', parse_mode: 'HTML', link_preview_options: { is_disabled: true },
          reply_markup: { inline_keyboard: [[{ text: '◀', callback_data: 'week:-1' }, { text: '▶', callback_data: 'week:1' }]] },
        },
      },
      { method: 'sendPhoto', params: { chat_id: 42, photo: 'p' } },
      { method: 'sendDocument', params: { chat_id: 42, document: 'd' } },
    ])
  })

  it('answers the button, edits its message once, and falls back to a new message', () => {
    const plan = planReplies('42', [{ html: 'a', edit: true }, { html: 'b', edit: true }], { callback: { id: 'q1', messageId: 33 } })
    expect(plan.map((c) => c.method)).toEqual(['answerCallbackQuery', 'editMessageText', 'sendMessage'])
    expect(plan[0]!.params).toEqual({ callback_query_id: 'q1' })
    expect(plan[1]!.params).toMatchObject({ chat_id: 42, message_id: 33, text: 'a' })
    expect(plan[1]!.params.reply_markup).toBeUndefined() // an edit without buttons removes them
    expect(plan[1]!.fallback).toMatchObject({ method: 'sendMessage', params: { text: 'a' } })
    // an edit asked for without a pressed message is a new message
    expect(planReplies('42', [{ html: 'a', edit: true }]).map((c) => c.method)).toEqual(['sendMessage'])
  })

  it('shows the contact keyboard when asked, and removes it only after the linking flow', () => {
    const [ask] = planReplies('42', [{ html: 'привяжите', askContact: true }])
    expect(ask!.params.reply_markup).toMatchObject({ keyboard: [[{ request_contact: true }]], one_time_keyboard: true })
    expect(planReplies('42', [{ html: 'готово' }], { removeKeyboard: true })[0]!.params.reply_markup).toEqual({ remove_keyboard: true })
    expect(planReplies('42', [{ html: 'готово' }])[0]!.params.reply_markup).toBeUndefined()
    // inline buttons keep theirs
    expect(planReplies('42', [{ html: 'x', buttons: [[{ label: 'a', data: 'b' }]] }], { removeKeyboard: true })[0]!.params.reply_markup)
      .toHaveProperty('inline_keyboard')
  })

  it('splits a text over Telegram’s limit at line breaks, buttons on the last part', () => {
    const line = 'х'.repeat(1000)
    const html = Array.from({ length: 9 }, () => line).join('\n')
    const plan = planReplies('42', [{ html, buttons: [[{ label: 'a', data: 'b' }]] }])
    expect(plan.map((c) => (c.params.text as string).length)).toEqual([4003, 4003, 1000])
    expect(plan.map((c) => c.params.reply_markup !== undefined)).toEqual([false, false, true])
    expect(splitHtml('a'.repeat(10), 4)).toEqual(['aaaa', 'aaaa', 'aa'])
  })
})

describe('executePlan', () => {
  const apiError = (code: number, description: string, extra: object = {}) => Object.assign(new Error(description), { error_code: code, description, ...extra })

  it('treats "message is not modified" as done and falls back when the message is gone', async () => {
    const plan = planReplies('42', [{ html: 'a', edit: true }], { callback: { id: 'q', messageId: 1 } })
    const seen: string[] = []
    const notModified = await executePlan(plan, async (m) => {
      seen.push(m)
      if (m === 'editMessageText') throw apiError(400, 'Bad Request: message is not modified: specified new message content')
      return true
    })
    expect(notModified.map((c) => [c.method, c.ok])).toEqual([['answerCallbackQuery', true], ['editMessageText', true]])
    const gone = await executePlan(plan, async (m) => {
      if (m === 'editMessageText') throw apiError(400, 'Bad Request: message to edit not found')
      return { message_id: 2 }
    })
    expect(gone.map((c) => [c.method, c.ok])).toEqual([['answerCallbackQuery', true], ['editMessageText', false], ['sendMessage', true]])
  })

  it('stops at a blocked chat, retries once after a short 429 (telegraf’s error shape too)', async () => {
    const plan: ApiCall[] = [1, 2].map((n) => ({ method: 'sendMessage', params: { chat_id: 42, text: String(n) } }))
    const blocked = await executePlan(plan, async () => { throw apiError(403, 'Forbidden: bot was blocked by the user') })
    expect(blocked).toHaveLength(1)

    let calls = 0
    const limited = await executePlan(plan.slice(0, 1), async () => {
      // telegraf's TelegramError: `code`, and the parameters under `response`
      if (calls++ === 0) throw Object.assign(new Error('429'), { code: 429, description: 'Too Many Requests', response: { parameters: { retry_after: 0 } } })
      return { message_id: 3 }
    })
    expect(limited.map((c) => c.ok)).toEqual([true])
    expect(calls).toBe(2)
  })
})
