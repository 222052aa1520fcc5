/**
 * Talks to the conversation layer directly (no chat platform): what a person in chat `chatId`
 * types or presses, and the rendered replies. The scenario suite drives the same layer
 * through the real Telegram runtimes; this is for the features' own tests.
 */
import type { Sql } from '../../core/db/connect.ts'
import { handle } from '../../bots/conversation/router.ts'
import type { ChatFile, Incoming, Outgoing } from '../../bots/conversation/types.ts'

export interface Conversation {
  /** a message: "/cmd args" is a command, anything else text */
  say(chatId: string | number, text: string, extra?: Partial<Incoming>): Promise<Outgoing[]>
  press(chatId: string | number, data: string): Promise<Outgoing[]>
  contact(chatId: string | number, phone: string, own?: boolean): Promise<Outgoing[]>
  files(chatId: string | number, files: ChatFile[], caption?: string): Promise<Outgoing[]>
  /** every reply's text joined, for matching */
  text(replies: Outgoing[]): string
}

let messageId = 1000

export function parseCommand(text: string): Incoming['command'] {
  const m = /^\/([a-z_]+)(?:@\w+)?(?:\s+([\s\S]*))?$/i.exec(text.trim())
  return m ? { name: m[1]!.toLowerCase(), args: (m[2] ?? '').trim() } : undefined
}

export function converse(sql: Sql, opts: { now?: () => Date } = {}): Conversation {
  const run = async (input: Incoming) => {
    const r = await handle({ sql, now: opts.now }, input)
    if (r.error) throw r.error
    return r.replies
  }
  const base = (chatId: string | number) => ({ platform: 'telegram' as const, chatId: String(chatId), messageId: ++messageId })
  return {
    say: (chatId, text, extra = {}) => {
      const command = parseCommand(text)
      return run({ ...base(chatId), ...(command ? { command } : { text: text.trim() }), ...extra })
    },
    press: (chatId, data) => run({ ...base(chatId), button: data }),
    contact: (chatId, phone, own = true) => run({ ...base(chatId), contact: { phone, own } }),
    files: (chatId, files, caption) => run({ ...base(chatId), files, ...(caption ? { text: caption } : {}) }),
    text: (replies) => replies.map((r) => r.html).join('\n---\n'),
  }
}
