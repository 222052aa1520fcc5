/** bot_chats: a chat's pending step and chosen child, the only state the bot keeps. */
import type { Db } from '../../core/db/connect.ts'
import type { ConversationState } from './types.ts'

export interface ChatRow {
  studentId: string | null
  state: ConversationState | null
  stateExpiresAt: Date | null
  badCodes: number
  badCodesAt: Date | null
}

/** Loads the chat's row, creating it on first contact, and notes that the chat was seen. */
export async function touchChat(db: Db, chatId: string, now: Date): Promise<ChatRow> {
  const [row] = await db<ChatRow[]>`
    insert into bot_chats (platform, chat_id, first_seen_at, last_seen_at) values ('telegram', ${chatId}, ${now}, ${now})
    on conflict (platform, chat_id) do update set last_seen_at = excluded.last_seen_at
    returning student_id, state, state_expires_at, bad_codes, bad_codes_at`
  return row!
}

export async function saveChat(
  db: Db, chatId: string, change: { state?: ConversationState | null; expiresAt?: Date | null; studentId?: string },
): Promise<void> {
  if (change.state !== undefined) {
    await db`update bot_chats set state = ${change.state === null ? null : db.json(change.state as never)},
      state_expires_at = ${change.expiresAt ?? null} where platform = 'telegram' and chat_id = ${chatId}`
  }
  if (change.studentId !== undefined) {
    await db`update bot_chats set student_id = ${change.studentId} where platform = 'telegram' and chat_id = ${chatId}`
  }
}

/**
 * Claims an update id for this bot: false when it was handled already (a webhook retry, a
 * poller restarted before confirming its offset). Claims older than a day are pruned now and then.
 */
export async function claimUpdate(db: Db, botId: number, updateId: number): Promise<boolean> {
  const rows = await db`
    insert into bot_updates (bot_id, update_id) values (${botId}, ${updateId}) on conflict do nothing returning 1`
  if (updateId % 1000 === 0) await db`delete from bot_updates where handled_at < now() - interval '1 day'`
  return rows.length === 1
}
