/**
 * A Telegram update → the conversation layer's Incoming, shared by the grammY runtime and the
 * telegraf adapter. Only private chats are ours here (groups and channels are moderated by a
 * later feature): anything else, and anything the bot does not read (stickers, voice, edits,
 * membership changes), is null, so the telegraf adapter can pass it on to the school's own bot.
 *
 * The update is typed structurally with just the fields read, so both libraries' typings fit.
 */
import type { ChatFile, Incoming } from '../conversation/types.ts'

export interface TgUser { readonly id: number; readonly is_bot: boolean; readonly first_name?: string }
export interface TgChat { readonly id: number; readonly type: string; readonly title?: string; readonly is_forum?: boolean }
interface TgEntity { readonly type: string; readonly offset: number; readonly length: number }
interface TgPhotoSize { readonly file_id: string; readonly width: number; readonly height: number; readonly file_size?: number }

export interface TgMessage {
  readonly message_id: number
  readonly chat: TgChat
  readonly from?: TgUser
  readonly text?: string
  readonly entities?: readonly TgEntity[]
  readonly caption?: string
  readonly photo?: readonly TgPhotoSize[]
  readonly document?: { readonly file_id: string; readonly file_name?: string }
  readonly contact?: { readonly phone_number: string; readonly user_id?: number }
  readonly reply_to_message?: {
    readonly message_id: number
    readonly from?: TgUser
    readonly text?: string
    readonly caption?: string
    readonly message_thread_id?: number
  }
  /** groups: the forum topic, and whether the message is in one */
  readonly message_thread_id?: number
  readonly is_topic_message?: boolean
  readonly date?: number
  /** groups: posted on behalf of a chat (an anonymous admin, a linked channel) */
  readonly sender_chat?: TgChat
  readonly new_chat_members?: readonly TgUser[]
}

/** A ChatMember as the Bot API reports it (only what is read). */
export interface TgChatMember {
  readonly status: string
  readonly user: TgUser
}

export interface TgUpdate {
  readonly update_id: number
  readonly message?: TgMessage
  readonly edited_message?: TgMessage
  readonly chat_join_request?: { readonly chat: TgChat; readonly from: TgUser; readonly user_chat_id?: number; readonly date: number }
  readonly chat_member?: {
    readonly chat: TgChat; readonly from: TgUser; readonly date: number
    readonly old_chat_member: TgChatMember; readonly new_chat_member: TgChatMember
  }
  readonly my_chat_member?: {
    readonly chat: TgChat; readonly from: TgUser; readonly date: number
    readonly old_chat_member: TgChatMember; readonly new_chat_member: TgChatMember
  }
  readonly callback_query?: {
    readonly id: string
    readonly from: TgUser
    readonly data?: string
    readonly message?: { readonly message_id: number; readonly chat: TgChat }
  }
}

/** The private chat an update belongs to, for per-chat ordering; undefined for anything else. */
export function privateChatOf(update: TgUpdate): string | undefined {
  const chat = update.message?.chat ?? update.callback_query?.message?.chat
  return chat?.type === 'private' ? String(chat.id) : undefined
}

/** The group an update belongs to (a message, an edit, a join request, a membership change); undefined otherwise. */
export function groupChatOf(update: TgUpdate): TgChat | undefined {
  const chat = (update.message ?? update.edited_message ?? update.chat_join_request ?? update.chat_member ?? update.my_chat_member)?.chat
  return chat && (chat.type === 'supergroup' || chat.type === 'group') ? chat : undefined
}

/** The key that keeps one chat's updates in order: the private chat or the group. */
export function chatKeyOf(update: TgUpdate): string | undefined {
  return privateChatOf(update) ?? (groupChatOf(update) ? String(groupChatOf(update)!.id) : undefined)
}

export function toIncoming(update: TgUpdate): Incoming | null {
  if (update.callback_query) {
    const q = update.callback_query
    // a game's button carries no data; an inline-mode message has no chat
    if (q.data === undefined || !q.message || q.message.chat.type !== 'private') return null
    return { platform: 'telegram', chatId: String(q.message.chat.id), messageId: q.message.message_id, button: q.data }
  }
  const m = update.message
  if (!m || m.chat.type !== 'private' || !m.from || m.from.is_bot) return null

  const base = {
    platform: 'telegram' as const,
    chatId: String(m.chat.id),
    messageId: m.message_id,
    // only a reply to the bot's own message points at something the bot said (a thread message)
    ...(m.reply_to_message?.from?.is_bot ? { replyTo: m.reply_to_message.message_id } : {}),
  }
  if (m.contact) return { ...base, contact: { phone: m.contact.phone_number, own: m.contact.user_id === m.from.id } }

  const files: ChatFile[] = []
  if (m.photo?.length) {
    // sizes come smallest first; pick the largest explicitly rather than trust the order
    const largest = m.photo.reduce((a, b) => (b.width * b.height >= a.width * a.height ? b : a))
    files.push({ kind: 'photo', fileId: largest.file_id, name: 'photo.jpg' })
  }
  if (m.document) files.push({ kind: 'document', fileId: m.document.file_id, name: m.document.file_name ?? 'document' })
  if (files.length) {
    const caption = m.caption?.trim()
    return { ...base, files, ...(caption ? { text: caption } : {}) }
  }

  if (m.text === undefined) return null
  const command = commandOf(m.text, m.entities)
  if (command) return { ...base, command }
  return { ...base, text: m.text.trim() }
}

/** `/today@zvonok_bot 12.03` → { name: 'today', args: '12.03' }: a bot_command entity at offset 0 only. */
export function commandOf(text: string, entities: readonly TgEntity[] | undefined): Incoming['command'] {
  const e = entities?.find((x) => x.type === 'bot_command' && x.offset === 0)
  if (!e) return undefined
  const [name] = text.slice(1, e.length).split('@', 1)
  if (!name) return undefined
  return { name: name.toLowerCase(), args: text.slice(e.length).trim() }
}
