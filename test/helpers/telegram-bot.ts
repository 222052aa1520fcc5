/**
 * The scenario harness: a real bot (grammY with the runner, or a telegraf bot with
 * zvonokMiddleware mounted, polling with telegraf's own loop) talking to the fake Bot API over
 * HTTP. `chat(id)` plays a person: each action pushes an update and resolves, once the bot has
 * handled it, with the Bot API calls the bot made for it.
 *
 *   const bot = await startBotUnderTest('grammy', { sql, fake })
 *   const me = bot.chat(9001)
 *   const t = await me.send('/today')
 *   expect(t.text).toContain('Сегодня')
 *   await me.press('week:0')                 // under the bot's last message that has this button
 *   await bot.stop()
 *
 * `group(id)` plays people in a supergroup the same way, and its `state` is what the bot did there:
 *
 *   const g = bot.group(-1001234567890, { title: '7Б' })
 *   await g.say(501, 'какой-то текст')
 *   expect(g.state.deleted).toContain(g.idOf('какой-то'))
 */
import pino, { type Logger } from 'pino'
import { Telegraf } from 'telegraf'
import type { Sql } from '../../core/db/connect.ts'
import { createGrammyBot, startPolling } from '../../bots/telegram/grammy.ts'
import type { HandledUpdate } from '../../bots/telegram/process.ts'
import type { ExecutedCall } from '../../bots/telegram/send.ts'
import { zvonokMiddleware } from '../../bots/telegram/telegraf.ts'
import type { BotMessage, FakeGroup, FakeTelegram, FakeUpdate, InlineButton } from '../fakes/telegram-api.ts'

export type RuntimeKind = 'grammy' | 'telegraf'

/** What the bot did for one update. */
export interface BotTurn {
  readonly update: FakeUpdate
  readonly duplicate: boolean
  readonly calls: readonly ExecutedCall[]
  /** the texts it sent or edited, in order, joined with a separator line */
  readonly text: string
  /** the inline buttons of the last message it sent or edited */
  readonly buttons: readonly InlineButton[]
}

export interface ChatUnderTest {
  readonly chatId: number
  /** '/cmd args' is sent as a command (with a bot_command entity), anything else as text */
  send(text: string): Promise<BotTurn>
  /** presses a button: under `onMessageId`, else under the bot's latest message carrying that data */
  press(data: string, onMessageId?: number): Promise<BotTurn>
  shareContact(phone: string, own?: boolean): Promise<BotTurn>
  sendPhoto(fileId: string, caption?: string): Promise<BotTurn>
  sendDocument(fileId: string, caption?: string, fileName?: string): Promise<BotTurn>
  reply(text: string, toMessageId: number): Promise<BotTurn>
  /** the bot's latest message in this chat */
  last(): BotMessage | undefined
}

export interface GroupUnderTest {
  readonly groupId: number
  /** the fake's live state of the group: members, join requests, messages, what the bot deleted */
  readonly state: FakeGroup
  /** userId writes text in the group ('/cmd args' or '/cmd@bot args' as a command); returns the bot's turn */
  say(userId: number, text: string, opts?: { replyTo?: number; threadId?: number; firstName?: string }): Promise<BotTurn>
  /** the author of group message `messageId` edits it */
  edit(messageId: number, text: string): Promise<BotTurn>
  requestJoin(userId: number, opts?: { firstName?: string; inviteLink?: string }): Promise<BotTurn>
  /** a chat_member update: userId's status goes from → to */
  memberChange(userId: number, from: string, to: string): Promise<BotTurn>
  /** a my_chat_member update: byUserId changed the bot's status (and rights, when it becomes an administrator) */
  botStatus(byUserId: number, from: string, to: string, rights?: Record<string, boolean>): Promise<BotTurn>
  /** the message id of the latest group message whose text includes `needle` (users' or bot's) */
  idOf(needle: string): number
}

export interface BotUnderTest {
  readonly kind: RuntimeKind
  readonly fake: FakeTelegram
  chat(chatId: number): ChatUnderTest
  /** a supergroup (negative id), created in the fake on first use */
  group(groupId: number, opts?: { title?: string; isForum?: boolean }): GroupUnderTest
  /** pushes raw updates at once and waits until the bot took each of them */
  push(...updates: FakeUpdate[]): Promise<BotTurn[]>
  /** updates the telegraf adapter passed on to the school's own handlers (telegraf only) */
  readonly passedOn: FakeUpdate[]
  stop(): Promise<void>
}

const WAIT_MS = 15_000

export async function startBotUnderTest(
  kind: RuntimeKind,
  opts: {
    sql: Sql; fake: FakeTelegram; now?: () => Date; log?: Logger
    /** more deps for createGrammyBot / zvonokMiddleware (the harness's own sql, log, now, onHandled win) */
    extraDeps?: Record<string, unknown>
  },
): Promise<BotUnderTest> {
  const { fake } = opts
  const log = opts.log ?? pino({ level: 'silent' })
  const token = fake.token ?? `${fake.bot.id}:test-token-test-token-test`
  // each update may be handled more than once when a test pushes duplicates: keep them in order
  const waiting = new Map<number, Array<(h: HandledUpdate) => void>>()
  const early = new Map<number, HandledUpdate[]>()
  const onHandled = (h: HandledUpdate) => {
    const w = waiting.get(h.updateId)?.shift()
    if (w) w(h)
    else early.set(h.updateId, [...(early.get(h.updateId) ?? []), h])
  }
  const deps = { ...opts.extraDeps, sql: opts.sql, log, now: opts.now, onHandled }
  const passedOn: FakeUpdate[] = []
  let stop: () => Promise<void>

  if (kind === 'grammy') {
    const bot = createGrammyBot({ ...deps, token, apiRoot: fake.apiRoot })
    const polling = await startPolling(bot, { timeout: 10 })
    stop = () => polling.stop()
  } else {
    const bot = new Telegraf(token, { telegram: { apiRoot: fake.apiRoot } })
    bot.use(zvonokMiddleware(deps))
    // the school's own bot, behind ours: what reaches it was not ours
    bot.use((ctx) => { passedOn.push(ctx.update as unknown as FakeUpdate) })
    const launched = bot.launch().catch((err: unknown) => log.error({ err }, 'telegraf stopped'))
    // launch() settles only when polling ends; wait until the first poll is in
    await until(() => fake.calls.some((c) => c.method === 'getUpdates'), 'telegraf polling')
    stop = async () => {
      bot.stop('test')
      await launched
    }
  }

  function wait(update: FakeUpdate): Promise<BotTurn> {
    return new Promise<HandledUpdate>((resolve, reject) => {
      const ready = early.get(update.update_id)?.shift()
      if (ready) return resolve(ready)
      const timer = setTimeout(() => reject(new Error(`${kind}: update ${update.update_id} not handled in ${WAIT_MS} ms${
        fake.dropped.includes(update) ? ` (never delivered: its kind is not in the bot's allowed_updates)` : ''}`)), WAIT_MS)
      const list = waiting.get(update.update_id) ?? []
      list.push((h) => { clearTimeout(timer); resolve(h) })
      waiting.set(update.update_id, list)
    }).then((h) => turnOf(update, h))
  }

  async function push(...updates: FakeUpdate[]): Promise<BotTurn[]> {
    const turns = updates.map(wait)
    fake.pushUpdate(...updates)
    return Promise.all(turns)
  }
  const one = async (u: FakeUpdate) => (await push(u))[0]!

  return {
    kind, fake, passedOn, push,
    chat(chatId) {
      const u = fake.updates
      return {
        chatId,
        send: (text) => {
          const m = /^\/([a-z_]+)(?:\s+([\s\S]*))?$/i.exec(text)
          return one(m ? u.command(chatId, m[1]!, m[2]) : u.message(chatId, text))
        },
        press: (data, onMessageId) => {
          const id = onMessageId ?? [...fake.messages(chatId)].reverse()
            .find((msg) => msg.keyboard.flat().some((b) => b.callback_data === data))?.messageId
          if (id === undefined) throw new Error(`no message in chat ${chatId} has a button "${data}"`)
          return one(u.callback(chatId, data, id))
        },
        shareContact: (phone, own = true) => one(u.contact(chatId, phone, own)),
        sendPhoto: (fileId, caption) => one(u.photo(chatId, fileId, caption)),
        sendDocument: (fileId, caption, fileName) => one(u.document(chatId, fileId, caption, fileName)),
        reply: (text, toMessageId) => one(u.reply(chatId, text, toMessageId)),
        last: () => fake.lastMessage(chatId),
      }
    },
    group(groupId, opts) {
      const u = fake.updates
      const state = fake.group(groupId, opts)
      return {
        groupId, state,
        say: (userId, text, o = {}) => {
          const m = /^\/([a-z_]+)(?:@(\w+))?(?:\s+([\s\S]*))?$/i.exec(text)
          if (m && (m[2] === undefined || m[2] === fake.bot.username)) {
            return one(u.groupCommand(groupId, userId, m[1]!, m[3], { ...o, mention: m[2] !== undefined }))
          }
          // a command to another bot is still a bot_command entity
          const head = m ? text.split(/\s/, 1)[0]! : undefined
          return one(u.groupMessage(groupId, userId, text, {
            ...o, ...(head ? { entities: [{ type: 'bot_command', offset: 0, length: head.length }] } : {}),
          }))
        },
        edit: (messageId, text) => one(u.groupEdit(groupId, messageId, text)),
        requestJoin: (userId, o) => one(u.joinRequest(groupId, userId, o)),
        memberChange: (userId, from, to) => one(u.chatMember(groupId, userId, from, to)),
        botStatus: (byUserId, from, to, rights) => one(u.myChatMember(groupId, byUserId, from, to, rights)),
        idOf(needle) {
          const m = state.messages.findLast((x) => x.text.includes(needle))
          if (!m) throw new Error(`no message in group ${groupId} includes "${needle}"`)
          return m.messageId
        },
      }
    },
    stop: () => stop(),
  }
}

function turnOf(update: FakeUpdate, h: HandledUpdate): BotTurn {
  const shown = h.calls.filter((c) => c.ok && (c.method === 'sendMessage' || c.method === 'editMessageText'))
  const last = shown.at(-1)?.params.reply_markup as { inline_keyboard?: InlineButton[][] } | undefined
  return {
    update, duplicate: h.duplicate, calls: h.calls,
    text: shown.map((c) => String(c.params.text)).join('\n---\n'),
    buttons: last?.inline_keyboard?.flat() ?? [],
  }
}

async function until(cond: () => boolean, what: string, ms = WAIT_MS): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}
