/**
 * Threads between a guardian and a member of staff about one child, read from either side.
 * The administration (admin, director) reads the school's threads as the school's record;
 * anyone else outside a thread gets "not found", not "forbidden", so thread ids reveal nothing.
 */
import type postgres from 'postgres'
import { can, type Actor } from '../auth/policy.ts'
import { writeAudit } from '../audit/audit.ts'
import type { Db, Sql } from '../db/connect.ts'
import { errors } from '../http/errors.ts'
import type { RequestContext } from '../people/service.ts'
import type { MessageView, Side, ThreadView } from './schema.ts'

export interface ThreadRow {
  readonly id: string
  readonly schoolId: string
  readonly studentId: string
  readonly guardianId: string
  readonly staffId: string
  readonly mutedAt: Date | null
}

const person = (db: Db, alias: string) => db`json_build_object(
  'id', ${db(alias)}.id, 'lastName', ${db(alias)}.last_name, 'firstName', ${db(alias)}.first_name, 'middleName', ${db(alias)}.middle_name)`

/** Thread views matching `where`, newest activity first; `side` is told from the actor's persons. */
export async function threadViews(db: Db, actor: Actor, where: postgres.Fragment, limit = 100): Promise<ThreadView[]> {
  const mine = actor.personIds as string[]
  return db<ThreadView[]>`
    select t.id, t.school_id, t.created_at, t.last_message_at, t.muted_at is not null as muted,
      json_build_object('id', st.id, 'firstName', st.first_name, 'lastName', st.last_name,
        'className', (select c.grade || c.letter from enrolments e join classes c on c.id = e.class_id
                      where e.student_id = st.id and e.ended_on is null)) as student,
      ${person(db, 'g')} as guardian, ${person(db, 's')} as staff,
      case when t.staff_id = any(${mine}::uuid[]) then 'staff' when t.guardian_id = any(${mine}::uuid[]) then 'guardian' end as side,
      (select m.body from thread_messages m where m.thread_id = t.id order by m.created_at desc limit 1) as last_message
    from message_threads t
    join persons st on st.id = t.student_id
    join persons g on g.id = t.guardian_id
    join persons s on s.id = t.staff_id
    where ${where}
    order by t.last_message_at desc, t.id
    limit ${limit}`
}

export async function loadThread(db: Db, threadId: string, lock = false): Promise<ThreadRow | null> {
  const [row] = await db<ThreadRow[]>`
    select id, school_id, student_id, guardian_id, staff_id, muted_at from message_threads where id = ${threadId}
    ${lock ? db`for update` : db``}`
  return row ?? null
}

/** The actor's side of a thread, or null when they are not in it. */
export function sideOf(actor: Actor, t: ThreadRow): Side | null {
  if (actor.personIds.includes(t.staffId)) return 'staff'
  if (actor.personIds.includes(t.guardianId)) return 'guardian'
  return null
}

/** A thread the actor is in or, for the administration, reads as the school's record. */
async function requireThread(db: Db, actor: Actor, threadId: string, lock = false): Promise<ThreadRow> {
  const t = await loadThread(db, threadId, lock)
  if (!t || (!sideOf(actor, t) && !can(actor, 'school.readThreads', { type: 'school', schoolId: t.schoolId })))
    throw errors.notFound('thread', threadId)
  return t
}

export async function listThreads(sql: Sql, ctx: RequestContext, limit = 50): Promise<ThreadView[]> {
  const mine = ctx.actor.personIds as string[]
  return threadViews(sql, ctx.actor, sql`(t.guardian_id = any(${mine}::uuid[]) or t.staff_id = any(${mine}::uuid[]))`, limit)
}

/** The school's threads, for the administration. */
export async function schoolThreads(sql: Sql, ctx: RequestContext, schoolId: string, limit = 50): Promise<ThreadView[]> {
  if (!can(ctx.actor, 'school.readThreads', { type: 'school', schoolId })) throw errors.forbidden()
  return threadViews(sql, ctx.actor, sql`t.school_id = ${schoolId}`, limit)
}

export async function threadView(db: Db, actor: Actor, threadId: string): Promise<ThreadView> {
  const [view] = await threadViews(db, actor, db`t.id = ${threadId}`, 1)
  if (!view) throw errors.notFound('thread', threadId)
  return view
}

export const MESSAGE_COLUMNS = (db: Db) => db`m.id, m.thread_id, m.author_id, m.body, m.via, m.created_at, m.read_at,
  case when m.author_id = t.staff_id then 'staff' else 'guardian' end as "from"`

/**
 * The thread and its latest messages, oldest first. Reading from one's own side marks the
 * other side's messages read.
 */
export async function threadMessages(sql: Sql, ctx: RequestContext, threadId: string, limit = 100):
  Promise<{ thread: ThreadView; items: MessageView[] }> {
  const t = await requireThread(sql, ctx.actor, threadId)
  const side = sideOf(ctx.actor, t)
  if (side) {
    const me = side === 'staff' ? t.staffId : t.guardianId
    await sql`update thread_messages set read_at = now() where thread_id = ${t.id} and author_id <> ${me} and read_at is null`
  }
  const items = await sql<MessageView[]>`
    select * from (
      select ${MESSAGE_COLUMNS(sql)} from thread_messages m join message_threads t on t.id = m.thread_id
      where m.thread_id = ${t.id} order by m.created_at desc, m.id desc limit ${limit}) x
    order by created_at, id`
  return { thread: await threadView(sql, ctx.actor, t.id), items }
}

/** The staff side mutes a thread: the family's new messages are kept but not pushed. */
export async function muteThread(sql: Sql, ctx: RequestContext, threadId: string, muted: boolean): Promise<ThreadView> {
  await sql.begin(async (tx) => {
    const t = await requireThread(tx, ctx.actor, threadId, true)
    if (sideOf(ctx.actor, t) !== 'staff') throw errors.forbidden('Only the member of staff in the thread mutes it')
    if ((t.mutedAt !== null) === muted) return
    await tx`update message_threads set muted_at = ${muted ? tx`now()` : null} where id = ${t.id}`
    await writeAudit(tx, {
      schoolId: t.schoolId, actorAccountId: ctx.actor.accountId, action: muted ? 'thread.muted' : 'thread.unmuted',
      entityType: 'message_thread', entityId: t.id, before: { muted: !muted }, after: { muted }, requestId: ctx.requestId ?? null,
    })
  })
  return threadView(sql, ctx.actor, threadId)
}
