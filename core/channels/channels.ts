/**
 * Class channels: a class's discussion supergroup bound to the class with a one-time code
 * (taken by a class teacher or moderator from the bot or the API, sent in the group as
 * `/bind CODE`), its settings, and the record of every moderation action with its audit row.
 * Everything here is the school's record; the bot only carries it to Telegram.
 */
import { assertCan, can, type Actor } from '../auth/policy.ts'
import { generateLinkCode, sha256 } from '../auth/tokens.ts'
import { writeAudit } from '../audit/audit.ts'
import { normaliseCode } from '../chat/links.ts'
import type { Db, Sql } from '../db/connect.ts'
import { AppError, errors } from '../http/errors.ts'
import type { RequestContext } from '../people/service.ts'

export const BIND_CODE_TTL_MINUTES = 60

export interface ChannelSettings {
  /** students of the class may join (guardians, teachers and moderators always may) */
  readonly studentsAllowed: boolean
  /** 0: off; a member may post once per this many seconds */
  readonly slowModeSeconds: number
  /** warnings that lead to a mute, and the mute's length */
  readonly warnLimit: number
  readonly warnMuteMinutes: number
  /** more than floodMessages in floodSeconds: deleted and muted for floodMuteMinutes */
  readonly floodMessages: number
  readonly floodSeconds: number
  readonly floodMuteMinutes: number
}

export interface Channel {
  readonly id: string
  readonly schoolId: string
  readonly classId: string
  readonly className: string
  readonly timezone: string
  /** the Telegram chat id (negative for groups), as text: it is a bigint */
  readonly chatId: string
  readonly title: string
  readonly isForum: boolean
  readonly inviteLink: string | null
  readonly boundAt: Date
  readonly settings: ChannelSettings
}

const CHANNEL = (db: Db) => db`
  ch.id, ch.school_id, ch.class_id, c.grade || c.letter as class_name, s.timezone, ch.chat_id::text as chat_id, ch.title,
  ch.is_forum, ch.invite_link, ch.bound_at,
  json_build_object('studentsAllowed', ch.students_allowed, 'slowModeSeconds', ch.slow_mode_seconds,
    'warnLimit', ch.warn_limit, 'warnMuteMinutes', ch.warn_mute_minutes, 'floodMessages', ch.flood_messages,
    'floodSeconds', ch.flood_seconds, 'floodMuteMinutes', ch.flood_mute_minutes) as settings`

const FROM_CHANNELS = (db: Db) => db`channels ch join classes c on c.id = ch.class_id join schools s on s.id = ch.school_id`

/** The live channel of a Telegram chat, or null when the chat is not bound. */
export async function channelByChat(db: Db, chatId: string): Promise<Channel | null> {
  const [ch] = await db<Channel[]>`
    select ${CHANNEL(db)} from ${FROM_CHANNELS(db)} where ch.platform = 'telegram' and ch.chat_id = ${chatId} and ch.unbound_at is null`
  return ch ?? null
}

export async function channelById(db: Db, channelId: string): Promise<Channel | null> {
  const [ch] = await db<Channel[]>`select ${CHANNEL(db)} from ${FROM_CHANNELS(db)} where ch.id = ${channelId}`
  return ch ?? null
}

/** A channel the actor may moderate, or not_found / forbidden. */
export async function requireModeratedChannel(db: Db, actor: Actor, channelId: string): Promise<Channel> {
  const ch = await channelById(db, channelId)
  if (!ch) throw errors.notFound('channel', channelId)
  assertCan(actor, 'channel.moderate', { type: 'class', schoolId: ch.schoolId, classId: ch.classId })
  return ch
}

/** The live channels of the schools the actor belongs to that the actor may moderate. */
export async function channelsModeratedBy(db: Db, actor: Actor): Promise<Channel[]> {
  const schools = [...new Set(actor.roles.map((r) => r.schoolId))]
  const global = schools.includes(null)
  const ids = schools.filter((s): s is string => s !== null)
  const rows = await db<Channel[]>`
    select ${CHANNEL(db)} from ${FROM_CHANNELS(db)}
    where ch.unbound_at is null and (${global} or ch.school_id = any(${ids}::uuid[]))
    order by c.grade, c.letter, ch.bound_at`
  return rows.filter((ch) => can(actor, 'channel.moderate', { type: 'class', schoolId: ch.schoolId, classId: ch.classId }))
}

/** A school's channels, live and unbound, for its moderators and administration. */
export async function listChannels(sql: Sql, ctx: RequestContext, schoolId: string): Promise<(Channel & { unboundAt: Date | null })[]> {
  assertCan(ctx.actor, 'school.moderateChannels', { type: 'school', schoolId })
  return sql<(Channel & { unboundAt: Date | null })[]>`
    select ${CHANNEL(sql)}, ch.unbound_at from ${FROM_CHANNELS(sql)} where ch.school_id = ${schoolId}
    order by ch.unbound_at nulls first, c.grade, c.letter`
}

export interface BindCode {
  readonly code: string
  readonly expiresAt: Date
  readonly classId: string
  readonly className: string
}

/** A one-time code that binds a group to the class: for its class teacher, moderators and administration. */
export async function issueBindCode(sql: Sql, ctx: RequestContext, classId: string): Promise<BindCode> {
  return sql.begin(async (tx) => {
    const [c] = await tx<{ schoolId: string; className: string }[]>`
      select school_id, grade || letter as class_name from classes where id = ${classId}`
    if (!c) throw errors.notFound('class', classId)
    assertCan(ctx.actor, 'channel.moderate', { type: 'class', schoolId: c.schoolId, classId })
    const code = generateLinkCode().slice(0, 8)
    const [row] = await tx<{ expiresAt: Date }[]>`
      insert into channel_codes (school_id, class_id, code_hash, created_by, expires_at)
      values (${c.schoolId}, ${classId}, ${sha256(code)}, ${ctx.actor.accountId},
              now() + make_interval(mins => ${BIND_CODE_TTL_MINUTES}))
      returning expires_at`
    await writeAudit(tx, {
      schoolId: c.schoolId, actorAccountId: ctx.actor.accountId, action: 'channel.code_issued', entityType: 'class',
      entityId: classId, requestId: ctx.requestId ?? null,
    })
    return { code, expiresAt: row!.expiresAt, classId, className: c.className }
  })
}

export interface BindInput {
  readonly code: string
  readonly chatId: string
  readonly title: string
  readonly isForum: boolean
  /** the Telegram user who sent the code in the group */
  readonly userId: string
}

/**
 * Binds a group with a code. The code must be live and sent by the person it was issued to
 * (their account linked to the sender's Telegram): a code read over someone's shoulder binds
 * nothing. Errors: not_found (unknown, used or expired code), forbidden (someone else's code),
 * conflict (the group is bound already).
 */
export async function bindChannel(sql: Sql, input: BindInput): Promise<Channel> {
  const code = normaliseCode(input.code)
  if (!/^[A-Z0-9]{6,32}$/.test(code)) throw errors.notFound('channel code', '')
  const id = await sql.begin(async (tx) => {
    const [c] = await tx<{ id: string; schoolId: string; classId: string; createdBy: string }[]>`
      select id, school_id, class_id, created_by from channel_codes
      where code_hash = ${sha256(code)} and used_at is null and expires_at > now() for update`
    if (!c) throw errors.notFound('channel code', '')
    const [own] = await tx`
      select 1 from chat_links cl join account_persons ap on ap.person_id = cl.person_id
      where cl.platform = 'telegram' and cl.chat_id = ${input.userId} and cl.unlinked_at is null and ap.account_id = ${c.createdBy}`
    if (!own) throw errors.forbidden('The code was issued to someone else')
    const [bound] = await tx<{ className: string }[]>`
      select cl.grade || cl.letter as class_name from channels ch join classes cl on cl.id = ch.class_id
      where ch.platform = 'telegram' and ch.chat_id = ${input.chatId} and ch.unbound_at is null`
    if (bound) throw new AppError('conflict', `The group is bound to class ${bound.className} already`)
    await tx`update channel_codes set used_at = now() where id = ${c.id}`
    const [ch] = await tx<{ id: string }[]>`
      insert into channels (school_id, class_id, chat_id, title, is_forum, bound_by)
      values (${c.schoolId}, ${c.classId}, ${input.chatId}, ${input.title.slice(0, 255)}, ${input.isForum}, ${c.createdBy})
      returning id`
    await recordAction(tx, { schoolId: c.schoolId, channelId: ch!.id }, {
      action: 'bound', actor: { accountId: c.createdBy, userId: input.userId }, rule: 'moderator',
    })
    return ch!.id
  })
  return (await channelById(sql, id))!
}

/** The bot was removed from the group (or a moderator unbinds it): the channel ends, its record stays. */
export async function unbindChannel(sql: Sql, channelId: string, reason: string, actor: ActionActor | null): Promise<boolean> {
  return sql.begin(async (tx) => {
    const [ch] = await tx<{ schoolId: string }[]>`
      update channels set unbound_at = now(), unbound_reason = ${reason}
      where id = ${channelId} and unbound_at is null returning school_id`
    if (!ch) return false
    await recordAction(tx, { schoolId: ch.schoolId, channelId }, { action: 'unbound', actor, rule: actor ? 'moderator' : 'system', reason })
    return true
  })
}

export async function saveInviteLink(sql: Sql, channelId: string, link: string): Promise<void> {
  await sql`update channels set invite_link = ${link} where id = ${channelId}`
}

/** Changes a channel's settings (the API, `/slow` in the group); audited with before and after. */
export async function updateChannelSettings(
  sql: Sql, ctx: RequestContext, channelId: string, patch: Partial<ChannelSettings>,
): Promise<Channel> {
  await requireModeratedChannel(sql, ctx.actor, channelId)
  await sql.begin(async (tx) => {
    // read under the row's lock: two changes at once both land, and `before` is what was replaced
    await tx`select 1 from channels where id = ${channelId} for update`
    const ch = (await channelById(tx, channelId))!
    const next = { ...ch.settings, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) }
    await tx`
      update channels set students_allowed = ${next.studentsAllowed}, slow_mode_seconds = ${next.slowModeSeconds},
        warn_limit = ${next.warnLimit}, warn_mute_minutes = ${next.warnMuteMinutes}, flood_messages = ${next.floodMessages},
        flood_seconds = ${next.floodSeconds}, flood_mute_minutes = ${next.floodMuteMinutes}
      where id = ${channelId}`
    await writeAudit(tx, {
      schoolId: ch.schoolId, actorAccountId: ctx.actor.accountId, action: 'channel.settings_changed', entityType: 'channel',
      entityId: channelId, before: ch.settings, after: next, requestId: ctx.requestId ?? null,
    })
  })
  return (await channelById(sql, channelId))!
}

// --- the record -------------------------------------------------------------------------

export type ModerationActionKind =
  | 'delete' | 'warn' | 'mute' | 'unmute' | 'ban' | 'unban' | 'remove' | 'hold' | 'flag' | 'approve'
  | 'join_approved' | 'join_declined' | 'report' | 'appeal' | 'appeal_rejected' | 'slow_mode' | 'bound' | 'unbound'

/** Who acted: a moderator (account, and the Telegram user when it was done in the group), or null for the bot itself. */
export interface ActionActor {
  readonly accountId: string | null
  readonly userId?: string | null | undefined
}

export interface ActionInput {
  readonly action: ModerationActionKind
  readonly actor: ActionActor | null
  /** why: 'obscenity', 'insult', 'watched:<word>', 'personal_data:<kind>', 'flood', 'slow_mode', 'escalation', 'not_in_class', 'moderator', 'report'… */
  readonly rule: string
  readonly targetUserId?: string | null | undefined
  readonly targetName?: string | undefined
  readonly reason?: string | null | undefined
  readonly messageId?: number | string | null | undefined
  readonly messageText?: string | null | undefined
  readonly until?: Date | null | undefined
  readonly queueItemId?: string | null | undefined
}

/**
 * Stores one moderation action and its audit row, in the caller's transaction. The audit row
 * names the action's id, the rule and the target, not the message text (the action row keeps
 * that, for the moderators).
 */
export async function recordAction(
  tx: Db, ch: { readonly schoolId: string; readonly channelId: string }, a: ActionInput,
): Promise<string> {
  const [row] = await tx<{ id: string }[]>`
    insert into moderation_actions ${tx({
      schoolId: ch.schoolId, channelId: ch.channelId, action: a.action,
      targetUserId: a.targetUserId ?? null, targetName: (a.targetName ?? '').slice(0, 64),
      actorAccountId: a.actor?.accountId ?? null, actorUserId: a.actor?.userId ?? null,
      rule: a.rule, reason: a.reason?.slice(0, 500) ?? null,
      messageId: a.messageId === undefined || a.messageId === null ? null : String(a.messageId),
      messageText: a.messageText?.slice(0, 4096) ?? null, until: a.until ?? null, queueItemId: a.queueItemId ?? null,
    })} returning id`
  await writeAudit(tx, {
    schoolId: ch.schoolId, actorAccountId: a.actor?.accountId ?? null, action: `channel.${a.action}`, entityType: 'channel',
    entityId: ch.channelId,
    after: { actionId: row!.id, rule: a.rule, targetUserId: a.targetUserId ?? null, until: a.until ?? null, reason: a.reason ?? null },
  })
  return row!.id
}

export interface ModerationRecord {
  readonly id: string
  readonly action: ModerationActionKind
  readonly rule: string
  readonly reason: string | null
  readonly targetUserId: string | null
  readonly targetName: string
  readonly actorAccountId: string | null
  /** the moderator's name, null for the bot's own actions */
  readonly actorName: string | null
  readonly messageId: string | null
  readonly messageText: string | null
  readonly until: Date | null
  readonly createdAt: Date
}

/** A channel's log, newest first, or one member's history in it. */
export async function channelLog(
  db: Db, actor: Actor, channelId: string, opts: { userId?: string | undefined; limit?: number | undefined; before?: Date | undefined } = {},
): Promise<ModerationRecord[]> {
  await requireModeratedChannel(db, actor, channelId)
  const limit = Math.min(Math.max(opts.limit ?? 50, 1), 500)
  return db<ModerationRecord[]>`
    select m.id, m.action, m.rule, m.reason, m.target_user_id::text as target_user_id, m.target_name, m.actor_account_id,
      (select p.last_name || ' ' || p.first_name from account_persons ap join persons p on p.id = ap.person_id
       where ap.account_id = m.actor_account_id order by p.kind = 'staff' desc limit 1) as actor_name,
      m.message_id::text as message_id, m.message_text, m.until, m.created_at
    from moderation_actions m
    where m.channel_id = ${channelId}
      and (${opts.userId ?? null}::bigint is null or m.target_user_id = ${opts.userId ?? null}::bigint)
      and (${opts.before ?? null}::timestamptz is null or m.created_at < ${opts.before ?? null}::timestamptz)
    order by m.created_at desc, m.id limit ${limit}`
}
