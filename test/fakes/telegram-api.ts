/**
 * A fake Telegram Bot API for tests and benchmarks: a real HTTP server on 127.0.0.1 that grammY,
 * telegraf (or any client) talks to through `apiRoot`. It serves POST /bot<token>/<method> with
 * JSON or form bodies and records every call in `calls`:
 *
 *   const tg = await startFakeTelegram({ token })
 *   tg.failNext('42', telegramErrors.blocked)        // the next sendMessage to chat 42 gets a 403
 *   tg.setRateLimit({ total: 30, perChat: 1 })        // enforce limits like Telegram's, 429 above them
 *   tg.onMethod('getChat', () => ({ … }))             // answer (or override) any other method
 *
 * For bots it plays the Telegram side of a private chat: `pushUpdate(tg.updates.command(42, 'today'))`
 * queues an update for getUpdates (long polling: a request waits until an update arrives or its
 * `timeout` passes; `offset` confirms and drops earlier updates; a webhook blocks getUpdates with
 * a 409 like Telegram). sendMessage, editMessageText, sendPhoto, sendDocument answer message
 * objects (per-chat message ids, from = the bot); the bot's messages are kept per chat, so a
 * test reads the latest text and its inline keyboard with `lastMessage(chatId)`.
 *
 * A rejected sendMessage is never recorded in `sent`. getMe is answered by default.
 */
import { randomInt } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface FakeResponse {
  readonly status: number
  /** a Bot API error object, or a string sent as text/html (a proxy's 502 page) */
  readonly body: unknown
}

const apiError = (code: number, description: string, parameters?: object): FakeResponse =>
  ({ status: code, body: { ok: false, error_code: code, description, ...(parameters ? { parameters } : {}) } })

/** Errors the Bot API really answers with. */
export const telegramErrors = {
  tooMany: (retryAfter = 1) => apiError(429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter }),
  blocked: apiError(403, 'Forbidden: bot was blocked by the user'),
  deactivated: apiError(403, 'Forbidden: user is deactivated'),
  chatNotFound: apiError(400, 'Bad Request: chat not found'),
  badHtml: apiError(400, "Bad Request: can't parse entities: Unsupported start tag \"foo\""),
  internal: apiError(500, 'Internal Server Error'),
  badGateway: { status: 502, body: '<html><body><h1>502 Bad Gateway</h1></body></html>' } satisfies FakeResponse,
  notModified: apiError(400, 'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message'),
  editNotFound: apiError(400, 'Bad Request: message to edit not found'),
  webhookActive: apiError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"),
  otherGetUpdates: apiError(409, 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running'),
}

export interface SentMessage {
  readonly chatId: string
  readonly text: string
  readonly parseMode: string | undefined
  readonly at: number
}

/** Any Bot API request the fake received, rejected or not. */
export interface RecordedCall {
  readonly method: string
  readonly params: Record<string, unknown>
  readonly at: number
}

export interface InlineButton { readonly text: string; readonly callback_data?: string }

/** A message the bot has in a chat, as the fake keeps it (edits change it in place). */
export interface BotMessage {
  readonly messageId: number
  readonly kind: 'text' | 'photo' | 'document'
  text: string
  /** the inline keyboard under it, row by row */
  keyboard: InlineButton[][]
  /** the reply keyboard it showed (request_contact buttons) or removed */
  replyKeyboard: 'contact' | 'removed' | undefined
  fileId: string | undefined
  edits: number
}

// minimal Bot API objects, as the fake builds them
type TgUser = { id: number; is_bot: boolean; first_name: string; username?: string }
type TgChat = { id: number; type: 'private' | 'group' | 'supergroup'; first_name?: string; title?: string }
type TgMessage = { message_id: number; date: number; chat: TgChat; from?: TgUser; [k: string]: unknown }
export type FakeUpdate = { update_id: number; message?: TgMessage; callback_query?: Record<string, unknown> }

export type MethodHandler = (params: Record<string, unknown>) => unknown

/** Builders of what a person does in a chat (the user id equals the private chat's id). */
export interface UpdateBuilders {
  message(chatId: number, text: string, opts?: { chatType?: 'private' | 'group'; entities?: object[]; replyTo?: number }): FakeUpdate
  /** `/name args` with a bot_command entity; `mention` adds @bot to the command */
  command(chatId: number, name: string, args?: string, opts?: { mention?: boolean }): FakeUpdate
  callback(chatId: number, data: string, messageId: number): FakeUpdate
  contact(chatId: number, phone: string, own?: boolean): FakeUpdate
  photo(chatId: number, fileId: string, caption?: string): FakeUpdate
  document(chatId: number, fileId: string, caption?: string, fileName?: string): FakeUpdate
  reply(chatId: number, text: string, replyToMessageId: number): FakeUpdate
}

export interface FakeTelegram {
  /** pass as grammY's apiRoot */
  readonly apiRoot: string
  /** when set, requests with any other token get 401 */
  readonly token: string | undefined
  readonly port: number
  readonly bot: TgUser
  readonly sent: SentMessage[]
  /** every request, in arrival order */
  readonly calls: RecordedCall[]
  counts(): { requests: number; sent: number; tooMany: number; failed: number }
  /** the next `times` sendMessage to chatId ('*': to any chat) get `response` */
  failNext(chatId: string, response: FakeResponse, times?: number): void
  /** sendMessage per rolling second, overall and per chat; above it a 429 with retry_after 1 */
  setRateLimit(limit: { total?: number; perChat?: number } | null): void
  /** delay before every answer, to imitate the network */
  setDelay(ms: number): void
  /**
   * Holds the next `method` call for chatId (recorded in `calls`, not answered) until the
   * returned function is called: a slow network for one chat, to watch the order of replies.
   */
  hold(method: string, chatId: number | string): () => void
  /** the result of another method (getChat…), or an override of a built-in one: a value, or a FakeResponse to fail */
  onMethod(name: string, handler: MethodHandler): void
  readonly updates: UpdateBuilders
  /** queues updates for getUpdates (all at once: a poller gets them in one batch) */
  pushUpdate(...updates: FakeUpdate[]): void
  /** updates queued and not yet confirmed by an offset */
  pendingUpdates(): number
  /** the webhook set with setWebhook (url and secret_token), if any */
  webhook(): { url: string; secretToken: string | undefined } | undefined
  /** the bot's messages in a chat, oldest first */
  messages(chatId: number | string): BotMessage[]
  lastMessage(chatId: number | string): BotMessage | undefined
  close(): Promise<void>
}

export async function startFakeTelegram(opts: { token?: string; port?: number } = {}): Promise<FakeTelegram> {
  const sent: SentMessage[] = []
  const calls: RecordedCall[] = []
  const stats = { requests: 0, sent: 0, tooMany: 0, failed: 0 }
  const failures: Array<{ chatId: string; response: FakeResponse; left: number }> = []
  const methods = new Map<string, MethodHandler>()
  let limit: { total?: number; perChat?: number } | null = null
  let delayMs = 0
  // accepted sendMessage times, for the rolling-second limits
  const recent: Array<{ chatId: string; at: number }> = []

  const botId = Number(opts.token?.split(':')[0]) || 100000001
  const bot: TgUser = { id: botId, is_bot: true, first_name: 'Zvonok', username: 'zvonok_test_bot' }
  methods.set('getMe', () => ({ ...bot, can_join_groups: false, can_read_all_group_messages: false, supports_inline_queries: false }))

  // --- chats: per-chat message ids (shared by the person's and the bot's messages), the bot's messages
  const chats = new Map<string, { lastId: number; messages: BotMessage[] }>()
  const chatOf = (chatId: string | number) => {
    const key = String(chatId)
    let c = chats.get(key)
    if (!c) chats.set(key, (c = { lastId: 0, messages: [] }))
    return c
  }
  const nowS = () => Math.floor(Date.now() / 1000)
  const privateChat = (id: number): TgChat => ({ id, type: 'private', first_name: 'Тест' })
  const person = (id: number): TgUser => ({ id, is_bot: false, first_name: 'Тест' })

  function botMessageObject(chatId: string, m: BotMessage): TgMessage {
    const id = Number(chatId)
    return {
      message_id: m.messageId, date: nowS(), chat: privateChat(Number.isNaN(id) ? 0 : id), from: bot,
      ...(m.kind === 'text' ? { text: m.text } : {}),
      ...(m.kind === 'photo' ? { photo: [{ file_id: m.fileId, file_unique_id: `u${m.fileId}`, width: 1280, height: 960 }] } : {}),
      ...(m.kind === 'document' ? { document: { file_id: m.fileId, file_unique_id: `u${m.fileId}` } } : {}),
      ...(m.keyboard.length ? { reply_markup: { inline_keyboard: m.keyboard } } : {}),
    }
  }

  function parseMarkup(v: unknown): Record<string, unknown> | undefined {
    if (typeof v === 'string') return JSON.parse(v) as Record<string, unknown>
    return v && typeof v === 'object' ? v as Record<string, unknown> : undefined
  }

  function inlineOf(markup: Record<string, unknown> | undefined): InlineButton[][] {
    return Array.isArray(markup?.inline_keyboard) ? markup.inline_keyboard as InlineButton[][] : []
  }

  function addBotMessage(chatId: string, kind: BotMessage['kind'], params: Record<string, unknown>, text: string, fileId?: string): TgMessage {
    const c = chatOf(chatId)
    const markup = parseMarkup(params.reply_markup)
    const m: BotMessage = {
      messageId: ++c.lastId, kind, text, keyboard: inlineOf(markup), fileId, edits: 0,
      replyKeyboard: Array.isArray(markup?.keyboard) ? 'contact' : markup?.remove_keyboard ? 'removed' : undefined,
    }
    c.messages.push(m)
    return botMessageObject(chatId, m)
  }

  function sendMessage(params: Record<string, unknown>): FakeResponse {
    const chatId = String(params.chat_id)
    const failure = failures.find((f) => f.chatId === chatId || f.chatId === '*')
    if (failure) {
      if (--failure.left <= 0) failures.splice(failures.indexOf(failure), 1)
      stats.failed++
      return failure.response
    }
    const now = Date.now()
    while (recent.length && now - recent[0]!.at >= 1000) recent.shift()
    if (limit && ((limit.total !== undefined && recent.length >= limit.total) ||
        (limit.perChat !== undefined && recent.filter((r) => r.chatId === chatId).length >= limit.perChat))) {
      stats.tooMany++
      return telegramErrors.tooMany(1)
    }
    const text = String(params.text ?? '')
    if (!text.trim()) return apiError(400, 'Bad Request: message text is empty')
    recent.push({ chatId, at: now })
    sent.push({ chatId, text, parseMode: typeof params.parse_mode === 'string' ? params.parse_mode : undefined, at: now })
    stats.sent++
    return ok(addBotMessage(chatId, 'text', params, text))
  }

  methods.set('editMessageText', (params) => {
    const chatId = String(params.chat_id)
    const m = chats.get(chatId)?.messages.find((x) => x.messageId === Number(params.message_id))
    if (!m || m.kind !== 'text') return telegramErrors.editNotFound
    const text = String(params.text ?? '')
    const keyboard = inlineOf(parseMarkup(params.reply_markup))
    if (text === m.text && JSON.stringify(keyboard) === JSON.stringify(m.keyboard)) return telegramErrors.notModified
    m.text = text
    m.keyboard = keyboard
    m.edits++
    return { ...botMessageObject(chatId, m), edit_date: nowS() }
  })
  methods.set('sendPhoto', (p) => addBotMessage(String(p.chat_id), 'photo', p, String(p.caption ?? ''), String(p.photo)))
  methods.set('sendDocument', (p) => addBotMessage(String(p.chat_id), 'document', p, String(p.caption ?? ''), String(p.document)))
  methods.set('answerCallbackQuery', () => true)
  methods.set('setMyCommands', () => true)

  // --- webhook and updates
  let hook: { url: string; secretToken: string | undefined } | undefined
  methods.set('setWebhook', (p) => {
    hook = { url: String(p.url), secretToken: typeof p.secret_token === 'string' ? p.secret_token : undefined }
    return true
  })
  methods.set('deleteWebhook', (p) => {
    hook = undefined
    if (p.drop_pending_updates === true || p.drop_pending_updates === 'true') queue.length = 0
    return true
  })
  methods.set('getWebhookInfo', () => ({ url: hook?.url ?? '', has_custom_certificate: false, pending_update_count: queue.length }))

  const holds: Array<{ method: string; chatId: string; released: Promise<void> }> = []

  const queue: FakeUpdate[] = []
  // Telegram's update ids start anywhere; two fakes for one bot token must not repeat them
  // (the bot remembers handled ids per bot in bot_updates)
  let nextUpdateId = 1 + randomInt(1, 2_000_000) * 1000
  let nextQueryId = 1
  // the long poll in progress (Telegram serves one at a time)
  let waiter: { offset: number; max: number; wake: (r: FakeResponse) => void } | undefined

  function takeUpdates(offset: number, max: number): FakeUpdate[] {
    // an offset confirms every update before it: they are gone
    if (offset > 0) while (queue.length && queue[0]!.update_id < offset) queue.shift()
    return queue.slice(0, max)
  }

  async function getUpdates(params: Record<string, unknown>, res: ServerResponse): Promise<FakeResponse> {
    if (hook) return telegramErrors.webhookActive
    const offset = Number(params.offset ?? 0)
    const max = Math.min(100, Math.max(1, Number(params.limit ?? 100)))
    const timeout = Math.max(0, Number(params.timeout ?? 0))
    const ready = takeUpdates(offset, max)
    if (ready.length || timeout === 0) return ok(ready)
    // a newer request ends the older one, like Telegram
    waiter?.wake(telegramErrors.otherGetUpdates)
    return new Promise<FakeResponse>((resolve) => {
      const me = {
        offset, max,
        wake: (r: FakeResponse) => {
          clearTimeout(timer)
          if (waiter === me) waiter = undefined
          resolve(r)
        },
      }
      const timer = setTimeout(() => me.wake(ok(takeUpdates(offset, max))), timeout * 1000)
      waiter = me
      // the client gave up (a poller stopping): forget it
      res.once('close', () => me.wake(ok([])))
    })
  }

  function pushUpdate(...updates: FakeUpdate[]): void {
    queue.push(...updates)
    waiter?.wake(ok(takeUpdates(waiter.offset, waiter.max)))
  }

  // --- builders
  const userMessage = (chatId: number, extra: Record<string, unknown>, chatType: 'private' | 'group' = 'private'): FakeUpdate => {
    const chat: TgChat = chatType === 'private' ? privateChat(chatId) : { id: -Math.abs(chatId), type: 'group', title: 'Класс' }
    const message: TgMessage = { message_id: ++chatOf(chat.id).lastId, date: nowS(), chat, from: person(chatId), ...extra }
    return { update_id: nextUpdateId++, message }
  }
  const repliedTo = (chatId: number, messageId: number) => {
    const m = chats.get(String(chatId))?.messages.find((x) => x.messageId === messageId)
    return m ? botMessageObject(String(chatId), m) : { message_id: messageId, date: nowS(), chat: privateChat(chatId), from: bot, text: '' }
  }
  const updates: UpdateBuilders = {
    message: (chatId, text, o = {}) => userMessage(chatId, {
      text, ...(o.entities ? { entities: o.entities } : {}),
      ...(o.replyTo !== undefined ? { reply_to_message: repliedTo(chatId, o.replyTo) } : {}),
    }, o.chatType),
    command: (chatId, name, args, o = {}) => {
      const head = `/${name}${o.mention ? `@${bot.username}` : ''}`
      return userMessage(chatId, { text: args ? `${head} ${args}` : head, entities: [{ type: 'bot_command', offset: 0, length: head.length }] })
    },
    callback: (chatId, data, messageId) => ({
      update_id: nextUpdateId++,
      callback_query: {
        id: String(nextQueryId++), from: person(chatId), chat_instance: `ci${chatId}`, data,
        message: repliedTo(chatId, messageId),
      },
    }),
    contact: (chatId, phone, own = true) => userMessage(chatId, {
      contact: { phone_number: phone, first_name: 'Тест', ...(own ? { user_id: chatId } : {}) },
    }),
    photo: (chatId, fileId, caption) => userMessage(chatId, {
      photo: [
        { file_id: `${fileId}-small`, file_unique_id: `us${fileId}`, width: 90, height: 68 },
        { file_id: fileId, file_unique_id: `u${fileId}`, width: 1280, height: 960 },
      ],
      ...(caption ? { caption } : {}),
    }),
    document: (chatId, fileId, caption, fileName = 'document.pdf') => userMessage(chatId, {
      document: { file_id: fileId, file_unique_id: `u${fileId}`, file_name: fileName },
      ...(caption ? { caption } : {}),
    }),
    reply: (chatId, text, replyToMessageId) => userMessage(chatId, { text, reply_to_message: repliedTo(chatId, replyToMessageId) }),
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    stats.requests++
    const url = new URL(req.url ?? '/', 'http://fake')
    const match = /^\/bot([^/]+)\/(\w+)$/.exec(url.pathname)
    const params = { ...Object.fromEntries(url.searchParams), ...(await readBody(req)) }
    if (match) calls.push({ method: match[2]!, params, at: Date.now() })
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs))
    const held = holds.find((h) => h.method === match?.[2] && h.chatId === String(params.chat_id))
    if (held) {
      holds.splice(holds.indexOf(held), 1)
      await held.released
    }
    let answer: FakeResponse
    if (!match) answer = apiError(404, 'Not Found')
    else if (opts.token && match[1] !== opts.token) answer = apiError(401, 'Unauthorized')
    else if (match[2] === 'sendMessage' && !methods.has('sendMessage')) answer = sendMessage(params)
    else if (match[2] === 'getUpdates' && !methods.has('getUpdates')) answer = await getUpdates(params, res)
    else {
      const handler = methods.get(match[2]!)
      const result = handler ? await handler(params) : undefined
      answer = !handler ? apiError(404, 'Not Found: method not found') : isFakeResponse(result) ? result : ok(result)
    }
    if (res.destroyed || res.writableEnded) return
    const html = typeof answer.body === 'string'
    res.writeHead(answer.status, { 'content-type': html ? 'text/html' : 'application/json' })
    res.end(html ? answer.body : JSON.stringify(answer.body))
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent || res.destroyed) return
      res.writeHead(500, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ ok: false, error_code: 500, description: `fake: ${String(err)}` }))
    })
  })
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port

  return {
    apiRoot: `http://127.0.0.1:${port}`,
    token: opts.token,
    port,
    bot,
    sent,
    calls,
    counts: () => ({ ...stats }),
    failNext(chatId, response, times = 1) {
      failures.push({ chatId, response, left: times })
    },
    setRateLimit(l) {
      limit = l
    },
    setDelay(ms) {
      delayMs = ms
    },
    hold(method, chatId) {
      let release!: () => void
      holds.push({ method, chatId: String(chatId), released: new Promise<void>((r) => { release = r }) })
      return () => release()
    },
    onMethod(name, handler) {
      methods.set(name, handler)
    },
    updates,
    pushUpdate,
    pendingUpdates: () => queue.length,
    webhook: () => hook,
    messages: (chatId) => chats.get(String(chatId))?.messages ?? [],
    lastMessage: (chatId) => chats.get(String(chatId))?.messages.at(-1),
    async close() {
      waiter?.wake(ok([]))
      // clients keep connections alive; without this close() would wait for them
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

const ok = (result: unknown): FakeResponse => ({ status: 200, body: { ok: true, result } })

function isFakeResponse(v: unknown): v is FakeResponse {
  return typeof v === 'object' && v !== null && 'status' in v && 'body' in v
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  const raw = Buffer.concat(chunks).toString('utf8')
  if (!raw) return {}
  if ((req.headers['content-type'] ?? '').includes('json')) return JSON.parse(raw) as Record<string, unknown>
  return Object.fromEntries(new URLSearchParams(raw))
}
