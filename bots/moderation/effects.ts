/**
 * Carries out the channels' pending effects with the runtime's Bot API client: core decided
 * them in the transaction that recorded the action; here they become Telegram calls. A call
 * refused for good (the message is gone, the member is an administrator) is recorded and not
 * retried; a 429, a 5xx or a network error leaves the effect pending for the next pass.
 */
import type { Logger } from 'pino'
import { runPendingEffects, type Effect } from '../../core/channels/index.ts'
import type { Sql } from '../../core/db/connect.ts'
import { render } from '../../core/render/render.ts'
import { describeError, type CallApi, type ExecutedCall } from '../telegram/send.ts'

/** A bot template as Telegram HTML (the same clean-up as the conversation layer's replies). */
export function renderHtml(template: string, view: object): string {
  return render(`bot/${template}.html`, view).replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim()
}

/** Every sending permission off (a mute), or on (the mute lifted; the group's own defaults still apply). */
function permissions(allowed: boolean): Record<string, boolean> {
  return Object.fromEntries([
    'can_send_messages', 'can_send_audios', 'can_send_documents', 'can_send_photos', 'can_send_videos', 'can_send_video_notes',
    'can_send_voice_notes', 'can_send_polls', 'can_send_other_messages', 'can_add_web_page_previews',
  ].map((p) => [p, allowed]))
}

/** The Bot API calls an effect needs, in order. */
export function callsFor(e: Effect): { method: string; params: Record<string, unknown> }[] {
  const chat_id = Number(e.chatId)
  const p = e.params
  const user_id = Number(p.userId)
  switch (e.kind) {
    case 'delete':
      return [{ method: 'deleteMessage', params: { chat_id, message_id: Number(p.messageId) } }]
    case 'mute':
      return [{
        method: 'restrictChatMember',
        params: { chat_id, user_id, permissions: permissions(false), use_independent_chat_permissions: true,
          until_date: Math.floor(new Date(p.until!).getTime() / 1000) },
      }]
    case 'unmute':
      return [{ method: 'restrictChatMember', params: { chat_id, user_id, permissions: permissions(true), use_independent_chat_permissions: true } }]
    case 'ban':
      return [{ method: 'banChatMember', params: { chat_id, user_id } }]
    case 'unban':
      return [{ method: 'unbanChatMember', params: { chat_id, user_id, only_if_banned: true } }]
    case 'remove':
      // out of the group, free to ask to join again later
      return [
        { method: 'banChatMember', params: { chat_id, user_id } },
        { method: 'unbanChatMember', params: { chat_id, user_id, only_if_banned: true } },
      ]
    case 'approve_join':
      return [{ method: 'approveChatJoinRequest', params: { chat_id, user_id } }]
    case 'decline_join':
      return [{ method: 'declineChatJoinRequest', params: { chat_id, user_id } }]
    case 'post':
      return [{
        method: 'sendMessage',
        params: {
          chat_id, text: renderHtml(p.template!, p.view ?? {}), parse_mode: 'HTML', link_preview_options: { is_disabled: true },
          ...(p.threadId ? { message_thread_id: Number(p.threadId) } : {}),
        },
      }]
    case 'notify':
      return [{
        method: 'sendMessage',
        params: {
          chat_id: Number(p.chatId), text: renderHtml(p.template!, p.view ?? {}), parse_mode: 'HTML',
          ...(p.buttons?.length ? { reply_markup: { inline_keyboard: p.buttons.map((row) => row.map((b) => ({ text: b.label, callback_data: b.data }))) } } : {}),
        },
      }]
  }
}

/** Runs every pending effect once; returns the calls made (for the caller's report and the tests). */
export async function carryOutEffects(sql: Sql, callApi: CallApi, log: Pick<Logger, 'warn' | 'info'>): Promise<ExecutedCall[]> {
  const made: ExecutedCall[] = []
  await runPendingEffects(sql, async (e) => {
    for (const c of callsFor(e)) {
      try {
        const result = await callApi(c.method, c.params)
        made.push({ ...c, ok: true, result })
      } catch (err) {
        const error = describeError(err)
        made.push({ ...c, ok: false, error })
        const passing = error.code === undefined || error.code === 429 || error.code >= 500
        // ids only: a notice's text names a member
        log.warn({ effect: e.id, kind: e.kind, method: c.method, code: error.code, description: passing ? undefined : error.description },
          passing ? 'a moderation call failed; it will be tried again' : 'a moderation call was refused')
        if (passing) return { outcome: 'retry', error: `${error.code ?? 'network'}: ${error.description}` }
        // a private notice to someone who never started the bot, a message already gone: done with
        return { outcome: 'failed', error: `${error.code}: ${error.description}` }
      }
    }
    return { outcome: 'done' }
  })
  return made
}
