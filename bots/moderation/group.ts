/**
 * The bot in a class's discussion supergroup. Telegram-specific by nature (join requests,
 * restrictions, topics), so it reads raw updates rather than the conversation layer's Incoming;
 * every decision is core's (core/channels), and what core decides for Telegram is carried out
 * from the channel's pending effects (effects.ts) right after, and again by the sweeper if a
 * call failed.
 *
 *   /bind CODE            binds the group to the class the code was issued for
 *   /report [why]         (reply) a member reports a message to the moderators
 *   /del  /warn [why]  /mute [30m|2h|1d] [why]  /ban [why]  /unmute  /unban   (reply) moderators
 *   /slow 30 | /slow off  slow mode;  /history (reply) a member's record, sent privately
 *
 * Everything else a member writes (text, captions, edits) goes through the filter. Commands
 * addressed to another bot (`/warn@other_bot`) are not ours.
 */
import type { Logger } from 'pino'
import {
  ACTION_LABELS, admitOrRemove, bindChannel, channelByChat, channelLog, checkPost, decideJoinRequest, moderate, noteMember, noteMemberGone,
  parseDuration, reportPost, ruleLabel, saveInviteLink, setSlowMode, standingOf, unbindChannel, type Channel, type GroupUser,
  type ModeratorCommand, type Target,
} from '../../core/channels/index.ts'
import type { Sql } from '../../core/db/connect.ts'
import { AppError } from '../../core/http/errors.ts'
import { dayTime, excerpt } from '../conversation/features/moderation/common.ts'
import { claimUpdate } from '../conversation/state.ts'
import { loggable } from '../telegram/process.ts'
import type { CallApi, ExecutedCall } from '../telegram/send.ts'
import { commandOf, groupChatOf, type TgChat, type TgMessage, type TgUpdate, type TgUser } from '../telegram/update.ts'
import { carryOutEffects, renderHtml } from './effects.ts'

export interface GroupDeps {
  readonly sql: Sql
  readonly log: Logger
}

export interface GroupOutcome {
  /** false: not a group update, or a group that is not bound and not being bound (not ours) */
  readonly ours: boolean
  readonly duplicate: boolean
  readonly chatId: string
  readonly calls: ExecutedCall[]
}

const MODERATOR_COMMANDS: Record<string, ModeratorCommand> = {
  del: 'delete', delete: 'delete', warn: 'warn', mute: 'mute', ban: 'ban', unmute: 'unmute', unban: 'unban',
}

export async function processGroupUpdate(
  deps: GroupDeps, bot: { id: number; username?: string | undefined }, update: TgUpdate, callApi: CallApi,
): Promise<GroupOutcome> {
  const chat = groupChatOf(update)
  const notOurs = { ours: false, duplicate: false, chatId: chat ? String(chat.id) : '', calls: [] }
  if (!chat) return notOurs
  const chatId = String(chat.id)
  const channel = await channelByChat(deps.sql, chatId)
  const message = update.message
  const command = message?.text ? groupCommand(message, bot.username) : undefined
  if (!channel && command?.name !== 'bind') return notOurs

  if (!(await claimUpdate(deps.sql, bot.id, update.update_id))) return { ours: true, duplicate: true, chatId, calls: [] }
  const log = deps.log.child({ updateId: update.update_id, chatId })
  const calls: ExecutedCall[] = []
  // a call made here directly (replies to commands, checks), recorded like the effects' calls
  const call = async (method: string, params: Record<string, unknown>): Promise<unknown> => {
    try {
      const result = await callApi(method, params)
      calls.push({ method, params, ok: true, result })
      return result
    } catch (err) {
      calls.push({ method, params, ok: false, error: { code: (err as { error_code?: number }).error_code, description: String((err as Error).message) } })
      return undefined
    }
  }
  const say = (template: string, view: object, m?: TgMessage) =>
    call('sendMessage', {
      chat_id: chat.id, text: renderHtml(template, view), parse_mode: 'HTML', link_preview_options: { is_disabled: true },
      ...(m?.is_topic_message && m.message_thread_id ? { message_thread_id: m.message_thread_id } : {}),
    })

  try {
    if (!channel) {
      await bind(deps, bot, chat, message!, command!.args, call, say)
    } else if (update.my_chat_member) {
      const status = update.my_chat_member.new_chat_member.status
      if (status === 'left' || status === 'kicked') {
        await unbindChannel(deps.sql, channel.id, 'the bot was removed from the group', null)
        log.info('the bot was removed from a bound group: the channel is unbound')
      }
    } else if (update.chat_join_request) {
      const r = update.chat_join_request
      const decision = await decideJoinRequest(deps.sql, channel, userOf(r.from))
      log.info({ decision }, 'join request decided')
    } else if (update.chat_member) {
      const m = update.chat_member
      const user = userOf(m.new_chat_member.user)
      const joined = ['member', 'restricted'].includes(m.new_chat_member.status) && ['left', 'kicked'].includes(m.old_chat_member.status)
      if (!user.isBot && joined) await admitOrRemove(deps.sql, channel, user)
      else if (['left', 'kicked'].includes(m.new_chat_member.status)) await noteMemberGone(deps.sql, channel, user.userId)
    } else if (message?.new_chat_members?.length) {
      for (const u of message.new_chat_members) if (!u.is_bot) await admitOrRemove(deps.sql, channel, userOf(u))
    } else {
      const m = message ?? update.edited_message
      if (m?.from && !m.from.is_bot && !m.sender_chat) {
        if (command && (command.name in MODERATOR_COMMANDS || ['report', 'slow', 'history', 'bind'].includes(command.name))) {
          await groupCommandOf(deps, channel, m, command, call, say)
        } else {
          await post(deps, channel, m, update.edited_message !== undefined)
        }
      }
    }
  } catch (err) {
    if (err instanceof AppError) await say('channel-group-problem', { code: { [err.code]: true } }, message)
    // the update stays handled (claimed): the error is logged, whatever was decided before it is carried out
    else log.error({ err: loggable(err) }, 'a group update failed')
  }
  calls.push(...(await carryOutEffects(deps.sql, callApi, log)))
  return { ours: true, duplicate: false, chatId, calls }
}

interface GroupUserOf extends GroupUser { readonly isBot: boolean }

function userOf(u: TgUser): GroupUserOf {
  return { userId: String(u.id), firstName: (u.first_name ?? '').slice(0, 64), isBot: u.is_bot }
}

/** A command in a group: ours when it names no bot or names this one. */
function groupCommand(m: TgMessage, username: string | undefined): { name: string; args: string } | undefined {
  const c = commandOf(m.text ?? '', m.entities)
  if (!c) return undefined
  const head = (m.text ?? '').split(/\s/, 1)[0]!
  const at = head.indexOf('@')
  if (at >= 0 && username && head.slice(at + 1).toLowerCase() !== username.toLowerCase()) return undefined
  return c
}

type Call = (method: string, params: Record<string, unknown>) => Promise<unknown>
type Say = (template: string, view: object, m?: TgMessage) => Promise<unknown>

/** `/bind CODE`: a supergroup where the bot is an administrator with the rights it needs. */
async function bind(deps: GroupDeps, bot: { id: number }, chat: TgChat, m: TgMessage, code: string, call: Call, say: Say): Promise<void> {
  if (!m.from || m.from.is_bot) return
  if (chat.type !== 'supergroup') return void (await say('channel-bind', { notSupergroup: true }, m))
  const me = (await call('getChatMember', { chat_id: chat.id, user_id: bot.id })) as Record<string, unknown> | undefined
  const rights = ['can_delete_messages', 'can_restrict_members', 'can_invite_users']
  if (me?.status !== 'administrator' || rights.some((r) => me[r] !== true)) return void (await say('channel-bind', { notAdmin: true }, m))
  if (!code.trim()) return void (await say('channel-bind', { noCode: true }, m))
  const channel = await bindChannel(deps.sql, {
    code, chatId: String(chat.id), title: chat.title ?? '', isForum: chat.is_forum === true, userId: String(m.from.id),
  })
  // the code is spent, but it need not stay on screen
  await call('deleteMessage', { chat_id: chat.id, message_id: m.message_id })
  const link = (await call('createChatInviteLink', { chat_id: chat.id, name: 'Звонок', creates_join_request: true })) as { invite_link?: string } | undefined
  if (link?.invite_link) await saveInviteLink(deps.sql, channel.id, link.invite_link)
  await say('channel-bind', { bound: true, className: channel.className, inviteLink: link?.invite_link ?? null }, m)
}

/** A member's message or edit: through the filter, flood limit and slow mode. */
async function post(deps: GroupDeps, channel: Channel, m: TgMessage, edited: boolean): Promise<void> {
  const user = userOf(m.from!)
  await noteMember(deps.sql, channel, user)
  const standing = await standingOf(deps.sql, channel, user.userId)
  await checkPost(deps.sql, channel, {
    ...user, messageId: m.message_id, threadId: threadOf(m), text: m.text ?? m.caption ?? '',
    at: new Date((m.date ?? Date.now() / 1000) * 1000), edited, exempt: standing.moderates,
  })
}

function threadOf(m: TgMessage): number | null {
  return m.is_topic_message && m.message_thread_id ? m.message_thread_id : null
}

async function groupCommandOf(
  deps: GroupDeps, channel: Channel, m: TgMessage, command: { name: string; args: string }, call: Call, say: Say,
): Promise<void> {
  const sql = deps.sql
  const from = userOf(m.from!)
  const replied = m.reply_to_message
  const target: Target | undefined = replied?.from && !replied.from.is_bot
    ? { ...userOf(replied.from), messageId: replied.message_id, text: replied.text ?? replied.caption ?? '', threadId: threadOf(m) }
    : undefined
  const removeCommand = () => call('deleteMessage', { chat_id: Number(channel.chatId), message_id: m.message_id })

  if (command.name === 'bind') return void (await say('channel-bind', { already: true, className: channel.className }, m))
  if (command.name === 'report') {
    await removeCommand()
    if (!target) return void (await say('channel-group-problem', { replyNeeded: true, report: true }, m))
    await noteMember(sql, channel, from)
    const r = await reportPost(sql, channel, from, target, command.args || null)
    // the reporter is thanked privately (the group need not see who reported)
    await call('sendMessage', { chat_id: m.from!.id, text: renderHtml('channel-reported', { already: r === 'already', className: channel.className }), parse_mode: 'HTML' })
    return
  }

  const standing = await standingOf(sql, channel, from.userId)
  await removeCommand()
  if (!standing.moderates || !standing.actor) return void (await say('channel-group-problem', { notModerator: true }, m))
  const actor = { accountId: standing.actor.accountId, userId: from.userId }

  if (command.name === 'slow') {
    const secs = parseSlow(command.args)
    if (secs === null || secs < 0 || secs > 86_400) return void (await say('channel-group-problem', { badSlow: true }, m))
    await setSlowMode(sql, channel, actor, secs, threadOf(m))
    return
  }
  if (!target) return void (await say('channel-group-problem', { replyNeeded: true }, m))
  if (command.name === 'history') {
    const records = await channelLog(sql, standing.actor, channel.id, { userId: target.userId, limit: 20 })
    const tz = channel.timezone
    await call('sendMessage', {
      chat_id: m.from!.id, parse_mode: 'HTML',
      text: renderHtml('channel-history', {
        name: target.firstName, className: channel.className,
        records: records.map((r) => ({
          when: dayTime(r.createdAt, tz), actionLabel: ACTION_LABELS[r.action] ?? r.action, rule: ruleLabel(r.rule),
          actorName: r.actorName, messageText: r.messageText ? excerpt(r.messageText, 120) : null,
        })),
      }),
    })
    return
  }
  const cmd = MODERATOR_COMMANDS[command.name]!
  let reason = command.args
  let minutes: number | undefined
  if (cmd === 'mute') {
    const [first, ...rest] = reason.split(/\s+/)
    const d = first ? parseDuration(first) : null
    if (d !== null) {
      minutes = d
      reason = rest.join(' ')
    }
  }
  const targetStanding = await standingOf(sql, channel, target.userId)
  await moderate(sql, channel, actor, { command: cmd, target, reason, minutes, threadId: threadOf(m), now: new Date() }, targetStanding.moderates)
}

/** «/slow 30» (seconds), «30s», «5m», «5 мин», «1ч»; «off», «выкл», «0» turn it off; null when unreadable. */
export function parseSlow(raw: string): number | null {
  const a = raw.trim().toLowerCase()
  if (/^(off|выкл|нет|0)$/.test(a)) return 0
  const m = /^(\d{1,5})\s*(s|с|сек|m|м|мин|h|ч|час)?\.?$/.exec(a)
  if (!m) return null
  const unit = m[2] ?? 's'
  return Number(m[1]) * (/^(m|м)/.test(unit) ? 60 : /^(h|ч)/.test(unit) ? 3600 : 1)
}

