/**
 * The conversation layer's vocabulary, free of any chat platform: what came in (who, what,
 * where), and what goes out (replies as view models, rendered from templates/bot/).
 */
import type { Actor } from '../../core/auth/policy.ts'
import type { ChatChild, ChatPerson } from '../../core/chat/index.ts'
import type { Sql } from '../../core/db/connect.ts'
import type { RequestContext } from '../../core/people/service.ts'

/** A file the chat platform keeps for us (a Telegram file_id), attached to homework or a message. */
export interface ChatFile {
  readonly kind: 'photo' | 'document'
  /** the platform's own id, usable by this bot to send the file again */
  readonly fileId: string
  readonly name: string
}

/** One thing a person did in a private chat with the bot. */
export interface Incoming {
  readonly platform: 'telegram'
  /** the private chat (in Telegram, equal to the user's id) */
  readonly chatId: string
  /** the platform's id of the message, when the input is a message */
  readonly messageId?: number | undefined
  /** a command: `/today@zvonok_bot 12.03` → { name: 'today', args: '12.03' } */
  readonly command?: { readonly name: string; readonly args: string } | undefined
  /** the text of a message that is not a command, or a file's caption (trimmed) */
  readonly text?: string | undefined
  /** the data of a pressed inline button */
  readonly button?: string | undefined
  /** a shared contact; `own` when it is the sender's own card (Telegram: contact.user_id = from.id) */
  readonly contact?: { readonly phone: string; readonly own: boolean } | undefined
  readonly files?: readonly ChatFile[] | undefined
  /** the id of the bot's message this one replies to */
  readonly replyTo?: number | undefined
}

/** An inline button: a label and the data it sends back (at most 64 bytes). */
export interface Button {
  readonly label: string
  readonly data: string
}

/** A reply as a view model: templates/bot/<template>.html.hbs rendered with `view`. */
export interface Reply {
  readonly template: string
  readonly view: object
  readonly buttons?: readonly (readonly Button[])[] | undefined
  /** offer a reply-keyboard button that shares the phone contact */
  readonly askContact?: boolean | undefined
  /** replace the message whose button was pressed (navigation) instead of sending a new one */
  readonly edit?: boolean | undefined
  /** files to send after the text (homework attachments) */
  readonly files?: readonly ChatFile[] | undefined
}

/** A reply made ready for a platform: HTML text (Telegram's subset) instead of template and view. */
export type Outgoing = Omit<Reply, 'template' | 'view'> & { readonly html: string }

/** A person linked to the chat (core's chat identity, without the account). */
export type LinkedPerson = Omit<ChatPerson, 'accountId'>

/** A student whose diary the chat reads: a guardian's child, or the student themself. */
export type Child = ChatChild

/** Who speaks from a chat: the live linked persons and what they may do. */
export interface Speaker {
  readonly chatId: string
  readonly persons: readonly LinkedPerson[]
  /** guardians' children and linked students, by class then name */
  readonly children: readonly Child[]
  /** the linked member of staff, if any (a teacher who is also a parent has both) */
  readonly staff: LinkedPerson | null
  /**
   * The persons' accounts merged (roles and person ids of all); its accountId is the staff
   * person's account when there is one, as staff writes are recorded under it. Null when no
   * linked person has a live (unlocked) account.
   */
  readonly actor: Actor | null
}

export interface BotDeps {
  readonly sql: Sql
  /** the clock (tests move it); default the real one */
  readonly now?: (() => Date) | undefined
  /** the bot's own username, for deep links */
  readonly botUsername?: string | undefined
}

/** A pending step of a chat, stored in bot_chats.state. `kind` names the handler that continues it. */
export interface ConversationState {
  readonly kind: string
  readonly [key: string]: unknown
}

/** Everything a handler needs for one input. */
export interface Turn {
  readonly deps: BotDeps
  readonly sql: Sql
  readonly input: Incoming
  readonly speaker: Speaker
  readonly now: Date
  /** the pending step, if one is open and not expired */
  readonly state: ConversationState | null
  /** the chosen child (bot_chats.student_id) when still one of speaker.children, else the first */
  readonly child: Child | null
  /** opens (or with null closes) the pending step; saved after the handler returns */
  setState(state: ConversationState | null, ttlMinutes?: number): void
  selectChild(studentId: string): void
  /** the handler left Telegram calls for a class channel in channel_effects: the runtime makes them now */
  effectsQueued(): void
  /** a request context for core services, or a "not allowed" error when there is no live account */
  ctx(): RequestContext
}

export type Handler = (turn: Turn) => Promise<Reply[]>

/**
 * A feature registers what it answers: commands (`/name`), buttons by the data's prefix
 * (`prefix:rest`), the pending steps it continues (by state kind), and free-text matchers
 * tried in order (returning null when the text is not theirs).
 */
export interface Feature {
  readonly name: string
  readonly commands?: Readonly<Record<string, Handler>>
  readonly buttons?: Readonly<Record<string, Handler>>
  readonly states?: Readonly<Record<string, Handler>>
  readonly text?: ((turn: Turn) => Promise<Reply[] | null>) | undefined
}
