/**
 * Who may be in a class channel, and keeping it so. A Telegram user belongs when their private
 * chat with the bot is linked to a guardian of a student of the class, a student of the class
 * (when the channel allows students), or a teacher of the class (the SQL function
 * channel_member_belongs); moderators are those core/auth/policy lets moderate the channel.
 * Join requests are decided here; `reconcileMembers` removes members who stopped belonging
 * (a student who left the class, a guardian unlinked from the child or from the bot).
 */
import { can, type Actor } from '../auth/policy.ts'
import { chatActor, chatIdentity } from '../chat/identity.ts'
import type { Db, Sql } from '../db/connect.ts'
import { recordAction, type Channel } from './channels.ts'
import { addEffect } from './effects.ts'

/** A Telegram user as the group shows them: the id and the first name (never the school's card). */
export interface GroupUser {
  readonly userId: string
  readonly firstName: string
}

export interface Standing {
  readonly belongs: boolean
  readonly moderates: boolean
  /** the user's linked accounts as one actor (for moderators' acts), null when none */
  readonly actor: Actor | null
}

export async function standingOf(db: Db, ch: Channel, userId: string): Promise<Standing> {
  const [[row], identity] = await Promise.all([
    db<{ belongs: boolean }[]>`select channel_member_belongs(${ch.id}, ${userId}) as belongs`,
    chatIdentity(db, userId),
  ])
  const actor = chatActor(identity, userId)
  const moderates = !!actor && can(actor, 'channel.moderate', { type: 'class', schoolId: ch.schoolId, classId: ch.classId })
  return { belongs: !!row?.belongs, moderates, actor }
}

/** Records that the user is in the group (they wrote, or Telegram told us). */
export async function noteMember(db: Db, ch: Channel, user: GroupUser): Promise<{ status: string; mutedUntil: Date | null }> {
  const [m] = await db<{ status: string; mutedUntil: Date | null }[]>`
    insert into channel_members (channel_id, user_id, first_name, status)
    values (${ch.id}, ${user.userId}, ${user.firstName.slice(0, 64)}, 'member')
    on conflict (channel_id, user_id) do update set first_name = excluded.first_name, updated_at = now(),
      status = case when channel_members.status in ('left', 'removed') then 'member' else channel_members.status end
    returning status, muted_until`
  return m!
}

/** A member left or was removed by someone else: noted (a ban stays a ban). */
export async function noteMemberGone(db: Db, ch: Channel, userId: string): Promise<void> {
  await db`update channel_members set status = 'left', updated_at = now()
           where channel_id = ${ch.id} and user_id = ${userId} and status = 'member'`
}

export type JoinDecision = 'approved' | 'declined'

/**
 * A join request: approved for those who belong to the class and for moderators, declined for
 * anyone else and for a banned member; a declined person is told why in a private message
 * (Telegram lets the bot write to someone who asked to join).
 */
export async function decideJoinRequest(sql: Sql, ch: Channel, user: GroupUser): Promise<JoinDecision> {
  const standing = await standingOf(sql, ch, user.userId)
  return sql.begin(async (tx) => {
    const [m] = await tx<{ status: string }[]>`
      select status from channel_members where channel_id = ${ch.id} and user_id = ${user.userId} for update`
    const banned = m?.status === 'banned'
    const at = { schoolId: ch.schoolId, channelId: ch.id }
    if ((standing.belongs || standing.moderates) && !banned) {
      await tx`
        insert into channel_members (channel_id, user_id, first_name, status, admitted_at)
        values (${ch.id}, ${user.userId}, ${user.firstName.slice(0, 64)}, 'member', now())
        on conflict (channel_id, user_id) do update set status = 'member', first_name = excluded.first_name, updated_at = now(),
          admitted_at = coalesce(channel_members.admitted_at, now())`
      await recordAction(tx, at, {
        action: 'join_approved', actor: null, rule: standing.belongs ? 'in_class' : 'moderator',
        targetUserId: user.userId, targetName: user.firstName,
      })
      await addEffect(tx, ch.id, 'approve_join', { userId: user.userId })
      return 'approved' as const
    }
    await recordAction(tx, at, {
      action: 'join_declined', actor: null, rule: banned ? 'banned' : 'not_in_class', targetUserId: user.userId, targetName: user.firstName,
    })
    await addEffect(tx, ch.id, 'decline_join', { userId: user.userId })
    await addEffect(tx, ch.id, 'notify', {
      chatId: user.userId, template: 'channel-join-declined', view: { className: ch.className, banned },
    })
    return 'declined' as const
  })
}

/**
 * Someone is in the group without a request (added by a member, an old invite link): kept when
 * they belong or moderate, removed otherwise; a banned member is banned again.
 */
export async function admitOrRemove(sql: Sql, ch: Channel, user: GroupUser): Promise<'kept' | 'removed' | 'banned'> {
  const standing = await standingOf(sql, ch, user.userId)
  return sql.begin(async (tx) => {
    const [m] = await tx<{ status: string }[]>`
      select status from channel_members where channel_id = ${ch.id} and user_id = ${user.userId} for update`
    const at = { schoolId: ch.schoolId, channelId: ch.id }
    if (m?.status === 'banned') {
      await addEffect(tx, ch.id, 'ban', { userId: user.userId })
      return 'banned' as const
    }
    if (standing.belongs || standing.moderates) {
      await tx`
        insert into channel_members (channel_id, user_id, first_name, status, admitted_at)
        values (${ch.id}, ${user.userId}, ${user.firstName.slice(0, 64)}, 'member', now())
        on conflict (channel_id, user_id) do update set status = 'member', first_name = excluded.first_name, updated_at = now(),
          admitted_at = coalesce(channel_members.admitted_at, now())`
      return 'kept' as const
    }
    await tx`
      insert into channel_members (channel_id, user_id, first_name, status) values (${ch.id}, ${user.userId}, ${user.firstName.slice(0, 64)}, 'removed')
      on conflict (channel_id, user_id) do update set status = 'removed', updated_at = now()`
    await recordAction(tx, at, { action: 'remove', actor: null, rule: 'not_in_class', targetUserId: user.userId, targetName: user.firstName })
    await addEffect(tx, ch.id, 'remove', { userId: user.userId })
    return 'removed' as const
  })
}

/**
 * Removes every present member of a live channel who no longer belongs to its class and does
 * not moderate it: a student who left the class, a guardian unlinked from the child or who
 * unlinked the bot; and, after the grace day, people who were in the group before it was bound
 * and never linked themselves. Idempotent (a member is removed once), safe with several bot processes.
 * Returns the members removed.
 */
/** Members who were in the group before it was bound have this long to link themselves to the bot. */
export const GRACE_HOURS = 24

export async function reconcileMembers(sql: Sql): Promise<number> {
  const candidates = await sql<{ channelId: string; userId: string; firstName: string; schoolId: string; classId: string }[]>`
    select m.channel_id, m.user_id::text as user_id, m.first_name, ch.school_id, ch.class_id
    from channel_members m join channels ch on ch.id = m.channel_id
    where ch.unbound_at is null and m.status = 'member'
      and (m.admitted_at is not null or ch.bound_at < now() - make_interval(hours => ${GRACE_HOURS}))
      and not channel_member_belongs(m.channel_id, m.user_id)`
  let removed = 0
  for (const c of candidates) {
    const actor = chatActor(await chatIdentity(sql, c.userId), c.userId)
    if (actor && can(actor, 'channel.moderate', { type: 'class', schoolId: c.schoolId, classId: c.classId })) continue
    const done = await sql.begin(async (tx) => {
      const [m] = await tx`
        update channel_members set status = 'removed', updated_at = now()
        where channel_id = ${c.channelId} and user_id = ${c.userId} and status = 'member' returning 1`
      if (!m) return false
      await recordAction(tx, { schoolId: c.schoolId, channelId: c.channelId }, {
        action: 'remove', actor: null, rule: 'left_class', targetUserId: c.userId, targetName: c.firstName,
      })
      await addEffect(tx, c.channelId, 'remove', { userId: c.userId })
      return true
    })
    if (done) removed++
  }
  return removed
}
