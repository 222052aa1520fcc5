/**
 * Moderation of a class channel's messages: every post through the filter (obscenity, insults,
 * the school's watched words, personal data), the flood limit and slow mode; moderators' acts
 * by reply in the group (delete, warn, mute, ban, unmute, unban); warnings that escalate to a
 * mute; members' reports. Each decision is one transaction: the actions with their audit rows,
 * the review-queue item, and the effects the bot then carries out in Telegram.
 */
import type { Db, Sql } from '../db/connect.ts'
import { AppError } from '../http/errors.ts'
import { recordAction, type ActionActor, type Channel, type ModerationActionKind } from './channels.ts'
import { addEffect } from './effects.ts'
import { checkMessage, compileWatched, type Verdict } from './filter/index.ts'
import type { GroupUser } from './members.ts'

/** A member's message in the group, as the bot read it. */
export interface GroupPost extends GroupUser {
  readonly messageId: number
  /** the forum topic, if any */
  readonly threadId: number | null
  /** the text or a file's caption ('' for neither) */
  readonly text: string
  readonly at: Date
  /** an edit of an earlier message: filtered again, not counted as a new post */
  readonly edited: boolean
  /** moderators are not held to slow mode and the flood limit */
  readonly exempt: boolean
}

export type PostOutcome =
  | { readonly result: 'allowed' }
  | { readonly result: 'flagged'; readonly rule: string }
  | { readonly result: 'held'; readonly rule: string }
  | { readonly result: 'deleted'; readonly rule: string; readonly warnings?: number | undefined; readonly mutedUntil?: Date | undefined }

/** The rule a verdict names in the record: 'obscenity', 'insult', 'watched:<word>', 'personal_data:<kind>'. */
export function ruleOf(v: Verdict): string {
  const f = v.findings.find((x) => x.action === v.action) ?? v.findings[0]
  if (!f) return 'none'
  return f.rule === 'watched' || f.rule === 'personal_data' ? `${f.rule}:${f.match}` : f.rule
}

/** The school's watched words, compiled for the filter. */
export async function watchedWordsOf(db: Db, schoolId: string) {
  const words = await db<{ word: string; action: 'delete_warn' | 'hold' | 'flag' }[]>`
    select word, action from watched_words where school_id = ${schoolId} order by word`
  return compileWatched(words)
}

/** Checks one post and acts on it. */
export async function checkPost(sql: Sql, ch: Channel, post: GroupPost): Promise<PostOutcome> {
  const verdict = post.text ? checkMessage(post.text, await watchedWordsOf(sql, ch.schoolId)) : { action: 'allow' as const, findings: [] }
  const s = ch.settings
  return sql.begin(async (tx) => {
    const at = { schoolId: ch.schoolId, channelId: ch.id }
    const target = { targetUserId: post.userId, targetName: post.firstName, messageId: post.messageId, messageText: post.text }
    let flood = false
    let slow = false
    if (!post.edited) {
      const [m] = await tx<{ lastPostAt: Date | null }[]>`
        select last_post_at from channel_members where channel_id = ${ch.id} and user_id = ${post.userId} for update`
      await tx`update channel_members set last_post_at = ${post.at}, updated_at = now() where channel_id = ${ch.id} and user_id = ${post.userId}`
      if (!post.exempt) {
        await tx`insert into channel_posts (channel_id, user_id, message_id, posted_at)
                 values (${ch.id}, ${post.userId}, ${post.messageId}, ${post.at}) on conflict do nothing`
        const [n] = await tx<{ n: number }[]>`
          select count(*)::int as n from channel_posts where channel_id = ${ch.id} and user_id = ${post.userId}
            and posted_at > ${post.at}::timestamptz - make_interval(secs => ${s.floodSeconds})`
        flood = n!.n > s.floodMessages
        slow = s.slowModeSeconds > 0 && !!m?.lastPostAt && post.at.getTime() - m.lastPostAt.getTime() < s.slowModeSeconds * 1000
      }
    }

    if (verdict.action === 'delete_warn') {
      const rule = ruleOf(verdict)
      await recordAction(tx, at, { action: 'delete', actor: null, rule, ...target })
      await addEffect(tx, ch.id, 'delete', { messageId: post.messageId })
      const w = await warnMember(tx, ch, null, post, rule, null, post.threadId, post.at)
      return { result: 'deleted' as const, rule, warnings: w.warnings, mutedUntil: w.mutedUntil }
    }
    if (flood) {
      const until = new Date(post.at.getTime() + s.floodMuteMinutes * 60_000)
      await recordAction(tx, at, { action: 'delete', actor: null, rule: 'flood', ...target })
      await addEffect(tx, ch.id, 'delete', { messageId: post.messageId })
      const already = await mute(tx, ch, null, post, 'flood', until, null)
      if (!already) {
        await addEffect(tx, ch.id, 'post', {
          template: 'channel-notice', threadId: post.threadId,
          view: { flood: true, name: post.firstName, minutes: s.floodMuteMinutes },
        })
      }
      return { result: 'deleted' as const, rule: 'flood', mutedUntil: until }
    }
    if (slow) {
      await recordAction(tx, at, { action: 'delete', actor: null, rule: 'slow_mode', ...target })
      await addEffect(tx, ch.id, 'delete', { messageId: post.messageId })
      return { result: 'deleted' as const, rule: 'slow_mode' }
    }
    if (verdict.action === 'hold') {
      const rule = ruleOf(verdict)
      const item = await queueItem(tx, ch, 'held', post, rule, null)
      await recordAction(tx, at, { action: 'hold', actor: null, rule, queueItemId: item, ...target })
      await addEffect(tx, ch.id, 'delete', { messageId: post.messageId })
      await addEffect(tx, ch.id, 'post', {
        template: 'channel-notice', threadId: post.threadId,
        view: { held: true, name: post.firstName, personalData: rule.startsWith('personal_data') },
      })
      await notifyModerators(tx, ch, 'held')
      return { result: 'held' as const, rule }
    }
    if (verdict.action === 'flag') {
      const rule = ruleOf(verdict)
      const item = await queueItem(tx, ch, 'flagged', post, rule, null)
      await recordAction(tx, at, { action: 'flag', actor: null, rule, queueItemId: item, ...target })
      return { result: 'flagged' as const, rule }
    }
    return { result: 'allowed' as const }
  })
}

export interface Target extends GroupUser {
  readonly messageId?: number | undefined
  readonly text?: string | undefined
  readonly threadId?: number | null | undefined
}

/**
 * A warning, with its notice in the group; the warning that reaches the channel's limit mutes
 * the member for the configured time (counted since the last such mute).
 */
export async function warnMember(
  tx: Db, ch: Channel, actor: ActionActor | null, t: Target, rule: string, reason: string | null, threadId: number | null | undefined, now: Date,
): Promise<{ warnings: number; mutedUntil?: Date | undefined }> {
  const at = { schoolId: ch.schoolId, channelId: ch.id }
  await recordAction(tx, at, {
    action: 'warn', actor, rule, reason, targetUserId: t.userId, targetName: t.firstName, messageId: t.messageId, messageText: t.text,
  })
  const [c] = await tx<{ n: number }[]>`
    select count(*)::int as n from moderation_actions
    where channel_id = ${ch.id} and target_user_id = ${t.userId} and action = 'warn'
      and created_at > coalesce((select max(created_at) from moderation_actions
        where channel_id = ${ch.id} and target_user_id = ${t.userId} and action = 'mute' and rule = 'escalation'), '-infinity')`
  const warnings = c!.n
  const limit = ch.settings.warnLimit
  let mutedUntil: Date | undefined
  if (warnings >= limit) {
    mutedUntil = new Date(now.getTime() + ch.settings.warnMuteMinutes * 60_000)
    await mute(tx, ch, null, t, 'escalation', mutedUntil, `${warnings} предупреждения`)
  }
  await addEffect(tx, ch.id, 'post', {
    template: 'channel-notice', threadId: threadId ?? null,
    view: {
      warned: true, name: t.firstName, rule: ruleLabel(rule), reason, warnings, limit,
      mutedFor: mutedUntil ? durationLabel(ch.settings.warnMuteMinutes) : null,
    },
  })
  return { warnings, mutedUntil }
}

/** Mutes (restricts) a member until a time; false when they were muted longer already. */
async function mute(tx: Db, ch: Channel, actor: ActionActor | null, t: Target, rule: string, until: Date, reason: string | null): Promise<boolean> {
  const [m] = await tx<{ mutedUntil: Date | null }[]>`
    select muted_until from channel_members where channel_id = ${ch.id} and user_id = ${t.userId}`
  if (m?.mutedUntil && m.mutedUntil >= until) return true
  await tx`
    insert into channel_members (channel_id, user_id, first_name, muted_until) values (${ch.id}, ${t.userId}, ${t.firstName.slice(0, 64)}, ${until})
    on conflict (channel_id, user_id) do update set muted_until = excluded.muted_until, updated_at = now()`
  await recordAction(tx, { schoolId: ch.schoolId, channelId: ch.id }, {
    action: 'mute', actor, rule, reason, until, targetUserId: t.userId, targetName: t.firstName,
  })
  await addEffect(tx, ch.id, 'mute', { userId: t.userId, until: until.toISOString() })
  return false
}

export type ModeratorCommand = 'delete' | 'warn' | 'mute' | 'ban' | 'unmute' | 'unban'

export interface ModeratorAct {
  readonly command: ModeratorCommand
  /** the member and the message the moderator replied to */
  readonly target: Target
  readonly reason?: string | null | undefined
  /** mute: minutes */
  readonly minutes?: number | undefined
  readonly threadId: number | null
  readonly now: Date
}

/** A moderator's act by reply in the group. The caller has checked that the actor moderates the channel. */
export async function moderate(sql: Sql, ch: Channel, actor: ActionActor, act: ModeratorAct, targetModerates: boolean): Promise<void> {
  const { target: t, command } = act
  if (targetModerates && command !== 'delete') throw new AppError('rule_violation', 'A moderator cannot be restricted in their own channel')
  const reason = act.reason?.trim() || null
  await sql.begin(async (tx) => {
    const at = { schoolId: ch.schoolId, channelId: ch.id }
    const who = { targetUserId: t.userId, targetName: t.firstName }
    switch (command) {
      case 'delete':
        if (t.messageId === undefined) throw new AppError('bad_request', 'Reply to the message to delete')
        await recordAction(tx, at, { action: 'delete', actor, rule: 'moderator', reason, ...who, messageId: t.messageId, messageText: t.text })
        await addEffect(tx, ch.id, 'delete', { messageId: t.messageId })
        return
      case 'warn':
        await warnMember(tx, ch, actor, t, 'moderator', reason, act.threadId, act.now)
        return
      case 'mute': {
        const minutes = act.minutes ?? 60
        const until = new Date(act.now.getTime() + minutes * 60_000)
        await tx`update channel_members set muted_until = null where channel_id = ${ch.id} and user_id = ${t.userId}`
        await mute(tx, ch, actor, t, 'moderator', until, reason)
        await addEffect(tx, ch.id, 'post', {
          template: 'channel-notice', threadId: act.threadId, view: { muted: true, name: t.firstName, duration: durationLabel(minutes), reason },
        })
        return
      }
      case 'ban':
        await tx`
          insert into channel_members (channel_id, user_id, first_name, status) values (${ch.id}, ${t.userId}, ${t.firstName.slice(0, 64)}, 'banned')
          on conflict (channel_id, user_id) do update set status = 'banned', updated_at = now()`
        await recordAction(tx, at, { action: 'ban', actor, rule: 'moderator', reason, ...who, messageId: t.messageId, messageText: t.text })
        await addEffect(tx, ch.id, 'ban', { userId: t.userId })
        await addEffect(tx, ch.id, 'post', { template: 'channel-notice', threadId: act.threadId, view: { banned: true, name: t.firstName, reason } })
        return
      case 'unmute':
        await lift(tx, ch, actor, t, 'unmute', reason)
        await addEffect(tx, ch.id, 'post', { template: 'channel-notice', threadId: act.threadId, view: { unmuted: true, name: t.firstName } })
        return
      case 'unban':
        await lift(tx, ch, actor, t, 'unban', reason)
        await addEffect(tx, ch.id, 'post', { template: 'channel-notice', threadId: act.threadId, view: { unbanned: true, name: t.firstName } })
    }
  })
}

/** Unmute or unban (an appeal granted uses the one the member needs). */
export async function lift(tx: Db, ch: Channel, actor: ActionActor | null, t: GroupUser, kind: 'unmute' | 'unban', reason: string | null): Promise<void> {
  if (kind === 'unmute') {
    await tx`update channel_members set muted_until = null, updated_at = now() where channel_id = ${ch.id} and user_id = ${t.userId}`
  } else {
    await tx`update channel_members set status = 'left', muted_until = null, updated_at = now()
             where channel_id = ${ch.id} and user_id = ${t.userId} and status = 'banned'`
  }
  await recordAction(tx, { schoolId: ch.schoolId, channelId: ch.id }, {
    action: kind, actor, rule: 'moderator', reason, targetUserId: t.userId, targetName: t.firstName,
  })
  await addEffect(tx, ch.id, kind, { userId: t.userId })
}

/** Slow mode on (seconds) or off (0), by a moderator in the group. */
export async function setSlowMode(sql: Sql, ch: Channel, actor: ActionActor, seconds: number, threadId: number | null): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`update channels set slow_mode_seconds = ${seconds} where id = ${ch.id}`
    await recordAction(tx, { schoolId: ch.schoolId, channelId: ch.id }, {
      action: 'slow_mode', actor, rule: 'moderator', reason: seconds ? `${seconds} с` : 'выключен',
    })
    await addEffect(tx, ch.id, 'post', {
      template: 'channel-notice', threadId, view: { slowMode: true, seconds, off: seconds === 0 },
    })
  })
}

/** A member reports a message: one open queue item per message, the moderators told. */
export async function reportPost(sql: Sql, ch: Channel, reporter: GroupUser, target: Target, reason: string | null): Promise<'queued' | 'already'> {
  if (target.messageId === undefined) throw new AppError('bad_request', 'Reply to the message to report')
  return sql.begin(async (tx) => {
    const [open] = await tx`
      select 1 from moderation_queue where channel_id = ${ch.id} and message_id = ${target.messageId!} and resolved_at is null and kind = 'report'`
    if (open) return 'already' as const
    const item = await queueItem(tx, ch, 'report', { ...target, messageId: target.messageId!, text: target.text ?? '', threadId: target.threadId ?? null }, 'report', reporter.userId)
    await recordAction(tx, { schoolId: ch.schoolId, channelId: ch.id }, {
      action: 'report', actor: { accountId: null, userId: reporter.userId }, rule: 'report', reason,
      targetUserId: target.userId, targetName: target.firstName, messageId: target.messageId, messageText: target.text, queueItemId: item,
    })
    await notifyModerators(tx, ch, 'report')
    return 'queued' as const
  })
}

/** Adds an item to the moderators' review queue. */
export async function queueItem(
  tx: Db, ch: Channel, kind: 'held' | 'flagged' | 'report' | 'appeal',
  post: GroupUser & { messageId?: number | undefined; threadId?: number | null | undefined; text: string },
  rule: string | null, reporterUserId: string | null,
): Promise<string> {
  const [row] = await tx<{ id: string }[]>`
    insert into moderation_queue ${tx({
      schoolId: ch.schoolId, channelId: ch.id, kind, authorUserId: post.userId, authorName: post.firstName.slice(0, 64),
      messageId: post.messageId ?? null, threadId: post.threadId ?? null, messageText: post.text.slice(0, 4096),
      rule, reporterUserId,
    })} returning id`
  return row!.id
}

/**
 * Tells the channel's forum moderators and its class teacher, in their private chats with the
 * bot, that something waits in the queue (no message text: they read it in /queue).
 */
export async function notifyModerators(tx: Db, ch: Channel, kind: 'held' | 'report' | 'appeal'): Promise<void> {
  const chats = await tx<{ chatId: string }[]>`
    select distinct cl.chat_id::text as chat_id from account_roles r
    join account_persons ap on ap.account_id = r.account_id
    join accounts a on a.id = r.account_id and a.locked_at is null
    join chat_links cl on cl.person_id = ap.person_id and cl.unlinked_at is null and cl.dead_at is null
    where (r.role = 'moderator' and r.class_id is null and r.school_id = ${ch.schoolId})
       or (r.role = 'class_teacher' and r.class_id = ${ch.classId})`
  for (const c of chats) {
    await addEffect(tx, ch.id, 'notify', {
      chatId: c.chatId, template: 'channel-queue-notice', view: { kind: { [kind]: true }, className: ch.className },
    })
  }
}

/** Each kind of action as a moderator reads it in the log and a member's history. */
export const ACTION_LABELS: Record<ModerationActionKind, string> = {
  delete: 'удалено сообщение',
  warn: 'предупреждение',
  mute: 'запрет писать',
  unmute: 'запрет писать снят',
  ban: 'исключение из группы',
  unban: 'исключение отменено',
  remove: 'удалён из группы',
  hold: 'сообщение задержано',
  flag: 'сообщение отмечено для проверки',
  approve: 'сообщение одобрено',
  join_approved: 'принят в группу',
  join_declined: 'отказано во вступлении',
  report: 'жалоба на сообщение',
  appeal: 'обращение об ограничении',
  appeal_rejected: 'обращение отклонено',
  slow_mode: 'медленный режим',
  bound: 'группа привязана к классу',
  unbound: 'группа отвязана',
}

const RULE_LABELS: Record<string, string> = {
  obscenity: 'нецензурная лексика',
  insult: 'оскорбление',
  flood: 'слишком много сообщений подряд',
  moderator: 'решение модератора',
  escalation: 'повторные нарушения',
  report: 'жалоба участника',
  slow_mode: 'медленный режим',
  not_in_class: 'не из класса',
  in_class: 'из класса',
  left_class: 'больше не относится к классу',
  banned: 'исключён из группы ранее',
  appeal: 'обращение участника',
  system: 'служебное действие',
  held: 'задержано фильтром',
  flagged: 'отмечено фильтром',
}

/** The rule as a person reads it (watched words and personal data are not repeated in the group). */
export function ruleLabel(rule: string): string {
  if (rule.startsWith('watched:')) return 'запрещённое в группе слово'
  if (rule.startsWith('personal_data')) return 'личные данные'
  return RULE_LABELS[rule] ?? rule
}

/** 90 → «1 ч 30 мин», 1440 → «24 ч». */
export function durationLabel(minutes: number): string {
  if (minutes % 1440 === 0 && minutes >= 2880) return `${minutes / 1440} сут.`
  const h = Math.floor(minutes / 60)
  const m = minutes % 60
  return [h ? `${h} ч` : '', m ? `${m} мин` : ''].filter(Boolean).join(' ')
}

/** «30m», «2h», «1d», «30 мин», «2ч», «3 дня», a bare number (minutes) → minutes; null when unreadable. */
export function parseDuration(raw: string): number | null {
  const m = /^(\d{1,5})\s*(m|min|м|мин|минут[аы]?|h|ч|час|часа|часов|d|д|дн|день|дня|дней|сут|суток)?\.?$/i.exec(raw.trim())
  if (!m) return null
  const n = Number(m[1])
  const unit = (m[2] ?? 'm').toLowerCase()
  const minutes = /^(h|ч)/.test(unit) ? n * 60 : /^(d|д|сут)/.test(unit) ? n * 1440 : n
  return minutes >= 1 && minutes <= 525_600 ? minutes : null
}
