/**
 * The moderators' review queue, worked in a private chat with the bot (or the API): messages
 * the filter held or flagged, members' reports, and appeals of muted or banned members. Each
 * item is resolved once (a second moderator pressing the same button is told it is done).
 */
import type { Actor } from '../auth/policy.ts'
import type { Db, Sql } from '../db/connect.ts'
import { AppError, errors } from '../http/errors.ts'
import type { RequestContext } from '../people/service.ts'
import { channelById, channelsModeratedBy, recordAction, requireModeratedChannel, type Channel } from './channels.ts'
import { addEffect } from './effects.ts'
import type { GroupUser } from './members.ts'
import { lift, notifyModerators, queueItem, warnMember } from './moderation.ts'

export type QueueKind = 'held' | 'flagged' | 'report' | 'appeal'
export type Decision = 'approve' | 'delete' | 'warn' | 'lift' | 'reject'

export interface QueueItem {
  readonly id: string
  readonly channelId: string
  readonly className: string
  readonly kind: QueueKind
  readonly authorUserId: string
  readonly authorName: string
  readonly messageId: string | null
  readonly threadId: string | null
  readonly messageText: string
  readonly rule: string | null
  readonly createdAt: Date
  /** for an appeal: what restricts the member now */
  readonly restriction: 'muted' | 'banned' | null
}

/** Which decisions fit which kind of item. */
export const DECISIONS: Record<QueueKind, readonly Decision[]> = {
  held: ['approve', 'delete', 'warn'],
  flagged: ['approve', 'delete', 'warn'],
  report: ['approve', 'delete', 'warn'],
  appeal: ['lift', 'reject'],
}

const ITEM = (db: Db) => db`
  q.id, q.channel_id, c.grade || c.letter as class_name, q.kind, q.author_user_id::text as author_user_id, q.author_name,
  q.message_id::text as message_id, q.thread_id::text as thread_id,
  q.message_text, q.rule, q.created_at,
  (select case when m.status = 'banned' then 'banned' when m.muted_until > now() then 'muted' end
   from channel_members m where m.channel_id = q.channel_id and m.user_id = q.author_user_id) as restriction`

/** Open items of the channels the actor moderates, oldest first. */
export async function openQueue(db: Db, actor: Actor, opts: { channelId?: string | undefined; limit?: number | undefined } = {}): Promise<{ items: QueueItem[]; total: number }> {
  const channels = opts.channelId ? [await requireModeratedChannel(db, actor, opts.channelId)] : await channelsModeratedBy(db, actor)
  const ids = channels.map((c) => c.id)
  if (!ids.length) return { items: [], total: 0 }
  const [items, [n]] = await Promise.all([
    db<QueueItem[]>`
      select ${ITEM(db)} from moderation_queue q join channels ch on ch.id = q.channel_id join classes c on c.id = ch.class_id
      where q.resolved_at is null and q.channel_id = any(${ids}::uuid[]) order by q.created_at, q.id limit ${opts.limit ?? 20}`,
    db<{ n: number }[]>`select count(*)::int as n from moderation_queue where resolved_at is null and channel_id = any(${ids}::uuid[])`,
  ])
  return { items, total: n!.n }
}

export async function queueItemById(db: Db, actor: Actor, itemId: string): Promise<QueueItem> {
  const [item] = await db<QueueItem[]>`
    select ${ITEM(db)} from moderation_queue q join channels ch on ch.id = q.channel_id join classes c on c.id = ch.class_id
    where q.id = ${itemId}`
  if (!item) throw errors.notFound('queue item', itemId)
  await requireModeratedChannel(db, actor, item.channelId)
  return item
}

/**
 * A moderator's decision on an item. held: approve re-posts the message in the group (in its
 * topic, signed with the author's name), delete keeps it removed, warn also warns the author.
 * flagged / report: approve leaves the message, delete removes it, warn removes it and warns.
 * appeal: lift unmutes or unbans, reject tells the member. Errors: conflict when resolved already.
 */
export async function resolveQueueItem(sql: Sql, ctx: RequestContext, itemId: string, decision: Decision): Promise<QueueItem> {
  const item = await queueItemById(sql, ctx.actor, itemId)
  if (!DECISIONS[item.kind].includes(decision)) throw new AppError('bad_request', `"${decision}" does not apply to a ${item.kind} item`)
  const ch = (await channelById(sql, item.channelId))!
  const actor = { accountId: ctx.actor.accountId }
  const resolution = { approve: 'approved', delete: 'deleted', warn: 'warned', lift: 'lifted', reject: 'rejected' }[decision]
  await sql.begin(async (tx) => {
    const [done] = await tx`
      update moderation_queue set resolved_at = now(), resolved_by = ${ctx.actor.accountId}, resolution = ${resolution}
      where id = ${itemId} and resolved_at is null returning 1`
    if (!done) throw errors.conflict('This item has been dealt with already')
    const at = { schoolId: ch.schoolId, channelId: ch.id }
    const author: GroupUser = { userId: item.authorUserId, firstName: item.authorName }
    const base = {
      actor, targetUserId: item.authorUserId, targetName: item.authorName, messageId: item.messageId,
      messageText: item.messageText, queueItemId: item.id,
    }
    const threadId = item.threadId === null ? null : Number(item.threadId)
    const messageStays = item.kind !== 'held'
    switch (decision) {
      case 'approve':
        await recordAction(tx, at, { ...base, action: 'approve', rule: item.rule ?? item.kind })
        if (item.kind === 'held') {
          await addEffect(tx, ch.id, 'post', {
            template: 'channel-approved', threadId, view: { name: item.authorName, text: item.messageText },
          })
        }
        return
      case 'delete':
      case 'warn':
        if (messageStays && item.messageId !== null) {
          await recordAction(tx, at, { ...base, action: 'delete', rule: item.rule ?? item.kind })
          await addEffect(tx, ch.id, 'delete', { messageId: item.messageId })
        }
        if (decision === 'warn') {
          const target = { ...author, messageId: item.messageId === null ? undefined : Number(item.messageId), text: item.messageText }
          await warnMember(tx, ch, actor, target, item.rule ?? 'moderator', null, threadId, new Date())
        }
        return
      case 'lift':
        if (item.restriction === 'banned') await lift(tx, ch, actor, author, 'unban', 'обращение')
        else await lift(tx, ch, actor, author, 'unmute', 'обращение')
        await addEffect(tx, ch.id, 'notify', {
          chatId: item.authorUserId, template: 'channel-appeal-answer', view: { lifted: true, className: ch.className },
        })
        return
      case 'reject':
        await recordAction(tx, at, { ...base, action: 'appeal_rejected', rule: 'appeal' })
        await addEffect(tx, ch.id, 'notify', {
          chatId: item.authorUserId, template: 'channel-appeal-answer', view: { rejected: true, className: ch.className },
        })
    }
  })
  return { ...item }
}

/**
 * A member restricted in a channel asks to have it lifted: one open appeal per channel where
 * they are muted or banned, the moderators told. Returns the classes appealed in (empty when
 * the member is restricted nowhere; 'already' when an appeal is open already).
 */
export async function appeal(sql: Sql, user: GroupUser, text: string): Promise<{ classes: string[]; already: string[] }> {
  const restricted = await sql<{ channelId: string }[]>`
    select m.channel_id from channel_members m join channels ch on ch.id = m.channel_id
    where m.user_id = ${user.userId} and ch.unbound_at is null and (m.status = 'banned' or m.muted_until > now())`
  const classes: string[] = []
  const already: string[] = []
  for (const r of restricted) {
    const ch = (await channelById(sql, r.channelId)) as Channel
    await sql.begin(async (tx) => {
      const [open] = await tx`
        select 1 from moderation_queue where channel_id = ${ch.id} and author_user_id = ${user.userId} and kind = 'appeal' and resolved_at is null`
      if (open) {
        already.push(ch.className)
        return
      }
      const [name] = await tx<{ firstName: string }[]>`select first_name from channel_members where channel_id = ${ch.id} and user_id = ${user.userId}`
      const who = { ...user, firstName: name?.firstName || user.firstName }
      const item = await queueItem(tx, ch, 'appeal', { ...who, text: text.slice(0, 4096) }, 'appeal', null)
      await recordAction(tx, { schoolId: ch.schoolId, channelId: ch.id }, {
        action: 'appeal', actor: { accountId: null, userId: user.userId }, rule: 'appeal', reason: text.slice(0, 500),
        targetUserId: user.userId, targetName: who.firstName, queueItemId: item,
      })
      await notifyModerators(tx, ch, 'appeal')
      classes.push(ch.className)
    })
  }
  return { classes, already }
}
