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
 *
 * Supergroups (negative ids, like -1001234567890): `tg.group(id)` is the group's state, which the
 * group builders (`groupMessage`, `joinRequest`, `chatMember`…) and the bot's moderation calls
 * (deleteMessage, restrictChatMember, banChatMember, approveChatJoinRequest, getChatMember…)
 * change, answering with the Bot API's shapes and errors; every message in a group, the people's
 * and the bot's, is kept in `group(id).messages`. The bot must be in the group with the rights a
 * call needs (an administrator by default), else the call fails as on Telegram.
 *
 * Like Telegram, getUpdates and setWebhook remember `allowed_updates`: an update of a kind the
 * bot did not ask for is never delivered (it lands in `dropped`); without the parameter, every
 * kind but chat_member.
 *
 * Files the bot uploads (multipart/form-data, as grammY sends an `InputFile`: the field holds
 * `attach://<part>`, or the file part is the field itself) are kept in `uploads` with a file_id
 * the fake makes up; the method sees that file_id in place of the file, so the bot's
 * document message names it: `tg.file(tg.lastMessage(chat)!.fileId!)!.content` is the bytes.
 */
import { randomBytes, randomInt } from 'node:crypto'
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
type TgChat = { id: number; type: 'private' | 'group' | 'supergroup'; first_name?: string; title?: string; is_forum?: boolean }
type TgMessage = { message_id: number; date: number; chat: TgChat; from?: TgUser; [k: string]: unknown }
export type FakeUpdate = {
  update_id: number
  message?: TgMessage
  edited_message?: TgMessage
  callback_query?: Record<string, unknown>
  chat_join_request?: Record<string, unknown>
  chat_member?: Record<string, unknown>
  my_chat_member?: Record<string, unknown>
}

export type MethodHandler = (params: Record<string, unknown>) => unknown

/** A file the bot uploaded in a multipart request. */
export interface UploadedFile {
  /** the file_id the fake gave it (what the method and the bot's message carry) */
  readonly fileId: string
  readonly method: string
  readonly chatId: string
  /** the parameter it was sent as (document, photo…) */
  readonly field: string
  readonly filename: string
  readonly contentType: string | undefined
  readonly content: Buffer
}

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

  // --- a supergroup (negative id); a person who writes there becomes a 'member' if unknown
  /** a person's message in a group; `threadId` for a forum topic (sets message_thread_id and is_topic_message) */
  groupMessage(groupId: number, userId: number, text: string, opts?: {
    threadId?: number; firstName?: string
    /** a message id in that group: reply_to_message is filled from the group's messages */
    replyTo?: number
    entities?: object[]
  }): FakeUpdate
  /** `/name args` in a group, with a bot_command entity; `mention` adds @bot */
  groupCommand(groupId: number, userId: number, name: string, args?: string, opts?: {
    replyTo?: number; threadId?: number; mention?: boolean; firstName?: string
  }): FakeUpdate
  /** the author edits their group message (an edited_message update) */
  groupEdit(groupId: number, messageId: number, newText: string): FakeUpdate
  /** a photo with a caption in a group */
  groupPhoto(groupId: number, userId: number, fileId: string, caption?: string, opts?: { threadId?: number }): FakeUpdate
  /** a chat_join_request (user_chat_id = userId), through `inviteLink` when given (one the bot created) */
  joinRequest(groupId: number, userId: number, opts?: { firstName?: string; inviteLink?: string }): FakeUpdate
  /** chat_member: the member's status goes from → to ('member' | 'left' | 'kicked' | 'restricted' | 'administrator') */
  chatMember(groupId: number, userId: number, from: string, to: string): FakeUpdate
  /** my_chat_member: byUserId changed the bot's status (to 'administrator' with `rights`, or 'member', 'left', 'kicked') */
  myChatMember(groupId: number, byUserId: number, from: string, to: string, rights?: Record<string, boolean>): FakeUpdate
}

/** A person in a group, as Telegram would report them. */
export interface GroupMember {
  /** 'member' | 'restricted' | 'kicked' | 'left' | 'administrator' | 'creator' */
  status: string
  /** restricted or banned until (unix seconds, as the bot sent it); none: for ever */
  untilDate?: number
  /** a restricted member's ChatPermissions, every field present */
  permissions?: Record<string, boolean>
  /** false for a restricted person who is not in the group (Telegram keeps restrictions of non-members) */
  isMember?: boolean
}

/** A message in a group, a person's or the bot's. */
export interface GroupMessage {
  readonly messageId: number
  readonly fromId: number
  /** the text, or a photo's caption */
  text: string
  readonly threadId?: number
  deleted: boolean
  readonly byBot: boolean
  readonly kind: 'text' | 'photo' | 'document'
  readonly fileId?: string
  /** the message it replies to */
  readonly replyTo?: number
  readonly date: number
}

/** The bot's own status and administrator rights in a group (can_delete_messages…). */
export type BotRights = { status: string; [right: string]: string | boolean }

/** A supergroup as the fake keeps it: the builders and the bot's calls change it, tests read it. */
export interface FakeGroup {
  readonly id: number
  title: string
  isForum: boolean
  /** user id → their status */
  members: Map<number, GroupMember>
  /** join requests waiting: user ids */
  pendingRequests: Set<number>
  /** message ids the bot deleted, in order */
  deleted: number[]
  /** the group's messages, oldest first; deleted ones stay with deleted = true */
  messages: GroupMessage[]
  /** what getChatMember answers for the bot; default an administrator that can delete, restrict, invite and pin */
  botRights: BotRights
  /** the links createChatInviteLink made, in order */
  inviteLinks: Array<{ link: string; name: string | undefined; createsJoinRequest: boolean }>
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
  /** a supergroup's state, created on first use (title 'Класс', not a forum); opts update it */
  group(groupId: number, opts?: { title?: string; isForum?: boolean }): FakeGroup
  /** whether the person may write in the group now (a member, an administrator, or restricted with can_send_messages) */
  canPost(groupId: number, userId: number): boolean
  /** updates never delivered: their kind was not in the bot's allowed_updates */
  readonly dropped: FakeUpdate[]
  /** every file the bot uploaded, in arrival order (rejected calls too) */
  readonly uploads: UploadedFile[]
  /** an uploaded file by the file_id the fake gave it */
  file(fileId: string): UploadedFile | undefined
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
  // (and the ids deleteMessage removed)
  const chats = new Map<string, { lastId: number; messages: BotMessage[]; deleted: Set<number> }>()
  const chatOf = (chatId: string | number) => {
    const key = String(chatId)
    let c = chats.get(key)
    if (!c) chats.set(key, (c = { lastId: 0, messages: [], deleted: new Set() }))
    return c
  }
  const nowS = () => Math.floor(Date.now() / 1000)
  const privateChat = (id: number): TgChat => ({ id, type: 'private', first_name: 'Тест' })
  // a person has one name everywhere; 'Тест' unless a group builder gave another
  const names = new Map<number, string>()
  const person = (id: number): TgUser => ({ id, is_bot: false, first_name: names.get(id) ?? 'Тест' })

  // --- supergroups
  const groups = new Map<number, FakeGroup>()
  function group(id: number, o: { title?: string; isForum?: boolean } = {}): FakeGroup {
    if (!(id < 0)) throw new Error(`fake Telegram: a group id is negative, got ${id}`)
    let g = groups.get(id)
    if (!g) {
      groups.set(id, g = {
        id, title: 'Класс', isForum: false, members: new Map(), pendingRequests: new Set(), deleted: [], messages: [],
        botRights: { status: 'administrator', can_delete_messages: true, can_restrict_members: true, can_invite_users: true, can_pin_messages: true },
        inviteLinks: [],
      })
    }
    if (o.title !== undefined) g.title = o.title
    if (o.isForum !== undefined) g.isForum = o.isForum
    return g
  }
  const groupChat = (g: FakeGroup): TgChat => ({ id: g.id, type: 'supergroup', title: g.title, ...(g.isForum ? { is_forum: true } : {}) })
  const photoSizes = (fileId: string) => [
    { file_id: `${fileId}-small`, file_unique_id: `us${fileId}`, width: 90, height: 68 },
    { file_id: fileId, file_unique_id: `u${fileId}`, width: 1280, height: 960 },
  ]
  function groupMessageOf(g: FakeGroup, messageId: number): GroupMessage {
    const m = g.messages.find((x) => x.messageId === messageId)
    if (!m) throw new Error(`fake Telegram: no message ${messageId} in group ${g.id}`)
    return m
  }
  /** A group message as the Bot API shows it; a reply_to_message inside carries no reply of its own. */
  function groupMessageObject(g: FakeGroup, m: GroupMessage, withReply = true): TgMessage {
    const replied = withReply && m.replyTo !== undefined ? g.messages.find((x) => x.messageId === m.replyTo) : undefined
    return {
      message_id: m.messageId, date: m.date, chat: groupChat(g), from: m.byBot ? bot : person(m.fromId),
      ...(m.threadId !== undefined ? { message_thread_id: m.threadId, is_topic_message: true } : {}),
      ...(m.kind === 'text' ? { text: m.text } : m.text ? { caption: m.text } : {}),
      ...(m.kind === 'photo' ? { photo: photoSizes(m.fileId ?? '') } : {}),
      ...(m.kind === 'document' ? { document: { file_id: m.fileId, file_unique_id: `u${m.fileId}` } } : {}),
      ...(replied ? { reply_to_message: groupMessageObject(g, replied, false) } : {}),
    }
  }

  function botMessageObject(chatId: string, m: BotMessage): TgMessage {
    const id = Number(chatId)
    const g = id < 0 ? groups.get(id) : undefined
    const inGroup = g?.messages.find((x) => x.byBot && x.messageId === m.messageId)
    if (g && inGroup) {
      return { ...groupMessageObject(g, inGroup), ...(m.keyboard.length ? { reply_markup: { inline_keyboard: m.keyboard } } : {}) }
    }
    return {
      message_id: m.messageId, date: nowS(), chat: privateChat(Number.isNaN(id) ? 0 : id), from: bot,
      ...(m.kind === 'text' ? { text: m.text } : {}),
      ...(m.kind === 'photo' ? { photo: [{ file_id: m.fileId, file_unique_id: `u${m.fileId}`, width: 1280, height: 960 }] } : {}),
      ...(m.kind === 'document' ? { document: { file_id: m.fileId, file_unique_id: `u${m.fileId}` } } : {}),
      ...(m.keyboard.length ? { reply_markup: { inline_keyboard: m.keyboard } } : {}),
    }
  }

  /** an object parameter: JSON in a form body, an object in a JSON body */
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
    if (Number(chatId) < 0) {
      const replyTo = replyTarget(params)
      group(Number(chatId)).messages.push({
        messageId: m.messageId, fromId: bot.id, text, deleted: false, byBot: true, kind, date: nowS(),
        ...(params.message_thread_id !== undefined ? { threadId: Number(params.message_thread_id) } : {}),
        ...(fileId !== undefined ? { fileId } : {}),
        ...(replyTo !== undefined ? { replyTo } : {}),
      })
    }
    return botMessageObject(chatId, m)
  }

  /** the message a send replies to: reply_parameters (an object or JSON) or the older reply_to_message_id */
  function replyTarget(params: Record<string, unknown>): number | undefined {
    const rp = parseMarkup(params.reply_parameters)
    const id = rp?.message_id ?? params.reply_to_message_id
    return id === undefined ? undefined : Number(id)
  }

  /** Why Telegram would refuse the bot's message to a group: it is not there, or the reply's target is gone. */
  function refusedInGroup(chatId: string, params: Record<string, unknown>): FakeResponse | undefined {
    const id = Number(chatId)
    if (!(id < 0)) return undefined
    const g = group(id)
    const absent = botAbsent(g)
    if (absent) return absent
    const target = replyTarget(params)
    if (target === undefined) return undefined
    const allow = parseMarkup(params.reply_parameters)?.allow_sending_without_reply ?? params.allow_sending_without_reply
    if (!g.messages.some((x) => x.messageId === target && !x.deleted) && !isTrue(allow)) {
      return apiError(400, 'Bad Request: message to be replied not found')
    }
    return undefined
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
    const refused = refusedInGroup(chatId, params)
    if (refused) return refused
    recent.push({ chatId, at: now })
    sent.push({ chatId, text, parseMode: typeof params.parse_mode === 'string' ? params.parse_mode : undefined, at: now })
    stats.sent++
    return ok(addBotMessage(chatId, 'text', params, text))
  }

  methods.set('editMessageText', (params) => {
    const chatId = String(params.chat_id)
    const c = chats.get(chatId)
    const m = c?.messages.find((x) => x.messageId === Number(params.message_id))
    if (!m || m.kind !== 'text' || c?.deleted.has(m.messageId)) return telegramErrors.editNotFound
    const text = String(params.text ?? '')
    const keyboard = inlineOf(parseMarkup(params.reply_markup))
    if (text === m.text && JSON.stringify(keyboard) === JSON.stringify(m.keyboard)) return telegramErrors.notModified
    const inGroup = groups.get(Number(chatId))?.messages.find((x) => x.byBot && x.messageId === m.messageId)
    if (inGroup) inGroup.text = text
    m.text = text
    m.keyboard = keyboard
    m.edits++
    return { ...botMessageObject(chatId, m), edit_date: nowS() }
  })
  methods.set('sendPhoto', (p) => refusedInGroup(String(p.chat_id), p) ?? addBotMessage(String(p.chat_id), 'photo', p, String(p.caption ?? ''), String(p.photo)))
  methods.set('sendDocument', (p) => refusedInGroup(String(p.chat_id), p) ?? addBotMessage(String(p.chat_id), 'document', p, String(p.caption ?? ''), String(p.document)))
  methods.set('answerCallbackQuery', () => true)
  methods.set('setMyCommands', () => true)

  // --- webhook and updates
  let hook: { url: string; secretToken: string | undefined } | undefined
  // the kinds of update the bot asked for (getUpdates or setWebhook; kept until it asks again)
  let allowed: Set<string> | undefined
  const dropped: FakeUpdate[] = []
  function rememberAllowed(v: unknown): void {
    const list = typeof v === 'string' ? JSON.parse(v) as unknown : v
    if (Array.isArray(list)) allowed = list.length ? new Set(list.map(String)) : undefined
  }
  // Telegram's default (and an empty list): every kind but chat_member and reactions
  const delivered = (u: FakeUpdate) => {
    const kind = Object.keys(u).find((k) => k !== 'update_id') ?? ''
    return allowed ? allowed.has(kind) : !['chat_member', 'message_reaction', 'message_reaction_count'].includes(kind)
  }
  methods.set('setWebhook', (p) => {
    hook = { url: String(p.url), secretToken: typeof p.secret_token === 'string' ? p.secret_token : undefined }
    rememberAllowed(p.allowed_updates)
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
    // kinds the bot did not ask for never reach it
    if (!queue.every(delivered)) {
      dropped.push(...queue.filter((u) => !delivered(u)))
      queue.splice(0, queue.length, ...queue.filter(delivered))
    }
    return queue.slice(0, max)
  }

  async function getUpdates(params: Record<string, unknown>, res: ServerResponse): Promise<FakeResponse> {
    if (hook) return telegramErrors.webhookActive
    rememberAllowed(params.allowed_updates)
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

    groupMessage: (groupId, userId, text, o = {}) => groupUpdate(groupId, userId, { kind: 'text', text, ...o }),
    groupCommand: (groupId, userId, name, args, o = {}) => {
      const head = `/${name}${o.mention ? `@${bot.username}` : ''}`
      return groupUpdate(groupId, userId, {
        kind: 'text', text: args ? `${head} ${args}` : head, ...o,
        entities: [{ type: 'bot_command', offset: 0, length: head.length }],
      })
    },
    groupEdit: (groupId, messageId, newText) => {
      const g = group(groupId)
      const m = groupMessageOf(g, messageId)
      if (m.byBot || m.deleted) throw new Error(`fake Telegram: message ${messageId} in group ${groupId} is the bot's or deleted`)
      m.text = newText
      return { update_id: nextUpdateId++, edited_message: { ...groupMessageObject(g, m), edit_date: nowS() } }
    },
    groupPhoto: (groupId, userId, fileId, caption, o = {}) =>
      groupUpdate(groupId, userId, { kind: 'photo', text: caption ?? '', fileId, ...o }),
    joinRequest: (groupId, userId, o = {}) => {
      const g = group(groupId)
      if (o.firstName !== undefined) names.set(userId, o.firstName)
      let link: FakeGroup['inviteLinks'][number] | undefined
      if (o.inviteLink !== undefined) {
        link = g.inviteLinks.find((l) => l.link === o.inviteLink)
        if (!link) throw new Error(`fake Telegram: the bot made no invite link ${o.inviteLink} for group ${groupId}`)
      }
      g.pendingRequests.add(userId)
      return {
        update_id: nextUpdateId++,
        chat_join_request: {
          chat: groupChat(g), from: person(userId), user_chat_id: userId, date: nowS(),
          ...(link ? { invite_link: inviteLinkObject(link) } : {}),
        },
      }
    },
    chatMember: (groupId, userId, from, to) => {
      const g = group(groupId)
      const before = chatMemberObject(person(userId), { status: from })
      const after: GroupMember = to === 'restricted'
        ? { status: to, permissions: g.members.get(userId)?.permissions ?? fullPermissions({}), isMember: true }
        : { status: to }
      g.members.set(userId, after)
      if (to === 'member' || to === 'administrator' || to === 'kicked') g.pendingRequests.delete(userId)
      return { update_id: nextUpdateId++, chat_member: memberUpdate(g, userId, before, chatMemberObject(person(userId), after)) }
    },
    myChatMember: (groupId, byUserId, from, to, rights) => {
      const g = group(groupId)
      const before = chatMemberObject(bot, { status: from }, g.botRights)
      const { status: _was, ...kept } = g.botRights
      g.botRights = { ...(rights ?? kept), status: to }
      return { update_id: nextUpdateId++, my_chat_member: memberUpdate(g, byUserId, before, chatMemberObject(bot, { status: to }, g.botRights)) }
    },
  }

  /** A person's message in a group: kept in the group's messages; an unknown writer becomes a member. */
  function groupUpdate(groupId: number, userId: number, o: {
    kind: GroupMessage['kind']; text: string; fileId?: string; threadId?: number; replyTo?: number
    firstName?: string; entities?: object[]
  }): FakeUpdate {
    const g = group(groupId)
    if (o.firstName !== undefined) names.set(userId, o.firstName)
    if (!g.members.has(userId)) g.members.set(userId, { status: 'member' })
    if (o.replyTo !== undefined) groupMessageOf(g, o.replyTo)
    const m: GroupMessage = {
      messageId: ++chatOf(groupId).lastId, fromId: userId, text: o.text, deleted: false, byBot: false, kind: o.kind, date: nowS(),
      ...(o.threadId !== undefined ? { threadId: o.threadId } : {}),
      ...(o.fileId !== undefined ? { fileId: o.fileId } : {}),
      ...(o.replyTo !== undefined ? { replyTo: o.replyTo } : {}),
    }
    g.messages.push(m)
    return { update_id: nextUpdateId++, message: { ...groupMessageObject(g, m), ...(o.entities ? { entities: o.entities } : {}) } }
  }

  const memberUpdate = (g: FakeGroup, byUserId: number, before: object, after: object) =>
    ({ chat: groupChat(g), from: person(byUserId), date: nowS(), old_chat_member: before, new_chat_member: after })

  const inviteLinkObject = (l: FakeGroup['inviteLinks'][number]) => ({
    invite_link: l.link, creator: bot, creates_join_request: l.createsJoinRequest, is_primary: false, is_revoked: false,
    ...(l.name !== undefined ? { name: l.name } : {}),
  })

  // --- the bot's calls on a group
  const isAdmin = (m: GroupMember | undefined) => m?.status === 'administrator' || m?.status === 'creator'
  const botCan = (g: FakeGroup, right: string) => g.botRights.status === 'administrator' && g.botRights[right] === true

  function botAbsent(g: FakeGroup): FakeResponse | undefined {
    if (g.botRights.status === 'kicked') return apiError(403, 'Forbidden: bot was kicked from the supergroup chat')
    if (g.botRights.status === 'left') return apiError(403, 'Forbidden: bot is not a member of the supergroup chat')
    return undefined
  }

  /** the group a moderation call names, or Telegram's refusal */
  function targetGroup(p: Record<string, unknown>): FakeGroup | FakeResponse {
    const id = Number(p.chat_id)
    if (id > 0) return apiError(400, 'Bad Request: method is available only for supergroups')
    const g = groups.get(id)
    return !g ? telegramErrors.chatNotFound : botAbsent(g) ?? g
  }

  const cantRestrict = apiError(400, 'Bad Request: not enough rights to restrict/unrestrict chat member')
  const isAdminError = apiError(400, 'Bad Request: user is an administrator of the chat')
  const requestMissing = apiError(400, 'Bad Request: HIDE_REQUESTER_MISSING')
  const deleteNotFound = apiError(400, 'Bad Request: message to delete not found')

  methods.set('deleteMessage', (p) => {
    const messageId = Number(p.message_id)
    if (Number(p.chat_id) > 0) {
      // a private chat: any message in it the bot can delete, once
      const c = chats.get(String(Number(p.chat_id)))
      if (!c || !(messageId >= 1 && messageId <= c.lastId) || c.deleted.has(messageId)) return deleteNotFound
      c.deleted.add(messageId)
      return true
    }
    const g = targetGroup(p)
    if (isFakeResponse(g)) return g
    const m = g.messages.find((x) => x.messageId === messageId)
    if (!m || m.deleted) return deleteNotFound
    if (!m.byBot && !botCan(g, 'can_delete_messages')) return apiError(400, "Bad Request: message can't be deleted")
    m.deleted = true
    g.deleted.push(messageId)
    chatOf(g.id).deleted.add(messageId)
    return true
  })

  methods.set('restrictChatMember', (p) => {
    const g = targetGroup(p)
    if (isFakeResponse(g)) return g
    if (!botCan(g, 'can_restrict_members')) return cantRestrict
    const userId = Number(p.user_id)
    const was = g.members.get(userId)
    if (isAdmin(was)) return isAdminError
    const permissions = fullPermissions(parseMarkup(p.permissions) ?? {}, isTrue(p.use_independent_chat_permissions))
    const isMember = was ? was.status === 'member' || (was.status === 'restricted' && was.isMember !== false) : false
    if (SENDING.every((k) => permissions[k])) {
      // nothing left to restrict: an ordinary member again (or nobody, for a non-member)
      g.members.set(userId, { status: isMember ? 'member' : 'left' })
    } else {
      g.members.set(userId, {
        status: 'restricted', permissions, isMember,
        ...(p.until_date !== undefined && Number(p.until_date) > 0 ? { untilDate: Number(p.until_date) } : {}),
      })
    }
    return true
  })

  methods.set('banChatMember', (p) => {
    const g = targetGroup(p)
    if (isFakeResponse(g)) return g
    if (!botCan(g, 'can_restrict_members')) return cantRestrict
    const userId = Number(p.user_id)
    if (isAdmin(g.members.get(userId))) return isAdminError
    g.members.set(userId, {
      status: 'kicked', ...(p.until_date !== undefined && Number(p.until_date) > 0 ? { untilDate: Number(p.until_date) } : {}),
    })
    // (revoke_messages only takes the chat's history from the banned person: their messages stay)
    g.pendingRequests.delete(userId)
    return true
  })

  methods.set('unbanChatMember', (p) => {
    const g = targetGroup(p)
    if (isFakeResponse(g)) return g
    if (!botCan(g, 'can_restrict_members')) return cantRestrict
    const userId = Number(p.user_id)
    const was = g.members.get(userId)
    if (isTrue(p.only_if_banned) && was?.status !== 'kicked') return true
    if (isAdmin(was)) return isAdminError
    // without only_if_banned a member is removed too
    if (was) g.members.set(userId, { status: 'left' })
    return true
  })

  const joinRequestCall = (approve: boolean): MethodHandler => (p) => {
    const g = targetGroup(p)
    if (isFakeResponse(g)) return g
    if (!botCan(g, 'can_invite_users')) return apiError(400, 'Bad Request: CHAT_ADMIN_REQUIRED')
    const userId = Number(p.user_id)
    if (!g.pendingRequests.delete(userId)) return requestMissing
    if (approve) g.members.set(userId, { status: 'member' })
    return true
  }
  methods.set('approveChatJoinRequest', joinRequestCall(true))
  methods.set('declineChatJoinRequest', joinRequestCall(false))

  methods.set('getChatMember', (p) => {
    const g = targetGroup(p)
    if (isFakeResponse(g)) return g
    const userId = Number(p.user_id)
    if (userId === bot.id) return chatMemberObject(bot, { status: g.botRights.status }, g.botRights)
    return chatMemberObject(person(userId), g.members.get(userId) ?? { status: 'left' })
  })

  methods.set('getChat', (p) => {
    const g = targetGroup(p)
    if (isFakeResponse(g)) return g
    return { id: g.id, type: 'supergroup', title: g.title, is_forum: g.isForum, accent_color_id: 0, max_reaction_count: 11 }
  })

  methods.set('createChatInviteLink', (p) => {
    const g = targetGroup(p)
    if (isFakeResponse(g)) return g
    if (!botCan(g, 'can_invite_users')) return apiError(400, 'Bad Request: not enough rights to manage chat invite link')
    const link = {
      link: `https://t.me/+fake${randomBytes(9).toString('base64url')}`,
      name: typeof p.name === 'string' ? p.name : undefined,
      createsJoinRequest: isTrue(p.creates_join_request),
    }
    g.inviteLinks.push(link)
    return {
      ...inviteLinkObject(link),
      ...(p.expire_date !== undefined ? { expire_date: Number(p.expire_date) } : {}),
      ...(p.member_limit !== undefined ? { member_limit: Number(p.member_limit) } : {}),
    }
  })

  function canPost(groupId: number, userId: number): boolean {
    const m = groups.get(groupId)?.members.get(userId)
    if (m?.status === 'member' || isAdmin(m)) return true
    return m?.status === 'restricted' && m.isMember !== false && m.permissions?.can_send_messages === true
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    stats.requests++
    const url = new URL(req.url ?? '/', 'http://fake')
    const match = /^\/bot([^/]+)\/(\w+)$/.exec(url.pathname)
    const body = await readBody(req)
    const params: Record<string, unknown> = { ...Object.fromEntries(url.searchParams), ...body.params }
    // an uploaded file becomes a file_id, as if it had been on Telegram's servers already
    for (const [field, f] of Object.entries(body.files)) {
      const fileId = `upload-${uploads.length + 1}-${randomBytes(6).toString('hex')}`
      uploads.push({ fileId, method: match?.[2] ?? '', chatId: String(params.chat_id), field, ...f })
      params[field] = fileId
    }
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

  const uploads: UploadedFile[] = []

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
    group,
    canPost,
    dropped,
    uploads,
    file: (fileId) => uploads.find((u) => u.fileId === fileId),
    async close() {
      waiter?.wake(ok([]))
      // clients keep connections alive; without this close() would wait for them
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

const ok = (result: unknown): FakeResponse => ({ status: 200, body: { ok: true, result } })

/** a boolean parameter: true in a JSON body, 'true' in a form */
const isTrue = (v: unknown) => v === true || v === 'true'

/** ChatPermissions' sending rights: with all of them a restricted member is a member again */
const SENDING = [
  'can_send_messages', 'can_send_audios', 'can_send_documents', 'can_send_photos', 'can_send_videos',
  'can_send_video_notes', 'can_send_voice_notes', 'can_send_polls', 'can_send_other_messages', 'can_add_web_page_previews',
] as const
const PERMISSIONS = [...SENDING, 'can_change_info', 'can_invite_users', 'can_pin_messages', 'can_manage_topics'] as const
const ADMIN_RIGHTS = [
  'can_manage_chat', 'can_delete_messages', 'can_manage_video_chats', 'can_restrict_members', 'can_promote_members',
  'can_change_info', 'can_invite_users', 'can_post_stories', 'can_edit_stories', 'can_delete_stories',
  'can_pin_messages', 'can_manage_topics',
] as const

/**
 * ChatPermissions with every field (an omitted one is false). Unless they are independent, other
 * messages and link previews imply the media and text rights, and polls imply text, as the Bot API says.
 */
function fullPermissions(given: Record<string, unknown>, independent = false): Record<string, boolean> {
  const p: Record<string, boolean> = Object.fromEntries(PERMISSIONS.map((k) => [k, given[k] === true]))
  if (!independent) {
    if (p.can_send_other_messages || p.can_add_web_page_previews) {
      for (const k of ['can_send_messages', 'can_send_audios', 'can_send_documents', 'can_send_photos', 'can_send_videos',
        'can_send_video_notes', 'can_send_voice_notes']) p[k] = true
    }
    if (p.can_send_polls) p.can_send_messages = true
  }
  return p
}

/** A ChatMember object of the kind its status names. */
function chatMemberObject(user: object, m: GroupMember, rights?: Record<string, unknown>): Record<string, unknown> {
  switch (m.status) {
    case 'creator':
      return { status: 'creator', user, is_anonymous: false }
    case 'administrator': {
      const given = rights ?? m.permissions ?? {}
      return {
        status: 'administrator', user, can_be_edited: false, is_anonymous: false,
        ...Object.fromEntries(ADMIN_RIGHTS.map((k) => [k, k === 'can_manage_chat' || given[k] === true])),
      }
    }
    case 'restricted':
      return { status: 'restricted', user, is_member: m.isMember !== false, ...(m.permissions ?? fullPermissions({})), until_date: m.untilDate ?? 0 }
    case 'kicked':
      return { status: 'kicked', user, until_date: m.untilDate ?? 0 }
    default:
      return { status: m.status, user }
  }
}

function isFakeResponse(v: unknown): v is FakeResponse {
  return typeof v === 'object' && v !== null && 'status' in v && 'body' in v
}

type FilePart = Pick<UploadedFile, 'filename' | 'contentType' | 'content'>

/** The request's parameters (JSON, a form, or multipart fields) and its files by parameter name. */
async function readBody(req: IncomingMessage): Promise<{ params: Record<string, unknown>; files: Record<string, FilePart> }> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  const body = Buffer.concat(chunks)
  const type = req.headers['content-type'] ?? ''
  if (!body.length) return { params: {}, files: {} }
  const boundary = /^multipart\/form-data;.*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(type)
  if (boundary) return readMultipart(body, boundary[1] ?? boundary[2]!)
  const raw = body.toString('utf8')
  if (type.includes('json')) return { params: JSON.parse(raw) as Record<string, unknown>, files: {} }
  return { params: Object.fromEntries(new URLSearchParams(raw)), files: {} }
}

/**
 * multipart/form-data as clients write it. Node's own parser (Response.formData) refuses
 * grammY's headers (`content-disposition:form-data;name="x"`, an unquoted filename), so the
 * parts are split here, leniently. A field `attach://<name>` refers to the file part <name>.
 */
function readMultipart(body: Buffer, boundary: string): { params: Record<string, unknown>; files: Record<string, FilePart> } {
  const delimiter = Buffer.from(`--${boundary}`)
  const fields: Record<string, string> = {}
  const parts: Record<string, FilePart> = {}
  let at = body.indexOf(delimiter)
  while (at !== -1) {
    let start = at + delimiter.length
    if (body[start] === 0x2d && body[start + 1] === 0x2d) break // the closing delimiter
    if (body[start] === 0x0d && body[start + 1] === 0x0a) start += 2
    const next = body.indexOf(delimiter, start)
    if (next === -1) break
    // the line break before a delimiter belongs to the delimiter
    const end = body[next - 2] === 0x0d && body[next - 1] === 0x0a ? next - 2 : next
    const part = body.subarray(start, end)
    const split = part.indexOf('\r\n\r\n')
    const head = part.subarray(0, split === -1 ? 0 : split).toString('utf8')
    const content = part.subarray(split === -1 ? 0 : split + 4)
    const disposition = /^content-disposition\s*:(.*)$/im.exec(head)?.[1] ?? ''
    const name = /(?:^|;)\s*name="?([^";]*)"?/i.exec(disposition)?.[1]
    const filename = /(?:^|;)\s*filename="?([^";\r\n]*)"?/i.exec(disposition)?.[1]
    const contentType = /^content-type\s*:\s*(.*)$/im.exec(head)?.[1]?.trim()
    if (name !== undefined) {
      if (filename !== undefined) parts[name] = { filename: filename.trim(), contentType, content: Buffer.from(content) }
      else fields[name] = content.toString('utf8')
    }
    at = next
  }
  const files: Record<string, FilePart> = {}
  const params: Record<string, unknown> = { ...fields }
  for (const [field, value] of Object.entries(fields)) {
    const ref = /^attach:\/\/(.+)$/.exec(value)?.[1]
    const file = ref !== undefined ? parts[ref] : undefined
    if (file) {
      files[field] = file
      delete parts[ref!]
    }
  }
  // file parts named as the parameter itself (the older way, telegraf's)
  for (const [field, file] of Object.entries(parts)) files[field] = file
  return { params, files }
}
